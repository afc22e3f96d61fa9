"""The rule engine's static plan is shared between engines; nothing a run changes may leak.

Every analysis builds a :class:`~loganalyzer.rules.engine.RuleEngine`; its plan (watchers, word
index, signal order, shape guards) is built once per rule list.  These tests analyse several
bundles one after another in this process and compare each JSON report with the one a fresh
process writes, and run two engines side by side over different bundles.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loganalyzer.analysis import analyze
from loganalyzer.pipeline import Pipeline, rules_for
from loganalyzer.report.json_report import render_json
from loganalyzer.result import AnalysisOptions
from loganalyzer.rules import engine as engine_mod
from loganalyzer.rules.engine import RuleEngine
from loganalyzer.sources import open_source

ROOT = Path(__file__).resolve().parent.parent
BUNDLES = {
    "backup": ROOT / "sample_logs" / "collect-logs-backup-failure.zip",
    "dhcp": ROOT / "sample_logs" / "folder-dhcp-failure",
    "outdated": ROOT / "sample_logs" / "sosreport-agent-outdated.tar.xz",
    "stuck": ROOT / "sample_logs" / "adhoc-extension-stuck.tar.gz",
    "apphealth": ROOT / "tests" / "fixtures" / "bundles" / "apphealth-precheck-failed",
    "vmsnapshot": ROOT / "tests" / "fixtures" / "extlogs" / "vmsnapshot_errors.log",
}
#: option sets by name (a version floor changes the logic rules' policy, not the plan)
OPTIONS = {"default": {}, "floor": {"min_agent_version": "2.9.1.1"}}

_FRESH = """
import json, sys
from loganalyzer.analysis import analyze
from loganalyzer.report.json_report import render_json
from loganalyzer.result import AnalysisOptions
for path, opts in json.loads(sys.argv[1]):
    sys.stdout.write(render_json(analyze(path, AnalysisOptions(**opts))) + "\\x00")
"""


def _normal(report: str) -> dict:
    """The report without what differs between any two runs (the wall-clock seconds)."""
    data = json.loads(report)
    data.get("stats", {}).pop("seconds", None)
    return data


@pytest.fixture(scope="module")
def fresh() -> dict[tuple[str, str], dict]:
    """Each (bundle, options) report from a process of its own, started after nothing else."""
    out = {}
    for name, path in BUNDLES.items():
        for opt in OPTIONS if name in ("backup", "outdated") else ("default",):
            proc = subprocess.run([sys.executable, "-c", _FRESH, json.dumps([[str(path), OPTIONS[opt]]])],
                                  capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
            reports = proc.stdout.split("\x00")[:-1]
            assert len(reports) == 1, proc.stderr
            out[(name, opt)] = _normal(reports[0])
    return out


def test_sequence_in_one_process_matches_fresh_processes(fresh: dict) -> None:
    # A, B, A again, then the others, options switching back and forth
    sequence = [("backup", "default"), ("dhcp", "default"), ("backup", "default"),
                ("outdated", "floor"), ("stuck", "default"), ("backup", "floor"),
                ("apphealth", "default"), ("outdated", "default"), ("vmsnapshot", "default"),
                ("dhcp", "default"), ("backup", "default")]
    plans = len(engine_mod._PLANS)
    for name, opt in sequence:
        got = _normal(render_json(analyze(str(BUNDLES[name]), AnalysisOptions(**OPTIONS[opt]))))
        assert got == fresh[(name, opt)], f"{name} with {opt} options differs from a fresh process"
    # the reports are not alike: the comparison above can tell bundles apart
    assert fresh[("backup", "default")]["findings"] != fresh[("dhcp", "default")]["findings"]
    assert fresh[("outdated", "floor")] != fresh[("outdated", "default")]
    assert len(engine_mod._PLANS) <= max(plans, 1), "one rule list, one plan"


def _events(path: Path, options: AnalysisOptions) -> tuple[Pipeline, list]:
    pipe = Pipeline(open_source(str(path)), options)
    events = pipe.read()
    pipe.facts()
    return pipe, events


def _finish(engine: RuleEngine, pipe: Pipeline) -> str:
    findings, verdicts = engine.finish(pipe.facts(), pipe.scan.source.info, pipe.scan.coverage)
    return repr((findings, verdicts))


def test_two_engines_alive_share_no_marks() -> None:
    rules = rules_for(())[0]
    opt_a, opt_b = AnalysisOptions(), AnalysisOptions(min_agent_version="2.9.1.1")
    pipe_a, events_a = _events(BUNDLES["backup"], opt_a)
    pipe_b, events_b = _events(BUNDLES["outdated"], opt_b)

    alone_a = RuleEngine(rules, opt_a)
    for ev in events_a:
        alone_a.observe(ev)
    solo_a = _finish(alone_a, pipe_a)
    alone_b = RuleEngine(rules, opt_b)
    for ev in events_b:
        alone_b.observe(ev)
    solo_b = _finish(alone_b, pipe_b)

    one, two = RuleEngine(rules, opt_a), RuleEngine(rules, opt_b)
    assert one._watchers is two._watchers, "the plan is shared"
    assert not any(m is n for m in one._marks for n in two._marks)
    assert not any(one._state[r] is two._state[r] or one._state[r].others is two._state[r].others
                   or (one._state[r].recoveries and one._state[r].recoveries is two._state[r].recoveries)
                   for r in one._state)
    assert not any(x is y for x in one._logic for y in two._logic)
    for ev in events_a:                 # one engine gets bundle A, the other nothing yet
        one.observe(ev)
    assert any(one._marks), "bundle A leaves partner / recovery marks (else this test shows nothing)"
    assert not any(two._marks) and not any(s.groups for s in two._state.values())
    for i in range(max(len(events_a), len(events_b))):   # then both at once, interleaved
        if i < len(events_b):
            two.observe(events_b[i])
        if i < len(events_a):
            one.observe(events_a[i])
    # engine one saw bundle A twice: the same findings as A alone, counts doubled aside
    twice = RuleEngine(rules, opt_a)
    for ev in events_a + events_a:
        twice.observe(ev)
    assert _finish(one, pipe_a) == _finish(twice, pipe_a)
    assert _finish(two, pipe_b) == solo_b
    assert solo_a != solo_b


def test_rules_sharing_one_plan_share_only_read_only_parts() -> None:
    rules = rules_for(())[0]
    first, second = RuleEngine(rules), RuleEngine(list(rules))
    assert first._plan is second._plan         # same rule objects, same order: one plan
    assert first._decided is not second._decided and first._by_shape is not second._by_shape
    assert first._matched is not second._matched and first._via_rank is not second._via_rank
    engine_mod.clear_plans()
    third = RuleEngine(rules)
    assert third._plan is not first._plan
    assert [(w.role, w.rule.id, w.slot, w.trigger) for w in third._watchers] \
        == [(w.role, w.rule.id, w.slot, w.trigger) for w in first._watchers]
