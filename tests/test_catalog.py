"""The message catalog: it loads clean, covers every program and era, and every failure statement,
rendered as the lines its program writes, reaches its cause through the whole pipeline."""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

import pytest

from loganalyzer.catalog import PROGRAMS, load_catalog, parse_file
from loganalyzer.catalog.coverage import Outcome, run_all
from loganalyzer.catalog.render import WALA_ERAS, eras_of
from loganalyzer.catalog.signals import VOCABULARY

CATALOG = load_catalog()
#: per era: share of failure entries that must reach their cause family / their exact cause
FAMILY_TARGET = 0.95
CAUSE_TARGET = 0.90


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(run_all(CATALOG.entries))


def test_catalog_loads_without_errors():
    assert CATALOG.errors == []


def test_every_program_and_agent_era_has_entries():
    programs = {e.program for e in CATALOG.entries}
    assert programs == set(PROGRAMS)
    eras = {era for e in CATALOG.entries if e.program == "walinuxagent" for era in eras_of(e)}
    assert eras == {name for name, _, _ in WALA_ERAS}
    assert len(CATALOG.entries) >= 300


def test_every_signal_of_the_vocabulary_is_used_by_the_catalog():
    used = {e.signal for e in CATALOG.entries}
    assert set(VOCABULARY) - used <= {"restore_point_problem", "guest_shutdown"}


@pytest.mark.parametrize("bad, problem", [
    ('signal = "snapshot_faild"', "unknown signal"),
    ('signal = "http_failure"\nargs = { endpoint = "moon" }', "endpoint = 'moon'"),
    ('signal = "none"', "needs benign"),
    ('signal = "agent_crash"\ntemplate2 = "x"', "unknown keys"),
])
def test_the_loader_rejects_broken_entries_with_file_and_line(bad: str, problem: str):
    text = ('program = "walinuxagent"\n[[entry]]\nid = "t.bad"\nversions = ["2.2.0", "2.2.1"]\n'
            'level = "ERROR"\ntemplate = "Something went quite wrong"\n' + bad + "\n")
    entries, errors = parse_file("x.toml", text)
    assert entries == [] and len(errors) == 1
    assert errors[0].startswith("x.toml:3: t.bad:") and problem in errors[0]


def test_a_template_without_a_literal_anchor_is_refused():
    text = ('program = "vmbackup"\n[[entry]]\nid = "t.generic"\nversions = ["2019-01", "2025-01"]\n'
            'level = "ERROR"\ntemplate = "{error}"\nsignal = "snapshot_phase_failed"\n')
    _, errors = parse_file("y.toml", text)
    assert errors and "no literal run" in errors[0]


def test_one_program_gives_one_statement_one_meaning():
    """Two entries of a program with the same words must not disagree on what they mean (the
    classifier could pick either); across programs the file kind decides which one applies."""
    meanings: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in CATALOG.entries:
        meanings[(e.program, re.sub(r"\{[^}]+\}", "{}", e.template).strip())].add(e.signal)
    assert {k: v for k, v in meanings.items() if "none" in v and len(v) > 1} == {}


def test_failure_entries_reach_their_cause_in_every_era():
    rows: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes():
        rows[(o.program, o.era)].append(o)
    short = []
    for (program, era), got in sorted(rows.items()):
        fam = sum(o.family_ok for o in got) / len(got)
        cause = sum(o.cause_ok for o in got) / len(got)
        if fam < FAMILY_TARGET or cause < CAUSE_TARGET:
            misses = [f"{o.entry}: expected {o.expected}, got {','.join(o.reported) or '-'}"
                      for o in got if not o.cause_ok][:10]
            short.append(f"{program} {era}: family {fam:.1%} cause {cause:.1%}\n  " + "\n  ".join(misses))
    assert not short, "\n".join(short)


def test_benign_entries_raise_nothing_above_info():
    loud = [f"{o.entry} [{o.era}]: {o.reported}" for o in run_all(CATALOG.entries, benign=True) if o.reported]
    assert loud == []
