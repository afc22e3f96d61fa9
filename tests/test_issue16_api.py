"""Issue 16 through the public API: verdicts that are not findings, notebook tables."""
from __future__ import annotations

from pathlib import Path

import pytest

import loganalyzer

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
ALL = sorted(str(p) for p in SAMPLES.iterdir() if p.name != "README.md" and p.suffix != ".py")
FAILING = SAMPLES / "collect-logs-backup-failure.zip"
HEALTHY = SAMPLES / "adhoc-healthy.tar.gz"


# -- 2. a verdict is not a finding ------------------------------------------------------------------
@pytest.mark.parametrize("path", ALL, ids=lambda p: Path(p).name)
def test_a_version_that_meets_the_minimum_is_a_verdict_not_a_finding(path: str) -> None:
    result = loganalyzer.analyze(path)
    assert all("meets the supported minimum" not in f.title for f in result.findings)
    assert all(not (f.cause == "agent_outdated" and str(f.severity) == "info") for f in result.findings)
    verdict = next(v for v in result.causes if v.cause == "agent_outdated")
    if not any(f.cause == "agent_outdated" for f in result.findings):
        assert str(verdict.verdict) == "ruled_out"
        assert "meets the supported minimum" in verdict.reason and "2." in verdict.reason


def test_fleet_cause_counts_only_warning_and_above() -> None:
    pytest.importorskip("pyarrow")
    from loganalyzer.fleet.report import fleet_markdown, summarize
    fleet = loganalyzer.analyze_many(ALL, engine="local", jobs=1)
    assert not ((fleet.findings["cause"] == "agent_outdated")
                & (fleet.findings["severity"].astype(str) == "info")).any()
    rows = {c.cause: c for c in summarize(fleet.bundles, fleet.findings).causes}
    assert rows["agent_outdated"].vms == 2            # the sosreport (2.2.45) and the daemon-only one
    assert all(c.worst in ("critical", "error", "warning") for c in rows.values())
    assert "Findings of warning severity or above." in fleet_markdown(fleet.bundles, fleet.findings)
