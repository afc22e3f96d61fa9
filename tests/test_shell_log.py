"""VMSnapshot shell.log: `date -u` output in any locale, then '- ' and handle.sh's message."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from extlog_support import FIXTURES, assert_lines_accounted, run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import TimeKind
from loganalyzer.parsers.shell_log import parse, parse_date, shell_fields


def read(data: bytes):
    return run(parse, data, Kind.VMSNAPSHOT_SHELL_LOG, "var/log/azure/x/shell.log")


def test_dev_corpus_041_python_version_unknown(dev_corpus) -> None:
    data = next(dev_corpus.glob("041-*")).joinpath("shell.log").read_bytes()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert len(events) == 12
    first, second = events[:2]
    assert (first.message, first.fields) == ("python version unknown", {"vms_event": "python_unknown"})
    assert first.timestamp == datetime(2019, 11, 18, 0, 5, 10, tzinfo=UTC)
    assert (first.time_kind, first.level) == (TimeKind.UTC, None)
    assert second.fields == {"vms_event": "handle_py_returned", "vms_rc": 3}
    assert events[-1].timestamp == datetime(2019, 11, 22, 0, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("Mon Nov 18 00:05:10 UTC 2019", datetime(2019, 11, 18, 0, 5, 10)),        # C locale (dev-corpus 041)
    ("Tue Nov  5 00:05:10 UTC 2019", datetime(2019, 11, 5, 0, 5, 10)),          # %e pads the day
    ("Mon Nov 18 12:05:10 AM UTC 2019", datetime(2019, 11, 18, 0, 5, 10)),      # en_US, 12-hour
    ("Mon Nov 18 01:05:10 PM UTC 2019", datetime(2019, 11, 18, 13, 5, 10)),
    ("Mon 18 Nov 00:05:10 UTC 2019", datetime(2019, 11, 18, 0, 5, 10)),         # en_GB
    ("Mo 18. Nov 00:05:10 UTC 2019", datetime(2019, 11, 18, 0, 5, 10)),         # de_DE
    ("Di 19. Mär 00:05:10 UTC 2019", datetime(2019, 3, 19, 0, 5, 10)),
    ("mar. 19 nov. 2019 13:05:10 UTC", datetime(2019, 11, 19, 13, 5, 10)),     # fr_FR: weekday "mar."
    ("mar nov 19 13:05:10 UTC 2019", datetime(2019, 11, 19, 13, 5, 10)),       # es_ES
    ("2019年 11月 18日 月曜日 00:05:10 UTC", datetime(2019, 11, 18, 0, 5, 10)),  # ja_JP
    ("2019年 11月 18日 星期一 00:05:10 UTC", datetime(2019, 11, 18, 0, 5, 10)),  # zh_CN
    ("2019. 11. 18. (월) 00:05:10 UTC", datetime(2019, 11, 18, 0, 5, 10)),      # ko_KR
    ("2019-11-18 00:05:10 UTC", datetime(2019, 11, 18, 0, 5, 10)),
    ("Mo 18.11.2019 00:05:10 UTC", datetime(2019, 11, 18, 0, 5, 10)),
])
def test_date_in_each_locale_shape(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["garbage 00:00:00", "Mon Foo 18 00:05:10 UTC 2019", "Feb 30 00:00:00 2019"])
def test_unreadable_date_is_none(text: str) -> None:
    assert parse_date(text) is None


def test_locale_fixture_every_message_kind() -> None:
    data = (FIXTURES / "shell_locales.log").read_bytes()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert all(e.timestamp is not None for e in events)
    assert [e.fields for e in events] == [
        {"vms_event": "seq_from_env", "vms_seq_no": 25},
        {"vms_event": "python_found", "vms_python": "/usr/bin/python3"},
        {"vms_event": "python_unknown"},
        {"vms_event": "handle_py_returned", "vms_rc": 3},
        {"vms_event": "command_exit", "vms_command": "install"},
        {"vms_event": "seq_missing", "vms_seq_no": -1},
    ]


def test_formats_reference_seqno_spelling() -> None:
    assert shell_fields("ConfigSequenceNumber from environment variable seqNo:4") == {
        "vms_event": "seq_from_env", "vms_seq_no": 4}


def test_unread_date_keeps_the_record_and_other_lines_continue_it() -> None:
    data = b"orphan\nSomeday 99:99:99 never- python version unknown\ntraceback line\n"
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    [e] = events
    assert (e.timestamp, e.time_kind, e.line_start, e.line_end) == (None, TimeKind.NONE, 2, 3)
    assert e.message == "python version unknown\ntraceback line"
    assert ctx.coverage.unparsed_samples == [(1, "orphan")]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_lines_are_accounted(data: bytes) -> None:
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_parse_date_never_raises(text: str) -> None:
    parse_date(text)
