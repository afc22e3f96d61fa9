"""Issue 16 through the public API: verdicts that are not findings, notebook tables."""
from __future__ import annotations

from pathlib import Path

import pytest

import loganalyzer
from loganalyzer.rules.causes import TAXONOMY

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
    outdated = rows["agent_outdated"]               # the sosreport (2.2.45) and the daemon-only one
    assert outdated.roots + outdated.consequence_only == 2
    assert all(c.worst in ("critical", "error", "warning") for c in rows.values())
    assert "Findings of warning severity or above." in fleet_markdown(fleet.bundles, fleet.findings)


# -- 6. the notebook API --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle():
    return loganalyzer.open_bundle(FAILING)


def test_findings_and_causes_are_dataframes_with_the_documented_columns(bundle) -> None:
    findings = bundle.findings
    assert list(findings.columns)[:10] == ["rule_id", "cause", "severity", "confidence", "title", "count",
                                           "first_seen", "last_seen", "extension", "evidence_path"]
    assert "evidence_line" in findings.columns
    top = findings.iloc[0]
    assert (top["cause"], top["severity"]) == ("no_network", "error")
    assert top["evidence_path"].endswith("VMSnapshotLinux/extension.log") and top["evidence_line"] == 28
    assert str(findings["first_seen"].dtype) == "datetime64[ns, UTC]"
    causes = bundle.causes
    assert list(causes.columns)[:3] == ["cause", "verdict", "reason"] and len(causes) == len(TAXONOMY)
    assert set(causes["verdict"].astype(str)) <= {"detected", "ruled_out", "not_seen", "not_evaluable"}
    frames = bundle.analyze().to_frames()
    assert {"findings", "causes", "coverage", "extensions", "agent", "backups"} <= set(frames)
    assert set(bundle.to_frames()) >= {"events", "findings", "causes"}


def test_vmsnapshot_records_have_levels_and_one_spelling(bundle) -> None:
    events = bundle.events
    snap = events[events["kind"] == "vmsnapshot_log"]
    assert snap["level"].notna().all()
    errors = snap[snap["level"] == "error"]["message"]
    assert errors.str.contains("curl error").any() and errors.str.contains("Enable failed").any()
    assert set(events["level"].dropna().astype(str)) <= {"critical", "error", "warning", "info", "verbose",
                                                         "debug"}
    assert set(bundle.findings["severity"].astype(str)) <= {"critical", "error", "warning", "info"}


def test_the_readme_notebook_recipe_finds_the_vmsnapshot_failure_rows(bundle) -> None:
    errors = bundle.events.query("level == 'error' and duplicate_of.isna()")
    assert (errors["kind"] == "vmsnapshot_log").sum() >= 10
    per_hour = errors.set_index("timestamp").resample("1h").size()
    assert per_hour.sum() == len(errors[errors["timestamp"].notna()])
    joined = bundle.findings.merge(bundle.extensions, left_on="extension", right_on="name")
    assert "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" in set(joined["extension"])


def test_records_seen_in_syslog_and_waagent_log_are_marked(bundle) -> None:
    events = bundle.events
    copies = events[events["duplicate_of"].notna()]
    assert len(copies) > 0 and set(copies["kind"].astype(str)) == {"syslog"}
    first = copies.iloc[0]
    path, line = first["duplicate_of"].rsplit(":", 1)
    original = events[(events["path"] == path) & (events["line_start"] == int(line))].iloc[0]
    assert (original["timestamp"], original["message"]) == (first["timestamp"], first["message"])
    assert events[events["kind"] == "waagent_log"]["duplicate_of"].isna().all()


def test_repr_properties_dir_and_exports(bundle) -> None:
    result = bundle.analyze()
    assert len(repr(result)) < 300 and "no_network" in repr(result)
    assert str(result.worst_severity) == "error"              # a property, like top_finding
    assert {"open_bundle", "analyze", "Limits", "analyze_many", "FleetResult"} <= set(dir(loganalyzer))
    assert {"findings", "causes", "events", "to_frames"} <= set(dir(bundle))
    limited = loganalyzer.analyze(FAILING, limits=loganalyzer.Limits(max_seconds=120))
    assert limited.top_finding.cause == "no_network"
    assert str(bundle.timeline()["line"].dtype) == "Int64"


def test_fleet_result_renders_in_jupyter() -> None:
    pytest.importorskip("pyarrow")
    fleet = loganalyzer.analyze_many([str(FAILING), str(HEALTHY)], engine="local", jobs=1)
    html = fleet._repr_html_()
    assert "<h1>Fleet report</h1>" in html and "<html" not in html
    assert len(repr(fleet)) < 200
