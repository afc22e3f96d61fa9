"""Restart causes come from the catalog: a WALinuxAgent entry names its cause (issue 12).

The facts collector used to hold 14 phrases of its own; each statement's ``restart_cause`` now
says why the agent restarts after it.  ``tests/test_vmsnapshot_catalog.py`` compares every
input's restarts with what the phrase table gave (``tests/fixtures/vms_fields_identity.json``).
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loganalyzer.catalog import load_catalog, parse_file
from loganalyzer.catalog.render import fill
from loganalyzer.facts import collector
from loganalyzer.facts.collector import FactsCollector
from loganalyzer.facts.restart_causes import CAUSES, FROM_PLACEHOLDER
from loganalyzer.model import Event, TimeKind

ROUTED = [e for e in load_catalog().entries if e.restart_cause]


def test_every_cause_is_named_by_a_catalog_entry() -> None:
    assert {e.restart_cause for e in ROUTED} == set(CAUSES) - set(FROM_PLACEHOLDER)
    assert all(e.program == "walinuxagent" for e in ROUTED)


@pytest.mark.parametrize("entry", ROUTED, ids=lambda e: e.id)
def test_each_statement_gives_its_cause(entry) -> None:
    name, _, _ = collector._cause_of(fill(entry))
    expected = entry.restart_cause
    if expected == "signal_forwarded" and entry.example.get("signal") == "15":
        expected = "sigterm_forwarded"
    assert name == expected


def _restarts(lines: list[str]) -> list[tuple[str, str | None]]:
    c = FactsCollector()
    for i, msg in enumerate(lines):
        fields = None
        if msg.startswith("Azure Linux Agent Version"):
            fields = {"agent_version": "2.9.1.1", "agent_role": "goal_state", "version_how": "banner"}
        c.observe(Event(datetime(2024, 5, 14, 21, i, tzinfo=UTC), TimeKind.UTC, "INFO", msg,
                        "var/log/waagent.log", i + 1, i + 1, "waagent_log", fields=fields))
    return [(r.role, r.reason) for r in c.finish().restarts]


def test_sigterm_is_read_from_the_signal_placeholder() -> None:
    fwd = next(e for e in ROUTED if e.restart_cause == "signal_forwarded")
    line = fwd.template.format(agent="WALinuxAgent-2.2.53", signal="15", child="WALinuxAgent-2.9.1.1")
    other = fwd.template.format(agent="WALinuxAgent-2.2.53", signal="1", child="WALinuxAgent-2.9.1.1")
    banner = "Azure Linux Agent Version: 2.9.1.1"
    assert _restarts([line, banner]) == [("goal_state", CAUSES["sigterm_forwarded"][1])]
    assert _restarts([other, banner]) == [("goal_state", None)]


def test_a_cause_out_of_the_vocabulary_is_refused() -> None:
    doc = '''program = "walinuxagent"
[[entry]]
id = "x.one"
versions = ["2.2.0", "2.2.1"]
level = "INFO"
template = "Agent {agent} did a thing -- exiting"
signal = "none"
benign = "b"
restart_cause = "zorblax"
'''
    assert "not one of" in parse_file("x.toml", doc)[1][0]
    assert not parse_file("x.toml", doc.replace("zorblax", "orphan"))[1]
    assert "walinuxagent entries only" in parse_file(
        "x.toml", doc.replace("zorblax", "orphan").replace('"walinuxagent"', '"vmbackup"'))[1][0]


def test_the_collector_holds_no_phrase_table() -> None:
    assert not hasattr(collector, "_CAUSES")
