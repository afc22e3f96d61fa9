"""The notebook API: open_bundle, its DataFrames, analysis and rendering."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import loganalyzer
from loganalyzer.errors import InputError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
FAILING = SAMPLES / "collect-logs-backup-failure.zip"


@pytest.fixture(scope="module")
def bundle() -> loganalyzer.Bundle:
    return loganalyzer.open_bundle(FAILING)


def test_events_are_a_typed_frame_with_one_row_per_record(bundle: loganalyzer.Bundle) -> None:
    events = bundle.events
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(events["level"].dtype, pd.CategoricalDtype)
    assert {"message", "path", "line_start", "line_end", "generation", "thread", "source"} <= set(events)
    assert len(events) == bundle.analyze().stats["events"]     # every event the rules saw
    assert (events["line_end"] >= events["line_start"]).all()


def test_tables_of_facts(bundle: loganalyzer.Bundle) -> None:
    ext = bundle.extensions
    assert "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" in set(ext["name"])
    agent = bundle.agent
    assert {"daemon", "goal_state"} <= set(agent["role"])
    assert len(bundle.backups) >= 1
    assert bundle.config["AutoUpdate.Enabled"] is not None
    timeline = bundle.timeline()
    assert list(timeline.columns) == ["time", "category", "label", "path", "line"]
    assert timeline["time"].is_monotonic_increasing


def test_coverage_lists_every_member(bundle: loganalyzer.Bundle) -> None:
    cov = bundle.coverage
    assert "results.txt" in set(cov["path"])
    assert set(cov["status"]) <= {"parsed", "partial", "skipped", "unreadable"}


def test_analysis_matches_the_streaming_path(bundle: loganalyzer.Bundle) -> None:
    kept = bundle.analyze()
    streamed = loganalyzer.analyze(FAILING)
    assert [(f.rule_id, f.count) for f in kept.findings] == [(f.rule_id, f.count) for f in streamed.findings]
    assert kept.top_finding is not None and kept.top_finding.cause == "no_network"


def test_results_render_like_the_cli(bundle: loganalyzer.Bundle) -> None:
    result = bundle.analyze()
    assert result.to_markdown().startswith("#")
    assert "<svg" in result.to_html()
    assert '"schema_version"' in result.to_json()
    html = result._repr_html_()
    assert "no_network" in html or "network" in html
    assert bundle._repr_html_()


def test_frames_are_redacted_unless_asked(tmp_path: Path) -> None:
    log = tmp_path / "var" / "log" / "waagent.log"
    log.parent.mkdir(parents=True)
    log.write_text("2024-05-14T21:00:00.000000Z WARNING ExtHandler ExtHandler Fetch failed: [HttpError] "
                   "[HTTP Failed] GET https://a.blob.core.windows.net/c/s?sv=1&sig=U0VDUkVUU0lH -- "
                   "IOError timed out -- 6 attempts made\n")
    shown = loganalyzer.open_bundle(tmp_path, redact=False).events
    hidden = loganalyzer.open_bundle(tmp_path).events
    assert "U0VDUkVUU0lH" in shown["message"].iloc[0]
    assert "U0VDUkVUU0lH" not in hidden["message"].iloc[0]
    assert "U0VDUkVUU0lH" not in str(hidden["fields"].iloc[0])


def test_bad_input_and_bad_options_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        loganalyzer.open_bundle(tmp_path / "missing.zip")
    with pytest.raises(InputError):
        loganalyzer.open_bundle(FAILING, colour="blue")


def test_tz_string_is_accepted() -> None:
    result = loganalyzer.analyze(FAILING, tz="+02:00")
    assert result.options.tz.utcoffset(None).total_seconds() == 7200
