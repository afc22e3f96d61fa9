"""Decide what a bundle member is from its path alone: ``classify(path) -> (Kind, name, version)``.

Matching looks at the *end* of the path (basename, parent folders), so a leading
top folder (``sosreport-host-2024…/``, ``case-123/``) does not matter and flat
folders of loose files work.  Compression suffixes (``.gz``, ``.xz``, ``.bz2``)
are ignored, and ``truncated__var_log_syslog.1`` names from ``waagent
-collect-logs`` are mapped back to ``var/log/syslog.1`` first.

>>> classify("var/log/waagent.log-2023-05-01-1682899200.gz")
(<Kind.WAAGENT_LOG: 'waagent_log'>, None, None)
>>> classify("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log")[:2]
(<Kind.VMSNAPSHOT_LOG: 'vmsnapshot_log'>, 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux')
>>> classify("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/3.status")
(<Kind.HANDLER_STATUS: 'handler_status'>, 'Microsoft.Azure.Extensions.CustomScript', '2.1.10')
"""
from __future__ import annotations

import re

from ..kinds import Kind

COMPRESSION_SUFFIXES = (".gz", ".xz", ".bz2")

#: Log folders under ``/var/log/azure`` whose name is not the handler name.
LOG_DIR_HANDLERS = {
    "custom-script": "Microsoft.Azure.Extensions.CustomScript",
    "run-command": "Microsoft.CPlat.Core.RunCommandLinux",
    "run-command-handler": "Microsoft.CPlat.Core.RunCommandHandlerLinux",
}

_VERSION = r"\d+(?:\.\d+){1,3}"
#: ``/var/lib/waagent/<Name>-<Version>`` package folder (also the 2.x agent's own ``WALinuxAgent-<ver>``).
_PACKAGE_DIR = re.compile(rf"^(?P<name>[A-Za-z][\w-]*(?:\.[\w-]+)+|WALinuxAgent)-(?P<ver>{_VERSION})$")
#: A handler folder copied on its own: Publisher.Namespace.Type (capitalised, two dots at least).
_HANDLER_NAME = re.compile(r"^[A-Z][\w-]*(?:\.[A-Za-z][\w-]*){2,}$")
_VERSION_DIR = re.compile(rf"^{_VERSION}$")

#: File names that are never read: keys, certificates, programs, images, packages.
_BINARY_SUFFIXES = (
    ".so", ".pyc", ".pyo", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pfx", ".prv", ".crt",
    ".pem", ".p7m", ".p7b", ".key", ".cer", ".der", ".p12", ".exe", ".dll", ".bin", ".whl",
    ".egg", ".o", ".a", ".rpm", ".deb", ".py", ".sh", ".pl", ".jar", ".class", ".lockfile",
)

#: State files an extension package folder holds (everything else there is the package itself).
_PACKAGE_STATE = {"HandlerManifest.json", "HandlerEnvironment.json", "heartbeat.log", "mrseq",
                  "error.json", "update_attempt.json"}

# Basename rules: (compiled regex on the basename, kind); first match wins.
_BASENAME_RULES: list[tuple[re.Pattern[str], Kind]] = [(re.compile(p), k) for p, k in [
    (r"^waagent\.log(?:[.-][\w.-]*)?$", Kind.WAAGENT_LOG),
    (r"^waagent[\w.-]*\.conf$", Kind.WAAGENT_CONF),
    (r"^(?:syslog|messages|kern(?:\.log)?|daemon(?:\.log)?|user\.log)(?:[.-][\w.-]*)?(?<!\.conf)$",
     Kind.SYSLOG),
    (r"^journal(?:ctl)?(?:[\w.-]*\.(?:txt|log)|_--no-pager[\w.-]*)?$", Kind.SYSLOG),
    (r"^(?:serial[-_ ]?console|serial[-_]log|boot[-_]?diagnostics|bootdiag)[\w.-]*$|^console\.log$",
     Kind.SERIAL_CONSOLE),
    (r"^CommandExecution(?:_[\w.-]+)?\.log(?:[.-][\w.-]*)?$", Kind.COMMAND_EXECUTION_LOG),
    (r"^waagent_status(?:\.\d+)?\.json$", Kind.STATUS_BLOB),
    (r"^GoalState(?:\.\d+)?\.xml$", Kind.GOAL_STATE),
    (r"^ExtensionsConfig(?:\.\d+)?\.xml$", Kind.EXTENSIONS_CONFIG),
    (r"^HostingEnvironmentConfig(?:\.\d+)?\.xml$", Kind.HOSTING_ENV),
    (r"^SharedConfig(?:\.\d+)?\.xml$", Kind.SHARED_CONFIG),
    (r"^Certificates(?:\.\d+)?\.(?:xml|json)$", Kind.CERTIFICATES),
    (r"\.manifest(?:\.\d+)?\.xml$|\.agentsManifest$", Kind.MANIFEST),
    (r"^VmSettings(?:\.\d+)?\.json$", Kind.VM_SETTINGS),
    (r"^RemoteAccess(?:\.\d+)?\.xml$", Kind.REMOTE_ACCESS),
    (r"^(?:[\w.-]+\.)?HandlerState$", Kind.HANDLER_STATE),
    (r"^(?:[\w.-]+\.)?HandlerStatus$", Kind.HANDLER_STATUS_FILE),
    (r"^(?:[\w.-]+\.)?\d+\.settings$", Kind.HANDLER_SETTINGS),
    (r"\.status$", Kind.HANDLER_STATUS),
    (r"^HandlerManifest\.json$", Kind.HANDLER_MANIFEST),
    (r"^HandlerEnvironment\.json$", Kind.HANDLER_ENVIRONMENT),
    (r"^heartbeat\.log$", Kind.HEARTBEAT),
    (r"^mrseq$", Kind.MRSEQ),
    (r"^Incarnation$", Kind.INCARNATION),
    (r"^WireServerEndpoint$", Kind.WIRESERVER_ENDPOINT),
    (r"^provisioned$", Kind.PROVISIONED),
    (r"^ovf-env\.xml$", Kind.OVF_ENV),
    (r"^dhclient[\w.-]*\.leases?$|^lease-[\w.-]+-dhcp-ipv[46]\.xml$|\.leases$", Kind.DHCP_LEASE),
    (r"^handler\.log(?:[.-][\w.-]*)?$", Kind.HANDLER_LOGFMT),
    (r"^shell\.log(?:[.-][\w.-]*)?$", Kind.VMSNAPSHOT_SHELL_LOG),
    (r"^extension\.log(?:[.-][\w.-]*)?$", Kind.EXTENSION_LOG),
]]

_TRUNCATED = re.compile(r"^truncated_+(?P<rest>.+)$")
_TRUNCATED_DIRS = (("var_log_azure_", "var/log/azure/"), ("var_lib_waagent_", "var/lib/waagent/"),
                   ("var_log_", "var/log/"), ("etc_", "etc/"))


def strip_compression(name: str) -> str:
    """``waagent.log.2.gz`` → ``waagent.log.2`` (other names unchanged).

    >>> strip_compression("var/log/syslog.3.xz"), strip_compression("a.tar.gz")
    ('var/log/syslog.3', 'a.tar')
    """
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def untruncate(basename: str) -> str | None:
    """Map a collect-logs ``truncated__<path with _>`` name back to a path, or ``None``.

    >>> untruncate("truncated__var_log_syslog.1")
    'var/log/syslog.1'
    >>> untruncate("truncated__var_log_azure_Microsoft.Azure.RecoveryServices.VMSnapshotLinux_extension.log")
    'var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log'
    >>> untruncate("waagent.log") is None
    True
    """
    match = _TRUNCATED.match(basename)
    if not match:
        return None
    rest = match["rest"]
    for prefix, folder in _TRUNCATED_DIRS:
        if not rest.startswith(prefix):
            continue
        tail = rest[len(prefix):]
        if folder in ("var/log/azure/", "var/lib/waagent/") and "_" in tail:
            head, _, tail = tail.partition("_")       # the handler folder
            folder += head + "/"
            first, sep, after = tail.partition("_")   # <Version>/ (old log layout), status/, config/
            if sep and (_VERSION_DIR.match(first) or first in ("status", "config")):
                folder += first + "/"
                tail = after
        return folder + tail
    return rest.replace("_", "/")


def _extension_of(dirs: list[str]) -> tuple[str | None, str | None]:
    """Handler name and version from the folders of a path (nearest folder first)."""
    for i in range(len(dirs) - 1, -1, -1):
        part = dirs[i]
        package = _PACKAGE_DIR.match(part)
        if package:
            if package["name"] == "WALinuxAgent":
                return None, None
            return package["name"], package["ver"]
        version = dirs[i + 1] if i + 1 < len(dirs) and _VERSION_DIR.match(dirs[i + 1]) else None
        under_azure_logs = i >= 2 and dirs[i - 1] == "azure" and dirs[i - 2] == "log"
        holds_the_file = i == len(dirs) - 1 or (i == len(dirs) - 2 and version is not None)
        if under_azure_logs or (holds_the_file and _HANDLER_NAME.match(part)):
            return LOG_DIR_HANDLERS.get(part, part), version
    return None, None


def _is_package_payload(dirs: list[str], basename: str) -> bool:
    """True for files of an extension/agent package folder that are not agent state."""
    for i in range(len(dirs) - 1, -1, -1):
        if _PACKAGE_DIR.match(dirs[i]):
            inside = dirs[i + 1:]
            if not inside:
                return basename not in _PACKAGE_STATE
            return inside[0] not in ("status", "config")
    return False


def classify(path: str) -> tuple[Kind, str | None, str | None]:
    """Kind, extension handler name and handler version of the member at ``path``.

    >>> classify("sosreport-vm1-2024-05-01/var/log/azure/custom-script/handler.log")[:2]
    (<Kind.HANDLER_LOGFMT: 'handler_logfmt'>, 'Microsoft.Azure.Extensions.CustomScript')
    >>> classify("var/lib/waagent/WALinuxAgent-2.9.1.1/error.json")
    (<Kind.AGENT_ERROR: 'agent_error'>, None, None)
    >>> classify("notes/readme.txt")
    (<Kind.OTHER_TEXT: 'other_text'>, None, None)
    >>> classify("case-1234/case.json")[0]
    <Kind.OTHER_DOCUMENT: 'other_document'>
    """
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return Kind.OTHER_TEXT, None, None
    mapped = untruncate(parts[-1])
    if mapped is not None:
        parts = mapped.split("/")
    parts[-1] = strip_compression(parts[-1])
    *dirs, basename = parts
    name, version = _extension_of(dirs)
    return _kind_of(dirs, basename, name), name, version


def _kind_of(dirs: list[str], basename: str, extension: str | None) -> Kind:
    lower = basename.lower()
    if lower.endswith(_BINARY_SUFFIXES) or _is_package_payload(dirs, basename):
        return Kind.BINARY
    if lower.endswith((".zip", ".tar", ".tgz", ".txz", ".tbz2")):
        if "history" in dirs[-1:]:
            return Kind.HISTORY_ARCHIVE
        if "__" in basename or basename.startswith("WALinuxAgent-"):
            return Kind.BINARY                      # downloaded extension / agent package
        return Kind.OTHER_TEXT
    if basename == "results.txt" and (len(dirs) <= 1 or dirs[-1] == "logcollector"):
        return Kind.COLLECTOR_RESULTS
    agent_folder = not dirs or dirs[-1] == "waagent" or dirs[-1].startswith("WALinuxAgent-")
    if basename == "error.json" and agent_folder:
        return Kind.AGENT_ERROR
    if "events" in dirs[-1:] and basename.endswith(".json") and extension is not None:
        return Kind.EXTENSION_EVENTS
    vmsnapshot = extension is not None and extension.endswith("VMSnapshotLinux")
    for pattern, kind in _BASENAME_RULES:
        if pattern.search(basename):
            if kind is Kind.EXTENSION_LOG and vmsnapshot:
                return Kind.VMSNAPSHOT_LOG
            if kind is Kind.VMSNAPSHOT_SHELL_LOG and extension is not None and not vmsnapshot:
                return Kind.EXTENSION_LOG
            if kind is Kind.HANDLER_LOGFMT and extension is not None and not _is_go_handler(extension):
                return Kind.EXTENSION_LOG
            return kind
    if _under_azure_logs(dirs):
        return Kind.EXTENSION_LOG
    if lower.endswith((".json", ".xml")):
        # A document of a kind we do not know (instance metadata, a ticket's case file…) is
        # not a log: reading its text as log lines would turn quoted strings into evidence.
        return Kind.OTHER_DOCUMENT
    return Kind.OTHER_TEXT


def _is_go_handler(extension: str) -> bool:
    return extension in LOG_DIR_HANDLERS.values()


def _under_azure_logs(dirs: list[str]) -> bool:
    return any(dirs[i] == "log" and dirs[i + 1] == "azure" for i in range(len(dirs) - 2))
