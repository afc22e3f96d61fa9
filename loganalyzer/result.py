"""The outcome of analysing one bundle: what every report renders and the API returns.

>>> AnalysisOptions().fail_on
'error'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from .facts.model import Facts
from .limits import DEFAULT_LIMITS, Limits
from .model import CauseVerdict, FileCoverage, Finding, Severity, finding_rank
from .sources.base import BundleInfo


@dataclass(slots=True)
class AnalysisOptions:
    """Everything the user can set that changes an analysis (CLI flags map one to one)."""

    tz: tzinfo = timezone.utc
    since: datetime | None = None
    until: datetime | None = None
    min_agent_version: str | None = None
    error_code: str | None = None
    rule_dirs: list[str] = field(default_factory=list)
    redact: bool = True
    limits: Limits = DEFAULT_LIMITS
    fail_on: str = "error"
    root: str | None = None


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

    def worst_severity(self) -> Severity | None:
        return max((Severity(f.severity) for f in self.findings), key=lambda s: s.rank, default=None)

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
