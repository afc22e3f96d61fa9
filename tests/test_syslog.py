"""syslog, journal exports and serial-console captures: agent records behind the prefix, context events."""
from __future__ import annotations

import io
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.syslog import parse
from loganalyzer.sources.base import Member


def run(data: bytes, kind: Kind = Kind.SYSLOG, **ctx_args) -> tuple[list[Event], FileCoverage]:
    coverage = FileCoverage("var/log/syslog", str(kind))
    member = Member("var/log/syslog", kind, lambda: io.BytesIO(data))
    events = list(parse(member, ParseContext(coverage, **ctx_args)))
    return events, coverage


def test_double_spaced_syslog_of_dev_corpus_056(dev_corpus):
    data = (dev_corpus / "056-logcollector-oom-syslog-double-spaced" / "syslog").read_bytes()
    events, coverage = run(data)
    assert coverage.lines == 17 and coverage.unparsed_lines == 0
    agent, unit, oom = events[:3]
    assert (agent.generation, agent.thread, agent.source) == ("2.2.47+", "CollectLogsHandler", "ExtHandler")
    assert agent.message == "Starting log collection..." and agent.time_kind is TimeKind.UTC
    assert agent.fields == {"program": "python3", "pid": 20236, "host": "krz-p-mgt-zab02"}
    assert (agent.line_start, agent.line_end) == (1, 2)
    assert unit.fields["program"] == "systemd" and "waagent -collect-logs" in unit.message
    assert "invoked oom-killer" in oom.message and oom.fields["program"] == "kernel"
    # the year comes from the agent's own full date
    assert oom.timestamp.isoformat() == "2023-05-17T07:01:22+00:00" and oom.time_kind is TimeKind.LOCAL


def test_messages_without_host_and_with_odd_seconds_of_dev_corpus_059(dev_corpus):
    events, coverage = run((dev_corpus / "059-benign-occasional-http-ioerror-timeouts-syslog" / "messages")
                           .read_bytes())
    assert coverage.unparsed_lines == 0 and len(events) == 3
    first = events[0]
    assert first.generation == "2.1-2.2.30" and first.fields["program"] == "python"
    assert first.message.startswith("[HTTP Retry] Attempt 2 of 3")
    assert (first.fields["http_method"], first.fields["http_error"]) == ("PUT", "timed out")
    assert first.timestamp.isoformat() == "2017-11-02T03:00:29.408051+00:00"


def test_serial_console_agent_lines_without_syslog_header_of_dev_corpus_012(dev_corpus):
    events, coverage = run((dev_corpus / "012-dhclient-missing-network-unreachable" / "serialconsole.log")
                           .read_bytes(), kind=Kind.SERIAL_CONSOLE)
    assert coverage.unparsed_lines == 0 and len(events) == 11
    assert events[1].fields["http_errno"] == 101
    assert events[8].level == "WARNING" and events[8].message == "No route exists to 168.63.129.16"
    assert all(e.kind == "serial_console" for e in events)


def test_agent_traceback_over_several_syslog_lines_is_one_record():
    data = (b"Jun  5 15:10:17 vm python3[123]: 2023-06-05T15:10:17.000001Z WARNING ExtHandler ExtHandler "
            b"Agent WALinuxAgent-2.9.1.1 failed with exception: boom\n"
            b"Jun  5 15:10:17 vm python3[123]: Traceback (most recent call last):\n"
            b"Jun  5 15:10:17 vm python3[123]:   File \"update.py\", line 1, in run\n"
            b"Jun  5 15:10:18 vm systemd[1]: walinuxagent.service: Main process exited, code=exited, "
            b"status=1/FAILURE\n"
            b"Jun  5 15:10:18 vm python3[123]: 2023-06-05T15:10:18.000001Z INFO Daemon Daemon Run daemon\n")
    events, _ = run(data)
    assert [(e.line_start, e.line_end) for e in events] == [(1, 3), (4, 4), (5, 5)]
    assert events[0].message.endswith("Traceback (most recent call last):\n  File \"update.py\", line 1, "
                                      "in run")
    unit = events[1]
    assert unit.generation == "syslog" and unit.fields == {"program": "systemd", "pid": 1, "host": "vm"}
    assert unit.level is None and "walinuxagent.service" in unit.message
    assert (events[2].generation, events[2].source, events[2].message) == ("2.2.47+", "Daemon", "Run daemon")


def test_iso_syslog_and_short_iso_journal():
    data = (b"2023-05-17T07:01:19.123+02:00 vm waagent[42]: something happened\n"
            b"2023-05-17T07:01:20+0000 vm systemd[1]: Started Azure Linux Agent.\n"
            b"<30>1 2023-05-17T07:01:21Z vm python3[7]: 2023-05-17T07:01:21.000000Z INFO ExtHandler "
            b"ExtHandler ok\n")
    events, _ = run(data)
    assert events[0].timestamp.isoformat() == "2023-05-17T05:01:19.123000+00:00"
    assert events[0].generation == "syslog-iso" and events[0].fields["program"] == "waagent"
    assert events[1].timestamp.isoformat() == "2023-05-17T07:01:20+00:00"
    assert events[2].generation == "2.2.47+" and events[2].message == "ok"


def test_journal_verbose_blocks_become_one_event_each():
    data = (b"Wed 2023-05-17 07:01:19.018010 UTC [s=abc;i=1;b=def;m=1;t=2;x=3]\n"
            b"    _TRANSPORT=stdout\n    PRIORITY=6\n    SYSLOG_IDENTIFIER=python3\n    _PID=20236\n"
            b"    _HOSTNAME=vm\n"
            b"    MESSAGE=2023-05-17T07:01:19.018010Z INFO CollectLogsHandler ExtHandler Starting log "
            b"collection...\n"
            b"Wed 2023-05-17 07:01:22.000000 UTC [s=abc;i=2;b=def;m=1;t=2;x=4]\n"
            b"    PRIORITY=3\n    SYSLOG_IDENTIFIER=kernel\n    MESSAGE=Out of memory: Killed process "
            b"7211 (python3)\n")
    events, coverage = run(data)
    assert coverage.unparsed_lines == 0
    agent, oom = events
    assert (agent.line_start, agent.line_end, agent.thread) == (1, 7, "CollectLogsHandler")
    assert agent.fields["program"] == "python3" and agent.fields["pid"] == 20236
    assert (oom.generation, oom.level, oom.fields["program"]) == ("journal", "ERROR", "kernel")
    assert oom.timestamp.isoformat() == "2023-05-17T07:01:22+00:00"


def test_serial_console_kernel_console_and_cloud_init_lines():
    data = (b"[    0.000000] Linux version 5.4.0-1063-azure\n"
            b"[  OK  ] Started Azure Linux Agent.\n"
            b"[\x1b[0;1;31mFAILED\x1b[0m] Failed to start Azure Linux Agent.\n"
            b"[   12.345678] cloud-init[812]: Cloud-init v. 22.1 running 'init' at Wed, 17 May 2023\n"
            b"ci-info: +++++++Net device info+++++++\n"
            b"Ubuntu 18.04.6 LTS vm ttyS0\n")
    events, coverage = run(data, kind=Kind.SERIAL_CONSOLE)
    assert [e.generation for e in events] == ["kernel", "console", "console", "console", "console"]
    assert [e.fields["program"] for e in events] == ["kernel", "systemd", "systemd", "cloud-init", "ci-info"]
    assert events[4].line_end == 6      # a header-less line continues the record before it
    assert coverage.unparsed_lines == 0


def test_year_rolls_over_from_december_to_january():
    data = (b"Dec 31 23:59:59 vm python3[1]: 2022/12/31 23:59:59.000001 INFO ExtHandler last of the year\n"
            b"Dec 31 23:59:59 vm cron[9]: tick\n"
            b"Jan  1 00:00:01 vm cron[9]: tock\n")
    events, _ = run(data)
    assert [e.timestamp.year for e in events] == [2022, 2022, 2023]


def test_without_any_full_date_the_year_does_not_put_lines_in_the_future():
    events, _ = run(b"Jan  1 00:00:01 vm cron[9]: tock\n")
    assert events[0].timestamp is not None and events[0].time_kind is TimeKind.LOCAL


def test_local_syslog_time_uses_the_context_zone():
    data = (b"May 17 07:01:22 vm kernel: x\nMay 17 07:01:23 vm python3[5]: 2023-05-17T05:01:23.0Z INFO "
            b"ExtHandler y\n")
    events, _ = run(data, tz=timezone(timedelta(hours=2)))
    assert events[0].timestamp.isoformat() == "2023-05-17T05:01:22+00:00"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"no header at all\n", b"\xff\x00\r\n"])
def test_text_without_records_is_counted_unparsed(data):
    events, coverage = run(data)
    assert events == [] and coverage.unparsed_lines == coverage.lines


def test_journal_reboot_marker_is_an_event_of_its_own():
    data = (b"-- Logs begin at Wed 2023-05-17 06:00:00 UTC, end at Wed 2023-05-17 08:00:00 UTC. --\n"
            b"May 17 07:01:19 vm systemd[1]: Stopping Azure Linux Agent...\n"
            b"-- Reboot --\n"
            b"May 17 07:03:00 vm systemd[1]: Started Azure Linux Agent.\n")
    events, coverage = run(data)
    assert [e.message for e in events][2] == "-- Reboot --"
    assert events[2].fields == {"program": "journal"} and coverage.unparsed_lines == 0


def test_lines_before_the_first_full_date_take_the_year_before_a_new_year_anchor():
    data = (b"Dec 31 23:59:58 vm cron[9]: tick\n"
            b"Jan  1 00:00:01 vm python3[1]: 2023/01/01 00:00:01.000001 INFO ExtHandler first of the year\n"
            b"Jan  1 00:00:02 vm cron[9]: tock\n")
    events, _ = run(data)
    assert [e.timestamp.year for e in events] == [2022, 2023, 2023]


def test_a_stream_failing_part_way_keeps_what_was_read():
    from loganalyzer.limits import LimitExceeded
    from loganalyzer.parsers.syslog import parse_lines

    def lines():
        yield "May 17 07:01:19 vm systemd[1]: Started Azure Linux Agent."
        yield "May 17 07:01:20 vm kernel: python3 invoked oom-killer"
        raise LimitExceeded("member larger than max_member_bytes")

    coverage = FileCoverage("var/log/syslog", "syslog")
    events = []
    with pytest.raises(LimitExceeded):
        for event in parse_lines(lines(), "var/log/syslog", "syslog", timezone.utc, coverage):
            events.append(event)
    assert len(events) == 2 and (coverage.lines, coverage.records) == (2, 2)


_LINE_PIECES = [b"May 17 07:01:19 vm cron[9]: tick", b"\n", b"\r\n", b"\r", b"\x00", b"\xff\xe2\x82",
                b"x" * 30, b"\xc3\xa9", b" "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_LINE_PIECES), st.binary(max_size=12)), max_size=30).map(b"".join),
       st.integers(min_value=1, max_value=80))
def test_line_blocks_give_exactly_the_lines_of_iter_lines(data, max_line_bytes):
    from itertools import chain

    from loganalyzer.textio import iter_line_blocks as line_blocks
    from loganalyzer.textio import iter_lines

    want_cov, got_cov = FileCoverage("f", "syslog"), FileCoverage("f", "syslog")
    want = list(iter_lines(io.BytesIO(data), max_line_bytes, want_cov))
    got = list(chain.from_iterable(line_blocks(io.BytesIO(data), max_line_bytes, got_cov)))
    assert got == want and got_cov == want_cov


def test_a_line_longer_than_a_read_block_is_cut_once_and_the_next_line_kept():
    from loganalyzer.limits import Limits
    from loganalyzer.textio import LINE_BLOCK_BYTES as READ_BYTES

    data = b"May 17 07:01:19 vm cron[9]: " + b"y" * (3 * READ_BYTES) + b"\nMay 17 07:01:20 vm cron[9]: next\n"
    events, coverage = run(data, limits=Limits(max_line_bytes=READ_BYTES + 100))
    assert [len(e.message) for e in events] == [READ_BYTES + 100 - 28, 4]
    assert coverage.lines == 2 and "were cut" in coverage.reason


def test_bracket_lines_change_generation_once_a_process_prefix_appears_outside_the_syslog_header_path():
    # The header cache must notice a prefix seen by a line that is not behind a BSD header.
    line = b"May 17 07:01:19 vm python3[1]: 2019/06/06 22:24:35.982462 INFO [X.Y-1.0] bracket\n"
    data = line + b"2019/06/06 22:24:36.000001 INFO Daemon header-less daemon line\n" + line
    events, _ = run(data, kind=Kind.SERIAL_CONSOLE)
    assert [e.generation for e in events] == ["2.1-2.2.30", "2.2.31-2.2.45", "2.2.31-2.2.45"]


def test_cached_agent_headers_still_read_each_time_and_odd_dates():
    head = b"May 17 07:01:19 vm python3[1]: "
    data = (head + b"2023-05-17T07:01:19.000001Z INFO ExtHandler ExtHandler a\n"
            + head + b"2023-02-30T07:01:19.000001Z INFO ExtHandler ExtHandler no such day\n"
            + head + b"2023-05-17T07:01:20.5Z INFO ExtHandler ExtHandler short fraction\n")
    events, _ = run(data)
    assert [e.timestamp.isoformat() if e.timestamp else None for e in events] == [
        "2023-05-17T07:01:19.000001+00:00", None, "2023-05-17T07:01:20.500000+00:00"]
    assert [e.time_kind for e in events] == [TimeKind.UTC, TimeKind.NONE, TimeKind.UTC]


def test_more_distinct_agent_headers_than_the_cache_holds_are_all_read():
    from loganalyzer.parsers.record_formats import MAX_CACHED_HEADERS

    n = MAX_CACHED_HEADERS + 50
    data = b"".join(b"May 17 07:01:19 vm python3[1]: 2023-05-17T07:01:19.000001Z INFO T%d ExtHandler m\n" % i
                    for i in range(n))
    events, _ = run(data)
    assert [e.thread for e in events] == [f"T{i}" for i in range(n)]


def test_lines_of_one_second_share_a_timestamp_and_the_year_still_rolls_over():
    data = (b"Dec 31 23:59:59 vm python3[1]: 2022/12/31 23:59:59.000001 INFO ExtHandler last\n"
            b"Dec 31 23:59:59 vm cron[9]: a\nDec 31 23:59:59 vm cron[8]: b\n"
            b"Jan  1 00:00:01 vm cron[9]: c\nJan  1 00:00:01 vm cron[8]: d\n")
    events, _ = run(data)
    assert [e.timestamp.isoformat() for e in events[1:]] == [
        "2022-12-31T23:59:59+00:00", "2022-12-31T23:59:59+00:00", "2023-01-01T00:00:01+00:00",
        "2023-01-01T00:00:01+00:00"]


def test_a_guarded_stream_cut_by_the_member_limit_keeps_every_whole_line_before_the_cut():
    from loganalyzer.limits import LimitExceeded, Limits
    from loganalyzer.sources.guard import Budget, guarded

    data = b"".join(b"May 17 07:01:19 vm cron[9]: line %05d\n" % i for i in range(5000))  # 39 bytes a line
    cap = 100_000
    coverage = FileCoverage("var/log/syslog", "syslog")
    member = Member("var/log/syslog", Kind.SYSLOG,
                    lambda: guarded(io.BytesIO(data), "var/log/syslog", Budget(Limits(max_member_bytes=cap))))
    events = []
    with pytest.raises(LimitExceeded):
        for event in parse(member, ParseContext(coverage)):
            events.append(event)
    assert len(events) == cap // 39 and coverage.lines == cap // 39


def _verbose(n: int, message: str, pid: str = "812", second: int = 19) -> bytes:
    lines = message.split("\n")
    value = "\n".join([lines[0]] + [" " * 12 + line for line in lines[1:]])
    return (f"Wed 2023-05-17 07:01:{second}.018010 UTC [s=abc;i={n};b=def;m=1;t=2;x=3]\n"
            f"    _TRANSPORT=stdout\n    PRIORITY=6\n    SYSLOG_IDENTIFIER=python3\n    _PID={pid}\n"
            f"    MESSAGE={value}\n    _HOSTNAME=vm\n").encode()


TRACEBACK = ("2023-05-17T07:01:19.018010Z ERROR ExtHandler ExtHandler Unexpected error\n"
             "Traceback (most recent call last):\n"
             '  File "/usr/lib/python3/dist-packages/azurelinuxagent/ga/update.py", line 1, in run\n'
             "OSError: [Errno 28] No space left on device")


def test_a_journal_verbose_message_over_several_lines_is_one_record():
    events, coverage = run(_verbose(1, TRACEBACK) + _verbose(2, "2023-05-17T07:01:20.0Z INFO ExtHandler x"))
    assert coverage.unparsed_lines == 0
    agent, nxt = events
    assert agent.level == "ERROR" and agent.message == "Unexpected error\n" + TRACEBACK.split("\n", 1)[1]
    assert (agent.line_start, agent.line_end, agent.fields["pid"]) == (1, 10, 812)
    assert nxt.line_start == 11 and nxt.message == "x"


def test_a_traceback_logged_as_several_verbose_entries_is_one_record():
    lines = TRACEBACK.split("\n")
    data = b"".join(_verbose(i, line) for i, line in enumerate(lines, 1))
    data += _verbose(9, "Starting something else", pid="99")
    events, coverage = run(data)
    assert coverage.unparsed_lines == 0
    agent, other = events
    assert agent.message.split("\n") == ["Unexpected error", *lines[1:]]
    assert (agent.line_start, agent.line_end) == (1, 28)
    assert other.fields["pid"] == 99 and other.line_start == 29


def test_a_journal_json_message_with_newlines_is_one_record():
    import json
    data = (json.dumps({"__REALTIME_TIMESTAMP": "1684306879018010", "SYSLOG_IDENTIFIER": "python3",
                        "_PID": "812", "MESSAGE": TRACEBACK}) + "\n").encode()
    [agent], coverage = run(data)
    assert agent.level == "ERROR" and agent.message.endswith("OSError: [Errno 28] No space left on device")
    assert agent.message.count("\n") == 3 and coverage.unparsed_lines == 0
