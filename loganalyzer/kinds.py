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


def __getattr__(name: str) -> Any:
    """Sets read from the units on first use (the units need :class:`Kind` to be built first):

    ``LOG_KINDS``: kinds whose records are time-ordered log lines (the rest are state documents);
    ``EVIDENCE_KINDS``: evidence a diagnosis leans on (label → the kinds that carry it, each unit's
    ``evidence=``), for "missing evidence".
    """
    if name == "LOG_KINDS":
        from .filekinds import kinds_where
        value = globals()["LOG_KINDS"] = kinds_where(lambda unit: unit.log)
        return value
    if name == "EVIDENCE_KINDS":
        from .filekinds import evidence_kinds
        value = globals()["EVIDENCE_KINDS"] = evidence_kinds()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
