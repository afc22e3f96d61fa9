"""Which kind of bundle this is, and which evidence that kind of bundle cannot hold.

The detector watches member paths go by (a streamed tar is only known at its end)
and fills :class:`~loganalyzer.sources.base.BundleInfo` in :meth:`BundleTypeDetector.finish`.

* collect-logs (``waagent -collect-logs``): ``results.txt`` and ``var/`` at the zip root,
  or ``truncated__…`` names;
* sosreport: a ``sos_commands/``, ``sos_reports/`` or ``sos_logs/`` folder, or a
  ``sosreport-*`` top folder;
* Azure disk inspection: ``device_<n>/`` top folders (the service copies every file
  to ``device_<n>/<absolute path>``) next to its ``results.txt``.

>>> d = BundleTypeDetector()
>>> for p in ["results.txt", "var/log/waagent.log"]:
...     d.observe(p, Kind.OTHER_TEXT)
>>> info = BundleInfo("logs.zip"); d.finish(info); info.bundle_type
<BundleType.COLLECT_LOGS: 'collect_logs'>
>>> "goal_state" in info.cannot_contain
True
"""
from __future__ import annotations

import re

from ..kinds import LOG_KINDS, Kind
from .base import BundleInfo, BundleType

_DEVICE_DIR = re.compile(r"^device_\d+$")
_SOS_DIRS = {"sos_commands", "sos_reports", "sos_logs"}

#: Everything the agent keeps under /var/lib/waagent.
WAAGENT_STATE_KINDS = (
    Kind.GOAL_STATE, Kind.EXTENSIONS_CONFIG, Kind.HOSTING_ENV, Kind.SHARED_CONFIG, Kind.CERTIFICATES,
    Kind.MANIFEST, Kind.VM_SETTINGS, Kind.REMOTE_ACCESS, Kind.HISTORY_ARCHIVE, Kind.HANDLER_STATUS,
    Kind.HANDLER_STATE, Kind.HANDLER_STATUS_FILE, Kind.HANDLER_SETTINGS, Kind.HANDLER_MANIFEST,
    Kind.HANDLER_ENVIRONMENT, Kind.HEARTBEAT, Kind.MRSEQ, Kind.STATUS_BLOB, Kind.AGENT_ERROR,
    Kind.INCARNATION, Kind.WIRESERVER_ENDPOINT, Kind.PROVISIONED, Kind.OVF_ENV,
)

#: Kinds each bundle type can never hold (kinds actually seen are removed at the end).
CANNOT_CONTAIN: dict[BundleType, tuple[Kind, ...]] = {
    BundleType.COLLECT_LOGS: (
        # GoalState/ExtensionsConfig & co. only inside history/*.zip (agents >= 2.8)
        Kind.GOAL_STATE, Kind.EXTENSIONS_CONFIG, Kind.HOSTING_ENV, Kind.CERTIFICATES, Kind.MANIFEST,
        Kind.VM_SETTINGS, Kind.REMOTE_ACCESS,
        # never in either manifest
        Kind.HANDLER_MANIFEST, Kind.HANDLER_ENVIRONMENT, Kind.HEARTBEAT, Kind.MRSEQ, Kind.INCARNATION,
        Kind.WIRESERVER_ENDPOINT, Kind.SERIAL_CONSOLE,
        # -full only
        Kind.PROVISIONED, Kind.AGENT_ERROR, Kind.DHCP_LEASE,
    ),
    BundleType.SOSREPORT: (*WAAGENT_STATE_KINDS, Kind.COLLECTOR_RESULTS, Kind.SERIAL_CONSOLE),
    BundleType.DISK_INSPECTION: (
        Kind.HANDLER_MANIFEST, Kind.HANDLER_ENVIRONMENT, Kind.HEARTBEAT, Kind.MRSEQ,
        Kind.COLLECTOR_RESULTS, Kind.SERIAL_CONSOLE,
    ),
    BundleType.SINGLE_FILE: tuple(k for k in Kind
                                  if k not in LOG_KINDS and k not in (Kind.BINARY, Kind.OTHER_DOCUMENT)),
    BundleType.ADHOC: (),
    BundleType.LIVE_SYSTEM: (),
}

NOTES: dict[BundleType, str] = {
    BundleType.COLLECT_LOGS: (
        "waagent -collect-logs archive: GoalState/ExtensionsConfig are only inside history/*.zip "
        "(agents >= 2.8), /var/lib/waagent/events is never collected, files over 30 MB are cut to "
        "their tail (truncated__…)"),
    BundleType.SOSREPORT: (
        "sosreport: the azure plugin copies /var/log/waagent*, /var/log/azure and /etc/waagent.conf "
        "but no /var/lib/waagent content (no goal state, no extension status files)"),
    BundleType.DISK_INSPECTION: (
        "Azure disk inspection: files of the OS disk under device_<n>/, as listed by the "
        "inspection manifest; results.txt is the inspection log"),
    BundleType.SINGLE_FILE: "a single file: every other kind of evidence is absent",
}


def is_disk_inspection(paths: list[str]) -> bool:
    """True for the Azure disk-inspection zip layout (``device_0/…`` plus ``results.txt``).

    >>> is_disk_inspection(["results.txt", "device_0/var/log/waagent.log"])
    True
    """
    top = {p.split("/", 1)[0] for p in paths}
    return "results.txt" in top and any(_DEVICE_DIR.match(t) for t in top)


class BundleTypeDetector:
    """Accumulates evidence of the bundle type from the paths of an archive or folder."""

    def __init__(self) -> None:
        self._results_at_root = False
        self._var_at_root = False
        self._truncated = False
        self._sos = False
        self._device_dirs = False
        self.kinds_seen: set[Kind] = set()

    def observe(self, path: str, kind: Kind) -> None:
        """Note one member path (nested archive members included) and its kind."""
        self.kinds_seen.add(kind)
        parts = path.split("/")
        top = parts[0]
        if len(parts) == 1:
            self._results_at_root |= top == "results.txt"
            self._truncated |= top.startswith("truncated_")
        else:
            self._var_at_root |= top == "var"
            self._device_dirs |= bool(_DEVICE_DIR.match(top))
            self._sos |= top.startswith("sosreport-") or any(p in _SOS_DIRS for p in parts[:3])

    def bundle_type(self) -> BundleType:
        if self._device_dirs and self._results_at_root:
            return BundleType.DISK_INSPECTION
        if self._sos:
            return BundleType.SOSREPORT
        if self._truncated or (self._results_at_root and self._var_at_root):
            return BundleType.COLLECT_LOGS
        return BundleType.ADHOC

    def finish(self, info: BundleInfo, bundle_type: BundleType | None = None) -> None:
        """Fill ``info`` (type, what it cannot contain, a note) once every member was seen."""
        info.bundle_type = bundle_type or self.bundle_type()
        info.cannot_contain = [k.value for k in CANNOT_CONTAIN[info.bundle_type] if k not in self.kinds_seen]
        note = NOTES.get(info.bundle_type)
        if note and note not in info.notes:
            info.notes.append(note)
