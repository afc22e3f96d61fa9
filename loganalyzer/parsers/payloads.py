"""Structured payloads inside agent messages → the flat ``Event.fields`` dict.

:func:`extract_fields` is called once per record, so it dispatches on literal
substrings (``str.startswith`` with a tuple, ``in``) before any regex; the lark
grammars (``agent_event``, ``distro``) run only on the few records that start with
their literal.  Keys produced (see the shared Event conventions):

* ``event_name``, ``event_op``, ``event_message``, ``event_duration`` (int), ``event_encoded``
  (bool) — ``Event: name=…, op=…, message=…, duration=…``; base64+zlib messages of
  Install/Enable/Disable/UnInstall (agents 2.2.31–2.2.54) are decoded, a message that
  only looks encoded stays as it is.
* ``agent_version``, ``agent_role`` (``daemon``/``goal_state``), ``version_how``
  (``banner``/``heartbeat``/``determined``/``installed``).
* ``hb_counter``, ``hb_id``, ``hb_dropped_packets``, ``hb_update_gs_errors``, ``hb_auto_update``
  (int), ``hb_update_mode`` — ``[HEARTBEAT] … [DEBUG …]`` of 2.2.49–2.11, 2.12 and 2.13+.
* ``distro``, ``os_util``, ``agent_service``, ``python_version``, ``arch``, ``systemd``,
  ``systemd_version``, ``lis_drivers``, ``logrotate`` … — ``Distro: …; OSUtil: …;`` lines
  (any other key in lower_snake case).
* ``incarnation`` (str), ``exception_tags`` (list[str]), ``exit_code`` (int); in free text
  (files of no known kind) :func:`exit_code_of` reads the other ways an exit code is written.
* ``http_method``, ``http_url`` (as logged: frames and reports redact it), ``http_host``, ``http_port``
  (int), ``http_error``, ``http_errno`` (int), ``http_status`` (int), ``http_attempts`` (int) — HTTP
  failure lines.

>>> f = extract_fields("Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] "
...                    "[HTTP Failed] GET http://168.63.129.16/machine/ -- IOError [Errno 101] Network is "
...                    "unreachable -- 6 attempts made")
>>> f["http_method"], f["http_host"], f["http_errno"], f["http_error"], f["http_attempts"]
('GET', '168.63.129.16', 101, 'Network is unreachable', 6)
>>> f["exception_tags"]
['ProtocolError', 'Wireserver Exception', 'HttpError']
>>> extract_fields("Wire server endpoint:168.63.129.16") is None
True
"""
from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

ENCODED_OPS = frozenset({"Install", "Enable", "Disable", "UnInstall"})
_MAX_DECODED = 1 << 20

#: the records whose payload sits at their start (structure: telemetry events, the distro line,
#: heartbeat bodies); the version statements' starts are added from the catalog (:func:`banners`)
_STRUCTURE_STARTS = ("Event: ", "[HEARTBEAT]", "Distro: ")
#: every start :func:`extract_fields` looks at, filled on the first record (:func:`banners`)
_STARTS: tuple[str, ...] | None = None
_HEARTBEAT_BODY = re.compile(r"\[DEBUG (?P<body>[^\]]*)\]")
_HEARTBEAT_KEYS = {"HeartbeatCounter": ("hb_counter", int), "HeartbeatId": ("hb_id", str),
                   "DroppedPackets": ("hb_dropped_packets", int),
                   "UpdateGSErrors": ("hb_update_gs_errors", int), "AutoUpdate": ("hb_auto_update", int),
                   "UpdateMode": ("hb_update_mode", str)}
_DISTRO_KEYS = {"Python": "python_version", "OSUtil": "os_util", "LISDrivers": "lis_drivers"}

_INCARNATION = re.compile(r"ncarnation(?:[ _:=]+|\"?\s*[:=]\s*\"?)(\d+)")
_EXCEPTION_TAG = re.compile(
    r"\[((?:[A-Z][A-Za-z0-9]*(?:Error|Exception))|Wireserver Exception|Wireserver Failed|"
    r"Internal error in HostGAPlugin)\]")
_EXIT_CODE = re.compile(r"Non-zero exit code: (-?\d+)")
#: How else a command's exit code is written: Go handlers (``command terminated with exit
#: status=1``, ``error="exit status 1"``), Python's ``CalledProcessError`` (``returned non-zero exit
#: status 2``), the agent's ``return code: [1]``, shells and people (``exited with code 127``,
#: ``failed with exit code 3``, ``enable returned 2``).
_ANY_EXIT_CODE = re.compile(
    r"(?:\bexit (?:code|status)|\breturn code|\bexited with(?: exit)?(?: code| status)?)"
    r"\s*[:=]?\s*\[?(-?\d{1,3})\b"
    r"|\breturned(?: code| exit code)?\s+(-?\d{1,3})\b(?![.,]\d)", re.I)
#: ``returned 200`` is an HTTP answer, not a command's exit code
_HTTP_CONTEXT = re.compile(
    r"HTTP|https?://|[Ss]tatus [Cc]ode|[Rr]esponse|\b(?:GET|PUT|POST|HEAD|DELETE)\b|\d OK\b")

#: A message is an HTTP failure only with one of these (``[HTTP Response] Status Code 200`` is not).
_HTTP_MARKERS = ("HTTP Failed", "HTTP Retry", "IOError", "IO error", "Request failed", "HttpError",
                 "HTTPError", "HttpException", "HTTPException", "HTTP Err", "GET failed", "PUT failed",
                 "POST failed")
_HTTP_URL = re.compile(r"\b(?P<method>GET|POST|PUT|DELETE|HEAD)\s+(?P<url>https?://[^\s\]]+)")
_BARE_URL = re.compile(r"(?:URI |from \[)(?P<url>https?://[^\s\]]+)")
_HTTP_METHOD = re.compile(
    r"(?:HTTP |\[)(?P<method>GET|POST|PUT|DELETE|HEAD)\b|\b(?P<m2>GET|PUT|POST) vmSettings")
_HTTP_STATUS = re.compile(r"\[(?P<status>[1-5]\d\d): (?P<reason>[^\]\n]+)\]|Status Code (?P<code>[1-5]\d\d)")
_ERRNO = re.compile(r"\[Errno (?P<errno>-?\d+)\] (?P<text>[^\]\n']+?)(?=\s+--|\]|'|$|\n)", re.MULTILINE)
_IOERROR_TEXT = re.compile(
    r"IOError (?!\[Errno)(?P<text>.+?)(?=\s+--\s|$|\n)|HttpException (?P<exc>.+?)(?= -- |$|\n)", re.MULTILINE)
_ATTEMPTS = re.compile(r"-- (?P<n>\d+) attempts made|Attempt (?P<a>\d+) of \d+|Retry \[(?P<r>\d+)/\d+")
_TIMEOUT = re.compile(r"\]: Timeout\b|\btimed out\b")


def extract_fields(message: str) -> dict[str, Any] | None:
    """Every payload the message carries as a flat dict, or ``None`` when it carries none.

    Each call returns a dict of its own (parsers add their fields to it).
    """
    if message.startswith(_STARTS if _STARTS is not None else _load_starts()):
        fields: dict[str, Any] = {}
        _start_anchored(message, fields)
        decoded = fields.get("event_message") if fields.get("event_encoded") else None
        _anywhere(f"{message}\n{decoded}" if decoded else message, fields)
        return fields or None
    return _anywhere(message, {}) or None


class _Remembered:
    """A payload reader that reads a text once while it repeats: a log writes the same failure
    word for word (a retry loop, the same ``Event`` every goal state), and the readers wrapped
    here (the lark ``Event`` grammar, the HTTP failure with its URL split) take tens of µs a
    record.  Bounded in entries and text length; emptied when full.  Callers get the shared
    result dict and copy its (immutable) values out; they never change it.

    >>> calls = []
    >>> read = _Remembered(lambda text: calls.append(text) or {"n": len(text)})
    >>> read("abc"), read("abc"), calls
    ({'n': 3}, {'n': 3}, ['abc'])
    """

    MAX_ENTRIES = 2048
    MAX_CHARS = 4096

    def __init__(self, reader: Callable[[str], dict[str, Any]]) -> None:
        self._reader = reader
        self._known: dict[str, dict[str, Any]] = {}

    def __call__(self, text: str) -> dict[str, Any]:
        found = self._known.get(text)
        if found is None:
            found = self._reader(text)
            if len(text) <= self.MAX_CHARS:
                if len(self._known) >= self.MAX_ENTRIES:
                    self._known.clear()
                self._known[text] = found
        return found


def exit_code_of(text: str) -> int | None:
    """The exit code a free-text record reports, however it is written (None when it has none).

    >>> [exit_code_of(t) for t in ("Enable failed: command terminated with exit status=1",
    ...  "Command 'ls' returned non-zero exit status 2", "CustomScript enable returned 127",
    ...  "Command: [iptables -L], return code: [4]", "GET /status returned 200 OK", "no code here")]
    [1, 2, 127, 4, None, None]
    """
    if "xit" not in text and "eturn" not in text:
        return None
    m = _EXIT_CODE.search(text) or _ANY_EXIT_CODE.search(text)
    if m is None:
        return None
    if m.group(1) is None and _HTTP_CONTEXT.search(text):
        return None
    return int(next(g for g in m.groups() if g is not None))


def _anywhere(text: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Payloads that may sit anywhere in the text: incarnation, exception tags, exit code, HTTP.

    Adds to ``fields`` and returns it.  This runs for every record, so a plain message
    must cost only a few substring scans: every tag ends in ``]`` and both IO markers
    contain ``IO``, so one scan rules out each group.  The agent raises "Non-zero exit
    code" and "Request failed" only inside tagged errors (``[ExtensionError] …``,
    ``[ProtocolError] …``), so those are looked for only then.
    """
    if "ncarnation" in text:
        m = _INCARNATION.search(text)
        if m:
            fields["incarnation"] = m.group(1)
    tagged = "]" in text and ("Error]" in text or "Exception]" in text or "Failed]" in text
                              or "Plugin]" in text)
    if tagged:
        tags = list(dict.fromkeys(_EXCEPTION_TAG.findall(text)))
        if tags:
            fields["exception_tags"] = tags
        if "exit code" in text:
            m = _EXIT_CODE.search(text)
            if m:
                fields["exit_code"] = int(m.group(1))
    if ("HTTP" in text or ("IO" in text and ("IOError" in text or "IO error" in text))
            or (tagged and ("HttpE" in text or "Request failed" in text))) and any(
            marker in text for marker in _HTTP_MARKERS):
        http_fields(text, fields)
    return fields


def _start_anchored(message: str, fields: dict[str, Any]) -> None:
    if message.startswith("Event: "):
        fields.update(_event_fields_once(message))
        return
    if message.startswith("Distro: "):
        fields.update(distro_fields(message))
        return
    for start, pattern, role, how in banners():
        if message.startswith(start):
            m = pattern.match(message)
            if m:
                fields.update(agent_version=m.group("v"), agent_role=role, version_how=how)
                break
    if message.startswith("[HEARTBEAT]"):
        fields.update(heartbeat_fields(message))


@cache
def banners() -> tuple[tuple[str, re.Pattern[str], str, str], ...]:
    """``(start, regex, agent_role, version_how)`` of every catalog statement the agent logs that
    names a version (entries with ``names_version`` and ``version_how``, ``catalog/data/README.md``):
    the statement's leading words, and its template up to the words after the version as a regex
    matched at the record's start.  Read from the catalog on first use (not when the module loads).

    >>> [(start, role, how) for start, _, role, how in banners() if how == "installed"]
    [('Installed Agent ', 'goal_state', 'installed')]
    """
    from ..catalog import load_data_file
    from ..catalog.templates import VERSION_FILE, leading_literal, version_start_pattern
    return tuple((leading_literal(e.template), re.compile(version_start_pattern(e.template)),
                  e.names_version, e.version_how)
                 for e in load_data_file(VERSION_FILE) if e.names_version and e.version_how)


def _load_starts() -> tuple[str, ...]:
    global _STARTS
    _STARTS = _STRUCTURE_STARTS + tuple(dict.fromkeys(start for start, *_ in banners()))
    return _STARTS


@cache
def _event_parser() -> Any:
    from lark import Lark

    from ..grammars import load_grammar
    return Lark(load_grammar("agent_event"), parser="lalr")


@cache
def _distro_parser() -> Any:
    from lark import Lark

    from ..grammars import load_grammar
    return Lark(load_grammar("distro"), parser="lalr")


def _read_event_fields(message: str) -> dict[str, Any]:
    """Fields of an ``Event: name=…, op=…, message=…, duration=…`` record (``{}`` if malformed).

    >>> event_fields("Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 1, duration=1374")
    {'event_name': 'WALinuxAgent', 'event_op': 'ProcessGoalState', 'event_message': 'Incarnation 1', \
'event_duration': 1374, 'event_encoded': False}
    """
    from lark.exceptions import LarkError
    try:
        tree = _event_parser().parse(message)
    except LarkError:
        return {}
    tokens = {tok.type: str(tok) for tok in tree.children if tok is not None}
    op = tokens["OP"]
    raw = tokens.get("MESSAGE", "")
    decoded = decode_event_message(raw) if op in ENCODED_OPS else None
    out: dict[str, Any] = {"event_name": tokens["NAME"], "event_op": op,
                           "event_message": decoded if decoded is not None else raw}
    if "DURATION" in tokens:
        out["event_duration"] = int(tokens["DURATION"])
    out["event_encoded"] = decoded is not None
    return out


#: :func:`_read_event_fields` once per repeated text (the result is shared: copy, never change)
_event_fields_once = _Remembered(_read_event_fields)


def event_fields(message: str) -> dict[str, Any]:
    """:func:`_read_event_fields` as a dict of the caller's own."""
    return dict(_event_fields_once(message))


_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}\s*")


def decode_event_message(raw: str) -> str | None:
    """base64 + zlib text → the original message; ``None`` when ``raw`` is not such a blob.

    >>> blob = base64.b64encode(zlib.compress(b"[ExtensionError] Non-zero exit code: 1")).decode()
    >>> decode_event_message(blob)
    '[ExtensionError] Non-zero exit code: 1'
    >>> decode_event_message("eJust a message") is None
    True
    """
    if not raw.startswith("eJ") or not _BASE64_TEXT.fullmatch(raw):
        return None
    try:
        data = zlib.decompressobj().decompress(base64.b64decode(raw.strip(), validate=True), _MAX_DECODED)
    except (binascii.Error, zlib.error, ValueError):
        return None
    return data.decode("utf-8", "backslashreplace")


def heartbeat_fields(message: str) -> dict[str, Any]:
    """``[DEBUG HeartbeatCounter: 1;HeartbeatId: …;…]`` of every heartbeat shape → ``hb_*`` fields.

    >>> heartbeat_fields("[HEARTBEAT] Agent WALinuxAgent-2.2.53 is running as the goal state agent "
    ...                  "[DEBUG HeartbeatCounter: 4;HeartbeatId: A-B;DroppedPackets: 0;UpdateGSErrors: 2;"
    ...                  "AutoUpdate: 0]")
    {'hb_counter': 4, 'hb_id': 'A-B', 'hb_dropped_packets': 0, 'hb_update_gs_errors': 2, 'hb_auto_update': 0}
    """
    m = _HEARTBEAT_BODY.search(message)
    out: dict[str, Any] = {}
    if m is None:
        return out
    for part in m.group("body").split(";"):
        key, sep, value = part.partition(":")
        spec = _HEARTBEAT_KEYS.get(key.strip())
        if not sep or spec is None:
            continue
        name, convert = spec
        value = value.strip()
        try:
            out[name] = convert(value)
        except ValueError:
            out[name] = value
    return out


def distro_fields(message: str) -> dict[str, Any]:
    """``Distro: …; OSUtil: …;`` → lower_snake keys (``Python`` → ``python_version``).

    >>> distro_fields("Distro: ubuntu-18.04; OSUtil: Ubuntu18OSUtil; AgentService: walinuxagent; "
    ...               "Python: 3.6.9; systemd: True; LISDrivers: Absent; logrotate: logrotate 3.11.0;")
    {'distro': 'ubuntu-18.04', 'os_util': 'Ubuntu18OSUtil', 'agent_service': 'walinuxagent', \
'python_version': '3.6.9', 'systemd': 'True', 'lis_drivers': 'Absent', 'logrotate': 'logrotate 3.11.0'}
    """
    from lark.exceptions import LarkError
    try:
        tree = _distro_parser().parse(message.strip())
    except LarkError:
        return {}
    out: dict[str, Any] = {}
    for pair in tree.children:
        key, *value = pair.children
        out[_snake(str(key))] = str(value[0]) if value and value[0] is not None else ""
    return out


def _snake(key: str) -> str:
    if key in _DISTRO_KEYS:
        return _DISTRO_KEYS[key]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()


def http_fields(text: str, fields: dict[str, Any]) -> None:
    """Add ``http_*`` fields for the HTTP failure found in ``text`` (nothing when none is found).

    >>> f = {}
    >>> http_fields("Retry [1/1 - IO error: HTTP GET [Errno 101] Network is unreachable]", f)
    >>> f
    {'http_method': 'GET', 'http_errno': 101, 'http_error': 'Network is unreachable', 'http_attempts': 1}
    """
    fields.update(_http_found_once(text))


def _http_found(text: str) -> dict[str, Any]:
    """The ``http_*`` fields of the HTTP failure in ``text`` (empty when there is none)."""
    found: dict[str, Any] = {}
    m = _HTTP_URL.search(text)
    if m:
        found["http_method"] = m.group("method")
        _add_url(m.group("url"), found)
    else:
        m = _HTTP_METHOD.search(text)
        if m:
            found["http_method"] = m.group("method") or m.group("m2")
        m = _BARE_URL.search(text)
        if m:
            _add_url(m.group("url"), found)
    m = _HTTP_STATUS.search(text)
    if m:
        found["http_status"] = int(m.group("status") or m.group("code"))
        if m.group("reason"):
            found["http_error"] = m.group("reason")
    m = _ERRNO.search(text)
    if m:
        found["http_errno"] = int(m.group("errno"))
        found["http_error"] = m.group("text").strip()
    elif "http_error" not in found:
        m = _IOERROR_TEXT.search(text)
        if m:
            found["http_error"] = (m.group("text") or m.group("exc")).strip()
        elif _TIMEOUT.search(text) and found:
            found["http_error"] = "timed out" if "timed out" in text else "Timeout"
    m = _ATTEMPTS.search(text)
    if m and found:
        found["http_attempts"] = int(m.group("n") or m.group("a") or m.group("r"))
    return found


#: :func:`_http_found` once per repeated text (the result is shared: copy, never change)
_http_found_once = _Remembered(_http_found)


def _add_url(url: str, found: dict[str, Any]) -> None:
    url = url.rstrip(".,:;)")
    found["http_url"] = url
    try:
        parts = urlsplit(url)
        if parts.hostname:
            found["http_host"] = parts.hostname
        if parts.port is not None:
            found["http_port"] = parts.port
    except ValueError:
        pass
