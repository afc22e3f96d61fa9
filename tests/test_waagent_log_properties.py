"""Property tests: any bytes parse without raising, every line is accounted for, records tile the file."""
from __future__ import annotations

import io
import re
from datetime import timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.syslog import parse as parse_syslog
from loganalyzer.parsers.waagent_log import parse, parse_chunks
from loganalyzer.sources.base import Member

# Real line heads of several generations and syslog, mixed with noise, so records do occur.
FRAGMENTS = [
    b"2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler ", b"2021-05-28T01:17:40.683072Z WARNING "
                                                                b"ExtHandler ",
    b"2019/06/06 22:24:35.982462 ERROR ExtHandler ", b"2016/12/16 17:18:09 ERROR:", b"2017/05/24 "
                                                                                    b"00:3:52.3 INFO ",
    b"2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] ", b"ERROR ExtHandler ",
    b"Event: name=X, op=Enable, message=eJy1k29r, duration=0", b"[HEARTBEAT] Agent WALinuxAgent-2.2.53 ",
    b"May 17 07:01:19 host python3[20236]: ", b"Nov  2 02:00:2 python: ", b"[   12.345678] ", b"\n", b"\r\n",
    b"\x00\x00", b"\xff\xfe", b"  File \"x\", line 1", b"[stdout]", b"Distro: ubuntu; OSUtil: X;", b" ",
]
LOGS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=40).map(b"".join)


def physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def run(parser, data: bytes, kind: Kind):
    coverage = FileCoverage("f", str(kind))
    events = list(parser(Member("f", kind, lambda: io.BytesIO(data)), ParseContext(coverage)))
    return events, coverage


@settings(max_examples=300, deadline=None)
@given(LOGS)
def test_any_bytes_parse_and_every_line_is_accounted_for(data):
    events, coverage = run(parse, data, Kind.WAAGENT_LOG)
    assert coverage.lines == physical_lines(data)
    assert coverage.records == len(events)
    line = coverage.unparsed_lines + 1
    for e in events:
        assert e.line_start == line and e.line_end >= e.line_start
        line = e.line_end + 1
    assert line == coverage.lines + 1


@settings(max_examples=200, deadline=None)
@given(LOGS, st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_chunking_never_changes_the_records(data, cuts):
    text = data.decode("utf-8", "backslashreplace").replace("\r", "").replace("\x00", "")
    whole = list(parse_chunks([text], "f", "waagent_log", timezone.utc, FileCoverage("f", "w")))
    lines = [line for line in re.split(r"(?<=\n)", text) if line]   # "\n" only, unlike splitlines()
    points = sorted({min(c, len(lines)) for c in cuts})
    chunks = ["".join(lines[a:b]) for a, b in zip([0, *points], [*points, len(lines)], strict=True) if b > a]
    pieces = list(parse_chunks(chunks, "f", "waagent_log", timezone.utc, FileCoverage("f", "w")))
    assert [(e.line_start, e.line_end, e.message) for e in pieces] == [
        (e.line_start, e.line_end, e.message) for e in whole]


@settings(max_examples=300, deadline=None)
@given(LOGS)
def test_syslog_parser_never_raises_and_accounts_for_every_line(data):
    events, coverage = run(parse_syslog, data, Kind.SYSLOG)
    assert coverage.lines == physical_lines(data)
    covered = sum(e.line_end - e.line_start + 1 for e in events)
    assert covered + coverage.unparsed_lines == coverage.lines
    assert [e.line_start for e in events] == sorted(e.line_start for e in events)
