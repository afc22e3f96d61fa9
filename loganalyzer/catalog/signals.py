"""The signal vocabulary: what a log record *means*, in a small closed set of words.

Records become signals (by a catalog template, by structure, or by a keyword fallback);
rules are written over signals, never over wordings.  Each signal has a name and a few
attributes with closed value sets; :func:`cause_of` says which documented cause a signal
stands for.

>>> s = Signal("http_failure", {"endpoint": "wireserver", "error_class": "timeout"})
>>> cause_of(s)
'wireserver_unreachable'
>>> cause_of(Signal("extension_op_failed", {"op": "install", "extension": "X"}))
'extension_install_failed'
>>> validate("snapshot_phase_failed", {"phase": "freeze"})
[]
>>> validate("http_failure", {"endpoint": "moon"})
["http_failure: endpoint = 'moon' is not one of other, wireserver, hostgaplugin, imds, storage, packages"]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Via(StrEnum):
    """How a record reached its signal, and so how far the signal can be trusted."""

    CATALOG = "catalog"      # a catalog template matched: high confidence
    STRUCTURE = "structure"  # Event fields, HTTP failure grammar, exception, exit/status code: medium
    KEYWORD = "keyword"      # entity keywords of a failure-looking record: low


CONFIDENCE_OF = {Via.CATALOG: "high", Via.STRUCTURE: "medium", Via.KEYWORD: "low"}

#: free-text attributes any signal may carry (captured from the record, never a closed set);
#: ``entry`` is the id of the catalog entry that gave the signal, so a rule can name the
#: statements it is about (``signal = {name = "agent_unavailable", entry = ["wala.agent.orphan_exit"]}``)
#: instead of copying their words
FREE = frozenset({"extension", "code", "detail", "version", "entry"})
#: attributes of the fallback signal ``unexplained`` (an ERROR/WARNING nothing else explained)
UNEXPLAINED_ATTRS = ("template", "level", "backup")

#: name -> {attribute: allowed values}; the first value of each set is the default
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "http_failure": {
        "endpoint": ("other", "wireserver", "hostgaplugin", "imds", "storage", "packages"),
        "error_class": ("other", "timeout", "refused", "unreachable", "dns", "ssl", "proxy",
                        "http_4xx", "http_5xx", "reset"),
    },
    "network_down": {"kind": ("other", "no_interface", "no_route", "unreachable", "no_address")},
    "dhcp_problem": {"kind": ("other", "no_lease", "no_endpoint", "route", "send_failed", "disabled")},
    "extension_op_failed": {
        "op": ("other", "download", "install", "enable", "update", "uninstall", "disable", "load",
               "status", "config"),
    },
    "extension_timeout": {"op": ("other", "install", "enable", "update", "uninstall", "disable")},
    "agent_crash": {
        "process": ("other", "daemon", "exthandler", "monitor"),
        "kind": ("exception", "exit", "restart_limit", "thread_died", "unclean", "import_error"),
    },
    "agent_unavailable": {"kind": ("other", "disabled", "status_report", "stopped", "orphan",
                                   "goal_state")},
    "agent_update_problem": {"kind": ("failed", "disabled", "outdated", "unsupported")},
    "snapshot_phase_failed": {
        "phase": ("other", "freeze", "thaw", "snapshot", "status", "prepare", "settings", "upload",
                  "timeout"),
    },
    "restore_point_problem": {"kind": ("limit", "lock")},
    "guest_shutdown": {"kind": ("shutdown",)},
    "cgroup_problem": {"kind": ("other", "controller_missing", "not_mounted", "memory_limit",
                                "cpu_throttled", "setup_failed", "quota")},
    "cert_problem": {"kind": ("other", "openssl", "fips", "missing", "decrypt", "transport")},
    "disk_problem": {"kind": ("other", "no_space", "inodes", "readonly", "io_error")},
    #: the agent's resource (temporary) disk handler: /dev/sdb1 on /mnt/resource (daemon/resourcedisk/)
    "resource_disk_problem": {"kind": ("other", "mount", "partition", "format", "swap")},
    "provisioning_step_failed": {"step": ("other", "dvd_mount", "ovf_copy", "user", "ssh", "hostname",
                                          "report_ready", "cloud_init")},
}

#: (signal, attribute, value) -> cause, most specific first; (signal, None, None) is the default
_CAUSES: list[tuple[str, str | None, str | None, str]] = [
    ("http_failure", "error_class", "proxy", "proxy_or_firewall"),
    ("http_failure", "endpoint+error_class", "hostgaplugin+http_4xx", "extension_download_failed"),
    ("http_failure", "endpoint", "wireserver", "wireserver_unreachable"),
    ("http_failure", "endpoint", "hostgaplugin", "wireserver_unreachable"),
    ("http_failure", "endpoint", "imds", "no_network"),
    ("http_failure", None, None, "no_network"),
    ("network_down", None, None, "no_network"),
    ("dhcp_problem", None, None, "dhcp_or_endpoint"),
    ("extension_op_failed", "op", "download", "extension_download_failed"),
    ("extension_op_failed", "op", "install", "extension_install_failed"),
    ("extension_op_failed", "op", "enable", "extension_enable_failed"),
    ("extension_op_failed", "op", "status", "extension_enable_failed"),
    ("extension_op_failed", None, None, "extension_update_or_load_failed"),
    ("extension_timeout", None, None, "extension_timeout"),
    ("agent_crash", None, None, "agent_crash_loop"),
    ("agent_unavailable", None, None, "agent_not_running"),
    ("agent_update_problem", "kind", "disabled", "autoupdate_disabled"),
    ("agent_update_problem", "kind", "failed", "autoupdate_disabled"),
    ("agent_update_problem", None, None, "agent_outdated"),
    ("snapshot_phase_failed", None, None, "snapshot_failed"),
    ("restore_point_problem", None, None, "restore_point_limit_or_lock"),
    ("guest_shutdown", None, None, "guest_shutdown"),
    ("cgroup_problem", None, None, "cgroup_limits"),
    ("cert_problem", None, None, "certificates"),
    ("disk_problem", None, None, "disk_full"),
    ("resource_disk_problem", None, None, "resource_disk_failed"),
    ("provisioning_step_failed", None, None, "provisioning_failed"),
]

#: cause families (the score's coarse grain): a near miss inside a family still points the right way
FAMILIES: dict[str, frozenset[str]] = {
    "network": frozenset({"no_network", "wireserver_unreachable", "proxy_or_firewall", "dhcp_or_endpoint"}),
    "agent": frozenset({"agent_not_running", "agent_crash_loop", "agent_outdated", "autoupdate_disabled"}),
    "extension": frozenset({"extension_download_failed", "extension_install_failed",
                            "extension_enable_failed", "extension_update_or_load_failed",
                            "extension_timeout", "snapshot_failed"}),
}


def family(cause: str) -> str:
    """The family of a cause (the cause itself when it stands alone).

    >>> family("proxy_or_firewall"), family("disk_full")
    ('network', 'disk_full')
    """
    for name, members in FAMILIES.items():
        if cause in members:
            return name
    return cause


@dataclass(frozen=True, slots=True)
class Signal:
    """One meaning of one record: ``name`` from :data:`VOCABULARY` and its attributes."""

    name: str
    attrs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    via: Via = Via.CATALOG
    #: the catalog entry that gave it (None for structure / keyword signals)
    entry: str | None = None

    def get(self, key: str) -> Any:
        """An attribute, its vocabulary default when absent; ``entry`` is the catalog entry id.

        >>> Signal("agent_unavailable", {}, Via.CATALOG, "wala.agent.orphan_exit").get("entry")
        'wala.agent.orphan_exit'
        """
        if key == "entry":
            return self.entry
        value = self.attrs.get(key)
        if value is None and key in VOCABULARY.get(self.name, {}):
            return VOCABULARY[self.name][key][0]
        return value


def cause_of(signal: Signal) -> str:
    """The documented cause a signal stands for (first matching row of the cause table)."""
    for name, attr, value, cause in _CAUSES:
        if name != signal.name:
            continue
        if attr is None or all(signal.get(a) == v for a, v in zip(attr.split("+"), str(value).split("+"),
                                                                     strict=True)):
            return cause
    raise KeyError(signal.name)


def validate(name: str, attrs: dict[str, Any]) -> list[str]:
    """Problems with a signal name and its attributes (empty when valid)."""
    spec = VOCABULARY.get(name)
    if spec is None:
        return [f"unknown signal {name!r} (known: {', '.join(VOCABULARY)})"]
    problems = []
    for key, value in attrs.items():
        if key == "entry":
            problems.append(f"{name}: 'entry' is the id of the catalog entry itself, not an argument")
        elif key in FREE:
            continue
        allowed = spec.get(key)
        if allowed is None:
            problems.append(f"{name}: unknown attribute {key!r} (known: {', '.join([*spec, *sorted(FREE)])})")
        elif value not in allowed:
            problems.append(f"{name}: {key} = {value!r} is not one of {', '.join(allowed)}")
    return problems
