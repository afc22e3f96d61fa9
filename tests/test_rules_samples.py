"""Every catalog rule proves itself on its own samples (lnav/Sigma style), and the known-benign
baseline raises nothing above info through the whole engine."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loganalyzer.facts.model import Facts
from loganalyzer.model import Event, Severity, TimeKind
from loganalyzer.rules import RuleEngine, load_rules
from loganalyzer.rules.condition import event_text
from loganalyzer.rules.model import Rule, Sample
from loganalyzer.rules.prefilter import Prefilter
from loganalyzer.sources.base import BundleInfo

RULES, ERRORS = load_rules()
MATCHING = [r for r in RULES if r.match is not None]
BENIGN = [r for r in RULES if r.kind == "benign"]


def to_event(sample: Sample, line: int = 1) -> Event:
    return Event(timestamp=datetime(2024, 5, 30, 13, 15, line % 60, tzinfo=UTC), time_kind=TimeKind.UTC,
                 level=sample.level, message=sample.message, path="var/log/waagent.log", line_start=line,
                 line_end=line + sample.message.count("\n"), kind=sample.kind, source=sample.source,
                 extension=sample.extension, fields=sample.fields)


def test_catalog_loads_without_errors():
    assert ERRORS == []
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", MATCHING, ids=lambda r: r.id)
def test_positive_samples_match(rule: Rule):
    assert rule.positive or rule.kind == "health"
    for sample in rule.positive:
        assert rule.match.test(to_event(sample)), f"{rule.location}: should match {sample.message!r}"


@pytest.mark.parametrize("rule", [r for r in MATCHING if r.negative], ids=lambda r: r.id)
def test_negative_samples_do_not_match(rule: Rule):
    for sample in rule.negative:
        assert not rule.match.test(to_event(sample)), f"{rule.location}: should not match {sample.message!r}"


@pytest.mark.parametrize("rule", MATCHING, ids=lambda r: r.id)
def test_positive_samples_pass_the_word_prefilter(rule: Rule):
    pf = Prefilter()
    pf.add(0, rule.literals, rule.kinds)
    pf.freeze()
    assert pf.unindexed == [], f"{rule.id}: literals without an index word"
    for sample in rule.positive:
        assert pf.candidates(sample.kind, event_text(to_event(sample))) == [0], rule.id


@pytest.mark.parametrize("rule", [r for r in MATCHING if r.kind == "signature"], ids=lambda r: r.id)
def test_signature_samples_are_not_swallowed_by_the_benign_baseline(rule: Rule):
    for sample in rule.positive:
        ev = to_event(sample)
        hit = [b.id for b in BENIGN if b.match.test(ev)]
        assert not hit, f"{rule.id} sample is also benign per {hit}"


def test_benign_baseline_raises_nothing_above_info():
    engine = RuleEngine(RULES)
    line = 1
    for rule in BENIGN:
        for sample in rule.positive * 3:
            engine.observe(to_event(sample, line))
            line += 1
    findings, _ = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("baseline"), [])
    loud = [(f.rule_id, f.severity) for f in findings if Severity(f.severity) != Severity.INFO]
    assert loud == []


def test_every_taxonomy_cause_has_a_rule():
    from loganalyzer.rules.causes import CAUSES, TAXONOMY
    covered = {r.cause for r in RULES if r.kind in ("signature", "logic")}
    covered |= {c.id for c in CAUSES.values() if c.outside_guest}  # decided by the portal code (verdicts)
    covered |= {c for r in RULES if r.logic == "backup_runs" for c in r.params["codes"].values()}
    assert set(TAXONOMY) - covered == set()


def test_catalog_readme_is_current():
    from loganalyzer.rules.catalog_doc import render_catalog
    from loganalyzer.rules.loader import catalog_dir
    readme = (catalog_dir() / "README.md").read_text(encoding="utf-8")
    assert readme == render_catalog(RULES), "run: python -m loganalyzer.rules.catalog_doc"
