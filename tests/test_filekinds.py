"""File-kind units: one per Kind, each self-testing with its own sample files."""
from __future__ import annotations

import dataclasses
import importlib
import io
import pickle
import re
import tomllib
from pathlib import Path

import pytest

from loganalyzer import analyze
from loganalyzer.facts.collector import FactsCollector
from loganalyzer.facts.feeds import document_feeds, record_feeds
from loganalyzer.facts.model import Facts
from loganalyzer.fields import FIELDS, OPEN_PREFIXES, is_declared
from loganalyzer.filekinds import (
    EVIDENCE_GROUPS,
    RECORDS,
    MemberPath,
    Priority,
    declared_kinds,
    define,
    iter_samples,
    unit_for,
    units,
)
from loganalyzer.filekinds.identity import identify
from loganalyzer.kinds import EVIDENCE_KINDS, LOG_KINDS, Kind
from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers import PARSERS, ParseContext
from loganalyzer.rules.causes import CAUSES
from loganalyzer.rules.engine import _CACHEABLE_KINDS
from loganalyzer.rules.matches import extension_of
from loganalyzer.sources import open_source
from loganalyzer.sources.base import Member
from loganalyzer.sources.classify import classify, member_path

SAMPLES = list(iter_samples())
TEXT_SAMPLES = [(u, s) for u, s in SAMPLES if s.text is not None]


def _id(case: tuple) -> str:
    return case[1].path


#: The public names of Kind (their values are the names in lower case): the contract with JSON
#: reports, rule files (``kind == "…"``) and users' code.  Removing or renaming one is a breaking
#: change; adding a unit adds a name here.
PUBLIC_KINDS = [
    "WAAGENT_LOG", "SYSLOG", "SERIAL_CONSOLE", "VMSNAPSHOT_LOG", "VMSNAPSHOT_SHELL_LOG",
    "APPHEALTH_HANDLER_LOG", "HANDLER_LOGFMT", "COMMAND_EXECUTION_LOG", "EXTENSION_EVENTS",
    "EXTENSION_LOG", "COLLECTOR_RESULTS", "GOAL_STATE", "EXTENSIONS_CONFIG", "HOSTING_ENV",
    "SHARED_CONFIG", "CERTIFICATES", "MANIFEST", "VM_SETTINGS", "REMOTE_ACCESS", "HISTORY_ARCHIVE",
    "HANDLER_STATUS", "HANDLER_STATE", "HANDLER_STATUS_FILE", "HANDLER_SETTINGS", "HANDLER_MANIFEST",
    "HANDLER_ENVIRONMENT", "HEARTBEAT", "MRSEQ", "STATUS_BLOB", "AGENT_ERROR", "INCARNATION",
    "WIRESERVER_ENDPOINT", "PROVISIONED", "OVF_ENV", "WAAGENT_CONF", "DHCP_LEASE", "OTHER_TEXT",
    "OTHER_DOCUMENT", "BINARY",
]


def test_kind_is_built_from_the_units_and_keeps_its_public_names():
    assert [k.value for k in Kind] == declared_kinds()
    assert sorted(Kind.__members__) == sorted(PUBLIC_KINDS)
    assert all(Kind[name].value == name.lower() for name in PUBLIC_KINDS)
    assert Kind("waagent_log") is Kind.WAAGENT_LOG and Kind.WAAGENT_LOG == "waagent_log"
    assert pickle.loads(pickle.dumps(Kind.SYSLOG)) is Kind.SYSLOG
    assert all(isinstance(u.kind, Kind) for u in units())


def test_a_unit_is_named_by_a_new_lower_case_value():
    with pytest.raises(ValueError, match="defined twice"):
        define("waagent_log", "a second unit of an existing kind")
    with pytest.raises(ValueError, match="lower_snake_case"):
        define("Waagent-Log", "a badly named kind")
    assert declared_kinds().count("waagent_log") == 1


def test_every_kind_has_exactly_one_unit():
    kinds = [u.kind for u in units()]
    assert sorted(kinds) == sorted(Kind)
    assert len(kinds) == len(set(kinds))


def test_every_unit_ships_a_sample_and_every_log_unit_a_parsed_one():
    for unit in units():
        assert unit.samples, f"{unit.kind.value}: no sample"
        if unit.log:
            assert any(s.text is not None for s in unit.samples), f"{unit.kind.value}: no sample text"


@pytest.mark.parametrize("case", SAMPLES, ids=_id)
def test_a_sample_path_is_classified_as_its_unit(case):
    unit, sample = case
    assert classify(sample.path)[0] is unit.kind


@pytest.mark.parametrize("case", SAMPLES, ids=_id)
def test_no_other_unit_of_the_same_priority_claims_a_sample(case):
    """Within one priority the order of definition must not matter."""
    unit, sample = case
    extension = classify(sample.path)[1]
    where = member_path(sample.path, extension)
    rivals = [u.kind.value for u in units() if u is not unit and u.priority == unit.priority
              and u.claim is not None and u.claim(where)]
    assert rivals == []


@pytest.mark.parametrize("case", TEXT_SAMPLES, ids=_id)
def test_a_sample_parses_to_records_or_a_document_of_its_kind(case):
    unit, sample = case
    kind, extension, version = classify(sample.path)
    data = sample.text.encode()
    member = Member(sample.path, kind, lambda: io.BytesIO(data), len(data), extension, version)
    ctx = ParseContext(FileCoverage(sample.path, kind.value))
    events = list(unit.parse(member, ctx))
    assert ctx.coverage.unparsed_lines == 0
    if unit.log:
        assert events and {e.kind for e in events} == {unit.kind}
    else:
        assert ctx.documents and {d.kind for d in ctx.documents} == {unit.kind.value}


def test_the_kind_sets_are_read_from_the_units():
    assert {u.kind for u in units() if u.log} == LOG_KINDS
    assert set(_CACHEABLE_KINDS) == {u.kind for u in units() if u.cacheable}
    assert set(PARSERS) == {u.kind for u in units() if u.parser is not None}
    assert Kind.BINARY not in PARSERS and Kind.HISTORY_ARCHIVE not in PARSERS
    assert unit_for(Kind.WAAGENT_LOG).priority is Priority.NAME


def test_a_loose_extension_log_is_refined_by_its_first_bytes(tmp_path):
    (tmp_path / "extension.log").write_text(
        "2024/05/01 10:00:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9224.0] start\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "extension.log").write_text(
        "2024/05/01 10:00:00 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.18] start\n")
    found = {m.path: (m.kind, m.extension) for m in open_source(tmp_path).members()}
    assert found["extension.log"] == (Kind.VMSNAPSHOT_LOG, "Microsoft.Azure.RecoveryServices.VMSnapshotLinux")
    assert found["other/extension.log"] == (Kind.EXTENSION_LOG, "Microsoft.OSTCExtensions.VMAccessForLinux")


def test_a_binary_file_with_a_text_name_is_refined_to_binary(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(40)))
    assert [m.kind for m in open_source(tmp_path).members()] == [Kind.BINARY]


CASE = "case-1/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/3.status"


def test_sources_facts_and_rules_agree_on_an_extension_and_its_version():
    name, version = "Microsoft.Azure.Extensions.CustomScript", "2.1.10"
    assert identify(CASE)[:2] == (name, version)
    assert classify(CASE)[1:] == (name, version)
    collector = FactsCollector()
    collector.note_member(CASE, "handler_status")
    assert collector.facts.extensions[name].versions_on_disk == [version]
    event = Event(None, TimeKind.NONE, "ERROR", "Enable failed", CASE, 1, 1, "handler_status",
                  extension=classify(CASE)[1])
    assert extension_of(event, event.message) == name


def test_a_log_folder_alias_is_declared_by_its_unit():
    assert identify("var/log/azure/run-command-handler/handler.log").name == \
        "Microsoft.CPlat.Core.RunCommandHandlerLinux"
    assert "run-command-handler" in unit_for(Kind.HANDLER_LOGFMT).log_folders


def test_unit_claims_see_the_path_without_its_compression_suffix():
    assert member_path("var/log/syslog.2.gz", None) == MemberPath(("var", "log"), "syslog.2")


BUNDLES = sorted((Path(__file__).parent / "fixtures" / "bundles").glob("*/expected.toml"))


@pytest.mark.parametrize("expected_file", BUNDLES, ids=lambda p: p.parent.name)
def test_a_fixture_bundle_reads_as_its_kinds_and_raises_its_findings(expected_file):
    """hotsos-style: fixture files → the kinds they are read as and the findings they raise."""
    expected = tomllib.loads(expected_file.read_text(encoding="utf-8"))
    result = analyze(str(expected_file.parent / "bundle"))
    kinds = {c.path: c.kind for c in result.coverage}
    for path, kind in expected.get("kinds", {}).items():
        assert kinds.get(path) == kind, path
    raised = {f.rule_id for f in result.findings}
    assert set(expected["findings"]["raised"]) <= raised
    assert not set(expected["findings"].get("not_raised", [])) & raised
    assert all(c.unparsed_lines == 0 for c in result.coverage)


def test_the_application_health_log_keeps_shim_lines_as_untimed_records():
    unit = unit_for(Kind.APPHEALTH_HANDLER_LOG)
    path = "var/log/azure/applicationhealth-extension/handler.log"
    data = (BUNDLES[0].parent / "bundle" / path).read_bytes()
    kind, extension, version = classify(path)
    member = Member(path, kind, lambda: io.BytesIO(data), len(data), extension, version)
    ctx = ParseContext(FileCoverage(path, kind.value))
    events = list(unit.parse(member, ctx))
    assert len(events) == ctx.coverage.lines == ctx.coverage.records == data.count(b"\n")
    shim = [e for e in events if e.generation == "shim"]
    assert [e.line_start for e in shim] == [1, 7] and all(e.timestamp is None for e in shim)
    failed = events[-1]
    assert (failed.level, failed.fields["handler_event"], failed.fields["handler_seq"]) == \
        ("ERROR", "pre-check failed", 2)
    assert failed.extension == "Microsoft.ManagedServices.ApplicationHealthLinux"
    assert failed.timestamp.isoformat() == "2024-05-01T10:30:00.140000+00:00"


# ---------------------------------------------------------------- facts contributions (declared by units)

FEEDING = [(u, s) for u, s in TEXT_SAMPLES if u.facts]
_FACT_PARTS = {f.name for f in dataclasses.fields(Facts)}


def test_every_feed_names_real_facts_parts_and_real_functions():
    for unit in units():
        for feed in unit.facts:
            for part in feed.writes:
                top = part.split(".", 1)[0]
                assert top in _FACT_PARTS, f"{unit.kind.value}: {part!r} is no part of Facts"
                assert top != "state" or "." in part, f"{unit.kind.value}: name the state key of {part!r}"
            module, name = feed.contribute.split(":")
            assert callable(getattr(importlib.import_module(f"loganalyzer.facts.{module}"), name))
            if feed.reads != RECORDS:
                module, name = feed.reads.split(":")
                found = getattr(importlib.import_module(f"loganalyzer.parsers.{module}"), name)
                assert isinstance(found, type)


def test_the_collector_dispatch_is_derived_from_the_units():
    declared = {feed.reads for unit in units() for feed in unit.facts if feed.reads != RECORDS}
    assert {_type_name(c) for c in document_feeds()} == declared
    assert set(record_feeds()) == {u.kind for u in units() if any(f.reads == RECORDS for f in u.facts)}
    assert Kind.WAAGENT_LOG in record_feeds() and Kind.GOAL_STATE not in record_feeds()


def _type_name(cls: type) -> str:
    return f"{cls.__module__.rsplit('.', 1)[-1]}:{cls.__name__}"


def _changed(before: Facts, after: Facts) -> set[str]:
    changed = {name for name in _FACT_PARTS - {"state", "kinds_present", "first_seen", "last_seen"}
               if getattr(before, name) != getattr(after, name)}
    keys = set(before.state) | set(after.state)
    return changed | {f"state.{k}" for k in keys if before.state.get(k) != after.state.get(k)}


@pytest.mark.parametrize("case", FEEDING, ids=_id)
def test_a_unit_feeds_only_the_facts_it_declares(case):
    """Each unit's sample, run through its parser and its declared feeds alone, changes the facts
    it declares and nothing else; a document sample is of the type its feed reads."""
    unit, sample = case
    kind, extension, version = classify(sample.path)
    data = sample.text.encode()
    member = Member(sample.path, kind, lambda: io.BytesIO(data), len(data), extension, version)
    ctx = ParseContext(FileCoverage(sample.path, kind.value))
    events = list(unit.parse(member, ctx))
    collector = FactsCollector()
    fed = 0
    for feed in unit.facts:
        module, name = feed.contribute.split(":")
        function = getattr(importlib.import_module(f"loganalyzer.facts.{module}"), name)
        inputs = events if feed.reads == RECORDS else \
            [d for d in ctx.documents if _type_name(type(d.data)) == feed.reads]
        for item in inputs:
            function(collector, item)
            fed += 1
    assert fed, f"{sample.path}: no input for the feeds {unit.kind.value} declares"
    declared = {part for feed in unit.facts for part in feed.writes}
    changed = _changed(FactsCollector().finish(), collector.finish())
    assert changed <= declared, f"{unit.kind.value} writes undeclared {sorted(changed - declared)}"


# ---------------------------------------------------------------- evidence groups and cause needs

def test_evidence_kinds_are_the_groups_units_join():
    assert list(EVIDENCE_KINDS) == list(EVIDENCE_GROUPS.values())
    for label, kinds in EVIDENCE_KINDS.items():
        group = next(g for g, text in EVIDENCE_GROUPS.items() if text == label)
        assert set(kinds) == {u.kind for u in units() if u.evidence == group}
        assert all(unit_for(k).parser is not None for k in kinds), f"{label}: a kind nothing reads"
    assert EVIDENCE_KINDS["system log (/var/log/syslog or messages)"] == (Kind.SYSLOG, Kind.SERIAL_CONSOLE)
    with pytest.raises(ValueError, match="no evidence group"):
        define("some_new_kind", "a unit joining a group that does not exist", evidence="agent_logs")


def test_every_kind_a_cause_needs_or_counts_as_proof_is_a_unit_that_is_read():
    """``needs``/``proof`` in causes.toml name file kinds: each must be a unit with a parser, or
    the cause is called not evaluable whatever the bundle holds."""
    parsed = {u.kind.value for u in units() if u.parser is not None}
    for cause in CAUSES.values():
        for key in ("needs", "proof"):
            unknown = set(cause.table.get(key, ())) - parsed
            assert not unknown, f"causes.toml [{cause.id}] {key}: {sorted(unknown)}: no kind that is read"


def test_a_unit_declares_the_fields_only_its_parser_writes():
    """One kind's fields live in its unit; fields.FIELDS joins them with the shared ones."""
    for unit in units():
        for own in unit.fields:
            assert FIELDS[own.name].kinds == (unit.kind.value,), own.name
            assert is_declared(own.name, unit.kind.value) and not is_declared(own.name, "binary")
    assert set(OPEN_PREFIXES["handler_"]) == {u.kind.value for u in units() if "handler_" in u.field_prefixes}
    assert "vms_phase" in {f.name for f in unit_for(Kind.VMSNAPSHOT_LOG).fields}
    shared = {name for name, spec in FIELDS.items() if len(spec.kinds) > 1}
    assert shared and not shared & {f.name for u in units() for f in u.fields}


def test_an_extension_format_is_one_module_one_fixture_and_one_rule_file():
    """Issue 13's measure of "a file kind is one unit", on the Application Health handler log
    (added as a unit): its kind, extension and log folder are named nowhere in the package but
    in its unit module and its rule file, and nowhere in the tests but in its fixture bundle and
    this file."""
    root = Path(__file__).resolve().parent.parent
    names = re.compile(r"apphealth_handler_log|ApplicationHealthLinux|applicationhealth", re.IGNORECASE)

    def naming(folder: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in folder.rglob("*") if p.is_file() and p.suffix != ".pyc"
                and names.search(p.read_text(encoding="utf-8", errors="replace"))}

    assert naming(root / "loganalyzer") == {"loganalyzer/filekinds/apphealth.py",
                                            "loganalyzer/rules/catalog/apphealth.toml"}
    fixture = "tests/fixtures/bundles/apphealth-precheck-failed/"
    assert {p for p in naming(root / "tests") if not p.startswith(fixture)} == {"tests/test_filekinds.py"}
