"""The agent-version banners are read from the catalog, one place (issue 12).

``agent_version`` / ``agent_role`` / ``version_how`` of a record used to come from a table of
banner regexes in ``parsers/payloads.py``, and the logic rule ``agent_outdated`` kept its own
table of the same statements' roles (``ROLE_OF``); the two had diverged ("Installed Agent … is the
most current agent": goal_state for the parser, daemon for the rule).  Both now come from the
catalog entries' ``names_version`` / ``version_how`` keys (``walinuxagent-progress.toml``).
``tests/fixtures/banner_fields_identity.json`` holds what the hand-written table gave — written by
``python tests/banner_fields_identity.py`` before the table was removed — for every record of every
sample, dev-corpus case and 20 generated bundles (with the facts' version sightings and restarts
and a digest of the findings and cause verdicts), and for every walinuxagent catalog statement
filled with example and neutral values.
"""
from __future__ import annotations

import json

import banner_fields_identity as ident
import pytest
from field_identity import comparisons

from loganalyzer.catalog import load_catalog, load_data_file, parse_file
from loganalyzer.catalog.templates import VERSION_FILE
from loganalyzer.parsers import payloads
from loganalyzer.rules.logic import agent_version

BEFORE = json.loads(ident.FIXTURE.read_text())


def test_every_message_gets_what_the_hand_written_table_gave() -> None:
    got = {m: ident.triple(m) for m in BEFORE["messages"]}
    wrong = {m: (BEFORE["messages"][m], got[m]) for m in got if got[m] != BEFORE["messages"][m]}
    assert not wrong, list(wrong.items())[:10]
    # not vacuous: every role and every way of naming a version is among them
    hows = {tuple(t.split("|")[1:]) for t in got.values()}
    assert {("daemon", "banner"), ("goal_state", "banner"), ("goal_state", "heartbeat"),
            ("goal_state", "determined"), ("goal_state", "installed")} <= hows


(test_every_catalog_statement_is_compared, test_records_facts_and_findings_are_as_before,
 test_generated_bundles_are_as_before) = comparisons(ident.IDENT)


@pytest.mark.parametrize("entry_id", [e.id for e in load_data_file(VERSION_FILE) if e.names_version])
def test_removing_one_entrys_key_is_seen(entry_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison fails when any one entry loses its keys (it can fail): the parser's fields of
    some record change, or the rule no longer reads the entry's own line."""
    from dataclasses import replace

    import loganalyzer.catalog as catalog
    from loganalyzer.catalog.render import fill
    from loganalyzer.rules.logic.base import Statements
    entries = tuple(replace(e, version_how="", names_version="") if e.id == entry_id else e
                    for e in load_data_file(VERSION_FILE))
    monkeypatch.setattr(catalog, "load_data_file", lambda name: entries)
    monkeypatch.setattr(agent_version, "VERSIONS",
                        Statements(where=lambda e: bool(e.names_version) and e.id != entry_id))
    monkeypatch.setattr(payloads, "_STARTS", None)
    payloads.banners.cache_clear()
    try:
        own = fill(load_catalog().by_id[entry_id])
        parser_sees = any(ident.triple(m) != t for m, t in BEFORE["messages"].items())
        rule_sees = agent_version.read_version(own, "waagent_log") is None
        assert parser_sees or rule_sees
        if next(e for e in load_data_file(VERSION_FILE) if e.id == entry_id).version_how:
            assert parser_sees
    finally:
        payloads.banners.cache_clear()


def test_the_parser_and_the_rule_name_the_same_role() -> None:
    """A logged statement gives the parser's record fields and the rule's reading alike."""
    from loganalyzer.catalog.render import fill
    for e in load_catalog().entries:
        if not e.names_version:
            continue
        text = fill(e)
        f = payloads.extract_fields(text) or {}
        if e.version_how:
            assert (f.get("agent_role"), f.get("version_how")) == (e.names_version, e.version_how), e.id
        if f.get("agent_role"):       # a later heartbeat: read through the first one's words
            assert f["agent_role"] == e.names_version, e.id
            read = agent_version.read_version(text, "waagent_log")
            assert read == (e.names_version, f["agent_version"]), e.id
        else:                         # ``waagent -version`` output: the rule reads it, the parser not
            assert agent_version.read_version(text, "waagent_log")[0] == e.names_version, e.id
    # the statement the two tables disagreed on: the daemon names the agent it launches as the
    # goal-state agent (its own installed version, no newer one being there)
    assert agent_version.read_version("Installed Agent WALinuxAgent-2.2.45 is the most current agent") \
        == ("goal_state", "2.2.45")


def test_the_rule_reads_every_entry_that_names_a_version() -> None:
    named = {e.id for e in load_catalog().entries if e.names_version}
    assert set(agent_version.VERSIONS.ids) == named
    assert {"wala.ok.version_printed", "wala.ok.goal_state_agent_printed"} <= named
    assert len(named) == 13


def test_the_parser_holds_no_banner_table() -> None:
    assert not hasattr(payloads, "_VERSION_BANNERS")
    assert "Agent" not in " ".join(payloads._STRUCTURE_STARTS)
    assert not hasattr(agent_version, "ROLE_OF")


_ENTRY = '''program = "walinuxagent"
[[entry]]
id = "x.one"
versions = ["2.2.0", "2.2.1"]
level = "INFO"
template = "Agent {agent} started here"
signal = "none"
mark = "m"
names_version = "goal_state"
version_how = "banner"
'''


@pytest.mark.parametrize("change, problem", [
    (("", ""), None),
    (('names_version = "goal_state"', 'names_version = "extension"'), "is not one of daemon"),
    (('version_how = "banner"', 'version_how = "guessed"'), "is not one of banner"),
    (("Agent {agent} started here", "Agent started here, finally"), "needs a {version} or {agent}"),
    (("Agent {agent} started here", "{level} Agent {agent} started here"), "start with its words"),
    (('program = "walinuxagent"', 'program = "vmbackup"'), "walinuxagent entries only"),
])
def test_the_loader_checks_the_version_keys(change: tuple[str, str], problem: str | None) -> None:
    text = _ENTRY.replace(*change) if change[0] else _ENTRY
    entries, errors = parse_file(f"catalog/data/{VERSION_FILE}", text)
    if problem is None:
        assert not errors and entries[0].names_version == "goal_state" and entries[0].version_how == "banner"
    else:
        assert not entries and problem in errors[0], errors
    _, errors = parse_file("catalog/data/walinuxagent-ga.toml", _ENTRY)
    assert VERSION_FILE in errors[0]
