"""The fast rule matching gives the results of the plain one, on every input we have.

The plain path (``engine.REFERENCE``) decides every record by itself: no decision cache, no
shared shape decisions, no compiled actions.  The fast path (the default) caches decisions per
text and per shape (:mod:`loganalyzer.rules.shapes`) and applies precompiled actions.  Both run
the same analysis of every sample, every dev-corpus case and 20 small generated bundles (other
seeds and planted causes), and the reports — findings with their evidence, the cause verdicts,
the coverage rows — must be the same; only the run's timing statistics may differ.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from known_inputs import CORPUS, GENERATOR, identity_bundle, real_inputs

from loganalyzer import analysis
from loganalyzer.report.json_report import render_json
from loganalyzer.rules import engine as engine_mod


def _results(path: str, reference: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict[str, int]]:
    """The JSON report without its timing statistics, and how the engine decided its records."""
    monkeypatch.setattr(engine_mod, "REFERENCE", reference)
    calls = {"observed": 0, "decided": 0}
    decide, observe = engine_mod.RuleEngine._decide, engine_mod.RuleEngine.observe

    def counted_decide(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["decided"] += 1
        return decide(self, *args, **kwargs)

    def counted_observe(self, event):  # type: ignore[no-untyped-def]
        calls["observed"] += 1
        return observe(self, event)

    monkeypatch.setattr(engine_mod.RuleEngine, "_decide", counted_decide)
    if not reference:
        monkeypatch.setattr(engine_mod.RuleEngine, "observe", counted_observe)
    try:
        data = json.loads(render_json(analysis.analyze(path)))
    finally:
        monkeypatch.undo()
    data.pop("stats", None)
    return data, calls


def _assert_identical(path: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    fast, calls = _results(path, False, monkeypatch)
    plain, plain_calls = _results(path, True, monkeypatch)
    for part in ("findings", "causes", "coverage"):
        assert part in fast, part
        assert fast[part] == plain[part], f"{Path(path).name}: {part} differ"
    assert fast == plain
    if calls["observed"]:       # the plain path really decided every record; the fast one did not have to
        assert plain_calls["decided"] >= calls["observed"] >= calls["decided"]
    return calls


def _inputs() -> list[str]:
    return [str(p) for p in real_inputs()]


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: Path(p).name)
def test_fast_matching_gives_the_plain_results(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_identical(path, monkeypatch)


def test_the_dev_corpus_is_compared(dev_corpus: Path) -> None:
    """The corpus cases above are only there when ../shared is: say so rather than pass quietly."""
    assert any(p.is_dir() for p in dev_corpus.iterdir())
    assert sum(1 for p in _inputs() if Path(p).parent == CORPUS) == sum(1 for p in dev_corpus.iterdir()
                                                                         if p.is_dir())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """20 small bundles: other seeds, sizes and planted causes (0 to 3 each)."""
    if not GENERATOR.exists():
        pytest.skip("needs ../shared/bench/make_bench_bundle.py")
    folder = tmp_path_factory.mktemp("generated")
    return [identity_bundle(folder, seed) for seed in range(20)]


@pytest.mark.parametrize("seed", range(20))
def test_fast_matching_gives_the_plain_results_on_generated_bundles(
        seed: int, generated: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _assert_identical(str(generated[seed]), monkeypatch)
    # the bundles repeat log statements with other numbers: most records take a cached decision
    assert calls["decided"] < calls["observed"] / 2, calls


# ------------------------------------------------------------------ the kernels of the fast path

_GUIDISH = st.text(alphabet="0123456789abcdefABCDEF-xyz_ .;", max_size=120)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_GUIDISH, st.uuids().map(str), st.uuids().map(lambda u: str(u).upper())),
                max_size=6))
def test_guid_masking_finds_what_the_guid_regex_finds(parts: list[str]) -> None:
    from loganalyzer.rules.shapes import _GUID, _ZERO_GUID, _mask_guids
    for text in ("".join(parts), "-".join(parts), " ".join(parts)):
        assert _mask_guids(text) == _GUID.sub(_ZERO_GUID, text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_shapes_mask_digits_as_before(text: str) -> None:
    from loganalyzer.rules.shapes import _DIGITS, _GUID, _ZERO_GUID, shape_of
    assert shape_of(text) == _GUID.sub(_ZERO_GUID, text).translate(_DIGITS)


def _catalog_regexes() -> list:
    from loganalyzer.rules import load_rules
    from loganalyzer.rules.condition import _leaves, parse_condition
    out = []
    for rule in load_rules()[0]:
        for cond in (rule.match, getattr(rule.transient, "recovered_by", None),
                     getattr(rule.correlation, "other", None)):
            if cond is None:
                continue
            for n in _leaves(parse_condition(cond.source)):
                if n.op == "cmp" and n.cmp == "~" and n.value[0] == "re":
                    out.append(n.value[1])
    return out


def test_a_regex_of_plain_alternatives_holds_exactly_where_one_of_them_is() -> None:
    from loganalyzer.rules.shapes import literal_alternatives
    rnd = random.Random(5)
    plain = [(rx, alts) for rx in _catalog_regexes() if (alts := literal_alternatives(rx)) is not None]
    assert len(plain) >= 5      # the catalog has such regexes (else this test says nothing)
    for rx, alts in plain:
        words = [lit for lit, _ in alts]
        for _ in range(30):
            pieces = [rnd.choice(words)[: rnd.randint(0, 40)] for _ in range(3)] + ["x", " ", "0"]
            rnd.shuffle(pieces)
            text = "".join(pieces)
            expected = any((lit.lower() in text.lower()) if ic else (lit in text) for lit, ic in alts)
            assert bool(rx.search(text)) == expected, (rx.pattern, text)


def _reads_like_a_regex(source: str) -> bool:
    """Whether a condition has a regex or names a catalog entry a GUID's letters may change."""
    from loganalyzer.rules.condition import _entries_of, _leaves, parse_condition
    from loganalyzer.rules.engine import templates_letter_blind
    def changeable(n) -> bool:  # type: ignore[no-untyped-def]
        return not templates_letter_blind(tuple(e.template for e in _entries_of(n)))
    return any((n.op == "cmp" and n.cmp == "~" and n.value[0] == "re")
               or (n.operand == "entry" and changeable(n)) for n in _leaves(parse_condition(source)))


def test_the_engine_reads_a_condition_as_the_condition_does_but_for_plain_alternatives() -> None:
    """The engine's reading of a condition's text facts (``_text_facts``) is the condition's own
    (``text_literals``, ``text_regex``) for every catalog condition, except that a regex of plain
    alternatives adds its literals instead of counting as a regex or making the facts unknown, and
    a catalog entry whose templates a GUID's letters cannot change does not count as a regex."""
    from loganalyzer.rules import load_rules
    from loganalyzer.rules.condition import _leaves, parse_condition
    from loganalyzer.rules.engine import _text_facts
    from loganalyzer.rules.shapes import literal_alternatives
    refined = 0
    for rule in load_rules()[0]:
        for cond in (rule.match, getattr(rule.transient, "recovered_by", None),
                     getattr(rule.correlation, "other", None)):
            if cond is None:
                continue
            literals, regex = _text_facts(cond.source, cond.text_literals, cond.text_regex)
            plain = [alts for n in _leaves(parse_condition(cond.source))
                     if n.op == "cmp" and n.cmp == "~" and n.value[0] == "re"
                     and (alts := literal_alternatives(n.value[1])) is not None]
            if not plain:
                assert literals == cond.text_literals, cond.source
                # None: never shared; an entry whose templates a GUID's letters cannot change is no regex
                assert literals is None or regex == _reads_like_a_regex(cond.source), cond.source
            elif literals is not None:
                refined += 1
                assert cond.text_literals is None or cond.text_literals <= literals
                assert all(alts <= literals for alts in plain)
    assert refined       # some catalog condition is refined (else this test says nothing)
