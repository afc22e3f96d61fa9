"""Captures are kept only for the rules whose findings read them.

A rule's finding reads what its condition captured only through a summary placeholder (or a
``group_by = "template"``); the engine drops the captures of every other rule's matches, so the
records of one shape share their decision instead of each being asked again for values nobody
reads (the goal-state statements of a current log: thousands per day, each with its own
incarnation and duration).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loganalyzer.model import Event, TimeKind
from loganalyzer.parsers.payloads import extract_fields
from loganalyzer.rules import engine as engine_mod
from loganalyzer.rules import load_rules
from loganalyzer.rules.engine import RuleEngine
from loganalyzer.rules.findings import SUMMARY_PLACEHOLDERS, placeholders, reads_captures

RULES = load_rules()[0]
T0 = datetime(2024, 6, 1, tzinfo=UTC)


def _record(n: int, message: str) -> Event:
    return Event(T0 + timedelta(minutes=n), TimeKind.UTC, "INFO", message, "var/log/waagent.log", n, n,
                 "waagent_log", "2.2.47+", "ExtHandler", "ExtHandler", fields=extract_fields(message))


def test_a_watcher_keeps_captures_exactly_when_its_rule_reads_them() -> None:
    engine = RuleEngine(RULES)
    plain = [w for w in engine._watchers if w.role in ("benign", "health", "signature")]
    assert plain and any(w.keeps_caps for w in plain) and any(not w.keeps_caps for w in plain)
    for w in plain:
        assert w.keeps_caps == reads_captures(w.rule), w.rule.id
    for w in engine._watchers:
        if w.role not in ("benign", "health", "signature"):
            assert w.keeps_caps, (w.role, w.rule.id)   # signals, partners, recoveries: as before


def test_reading_captures_is_naming_one_in_the_summary_or_grouping_by_template() -> None:
    for rule in RULES:
        names = [p for p in placeholders(rule.summary) if p not in SUMMARY_PLACEHOLDERS]
        assert reads_captures(rule) == (bool(names) or rule.group_by == "template"), rule.id


def test_a_summary_still_shows_what_was_captured() -> None:
    """``agent.child_exit_failure`` says the exit code its condition captured."""
    rule = next(r for r in RULES if r.id == "agent.child_exit_failure")
    assert reads_captures(rule) and "code" in placeholders(rule.summary)
    engine = RuleEngine(RULES)
    sample = rule.positive[0]
    engine.observe(Event(T0, TimeKind.UTC, sample.level or "ERROR", sample.message, "var/log/waagent.log",
                         1, 1, sample.kind or "waagent_log"))
    matches = engine._state[rule.id].groups
    assert any(m.captures.get("code") for m in matches.values()), matches


def test_goal_state_statements_of_one_shape_share_their_decision(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = {"redo": 0}
    redo = RuleEngine._redo

    def counted(self, *args):  # type: ignore[no-untyped-def]
        calls["redo"] += 1
        return redo(self, *args)

    monkeypatch.setattr(engine_mod.RuleEngine, "_redo", counted)
    engine = RuleEngine(RULES)
    for n in range(1, 40):
        engine.observe(_record(n, f"ProcessExtensionsGoalState completed [incarnation_{n} {7 * n} ms]"))
    group = engine._state["health.goal_state_fetched"].groups[None]
    assert group.count == 39 and group.last_seen == T0 + timedelta(minutes=39)
    assert calls["redo"] == 0
