"""Typed rule definitions, built from the TOML catalog by :mod:`loganalyzer.rules.loader`.

>>> parse_duration("5m"), parse_duration("90s"), parse_duration("2h")
(300.0, 90.0, 7200.0)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..model import Confidence, Severity
from .causes import TAXONOMY  # noqa: F401  (re-exported: the documented causes, from causes.toml)
from .condition import Condition

#: Rule kinds: ``signature`` raises findings; ``health`` records counter-evidence for verdicts;
#: ``benign`` documents known-harmless noise (at most info); ``logic`` runs Python.
RULE_KINDS = ("signature", "health", "benign", "logic")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``"30s"``, ``"5m"``, ``"2h"``, ``"1d"`` or a bare number of seconds."""
    if isinstance(text, int | float):
        return float(text)
    m = _DURATION.match(text)
    if m is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 2h)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@dataclass(slots=True)
class Correlation:
    """How matches combine before a finding is raised.

    ``at_least``: ``count`` matches within ``within`` seconds.  ``without``: a match not followed
    by an ``other`` match within ``within`` seconds (e.g. freeze without thaw); with ``same_file``
    any ``other`` record of the same file answers (a process listing without the handler).
    """

    type: str
    count: int = 1
    within: float | None = None
    other: Condition | None = None
    #: ``without``: any ``other`` record in the same file answers, before or after
    same_file: bool = False


@dataclass(slots=True)
class Transient:
    """Failures followed by a ``recovered_by`` record within ``within`` seconds are blips:
    the finding drops to ``downgrade_to`` (info) unless at least ``sustained`` failures went
    unrecovered.  With ``burst``, a recovered finding whose failures came ``burst`` or more
    in a row before a recovery stays at least a warning (it recovered, but it was a real
    outage worth reading).
    With ``per_extension`` a recovery counts only for the extensions it reports successful."""

    recovered_by: Condition
    within: float
    sustained: int = 1
    #: only recoveries naming the same extension count (``('<name>', 'success')`` summaries)
    per_extension: bool = False
    #: the severity a recovered finding keeps
    downgrade_to: Severity = Severity.INFO
    #: failures in a row (no recovery between) that keep a recovered finding at warning
    burst: int | None = None


@dataclass(slots=True)
class SignalFilter:
    """Which signals a signal rule takes: names, and allowed values per attribute.

    >>> from loganalyzer.catalog.signals import Signal
    >>> f = SignalFilter(frozenset({"http_failure"}), {"endpoint": frozenset({"wireserver"})})
    >>> f.accepts(Signal("http_failure", {"endpoint": "wireserver"})), f.accepts(Signal("http_failure"))
    (True, False)
    """

    names: frozenset[str]
    where: dict[str, frozenset[str]] = field(default_factory=dict)
    #: attribute values that exclude a signal (``not = {error_class = ["proxy"]}``)
    exclude: dict[str, frozenset[str]] = field(default_factory=dict)
    #: the ways a signal may have been reached (catalog, structure, keyword); None: any
    vias: frozenset[str] | None = None

    def accepts(self, signal: Any) -> bool:
        if signal.name not in self.names:
            return False
        if self.vias is not None and signal.via.value not in self.vias:
            return False
        for key, allowed in self.where.items():
            if str(signal.get(key)) not in allowed:
                return False
        return all(str(signal.get(key)) not in banned for key, banned in self.exclude.items())


@dataclass(slots=True)
class Sample:
    """One self-test record of a rule (lnav/Sigma style): a message with optional context."""

    message: str
    level: str | None = None
    kind: str = "waagent_log"
    source: str | None = None
    extension: str | None = None
    fields: dict[str, Any] | None = None
    events: list[Sample] = field(default_factory=list)
    #: a raw line of the file kind ``kind``, read by that kind's real parser (instead of ``message``)
    raw: str | None = None


@dataclass(slots=True)
class Rule:
    """One catalog rule."""

    id: str
    title: str
    cause: str
    severity: Severity
    confidence: Confidence
    summary: str
    path: str
    line: int
    kind: str = "signature"
    match: Condition | None = None
    #: a signal rule: the signals it takes (``match``, when also given, must hold too)
    signal: SignalFilter | None = None
    literals: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    logic: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    group_by: str | None = None
    correlation: Correlation | None = None
    transient: Transient | None = None
    rules_out: tuple[str, ...] = ()
    remediation: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    reason: str = ""
    positive: list[Sample] = field(default_factory=list)
    negative: list[Sample] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"
