"""The outcome of analysing one bundle: what every report renders and the API returns.

>>> AnalysisOptions().fail_on
'error'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from .facts.model import Facts
from .limits import DEFAULT_LIMITS, Limits
from .model import CauseVerdict, FileCoverage, Finding, Severity, finding_rank
from .sources.base import BundleInfo


@dataclass(slots=True)
class AnalysisOptions:
    """Everything the user can set that changes an analysis (CLI flags map one to one)."""

    tz: tzinfo = timezone.utc
    #: a time, or a duration counted back from the bundle's last record (resolved by the analysis)
    since: datetime | timedelta | None = None
    until: datetime | timedelta | None = None
    min_agent_version: str | None = None
    error_code: str | None = None
    rule_dirs: list[str] = field(default_factory=list)
    redact: bool = True
    limits: Limits = DEFAULT_LIMITS
    fail_on: str = "error"
    root: str | None = None


@dataclass(slots=True)
class Window:
    """The time window an analysis applied: ``since``/``until`` resolved to UTC times.

    ``reference`` is the bundle's last record when a bound was a duration (``--since 7d``
    counts back from it, not from the wall clock); ``records_in``/``records_total`` count the
    timed records kept and read.
    """

    since: datetime | None
    until: datetime | None
    requested: str
    reference: datetime | None = None
    records_in: int = 0
    records_total: int = 0

    def describe(self) -> str:
        """The sentence every report states the window with, times to the second as elsewhere."""
        since = _iso(self.since, seconds=True) if self.since else "the first record"
        until = _iso(self.until, seconds=True) if self.until else "the last record"
        ref = ("; durations count back from the bundle's last record, "
               f"{_iso(self.reference, seconds=True)}") if self.reference else ""
        return (f"Time window {since} to {until} ({self.requested}{ref}): "
                f"{self.records_in:,} of {self.records_total:,} timed records are in it; "
                "records without a time are always kept.")


def _iso(moment: datetime, seconds: bool = False) -> str:
    """ISO-8601 UTC with ``Z``; ``seconds`` drops the fraction (what people read)."""
    utc = moment.astimezone(timezone.utc)
    return (utc.replace(microsecond=0) if seconds else utc).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class AnalysisResult:
    input: BundleInfo
    coverage: list[FileCoverage]
    facts: Facts
    findings: list[Finding]
    causes: list[CauseVerdict]
    options: AnalysisOptions
    missing_evidence: list[str] = field(default_factory=list)
    rule_errors: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    #: the ``--since/--until`` window applied (:class:`Window`), None without one
    window: Window | None = None

    @property
    def top_finding(self) -> Finding | None:
        """The most likely cause: the first finding by :func:`~loganalyzer.model.finding_rank`.

        Only a warning or worse can be a cause; with info findings alone (a healthy VM,
        harmless noise, a version that meets the minimum) there is none.  When the most likely
        finding is a consequence (a backup that failed because the network is down), the root
        of its incident is the answer.
        """
        candidates = [f for f in self.findings if Severity(f.severity).rank >= Severity.WARNING.rank]
        best = max(candidates, key=finding_rank, default=None)
        if best is None:
            return None
        from .rules.incidents import root_of
        return root_of(self.findings, best)

    @property
    def nothing_checked(self) -> bool:
        """Nothing could be checked: no finding of warning or worse, and either no kind of
        evidence at all (an empty folder, a file with no agent content) or no timed record left
        in the ``--since/--until`` window.  The CLI exits 3 then.  (A log too short to rule
        causes out is still checked: its findings count.)"""
        if self.top_finding is not None:
            return False
        from .kinds import EVIDENCE_KINDS
        if len(self.missing_evidence) >= len(EVIDENCE_KINDS):
            return True
        return self.window is not None and self.window.records_in == 0 and \
            all(str(v.verdict) == "not_evaluable" for v in self.causes)

    @property
    def worst_severity(self) -> Severity | None:
        """The most severe finding's severity (a property, like :attr:`top_finding`)."""
        return max((Severity(f.severity) for f in self.findings), key=lambda s: s.rank, default=None)

    # Tables for notebooks (pandas imported on use).
    def to_frames(self) -> dict[str, Any]:
        """Every table as a DataFrame: findings, causes, coverage, extensions, agent, goal_states,
        backups (see :mod:`loganalyzer.report.frames`)."""
        from .report.frames import result_frames
        return result_frames(self)

    def __repr__(self) -> str:
        top = self.top_finding
        answer = f"top={top.cause!r} ({top.severity})" if top else "no cause found"
        detected = sum(1 for v in self.causes if str(v.verdict) == "detected")
        return (f"<AnalysisResult {self.input.path or 'live system'!s} ({self.input.bundle_type}): {answer}; "
                f"{len(self.findings)} findings, {detected}/{len(self.causes)} causes detected>")

    # The same reports as the CLI, for notebooks and scripts.
    def to_json(self) -> str:
        from .report import render
        return render(self, "json")

    def to_markdown(self) -> str:
        from .report import render
        return render(self, "markdown")

    def to_html(self) -> str:
        from .report import render
        return render(self, "html")

    def to_text(self) -> str:
        from .report import render
        return render(self, "text")

    def _repr_html_(self) -> str:
        from .report.notebook import result_html
        return result_html(self)
