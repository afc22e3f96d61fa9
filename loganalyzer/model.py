"""The data every layer shares: events, coverage, findings and verdicts.

Parsers produce :class:`Event`; sources and parsers fill :class:`FileCoverage`;
rules produce :class:`Finding` and :class:`CauseVerdict`.  Nothing here knows
about files, formats or causes in particular.

>>> e = Event(timestamp=None, time_kind=TimeKind.NONE, level="ERROR", message="boom",
...           path="var/log/waagent.log", line_start=3, line_end=4, kind="waagent_log")
>>> e.lines
2
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TimeKind(StrEnum):
    """How much a record's timestamp can be trusted.

    ``utc``: the format says UTC (``…Z``).  ``local``: wall-clock time with no
    offset in the file; converted with the user's ``--tz`` (default UTC).
    ``none``: the record had no timestamp (continuation-only text, status files).
    """

    UTC = "utc"
    LOCAL = "local"
    NONE = "none"


@dataclass(slots=True)
class Event:
    """One record of one file.

    ``timestamp`` is always tz-aware UTC when present (local formats are shifted
    by the user's offset and flagged with ``time_kind=local``).  ``message`` is
    the whole record text after the line header, continuation lines joined with
    ``\\n``.  ``fields`` holds structured payload parsed from the message
    (``{"event_op": "Enable", ...}``), ``None`` when there is none.
    """

    timestamp: datetime | None
    time_kind: TimeKind
    level: str | None
    message: str
    path: str
    line_start: int
    line_end: int
    kind: str
    generation: str = ""
    thread: str | None = None
    source: str | None = None
    extension: str | None = None
    extension_version: str | None = None
    fields: dict[str, Any] | None = None

    @property
    def lines(self) -> int:
        return self.line_end - self.line_start + 1


class CoverageStatus(StrEnum):
    PARSED = "parsed"          # read to the end by a parser
    PARTIAL = "partial"        # parser stopped early (limit, truncated stream, parser error)
    SKIPPED = "skipped"        # deliberately not read (unsafe entry, limit, not a log)
    UNREADABLE = "unreadable"  # could not be opened or decoded at all


@dataclass(slots=True)
class FileCoverage:
    """What happened to one member of a bundle.  Every member gets one.

    ``unparsed_samples`` keeps the first few ``(line_number, text)`` pairs of
    lines no parser recognised, so a user can see what was not understood.
    """

    path: str
    kind: str
    size: int | None = None
    status: CoverageStatus = CoverageStatus.PARSED
    parser: str | None = None
    lines: int = 0
    records: int = 0
    unparsed_lines: int = 0
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    unparsed_samples: list[tuple[int, str]] = field(default_factory=list)
    #: files this row stands for: 1, more only for a report's summary row (:mod:`loganalyzer.report.bounds`)
    files: int = 1

    MAX_SAMPLES = 5

    def add_unparsed(self, line_number: int, text: str) -> None:
        self.unparsed_lines += 1
        if len(self.unparsed_samples) < self.MAX_SAMPLES:
            self.unparsed_samples.append((line_number, text[:200]))

    def mark(self, status: CoverageStatus, reason: str) -> None:
        """Record a problem; the worst status wins, reasons accumulate."""
        order = [CoverageStatus.PARSED, CoverageStatus.PARTIAL, CoverageStatus.SKIPPED,
                 CoverageStatus.UNREADABLE]
        if order.index(status) > order.index(self.status):
            self.status = status
        self.reason = reason if self.reason is None else f"{self.reason}; {reason}"


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 3, "error": 2, "warning": 1, "info": 0}[self.value]


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(slots=True)
class Evidence:
    """A pointer to the lines that support a finding; ``excerpt`` is the text as logged
    (reports redact it: :func:`loganalyzer.report.redaction.report_view`).
    ``local``: the time is the VM's local clock shown as if UTC (the file gives no zone and no
    ``--tz`` converted it)."""

    path: str
    line_start: int
    line_end: int
    timestamp: datetime | None
    excerpt: str
    local: bool = False


@dataclass(slots=True)
class Finding:
    """A rule's conclusion about one cause, with all the evidence it counted."""

    rule_id: str
    cause: str
    severity: Severity
    confidence: Confidence
    title: str
    summary: str
    evidence: list[Evidence] = field(default_factory=list)
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    remediation: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    extension: str | None = None
    #: the incident this finding belongs to (1 = most likely), None below warning
    incident: int | None = None
    #: ``root`` (the cause of its incident) or ``consequence`` (explained by the root)
    role: str | None = None


class Verdict(StrEnum):
    DETECTED = "detected"
    RULED_OUT = "ruled_out"
    #: some evidence of the right kind, not enough to rule the cause out
    NOT_SEEN = "not_seen"
    NOT_EVALUABLE = "not_evaluable"


@dataclass(slots=True)
class CauseVerdict:
    """The checklist entry for one documented cause."""

    cause: str
    verdict: Verdict
    reason: str
    evidence: list[Evidence] = field(default_factory=list)


_CONFIDENCE_RANK = {"high": 2, "medium": 1, "low": 0}


def finding_rank(finding: Finding) -> tuple[int, int, float, int]:
    """How likely a finding is the answer, for sorting most likely first: severity, then
    confidence, then how recent its last record is (the failure the user is asking about is
    usually the latest), then how often it was seen."""
    last = finding.last_seen.timestamp() if finding.last_seen is not None else 0.0
    return (Severity(finding.severity).rank, _CONFIDENCE_RANK.get(str(finding.confidence), 0), last,
            finding.count)
