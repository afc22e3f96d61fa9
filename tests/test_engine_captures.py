"""Captures are kept only for the rules whose findings read them.

A rule's finding reads what its condition captured only through a summary placeholder (or a
``group_by = "template"``); the engine drops the captures of every other rule's matches, so the
records of one shape share their decision instead of each being asked again for values nobody
reads (the goal-state statements of a current log: thousands per day, each with its own
incarnation and duration).
"""
from __future__ import annotations

import random
import re
import uuid
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


# ------------------------------------------------------------ templates blind to a GUID's letters

def _same_shape(text: str, rnd: random.Random) -> str:
    """Another text of ``text``'s shape: its GUID tokens and digits drawn again."""
    from loganalyzer.rules.shapes import _GUID
    out, last = [], 0
    for m in _GUID.finditer(text):
        out.append(re.sub(r"\d", lambda _: rnd.choice("0123456789"), text[last:m.start()]))
        guid = str(uuid.UUID(int=rnd.getrandbits(128)))
        out.append(guid.upper() if rnd.random() < 0.5 else guid)
        last = m.end()
    out.append(re.sub(r"\d", lambda _: rnd.choice("0123456789"), text[last:]))
    return "".join(out)


def _guid_around(word: str, rnd: random.Random) -> str:
    """A GUID token that begins or ends with ``word``'s hex characters where it can (the places a
    template's literal run could reach into a GUID), else a plain random GUID."""
    guid = str(uuid.UUID(int=rnd.getrandbits(128)))
    head = re.match(r"[0-9a-fA-F]{1,8}", word)
    tail = re.search(r"[0-9a-fA-F]{1,12}$", word)
    if head and rnd.random() < 0.5:
        return head.group() + guid[len(head.group()):]
    if tail:
        return guid[:len(guid) - len(tail.group())] + tail.group()
    return guid


def _statement(template: str, rnd: random.Random) -> str:
    """The template said (its placeholders filled with words, numbers or GUIDs), with a GUID grown
    out of its first or last characters where they are hex: ``unit abc`` → ``unit abc01234-…``."""
    fills = ("x", "12", "extension", str(uuid.UUID(int=rnd.getrandbits(128))))
    text = re.sub(r"\{[^{}]*\}", lambda _: rnd.choice(fills), template)
    guid = str(uuid.UUID(int=rnd.getrandbits(128)))
    head = re.match(r"[0-9a-fA-F]{1,12}(?![0-9A-Za-z])", text)
    tail = re.search(r"(?<![0-9A-Za-z])[0-9a-fA-F]{1,8}$", text)
    if tail and rnd.random() < 0.5:
        return text + guid[len(tail.group()):]
    if head:
        return guid[:len(guid) - len(head.group())] + text
    return text


def test_a_letter_blind_template_matches_alike_in_every_record_of_a_shape() -> None:
    """What ``templates_letter_blind`` claims, tried on texts built from each such template's own
    words (whole, cut, shuffled) with GUIDs and numbers among them."""
    from loganalyzer.catalog import load_catalog
    from loganalyzer.catalog.templates import literal_parts
    from loganalyzer.rules.engine import templates_letter_blind
    from loganalyzer.rules.shapes import digit_uniform, shape_of
    rnd = random.Random(11)
    blind = [e for e in load_catalog().entries
             if templates_letter_blind((e.template,)) and digit_uniform(re.compile(e.compiled.pattern, re.S))]
    assert len(blind) > 100       # most of the catalog (else this test says little)
    for e in blind:
        words = list(literal_parts(e.template))
        for _ in range(12):
            pieces = [rnd.choice(words)[: rnd.randint(1, 30)] for _ in range(4)] + words[:]
            pieces += [str(uuid.UUID(int=rnd.getrandbits(128))), str(rnd.randint(0, 99999)), " ", "-", "]"]
            pieces += [_guid_around(rnd.choice(words), rnd) for _ in range(2)]
            rnd.shuffle(pieces)
            text = " ".join(pieces) if rnd.random() < 0.5 else "".join(pieces)
            if rnd.random() < 0.5:
                text = _statement(e.template, rnd)
            other = _same_shape(text, rnd)
            assert shape_of(other) == shape_of(text)
            assert (e.compiled.match(text) is None) == (e.compiled.match(other) is None), (e.id, text, other)
            assert (e.compiled.anchor in text) == (e.compiled.anchor in other), (e.id, text, other)
