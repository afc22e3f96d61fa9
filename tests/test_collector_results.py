"""results.txt of ``waagent -collect-logs``: records, collector fields and the summary document."""
from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.collector_results import classify_message, original_path, parse
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"


def run(data: bytes):
    member = Member("results.txt", Kind.COLLECTOR_RESULTS, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path="results.txt", kind="collector_results"))
    events = list(parse(member, ctx))
    return events, ctx


def test_every_line_belongs_to_a_record():
    raw = (FIXTURES / "results.txt").read_bytes()
    events, ctx = run(raw)
    assert ctx.coverage.lines == len(raw.splitlines()) == 29
    assert ctx.coverage.unparsed_lines == 0
    assert ctx.coverage.records == len(events) == 19
    assert sum(e.lines for e in events) == ctx.coverage.lines
    assert all(e.time_kind == TimeKind.UTC and e.kind == "collector_results" for e in events)


def test_listing_record_spans_its_ls_output():
    events, _ = run((FIXTURES / "results.txt").read_bytes())
    listing = events[3]
    assert (listing.line_start, listing.line_end) == (4, 14)
    assert listing.fields == {"collector_action": "command", "collector_file": "ls -alF /var/lib/waagent"}
    assert listing.message.splitlines()[0] == "Output of command [ls -alF /var/lib/waagent]:"


def test_collector_fields_for_added_truncated_discarded_and_full_archive():
    events, _ = run((FIXTURES / "results.txt").read_bytes())
    actions = [(e.level, e.fields["collector_action"]) for e in events if e.fields]
    assert ("INFO", "added") in actions and ("INFO", "truncated") in actions
    assert ("WARNING", "discarded") in actions and ("WARNING", "archive_full") in actions
    truncated = next(e for e in events if e.fields and e.fields["collector_action"] == "truncated")
    assert truncated.fields == {"collector_action": "truncated", "collector_file": "/var/log/syslog",
                                "collector_size": 31457280}


def test_summary_document_says_what_was_added_truncated_and_dropped():
    _, ctx = run((FIXTURES / "results.txt").read_bytes())
    doc = ctx.documents[0].data
    assert doc.mode == "full"
    assert doc.added == [("/var/log/waagent.log", 1048576), ("/var/lib/waagent/waagent_status.json", 1532)]
    assert doc.truncated == [("/var/log/syslog", 31457280)]
    assert doc.discarded == ["/var/log/syslog.2.gz"] and doc.archive_full
    assert doc.not_collected == ["/var/log/syslog.2.gz"]
    assert (doc.uncompressed_size, doc.compressed_size, doc.elapsed_ms) == (32507388, 4012345, 5012)
    assert doc.started.isoformat() == "2024-01-15T08:00:00+00:00"
    assert "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/" in doc.listings["/var/lib/waagent"]
    assert "GoalState.1.xml" in doc.listings["/var/lib/waagent"]


def test_text_before_the_first_record_is_counted_unparsed():
    events, ctx = run(b"garbage\n2023-05-01T12:00:00Z INFO ### Probing Directories ###\n")
    assert ctx.coverage.unparsed_samples == [(1, "garbage")]
    assert [e.message for e in events] == ["### Probing Directories ###"]


def test_messages_that_say_nothing_special_have_no_fields():
    assert classify_message("### Creating compressed archive ###") is None
    assert classify_message("Failed to add file /var/log/x to the archive: [Errno 13]") == {
        "collector_action": "failed", "collector_file": "/var/log/x"}
    assert original_path("/elsewhere/x") == "/elsewhere/x"


def test_error_records_are_kept_in_the_summary():
    _, ctx = run(b"2023-05-01T12:00:00Z ERROR Failed to collect logs: disk full\n")
    assert ctx.documents[0].data.errors == ["Failed to collect logs: disk full"]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_and_lines_add_up(data):
    events, ctx = run(data)
    assert sum(e.lines for e in events) + ctx.coverage.unparsed_lines <= ctx.coverage.lines
