"""File kinds: the names of what a bundle member can be, built from the file-kind units.

Each unit of :mod:`loganalyzer.filekinds` names its kind by value (``define("waagent_log", …)``)
and :class:`Kind` gets one member per unit, in definition order, named by the value in upper
case; everything else about a kind (the paths it claims, its parser, whether it is a log, the
facts it feeds) is said by that unit too.  ``LOG_KINDS`` is derived from the units as well.

>>> Kind.WAAGENT_LOG.value
'waagent_log'
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from .filekinds import declared_kinds


def _kind_enum() -> type[StrEnum]:
    """One member per unit of :mod:`loganalyzer.filekinds`, named by its value in upper case."""
    return StrEnum("Kind", [(value.upper(), value) for value in declared_kinds()],  # type: ignore[return-value]
                   module=__name__, qualname="Kind")


#: What a bundle member is: one member per file-kind unit (``Kind.WAAGENT_LOG == "waagent_log"``).
Kind = _kind_enum()
Kind.__doc__ = "What a bundle member can be: one member per unit of :mod:`loganalyzer.filekinds`."


#: Evidence kinds a diagnosis leans on, and the files that carry them (for "missing evidence").
EVIDENCE_KINDS: dict[str, tuple[str, ...]] = {
    "agent log (/var/log/waagent.log)": (Kind.WAAGENT_LOG,),
    "goal state and extensions config (/var/lib/waagent/*.xml or history/)": (
        Kind.GOAL_STATE, Kind.EXTENSIONS_CONFIG, Kind.VM_SETTINGS),
    "extension status files (/var/lib/waagent/<Handler>/status/)": (Kind.HANDLER_STATUS, Kind.STATUS_BLOB),
    "backup extension log (/var/log/azure/…VMSnapshotLinux/extension.log)": (Kind.VMSNAPSHOT_LOG,),
    "agent configuration (/etc/waagent.conf)": (Kind.WAAGENT_CONF,),
    "system log (/var/log/syslog or messages)": (Kind.SYSLOG, Kind.SERIAL_CONSOLE),
}


def __getattr__(name: str) -> Any:
    """``LOG_KINDS``: kinds whose records are time-ordered log lines (the rest are state documents)."""
    if name == "LOG_KINDS":
        from .filekinds import kinds_where
        value = globals()["LOG_KINDS"] = kinds_where(lambda unit: unit.log)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
