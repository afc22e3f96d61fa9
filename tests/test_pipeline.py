"""One pipeline: the CLI, the API and the fleet worker assemble the stages the same way."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import loganalyzer
from loganalyzer.fleet.worker import analyze_target
from loganalyzer.result import AnalysisOptions
from loganalyzer.rules import engine as engine_module

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs" / "collect-logs-backup-failure.zip"


def _no_rules(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the rule engine ran")


def test_bundle_facts_are_finished_without_running_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module.RuleEngine, "__init__", _no_rules)
    monkeypatch.setattr(engine_module.RuleEngine, "observe", _no_rules)
    facts = loganalyzer.open_bundle(SAMPLE).facts
    assert facts.latest_version("goal_state")
    assert facts.goal_states


def test_facts_then_rules_gives_the_same_result_as_rules_alone() -> None:
    first = loganalyzer.open_bundle(SAMPLE)
    facts = first.facts
    result = first.analyze()
    assert result.facts is facts
    alone = loganalyzer.open_bundle(SAMPLE).analyze()
    assert _keys(result) == _keys(alone)
    assert len(result.facts.goal_states) == len(alone.facts.goal_states)
    assert result.input.notes == alone.input.notes


def _keys(result: loganalyzer.AnalysisResult) -> list[tuple]:
    return [(f.rule_id, f.cause, str(f.severity), f.count, f.first_seen) for f in result.findings]


def test_cli_api_and_fleet_give_the_same_findings() -> None:
    cli = subprocess.run([sys.executable, "-m", "loganalyzer.cli", "-f", "json", "--fail-on", "never",
                          str(SAMPLE)], capture_output=True, text=True, check=True)
    cli_ids = [(f["rule_id"], f["cause"], f["count"]) for f in json.loads(cli.stdout)["findings"]]
    api = loganalyzer.open_bundle(SAMPLE).analyze()
    streamed = loganalyzer.analyze(SAMPLE)
    fleet, _ = analyze_target(str(SAMPLE), str(SAMPLE), AnalysisOptions(), with_events=False)
    fleet_bytes, events = analyze_target(SAMPLE.read_bytes(), "mem://b.zip", AnalysisOptions(),
                                         with_events=True)
    assert cli_ids
    for result in (api, streamed, fleet, fleet_bytes):
        assert [(f.rule_id, f.cause, f.count) for f in result.findings] == cli_ids
    assert events is not None and len(events) == api.stats["events"]


def test_window_is_applied_once_for_rules_and_facts() -> None:
    since = datetime.fromisoformat("2099-01-01T00:00:00+00:00")
    bundle = loganalyzer.open_bundle(SAMPLE, since=since)
    facts = bundle.facts                         # facts first: the window counts are already there
    assert all(first is None for _, first, _ in facts.state["window_records"].values())  # undated only
    result = bundle.analyze()
    assert result.window is not None and result.window.records_in == 0
    assert not [f for f in result.findings if f.evidence and f.evidence[0].timestamp
                and f.evidence[0].timestamp < since]
