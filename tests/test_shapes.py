"""Decisions shared between records of one shape (loganalyzer.rules.shapes) change no result.

Three ways: the guard's reasoning on literals (unit), one record's decision against the shared
one for records that differ only in their numbers (property, on real lines), and whole analyses
with sharing on and off (samples, dev corpus, generated bundles).
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from known_inputs import CAUSES, GENERATOR, make_bundle, real_inputs

from loganalyzer import analysis
from loganalyzer.report.json_report import render_json
from loganalyzer.rules import engine as engine_mod
from loganalyzer.rules import load_rules
from loganalyzer.rules.condition import event_text
from loganalyzer.rules.shapes import ShapeGuard, digit_uniform, mask_safe, masks_letters, shape_of

# ------------------------------------------------------------------------------- the reasoning

@pytest.mark.parametrize(("literal", "safe"), [
    ("Fetch goal state from WireServer completed", True),
    ("Errno 113]", False),                  # a digit: another record of the shape may hold 110
    ("is: added", False),                   # 'added' could be the first characters of a GUID
    ("Bad public key:", False),             # 'Bad' could be a GUID's last characters
    ("failed to", True),                    # 'ed' follows a letter: no GUID starts there
    ("deadbeef", False),                    # GUID characters only
    ("unit 'enable_", True),
])
def test_mask_safe(literal: str, safe: bool) -> None:
    assert mask_safe(literal) is safe


def test_guard_finds_every_masked_form_of_a_literal() -> None:
    guard = ShapeGuard([("Errno 113]", False), ("is: added", False), ("HTTP 404", True)])
    for text in ("IOError [Errno 110] Connection timed out", "state is: 0dd1e0c2-aa3b-4c5d-9e8f-112233445566",
                 "got http 500 back"):
        assert guard.may_hold(shape_of(text)), text
    assert not guard.may_hold(shape_of("ProcessExtensionsGoalState completed [incarnation_12 340 ms]"))


def test_shape_keeps_length_and_masks_only_numbers_and_guid_tokens() -> None:
    text = "enable_0d3f9a10-4c5b-4e1a-9c2d-7f00aa11bb22.scope took 1234 ms (deadbeef)"
    shape = shape_of(text)
    assert len(shape) == len(text)
    assert shape.endswith("(deadbeef)")         # hex letters outside a GUID token stay
    assert masks_letters(shape) and not masks_letters(shape_of("took 1234 ms"))


@pytest.mark.parametrize(("pattern", "uniform"), [
    (r"exit code (\d+)", True), (r"[\w.-]+", True), (r"[^\s\]]+", True), (r"HTTP [45]\d\d", False),
    (r"Errno 11[03]", False), (r"(\w)\1", False), (r"[a-f0-9]{8}", True), (r"[0-7]", False),
])
def test_digit_uniform(pattern: str, uniform: bool) -> None:
    assert digit_uniform(re.compile(pattern)) is uniform


# ------------------------------------------------------------------- one record against its shape

def _real_records() -> list:
    """Records of every kind the samples and the dev corpus hold (parsed by the real parsers)."""
    from loganalyzer.api import open_bundle
    out = []
    for path in _inputs():
        out.extend(ev for ev in open_bundle(path).iter_events() if ev.kind in engine_mod._CACHEABLE_KINDS)
    return out


_RECORDS: list = []


def records() -> list:
    if not _RECORDS:
        _RECORDS.extend(_real_records())
    return _RECORDS


def _perturb(text: str, rnd: random.Random) -> str:
    """Another text of the same shape: other digits, other GUIDs."""
    def guid(m: re.Match[str]) -> str:
        return "".join(rnd.choice("0123456789abcdef") if c != "-" else c for c in m.group())
    from loganalyzer.rules.shapes import _GUID
    text = _GUID.sub(guid, text)
    return re.sub(r"\d", lambda m: rnd.choice("0123456789"), text)


def _norm(decided: list) -> list:
    return sorted((i, sorted(caps.items()), ext, sorted(names)) for i, caps, ext, names in decided)


_ENGINE: list = []


def engine() -> engine_mod.RuleEngine:
    if not _ENGINE:
        _ENGINE.append(engine_mod.RuleEngine(load_rules()[0]))
    return _ENGINE[0]


def _check_record(ev, rnd: random.Random) -> bool:
    """Decide ``ev`` with its shape; when shared, a record of that shape with other numbers
    must decide alone exactly as the shared decision says.  True when the shape was shared."""
    eng = engine()
    text = event_text(ev)
    if text != ev.message:
        return False    # an encoded payload: the text is not the message
    eng._decide(ev, text, shape_of(text))
    shared = eng._shared_by_shape
    if shared is None:
        return False    # not shared: each record of this shape is decided by itself
    other_text = _perturb(text, rnd)
    assert shape_of(other_text) == shape_of(text)
    other = ev.__class__(**{**{f: getattr(ev, f) for f in ev.__dataclass_fields__}, "message": other_text})
    if ev.fields is not None:
        from loganalyzer.parsers.payloads import extract_fields
        other.fields = extract_fields(other_text)
    alone, _ = eng._decide(other, other_text)
    via_shape = eng._redo(other, other_text, *shared) if shared[1] or shared[2] else shared[0]
    assert via_shape is not None
    assert _norm(via_shape) == _norm(alone), (text, other_text)
    return True


def test_every_sample_record_decides_as_the_shape_it_shares() -> None:
    recs = records()
    rnd = random.Random(7)
    shared = sum(_check_record(ev, rnd) for ev in recs)
    assert recs and shared > len(recs) // 4     # sharing is the common case, not a corner


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(min_value=0, max_value=10**9), seed=st.integers(min_value=0, max_value=10**6))
def test_a_record_decides_as_the_shape_it_shares(pick: int, seed: int) -> None:
    recs = records()
    _check_record(recs[pick % len(recs)], random.Random(seed))


# ------------------------------------------------------------------ whole analyses, on and off

_VOLATILE = ("stats",)


def _report(path: str, shapes: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(engine_mod, "SHAPES", shapes)
    data = json.loads(render_json(analysis.analyze(path)))
    for key in _VOLATILE:
        data.pop(key, None)
    return data


def _inputs() -> list[str]:
    return [str(p) for p in real_inputs()]


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: Path(p).name)
def test_sharing_changes_no_report(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _report(path, True, monkeypatch) == _report(path, False, monkeypatch)



@pytest.mark.skipif(not GENERATOR.exists(), reason="needs ../shared/bench/make_bench_bundle.py")
@pytest.mark.parametrize("seed", range(20))
def test_sharing_changes_no_report_on_generated_bundles(seed: int, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    out = make_bundle(tmp_path / f"gen-{seed}.tar.gz", seed, 4000, rnd.sample(CAUSES, rnd.randint(0, 3)))
    assert _report(str(out), True, monkeypatch) == _report(str(out), False, monkeypatch)
