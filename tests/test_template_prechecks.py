"""A template's required literal runs (``CompiledTemplate.required``) only turn away texts its
regex would not match: on every catalog template, filled with its example values and then cut,
spliced and respaced, ``match`` agrees with the plain regex search."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.catalog import load_catalog
from loganalyzer.catalog.render import fill
from loganalyzer.catalog.templates import _regex, compile_template

ENTRIES = load_catalog().entries


@st.composite
def edited_statement(draw: st.DrawFn) -> tuple[object, str]:
    """A catalog entry and its filled template with a few random edits (a slice dropped, text
    put in, runs of spaces changed)."""
    entry = draw(st.sampled_from(ENTRIES))
    text = fill(entry)
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(("drop", "insert", "respace")))
        at = draw(st.integers(0, len(text)))
        if what == "drop":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        elif what == "insert":
            text = text[:at] + draw(st.text(alphabet=" ;:-[]()abcXYZ0123456789\n", max_size=8)) + text[at:]
        else:
            text = text.replace(" ", draw(st.sampled_from(("  ", "\t", " \n "))), 1)
    return entry, text


@settings(max_examples=600, deadline=None)
@given(edited_statement())
def test_match_agrees_with_the_regex_whatever_the_text(case: tuple[object, str]) -> None:
    entry, text = case
    compiled = entry.compiled  # type: ignore[attr-defined]
    plain = _regex(compiled.pattern).search(text) is not None
    assert (compiled.match(text) is not None) == plain, (entry.id, text)  # type: ignore[attr-defined]


def test_every_filled_template_matches_and_a_missing_required_run_is_no_match() -> None:
    for entry in ENTRIES:
        text = fill(entry)
        assert entry.compiled.match(text) is not None, entry.id
        for part in entry.compiled.required:
            assert part in text
            assert _regex(entry.compiled.pattern).search(text.replace(part, "")) is None or \
                part in text.replace(part, ""), (entry.id, part)


def test_required_runs_are_the_longest_literals_outside_the_anchor() -> None:
    t = compile_template("[HEARTBEAT] Agent {agent} is running as the goal state agent "
                         "[DEBUG HeartbeatCounter: {counter};DroppedPackets: {dropped}]")
    # the anchor (" is running as the goal state agent [DEBUG HeartbeatCounter: ") is checked by
    # the callers that route texts to templates: its words are not required twice
    assert t.anchor.endswith("HeartbeatCounter:")
    assert t.required == (";DroppedPackets:", "[HEARTBEAT]", "Agent")
    other_generation = "[HEARTBEAT] Agent X is running as the goal state agent [DEBUG HeartbeatCounter: 1]"
    assert t.match(other_generation) is None


def test_digit_uniform_known_without_compiling_agrees_with_the_regex_analysis() -> None:
    from loganalyzer.rules.shapes import digit_uniform
    disagree = [e.id for e in ENTRIES
                if e.compiled.digit_uniform != digit_uniform(_regex(e.compiled.pattern))]
    assert disagree == []
    assert any(not e.compiled.digit_uniform for e in ENTRIES)     # the catalog has both kinds
