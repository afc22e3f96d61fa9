"""Records to signals: catalog templates first, then structure, then a keyword fallback.

>>> from loganalyzer.model import Event, TimeKind
>>> c = Classifier.default()
>>> ev = Event(None, TimeKind.NONE, "ERROR", "Event: name=Microsoft.OSTCExtensions.VMAccessForLinux, "
...            "op=None, message=[ExtensionError] zorblax broke, duration=0", "w.log", 1, 1,
...            "waagent_log", fields={"event_name": "Microsoft.OSTCExtensions.VMAccessForLinux",
...            "event_op": "None", "event_message": "[ExtensionError] zorblax broke"})
>>> [(s.name, s.get("op"), s.via.value) for s in c.classify(ev, ev.message)][:1]
[('extension_op_failed', 'other', 'structure')]
>>> ev = Event(None, TimeKind.NONE, "WARNING", "HTTP GET failed: [Errno 110] Connection timed out "
...            "http://168.63.129.16/machine", "w.log", 1, 1, "waagent_log")
>>> [(s.name, s.get("endpoint"), s.get("error_class")) for s in c.classify(ev, ev.message)][:1]
[('http_failure', 'wireserver', 'timeout')]
"""
from __future__ import annotations

import re
from typing import Any

from ..model import Event
from ..rules.prefilter import Prefilter
from . import Entry, load_catalog
from .signals import Signal, Via

# -- entities: words that say what a record is about ---------------------------------------------
_ENDPOINTS = (
    ("hostgaplugin", re.compile(r"168\.63\.129\.16:32526|:32526\b|HostGAPlugin|host plugin|hostplugin",
                                re.I)),
    ("wireserver", re.compile(r"168\.63\.129\.16|WireServer|wire server|Wireserver", re.I)),
    ("imds", re.compile(r"169\.254\.169\.254|\bIMDS\b|metadata/instance", re.I)),
    ("storage", re.compile(r"blob\.core\.|\.blob\.|storage account|\$system/|snapshot.*blob|"
                           r"blob.*snapshot|x-ms-", re.I)),
    ("packages", re.compile(r"packages\.microsoft|archive\.ubuntu|yum|apt-get|zypper|\brepo\b", re.I)),
)
_ERROR_CLASSES = (
    ("proxy", re.compile(r"\bproxy\b|Tunnel connection failed|407 Proxy", re.I)),
    ("ssl", re.compile(r"\bSSL\b|certificate verify|CERTIFICATE_VERIFY|TLS|handshake", re.I)),
    ("dns", re.compile(r"Name or service not known|Temporary failure in name resolution|getaddrinfo|"
                       r"nodename nor servname|Could not resolve|No address associated", re.I)),
    ("timeout", re.compile(r"timed? ?out|Errno 110\b|Timeout|\(28,", re.I)),
    ("refused", re.compile(r"Connection refused|Errno 111\b|\(7,", re.I)),
    ("unreachable", re.compile(r"Network is unreachable|No route to host|Errno 10[13]\b|Errno 113\b|"
                               r"Host is unreachable", re.I)),
    ("reset", re.compile(r"Connection reset|Errno 104\b|BadStatusLine|RemoteDisconnected|"
                         r"Connection aborted|broken pipe|IncompleteRead", re.I)),
    ("http_5xx", re.compile(r"\b5\d\d\b.*(?:Internal Server|Service Unavailable|Bad Gateway|Gateway)|"
                            r"(?:status|code|HTTP)[:= ]+5\d\d\b|\[HTTP Failed\] \[5\d\d", re.I)),
    ("http_4xx", re.compile(r"(?:status|code|HTTP)[:= ]+4\d\d\b|\b4\d\d (?:Bad Request|Forbidden|Not Found|"
                            r"Unauthorized|Gone)|\[HTTP Failed\] \[4\d\d", re.I)),
)


def endpoint_of(text: str) -> str:
    """The endpoint a text names (``other`` when none).

    >>> endpoint_of("GET http://168.63.129.16:32526/extensionArtifact")
    'hostgaplugin'
    >>> endpoint_of("https://md-x.blob.core.windows.net/$system/vm.status")
    'storage'
    """
    for name, pattern in _ENDPOINTS:
        if pattern.search(text):
            return name
    return "other"


def error_class_of(text: str) -> str:
    """The class of a network error text (``other`` when none).

    >>> error_class_of("[Errno 111] Connection refused"), error_class_of("HTTP 503 Service Unavailable")
    ('refused', 'http_5xx')
    """
    for name, pattern in _ERROR_CLASSES:
        if pattern.search(text):
            return name
    return "other"


# -- structure ----------------------------------------------------------------------------------
_FAILURE_WORDS = re.compile(r"\b(?:fail(?:ed|s|ure)?|error|unable|cannot|can't|could not|couldn't|"
                            r"exception|timed? ?out|not found|refused|unreachable|denied|invalid|"
                            r"abort(?:ed)?|crash(?:ed)?|killed|exceed(?:ed|s)?|non-zero exit code)\b"
                            r"|[a-z](?:Error|Exception)\b", re.I)
_OPS = {"download": "download", "install": "install", "enable": "enable", "update": "update",
        "upgrade": "update", "uninstall": "uninstall", "disable": "disable", "load": "load",
        "handlerstate": "other", "reportstatus": "status", "status": "status", "config": "config"}
_OP_WORD = re.compile(r"\b(download|install|enable|update|upgrade|uninstall|disable|load)", re.I)
_EXT_NAME = re.compile(r"\b((?:Microsoft|Azure|MSFT|Symantec|TrendMicro|Datadog|New[Rr]elic|OSTC|"
                       r"Qualys|CrowdStrike|Sophos|Dynatrace|Site24x7|Chef|Puppet|Rapid7)"
                       r"(?:\.[A-Za-z0-9_]+)+)")
_EXIT = re.compile(r"(?:Non-zero exit code|exit code|exit status|returned code|return code|"
                   r"exited with(?: code| status)?)[:= ]+(-?\d+)", re.I)
_TAG_SIGNALS: dict[str, tuple[str, dict[str, str]]] = {
    "ExtensionDownloadError": ("extension_op_failed", {"op": "download"}),
    "ExtensionUpdateError": ("extension_op_failed", {"op": "update"}),
    "ExtensionConfigError": ("extension_op_failed", {"op": "config"}),
    "ExtensionStatusError": ("extension_op_failed", {"op": "status"}),
    "ProvisionError": ("provisioning_step_failed", {}),
    "ResourceDiskError": ("resource_disk_problem", {}),
    "CGroupsException": ("cgroup_problem", {}),
    "CryptError": ("cert_problem", {"kind": "openssl"}),
    "DhcpError": ("dhcp_problem", {}),
    "UpdateError": ("agent_update_problem", {"kind": "failed"}),
    "AgentUpgradeExitException": ("agent_update_problem", {"kind": "failed"}),
}
_HTTP_TAGS = frozenset({"HttpError", "ProtocolError", "Wireserver Exception", "Wireserver Failed",
                        "Internal error in HostGAPlugin", "ResourceGoneError", "InvalidContainerError"})
_AGENT_NAMES = frozenset({"WALinuxAgent", "WALA", "waagent"})

# -- keyword fallback (entities of a failure-looking record) --------------------------------------
_KEYWORDS: tuple[tuple[re.Pattern[str], str, dict[str, str]], ...] = (
    (re.compile(r"\bproxy\b", re.I), "http_failure", {"error_class": "proxy"}),
    (re.compile(r"\bthaw", re.I), "snapshot_phase_failed", {"phase": "thaw"}),
    (re.compile(r"\bfreez|fsfreeze|safefreeze", re.I), "snapshot_phase_failed", {"phase": "freeze"}),
    (re.compile(r"\bsnapshot", re.I), "snapshot_phase_failed", {"phase": "snapshot"}),
    (re.compile(r"\bcgroup|\b(?:cpu|memory|cpuacct) (?:controller|quota|limit|threshold|accounting)|"
                r"CPUQuota|MemoryMax|MemoryLimit|\.slice\b|resource limits", re.I), "cgroup_problem", {}),
    (re.compile(r"\bopenssl|\.pem\b|\.pfx\b|\bpkcs|certificate|\bFIPS\b|\bcrypt", re.I),
     "cert_problem", {}),
    (re.compile(r"No space left|ENOSPC|disk (?:is )?full|\binodes?\b|Read-only file system|EROFS",
                re.I), "disk_problem", {}),
    (re.compile(r"resource disk|/mnt/resource\b|ActivateResourceDisk", re.I), "resource_disk_problem", {}),
    (re.compile(r"\bdhcp|dhclient|option 245|endpoint not found|lease", re.I), "dhcp_problem", {}),
    (re.compile(r"\bdvd|\budf\b|/dev/sr0|ovf-env|\bprovision|cloud-init", re.I),
     "provisioning_step_failed", {}),
    (re.compile(r"168\.63\.129\.16|32526|wire ?server|host ?ga ?plugin|goal ?state", re.I),
     "http_failure", {}),
    (re.compile(r"blob\.core|storage account|\bcurl\b|urlopen|Connection (?:timed out|refused|reset)|"
                r"Network is unreachable|No route to host|Name or service not known", re.I),
     "http_failure", {}),
)


#: the programs whose statements a file kind holds (a tie between templates goes to them)
_PROGRAMS_OF_KIND = {
    "waagent_log": ("walinuxagent",), "syslog": ("walinuxagent", "system"),
    "serial_console": ("walinuxagent", "system"), "vmsnapshot_log": ("vmbackup",),
    "vmsnapshot_shell_log": ("vmbackup",), "handler_logfmt": ("customscript", "runcommand"),
    "extension_log": ("handlerutil",),
}


class Classifier:
    """Turns one record into its signals (see the module doc)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = [e for e in entries]
        self._index = Prefilter()
        for i, lit in enumerate(self.anchors()):
            self._index.add(i, frozenset([lit]), None)
        self._index.freeze()

    @classmethod
    def default(cls) -> Classifier:
        global _DEFAULT
        if _DEFAULT is None:
            _DEFAULT = cls(load_catalog().entries)
        return _DEFAULT

    # -- the three ways ------------------------------------------------------------------------
    def anchors(self) -> list[str]:
        """Each entry's anchor literal (``CUT`` marks an end cut next to a placeholder), by index:
        the rule engine routes records to entries with the same word index as its rules."""
        return [e.compiled.routing_literal for e in self.entries]

    def classify(self, event: Event, text: str, candidates: list[int] | None = None) -> list[Signal]:
        """Signals of a record, strongest way first; ``[]`` for a record that means nothing
        (a benign catalog entry yields ``[Signal("none")]``: known and harmless).
        ``candidates``: entry indexes already routed to this record (else found here)."""
        # a Go handler's logfmt line escapes the quotes of its values; the templates have them plain
        plain = text.replace('\\"', '"') if event.kind == "handler_logfmt" and '\\"' in text else text
        found = self.by_catalog(plain, candidates, event.kind,
                                event.extension if event.kind == "waagent_log" else None)
        if found:
            return found
        if needs_structure(event, text):
            found = by_structure(event, text)
            if found:
                return found
        level = (event.level or "").upper()
        if level not in _LOUD and (level not in ("", "INFO") or not _strong_failure(text)):
            return []
        return by_keyword(event, text, checked=True) or unexplained(event, text, checked=True)

    def by_catalog(self, text: str, candidates: list[int] | None = None, kind: str = "",
                   extension: str | None = None) -> list[Signal]:
        out: list[Signal] = []
        best: tuple[tuple[bool, bool, int], Entry, dict[str, str]] | None = None
        programs = programs_of(kind, extension)
        for i in (self._index.candidates("", text) if candidates is None else candidates):
            entry = self.entries[i]
            caps = entry.compiled.match(text)
            if caps is None:
                continue
            size = rank(entry, programs)
            if best is None or size > best[0]:
                best = (size, entry, caps)
        if best is not None:
            _, entry, caps = best
            out.append(signal_of_entry(entry, caps, text))
        return out


_DEFAULT: Classifier | None = None


def programs_of(kind: str, extension: str | None = None) -> tuple[str, ...]:
    """The programs whose statements a record of ``kind`` holds first (a ``[Name-Version]`` line
    in waagent.log: an extension's own statement)."""
    return ("handlerutil",) if extension else _PROGRAMS_OF_KIND.get(kind, ())


def rank(entry: Entry, programs: tuple[str, ...]) -> tuple[bool, bool, int]:
    """How strongly a matching entry claims a record (the greatest wins): the program that writes
    this kind of file first, then a statement over a wrapper (a traceback header before its
    exception line), then the most specific template (the longest literal text)."""
    literal = len(entry.template) - sum(len(n) + 2 for n in entry.compiled.names)
    return (entry.program in programs, not entry.wrapper, literal)


def signal_of_entry(entry: Entry, caps: dict[str, str], text: str) -> Signal:
    """The signal a matched catalog entry gives, attributes filled from its captures."""
    if entry.signal == "none":
        return Signal("none", {"benign": entry.benign}, Via.CATALOG, entry.id)
    attrs: dict[str, Any] = dict(entry.args)
    for key in ("extension", "code", "version"):
        if caps.get(key):
            attrs[key] = caps[key]
    if entry.signal == "http_failure":
        where = caps.get("url") or text
        if "endpoint" not in attrs:
            attrs["endpoint"] = endpoint_of(where)
        if "error_class" not in attrs:
            attrs["error_class"] = error_class_of(caps.get("error") or text)
    if "extension" not in attrs:
        m = _EXT_NAME.search(text)
        if m:
            attrs["extension"] = m.group(1)
    if entry.signal == "extension_op_failed" and attrs.get("op", "other") == "other":
        # the operation the agent ran, when the template leaves it to a value (the command line)
        for key in ("op", "operation", "command", "cmd"):
            if caps.get(key):
                attrs["op"] = _op_of(caps[key].rsplit("/", 1)[-1]) if key != "op" else \
                    _OPS.get(caps[key].lower(), _op_of(caps[key]))
                break
    return Signal(entry.signal, attrs, Via.CATALOG, entry.id)


#: the literals :func:`needs_structure` looks for (the rule engine guards them like rule literals)
STRUCTURE_WORDS = ("Traceback (most recent", "xit code", "xit status")


def needs_structure(event: Event, text: str) -> bool:
    """Whether a record no catalog entry explained is worth :func:`by_structure`: it has the
    fields of an ``Event:``, an exception tag, an HTTP failure or an exit code, or a traceback or
    exit-code wording."""
    f = event.fields
    if f and ("event_name" in f or "exception_tags" in f or "http_error" in f or "http_status" in f
              or f.get("exit_code")):
        return True
    for word in STRUCTURE_WORDS:    # noqa: SIM110 - a plain loop: this runs for most records
        if word in text:
            return True
    return False


def _ext_of(event: Event, text: str) -> str | None:
    f = event.fields or {}
    name = f.get("event_name")
    if name and name not in _AGENT_NAMES and not str(name).startswith("WALinuxAgent"):
        return str(name)
    if event.extension and event.extension not in _AGENT_NAMES:
        return event.extension
    m = _EXT_NAME.search(text)
    return m.group(1) if m else None


def _op_of(text: str, default: str = "other") -> str:
    m = _OP_WORD.search(text)
    return _OPS.get(m.group(1).lower(), default) if m else default


def by_structure(event: Event, text: str) -> list[Signal]:
    """Signals from the record's structure, whatever its words: ``Event:`` fields, exception
    tags, the HTTP failure grammar, exit codes, tracebacks."""
    f = event.fields or {}
    level = (event.level or "").upper()
    out: list[Signal] = []
    tags = f.get("exception_tags") or ()
    name = f.get("event_name")
    message = f.get("event_message") or ""
    ext = _ext_of(event, text)
    if name is not None:
        is_agent = name in _AGENT_NAMES or str(name).startswith("WALinuxAgent")
        if not is_agent and (tags or _FAILURE_WORDS.search(message)):
            op = _OPS.get(str(f.get("event_op", "")).lower()) or _op_of(message)
            out.append(Signal("extension_op_failed", {"op": op, "extension": name,
                                                      **_code(message)}, Via.STRUCTURE))
            return out
    for tag in tags:
        if tag in _TAG_SIGNALS:
            sig, attrs = _TAG_SIGNALS[tag]
            attrs = dict(attrs)
            if sig == "extension_op_failed" and ext:
                attrs["extension"] = ext
            out.append(Signal(sig, attrs, Via.STRUCTURE))
            return out
    # a non-zero exit code the parser read (free text writes it many ways) is a failure by itself
    exit_code = f.get("exit_code")
    if any(t.startswith("Extension") for t in tags) or (ext and exit_code) \
            or (ext and _EXIT.search(text) and _FAILURE_WORDS.search(text)):
        code = {"code": str(exit_code)} if exit_code else _code(text)
        out.append(Signal("extension_op_failed", {"op": _op_of(text), **({"extension": ext} if ext else {}),
                                                  **code}, Via.STRUCTURE))
        return out
    if "http_error" in f or "http_status" in f or any(t in _HTTP_TAGS for t in tags):
        status = f.get("http_status")
        host = str(f.get("http_host", "")) + (":" + str(f["http_port"]) if "http_port" in f else "")
        endpoint = endpoint_of(host) if host else endpoint_of(text)
        if status is not None and 200 <= int(status) < 400:
            return out
        err = error_class_of(str(f.get("http_error", "")) or text)
        if status is not None and err == "other":
            err = "http_5xx" if int(status) >= 500 else "http_4xx"
        out.append(Signal("http_failure", {"endpoint": endpoint, "error_class": err}, Via.STRUCTURE))
        return out
    if "Traceback (most recent call last)" in text and level in ("ERROR", "WARNING", "CRITICAL"):
        process = "daemon" if (event.source or "") == "Daemon" else "exthandler"
        if ext:
            out.append(Signal("extension_op_failed", {"op": _op_of(text), "extension": ext}, Via.STRUCTURE))
        else:
            out.append(Signal("agent_crash", {"process": process, "kind": "exception"}, Via.STRUCTURE))
    return out


def _code(text: str) -> dict[str, str]:
    m = _EXIT.search(text)
    return {"code": m.group(1)} if m else {}


_LOUD = frozenset({"ERROR", "WARNING", "WARN", "CRITICAL", "FATAL"})
#: substrings one of which every match of ``_STRONG_FAILURE`` holds (scanned first: cheaper).
#: Each word of the pattern has a letter no GUID holds, so numbers never change its answer.
STRONG_FAILURE_WORDS = ("ailed", "ailure", "AILED", "AILURE", "ble to", "BLE TO", "annot", "ANNOT",
                        "ould not", "ouldn't", "OULD NOT")
_STRONG_FAILURE = re.compile(r"\b(?:failed|failure|unable to|cannot|could not|couldn't|not able to)\b", re.I)


def failure_like(event: Event, text: str) -> bool:
    """Whether a record reads as a failure: ERROR/WARNING level, or plain failure wording
    (``failed``, ``unable to``, ``cannot`` …) at any other level.

    >>> from loganalyzer.model import Event, TimeKind
    >>> ev = lambda lvl, msg: Event(None, TimeKind.NONE, lvl, msg, "x", 1, 1, "vmsnapshot_log")
    >>> failure_like(ev(None, "T:S freeze result , timedout :False"), "T:S freeze result , timedout :False")
    False
    >>> failure_like(ev("INFO", "freeze failed for /mnt"), "freeze failed for /mnt")
    True
    """
    level = (event.level or "").upper()
    return level in _LOUD or _strong_failure(text)


def _strong_failure(text: str) -> bool:
    """Plain failure wording in the first 2,000 characters (substring scans first: most records
    have none of the letters, and ``in`` is much cheaper than the regex)."""
    head = text[:2000]
    for word in STRONG_FAILURE_WORDS:   # a plain loop: this runs for most records
        if word in head:
            break
    else:
        return False
    return bool(_STRONG_FAILURE.search(head))


def by_keyword(event: Event, text: str, checked: bool = False) -> list[Signal]:
    """A low-confidence guess from entity keywords, for failure-looking records only
    (``checked``: the caller already knows the record is one)."""
    if not checked and not failure_like(event, text):
        return []
    head = text[:2000]
    for pattern, name, attrs in _KEYWORDS:
        if pattern.search(head):
            attrs = dict(attrs)
            if name == "http_failure":
                attrs.setdefault("endpoint", endpoint_of(head))
                attrs.setdefault("error_class", error_class_of(head))
            ext = _ext_of(event, head)
            if ext:
                attrs["extension"] = ext
            return [Signal(name, attrs, Via.KEYWORD)]
    ext = _ext_of(event, head)
    # the backup extension's own unknown failures stay unexplained (a warning with its words),
    # rather than a guessed extension operation
    if ext and not (event.kind or "").startswith("vmsnapshot") \
            and (event.level or "").upper() in ("ERROR", "CRITICAL") and _FAILURE_WORDS.search(head):
        return [Signal("extension_op_failed", {"op": _op_of(head), "extension": ext}, Via.KEYWORD)]
    return []


_VARIABLE = re.compile(
    r"https?://\S+|(?:/[\w.@:+-]+){2,}/?|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|'[^']*'|\"[^\"]*\"|\b0x[0-9a-fA-F]+\b|\b\d[\d.:,_-]*\b", re.I)


def template_of(text: str) -> str:
    """The record's first line with its variable parts masked: records of one log statement share it.

    >>> template_of("Failed to open /var/lib/waagent/foo.xml after 3 tries: 'boom'")
    'Failed to open <*> after <*> tries: <*>'
    """
    first = text.partition("\n")[0][:300]
    return _VARIABLE.sub("<*>", first).strip()


def unexplained(event: Event, text: str, checked: bool = False) -> list[Signal]:
    """The fallback signal of a failure record (ERROR/WARNING, or failure wording at info) that
    nothing else explained, keyed by its template; it names the backup extension when the record
    is about it (``checked``: the caller already knows the record is a failure)."""
    level = (event.level or "").upper()
    if level not in _LOUD:
        if not checked and (level not in ("", "INFO") or not _strong_failure(text)):
            return []
        level = "failure"
    about_backup = "VMSnapshot" in text or (event.kind or "").startswith("vmsnapshot") \
        or "VMSnapshot" in (event.extension or "")
    attrs = {"template": template_of(text),
             "level": "ERROR" if level in ("CRITICAL", "FATAL") else "WARNING" if level == "WARN" else level,
             "backup": "yes" if about_backup else "no"}
    ext = _ext_of(event, text)
    if ext:
        attrs["extension"] = ext
    return [Signal("unexplained", attrs, Via.KEYWORD)]
