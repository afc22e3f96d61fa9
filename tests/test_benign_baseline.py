"""The benign baseline is narrow (issue 12, point 4): each benign rule names the catalog statements
it covers, says why they are harmless, and carries a negative sample of a real failure of its area
that it must not swallow — one the whole engine reports at warning or above."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loganalyzer.facts.model import Facts
from loganalyzer.model import Event, Severity, TimeKind
from loganalyzer.rules import RuleEngine, load_rules
from loganalyzer.rules.condition import parse_condition
from loganalyzer.rules.model import Rule, Sample
from loganalyzer.sources.base import BundleInfo

RULES, _ = load_rules()
BENIGN = [r for r in RULES if r.kind == "benign"]


def _event(sample: Sample, minute: int) -> Event:
    return Event(timestamp=datetime(2024, 5, 30, 13, minute, tzinfo=UTC), time_kind=TimeKind.UTC,
                 level=sample.level, message=sample.message, path="var/log/waagent.log",
                 line_start=minute + 1, line_end=minute + 1 + sample.message.count("\n"),
                 kind=sample.kind, source=sample.source, extension=sample.extension, fields=sample.fields)


def _reported(sample: Sample) -> list[tuple[str, str]]:
    """The findings above info that three copies of ``sample`` raise through the whole engine."""
    engine = RuleEngine(RULES)
    for minute in range(3):
        engine.observe(_event(sample, minute))
    findings, _ = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("negative"), [])
    return [(f.rule_id, str(f.severity)) for f in findings if Severity(f.severity).rank > Severity.INFO.rank]


def _names_entries(node) -> bool:
    if node.op in ("and", "or", "not"):
        return any(_names_entries(c) for c in node.children)
    return node.operand == "entry"


def test_the_baseline_has_rules():
    assert len(BENIGN) >= 10


@pytest.mark.parametrize("rule", BENIGN, ids=lambda r: r.id)
def test_a_benign_rule_names_its_catalog_entries_and_says_why(rule: Rule):
    assert _names_entries(parse_condition(rule.match.source)), f"{rule.id}: name the statements"
    assert len(rule.reason) >= 40, f"{rule.id}: say why the statements are harmless"


@pytest.mark.parametrize("rule", BENIGN, ids=lambda r: r.id)
def test_a_benign_rule_carries_a_real_failure_it_does_not_swallow(rule: Rule):
    assert rule.negative, f"{rule.id}: add a negative sample (a real failure of the same area)"
    loud = {s.message[:80]: _reported(s) for s in rule.negative}
    assert any(loud.values()), f"{rule.id}: no negative sample is reported as a failure: {loud}"


def test_each_positive_sample_alone_raises_nothing_above_info():
    for rule in BENIGN:
        for sample in rule.positive:
            assert _reported(sample) == [], f"{rule.id}: positive sample raised {_reported(sample)}"
