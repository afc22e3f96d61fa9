"""Extension telemetry events (events/*.json): the agent's own test files, good and malformed."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from extlog_support import run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.model import CoverageStatus, FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.extension_events import parse
from loganalyzer.sources.base import Member

EVENTS_DIR = "WALinuxAgent/tests/data/events/extension_events"


def read(data: bytes):
    return run(parse, data, Kind.EXTENSION_EVENTS, "var/log/azure/Ext/events/1.json", extension="Ext")


@pytest.mark.parametrize(("name", "events", "status", "dropped"), [
    ("well_formed_files/1591905451.json", 8, CoverageStatus.PARSED, 0),
    ("different_cases/1591918616.json", 2, CoverageStatus.PARSED, 0),     # keys in any case
    ("int_type/1519934744.json", 1, CoverageStatus.PARSED, 0),            # a single object, int pid/tid
    ("special_chars/1591918939.json", 1, CoverageStatus.PARSED, 0),
    ("empty_message/1592350454.json", 0, CoverageStatus.PARSED, 2),       # null and "" messages
    ("malformed_files/1592008079.json", 0, CoverageStatus.PARSED, 1),
    ("mix_files/1591835369.json", 0, CoverageStatus.PARSED, 1),           # {"BadEvent": true}
    ("malformed_files/bad_json_files/1591816395.json", 0, CoverageStatus.PARTIAL, 0),
])
def test_agent_test_files(reference_data, name: str, events: int, status: CoverageStatus,
                          dropped: int) -> None:
    data = (reference_data / EVENTS_DIR / name).read_bytes()
    found, ctx = read(data)
    assert len(found) == events and ctx.coverage.records == events
    assert ctx.coverage.status == status
    if dropped:
        assert f"{dropped} element(s) without a message" in " ".join(ctx.coverage.notes)
        assert ctx.coverage.unparsed_lines > 0


def test_well_formed_event_fields_and_line_range(reference_data) -> None:
    data = (reference_data / EVENTS_DIR / "well_formed_files/1591905451.json").read_bytes()
    first = read(data)[0][0]
    assert first.message == "Starting IaaS ScriptHandler Extension v1"
    assert first.timestamp == datetime(2019, 12, 12, 1, 20, 5, 95024, tzinfo=UTC)
    assert (first.time_kind, first.level, first.source, first.thread) == (
        TimeKind.UTC, "INFO", "Extension Info", "1")
    assert first.fields == {"ext_event_task_name": "Extension Info",
                            "ext_event_operation_id": "519e4beb-018a-4bd9-8d8e-c5226cf7f56e",
                            "ext_event_version": "1", "ext_event_pid": "3228", "ext_event_tid": "1"}
    assert (first.line_start, first.line_end) == (2, 11) and first.extension == "Ext"


def test_malformed_file_keeps_events_before_the_error() -> None:
    good = {"EventLevel": "ERROR", "Message": "failed", "TimeStamp": "2024-01-01T00:00:00Z"}
    data = ("[\n" + json.dumps(good) + ",\n{\"Message\": \"cut\n").encode()
    events, ctx = read(data)
    assert [e.message for e in events] == ["failed"] and events[0].level == "ERROR"
    assert ctx.coverage.status == CoverageStatus.PARTIAL
    assert "malformed events file from line 3" in ctx.coverage.reason
    assert ctx.coverage.unparsed_lines == 1


@pytest.mark.parametrize(("data", "status"), [
    (b"", CoverageStatus.PARSED), (b"not json", CoverageStatus.PARTIAL),
    (b"[1, 2,", CoverageStatus.PARTIAL), (b"[{}] trailing", CoverageStatus.PARTIAL),
    (b"[" * 100 + b"]" * 100, CoverageStatus.UNREADABLE),
])
def test_odd_files_give_a_reason_not_an_exception(data: bytes, status: CoverageStatus) -> None:
    events, ctx = read(data)
    assert events == [] and ctx.coverage.status == status


def test_file_over_the_json_limit_is_not_read() -> None:
    member = Member("e.json", Kind.EXTENSION_EVENTS, lambda: io.BytesIO(b"[" + b" " * 200 + b"]"))
    ctx = ParseContext(FileCoverage("e.json", "extension_events"), limits=Limits(max_json_bytes=100))
    assert list(parse(member, ctx)) == []
    assert ctx.coverage.status == CoverageStatus.SKIPPED


EVENT = st.fixed_dictionaries({"EventLevel": st.sampled_from(["INFO", "WARNING", "ERROR", ""]),
                               "Message": st.one_of(st.none(), st.text(max_size=30)),
                               "TimeStamp": st.one_of(st.none(), st.text(max_size=30),
                                                      st.just("2019-12-12T01:20:05.0950244Z"))})


@settings(max_examples=100, deadline=None)
@given(st.lists(EVENT, max_size=8), st.booleans())
def test_generated_arrays_give_one_event_per_message(items: list[dict], indent: bool) -> None:
    data = json.dumps(items, indent=4 if indent else None).encode()
    events, ctx = read(data)
    assert len(events) == sum(1 for i in items if i["Message"])
    assert ctx.coverage.status == CoverageStatus.PARSED
    assert [e.line_start for e in events] == sorted(e.line_start for e in events)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    read(data)
