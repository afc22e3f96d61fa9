"""The backup extension's parser takes what a record reports from the catalog (issue 12).

``vms_event`` / ``vms_phase`` / ``vms_status_code`` used to come from a table of phrases in the
parser; they now come from the vmbackup catalog entries (``vms_event``, ``vms_phase``,
``vms_code``) through each entry's routing anchor (:func:`loganalyzer.parsers.vmsnapshot.routes`).
``tests/fixtures/vms_fields_identity.json`` holds what the hand-written table gave — written by
``python tests/vms_fields_identity.py`` before the table was removed — for every record of every
sample, dev-corpus case and 20 generated bundles (with a digest of the findings and cause
verdicts), and for every vmbackup catalog statement filled with example and neutral values.
"""
from __future__ import annotations

import json

import pytest
import vms_fields_identity as ident
from field_identity import comparisons

from loganalyzer.catalog import load_catalog, parse_file
from loganalyzer.parsers import vmsnapshot
from loganalyzer.parsers.vmsnapshot_events import OUTSIDE_ROUTES, ROUTES, STRUCTURAL, VMS_EVENTS

BEFORE = json.loads(ident.FIXTURE.read_text())


def test_every_message_gets_what_the_hand_written_table_gave() -> None:
    got = {m: ident.triple(m) for m in BEFORE["messages"]}
    wrong = {m: (BEFORE["messages"][m], got[m]) for m in got if got[m] != BEFORE["messages"][m]}
    assert not wrong, list(wrong.items())[:10]
    # the set is not vacuous: most routes are reached by some statement of it
    reached = {tuple(None if x == "None" else x for x in t.split("|")) for t in got.values()}
    assert len(reached) >= 50


(test_every_catalog_statement_is_compared, test_records_facts_and_findings_are_as_before,
 test_generated_bundles_are_as_before) = comparisons(ident.IDENT)


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in STRUCTURAL], ids=str)
def test_dropping_a_route_is_seen(route: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above fails when the anchors of any one route are lost (it can fail)."""
    reduced = tuple(r for r in vmsnapshot.routes() if r[1:] != route)
    monkeypatch.setattr(vmsnapshot, "routes", lambda: reduced)
    assert any(ident.triple(m) != t for m, t in BEFORE["messages"].items())


def test_the_task_id_route_is_the_parsers_own_grammar() -> None:
    f = vmsnapshot.message_fields("taskId: 8a7c5d2e-1f3b-4c6d-9e8f-0a1b2c3d4e5f")
    assert (f["vms_event"], f["vms_phase"], f["vms_task_id"]) == ("task_id", "enable",
                                                                 "8a7c5d2e-1f3b-4c6d-9e8f-0a1b2c3d4e5f")


def test_every_event_of_the_vocabulary_is_produced_by_a_catalog_entry() -> None:
    routed = {e.vms for e in load_catalog().entries if e.vms is not None}
    assert set(ROUTES) - STRUCTURAL == routed
    events = {r[0] for r in routed if r[0] is not None}
    assert set(VMS_EVENTS) - OUTSIDE_ROUTES - {r[0] for r in STRUCTURAL} == events
    assert all(event is None or event in VMS_EVENTS for event, _, _ in ROUTES)


def test_only_vmbackup_entries_are_routed_and_routes_are_checked() -> None:
    assert all(e.program == "vmbackup" for e in load_catalog().entries if e.vms is not None)
    bad = '''program = "vmbackup"
[[entry]]
id = "x.one"
versions = ["2020-01", "2020-02"]
level = "INFO"
template = "something happened here"
signal = "none"
mark = "m"
vms_event = "freeze_timeout"
vms_phase = "freeze"
'''
    entries, errors = parse_file("x.toml", bad)
    assert not entries and "no route" in errors[0]
    with_code = bad.replace('vms_phase = "freeze"', 'vms_phase = "freeze"\nvms_code = 122')
    entries, errors = parse_file("x.toml", with_code)
    assert entries and not errors and entries[0].vms == ("freeze_timeout", "freeze", 122)
    _, errors = parse_file("x.toml", bad.replace('vms_event = "freeze_timeout"', 'vms_event = "zorblax"'))
    assert "not one of the parser's" in errors[0]
    _, errors = parse_file("x.toml", with_code.replace('program = "vmbackup"', 'program = "handlerutil"'))
    assert "vmbackup entries only" in errors[0]


def test_the_parser_holds_no_phrase_table() -> None:
    assert not hasattr(vmsnapshot, "EVENTS")
    assert all(anchor for anchor, *_ in vmsnapshot.routes())
