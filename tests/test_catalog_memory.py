"""Catalog coverage analyses its cases from memory: the reports are those of the same file
read from a folder on disk (the way a user's bundle is read)."""
from __future__ import annotations

import json

import pytest

from loganalyzer.catalog import load_catalog
from loganalyzer.catalog.coverage import analyse_case
from loganalyzer.catalog.render import eras_of
from loganalyzer.report.json_report import render_json

CATALOG = load_catalog()
#: a spread of cases: every program and era, failures and harmless statements alike
_ALL = [(e, era) for e in CATALOG.entries for era in eras_of(e)]
_SPREAD = _ALL[::23]
#: ... and one case of each program the spread misses (a small one such as ``system``)
CASES = _SPREAD + [next(c for c in _ALL if c[0].program == p)
                   for p in sorted({e.program for e in CATALOG.entries} - {e.program for e, _ in _SPREAD})]


def _report(entry, era, in_memory: bool) -> dict:
    result = analyse_case(entry, era, in_memory=in_memory)
    text = render_json(result).replace(json.dumps(result.input.path)[1:-1], "<bundle>")
    data = json.loads(text)
    data["stats"].pop("seconds")
    return data


def test_cases_cover_programs_eras_and_harmless_entries() -> None:
    assert {e.program for e, _ in CASES} == {e.program for e in CATALOG.entries}
    assert any(not e.failure for e, _ in CASES) and any(e.failure for e, _ in CASES)
    assert len({era for _, era in CASES}) >= 5


@pytest.mark.parametrize("entry,era", CASES, ids=[f"{e.id}[{era}]" for e, era in CASES])
def test_in_memory_case_reports_like_a_folder(entry, era) -> None:
    from_disk = _report(entry, era, in_memory=False)
    assert _report(entry, era, in_memory=True) == from_disk
    assert from_disk["coverage"], "the one file was read"
