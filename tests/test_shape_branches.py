"""Shape sharing where a condition reads more than text: per-branch guards, signatures asked
again, digits-only shapes (loganalyzer/rules/engine.py, shapes.py).

A record of a shared shape must decide exactly as it would alone.  The records here are the
ones where a wrong shortcut would show: heartbeats of one shape whose UpdateGSErrors /
AutoUpdate differ (recoveries and a signature reading them), child-exit records of one shape
whose return code a signature reads (the records it does not explain have signals), a field test
next to a literal that numbers change (``Errno 113``).
"""
from __future__ import annotations

import random
from datetime import timezone

import pytest

from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers.payloads import extract_fields
from loganalyzer.parsers.waagent_log import parse_chunks
from loganalyzer.rules import engine as engine_mod
from loganalyzer.rules import load_rules
from loganalyzer.rules.condition import compile_condition, event_text
from loganalyzer.rules.shapes import Presence, digit_shape_of, masks_letters, shape_of

_HB = ("[HEARTBEAT] Agent WALinuxAgent-2.11.1.4 is running as the goal state agent [DEBUG HeartbeatCounter: "
       "{n};HeartbeatId: 0F278542-19ED-EA5F-1994-BF859F68947F;UpdateGSErrors: {gs};AutoUpdate: {au};"
       "UpdateMode: SelfUpdate;]")


def _event(text: str, level: str = "INFO", fields: dict | None = None) -> Event:
    return Event(None, TimeKind.NONE, level, text, "var/log/waagent.log", 1, 1, "waagent_log",
                 source="ExtHandler", generation="2.2.47+", fields=fields)


def _heartbeat(n: int, gs: int, au: int) -> Event:
    text = _HB.format(n=n, gs=gs, au=au)
    return _event(text, fields=extract_fields(text))


def _norm(actions: tuple) -> list[str]:
    out = []
    for act in actions:
        if act[0] == engine_mod._LOGIC:
            out.append(repr((0, id(act[1].__self__), act[2])))
        elif act[0] == engine_mod._MARK:
            out.append(repr((1, id(act[1]), sorted(act[2]))))
        else:
            out.append(repr((2, act[1].rule.id, act[1].role, sorted(map(repr, act[2].items())), act[3])))
    return sorted(out)


def _fast(eng: engine_mod.RuleEngine, ev: Event) -> tuple:
    """What ``observe`` does with the record: the exact-text cache, else the shape's decision."""
    text = event_text(ev)
    key = (ev.kind, ev.level, ev.source, ev.extension, ev.generation, text)
    actions = eng._decided.get(key)
    return eng._actions_for(ev, text, key) if actions is None else actions


def _alone(eng: engine_mod.RuleEngine, ev: Event) -> tuple:
    return eng._compile(eng._decide(ev, event_text(ev))[0])


def _assert_each_decides_alone(events: list[Event]) -> int:
    """Every record decided through the caches as alone; returns how many went by a shared shape."""
    eng = engine_mod.RuleEngine(load_rules()[0])
    shared = 0
    for ev in events:
        before = len(eng._by_shape)
        fast = _fast(eng, ev)
        shared += len(eng._by_shape) == before
        assert _norm(fast) == _norm(_alone(eng, ev)), event_text(ev)
    return shared


@pytest.mark.parametrize("seed", range(4))
def test_heartbeats_of_one_shape_decide_as_alone(seed: int) -> None:
    rnd = random.Random(seed)
    events = [_heartbeat(1000 + k, rnd.choice([0, 0, 3]), rnd.choice([1, 1, 0])) for k in range(120)]
    assert len({shape_of(event_text(e)) for e in events}) == 1     # one shape, many answers
    assert _assert_each_decides_alone(events) > 100     # … and shared, not decided one by one


def test_a_return_code_a_signature_reads_decides_as_alone() -> None:
    # agent.child_exit_failure reads the return code (not 0): a record of the same shape it
    # does not explain (return code 0) has its signals decided (signal.agent_crash), so a
    # decision shared after a record it explained would lose them
    line = ("2017/03/27 14:01:45.397617 WARNING Agent WALinuxAgent-2.2.{v} launched with command "
            "'python -u /usr/sbin/waagent -run-exthandlers' failed with return code: {rc}\n")
    lines = [line.format(v=v, rc=rc) for v, rc in ((6, 1), (6, 0), (9, 2), (6, 0), (7, 1), (8, 0))]
    events = list(parse_chunks(lines, "var/log/waagent.log", "waagent_log", timezone.utc,
                               FileCoverage("var/log/waagent.log", "waagent_log")))
    assert len(events) == 6 and len({shape_of(event_text(e)) for e in events}) == 1
    _assert_each_decides_alone(events * 2)


def _watcher(source: str) -> engine_mod._Watcher:
    cond = compile_condition(source)
    return engine_mod._Watcher("recovery", None, cond.predicate, **engine_mod._shape_facts(cond))  # type: ignore[arg-type]


@pytest.mark.parametrize(("source", "texts", "fields"), [
    # the heartbeat branch can hold in a heartbeat's shape: its field must be asked per record
    ('entry in ["wala.protocol.goal_state_recovered"] or (entry in ["wala.ok.heartbeat_v2249", '
     '"wala.ok.heartbeat_v2212", "wala.ok.heartbeat_v2213"] and field.hb_update_gs_errors == 0)',
     [_HB.format(n=5, gs=0, au=1), _HB.format(n=6, gs=3, au=1)], None),
    # a needed literal with a digit: absent from the shape as written, present in its records
    ('message contains "Fetch done" or (message contains "Errno 113" and field.n == 1)',
     ["IOError [Errno 110] timed out", "IOError [Errno 113] timed out"], {"n": 1}),
])
def test_a_branch_that_may_hold_keeps_the_condition_from_being_blind(source: str, texts: list[str],
                                                                    fields: dict | None) -> None:
    w = _watcher(source)
    events = [_event(t, fields=fields if fields is not None else extract_fields(t)) for t in texts]
    assert len({shape_of(t) for t in texts}) == 1
    answers = {w.check(ev, event_text(ev), {}) for ev in events}  # type: ignore[misc]
    assert answers == {True, False}      # the records of the shape answer differently …
    for shape in (shape_of(texts[0]), digit_shape_of(texts[0])):
        assert not engine_mod._blind(w, shape, masks_letters(shape))     # … so it is not blind


def test_a_branch_no_record_of_the_shape_can_hold_is_false_for_all() -> None:
    w = _watcher('entry in ["wala.protocol.goal_state_recovered"] or (entry in ["wala.ok.heartbeat_v2249", '
                 '"wala.ok.heartbeat_v2212", "wala.ok.heartbeat_v2213"] and field.hb_update_gs_errors == 0)')
    assert w.guard is None and w.branches is not None
    shape = shape_of("ProcessExtensionsGoalState completed [incarnation_12 340 ms]")
    assert engine_mod._blind(w, shape, masks_letters(shape))
    errno = _watcher('message contains "Fetch done" or (message contains "Errno 113" and field.n == 1)')
    shape = shape_of("Fetch failed: timed out after 30 s")
    assert engine_mod._blind(errno, shape, masks_letters(shape))


def test_presence_finds_every_masked_form() -> None:
    needs = Presence(["Errno 113]", "HeartbeatId"])
    assert needs.may_occur(shape_of("[Errno 110]")) and needs.may_occur("x HeartbeatId: y")
    assert not needs.may_occur(shape_of("Errno: 110]")) and not needs.may_occur("Heartbeat Id")
    with pytest.raises(ValueError):
        Presence(["", "x"])
