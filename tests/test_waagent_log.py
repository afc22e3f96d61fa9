"""waagent.log parsing: real files of every generation, multi-line records, accounting, hostile bytes."""
from __future__ import annotations

import io
import re
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest

from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.waagent_log import parse, parse_chunks
from loganalyzer.sources.base import Member

STARTS_WITH_TIMESTAMP = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[T ]\d{1,2}:\d{1,2}:\d{1,2}")


def run(data: bytes, kind: Kind = Kind.WAAGENT_LOG, **ctx_args) -> tuple[list[Event], FileCoverage]:
    coverage = FileCoverage("var/log/waagent.log", str(kind))
    ctx = ParseContext(coverage, **ctx_args)
    events = list(parse(Member("var/log/waagent.log", kind, lambda: io.BytesIO(data)), ctx))
    return events, coverage


def physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def assert_accounted(events: list[Event], coverage: FileCoverage, lines: int) -> None:
    """Unparsed lines form the head; records follow in file order and tile the rest exactly."""
    assert coverage.lines == lines
    assert coverage.records == len(events)
    expected_start = coverage.unparsed_lines + 1
    for e in events:
        assert e.line_start == expected_start and e.line_end >= e.line_start
        expected_start = e.line_end + 1
    assert expected_start == lines + 1 or (not events and coverage.unparsed_lines == lines)


# ---------------------------------------------------------------- real files

def corpus_logs(dev_corpus: Path) -> list[Path]:
    return sorted([*dev_corpus.glob("*/waagent.log"), *dev_corpus.glob("*/CommandExecution.log")])


def test_dev_corpus_logs_leave_no_timestamped_line_unparsed(dev_corpus):
    logs = corpus_logs(dev_corpus)
    assert len(logs) >= 15
    for path in logs:
        data = path.read_bytes()
        events, coverage = run(data)
        assert_accounted(events, coverage, physical_lines(data))
        stamped = [text for _, text in coverage.unparsed_samples if STARTS_WITH_TIMESTAMP.match(text)]
        assert not stamped, path
        assert events, path


def test_assembled_excerpts_of_all_generations(reference_data):
    data = (reference_data / "assembled-examples" / "waagent_log_excerpts.log").read_bytes()
    events, coverage = run(data)
    assert_accounted(events, coverage, physical_lines(data))
    assert coverage.unparsed_lines == 0
    generations = {e.generation for e in events}
    assert {"2.2.47+", "2.2.31-2.2.45", "2.1-2.2.30", "ext-2.0", "1.x-2.0", "2.8+-noprefix"} <= generations


def test_multi_line_event_keeps_stdout_and_reads_duration_from_the_last_line(reference_data):
    data = (reference_data / "assembled-examples" / "waagent_log_excerpts.log").read_bytes()
    events, _ = run(data)
    [disable] = [e for e in events if e.fields and e.fields.get("event_op") == "Disable"]
    assert disable.line_end - disable.line_start == 10
    assert disable.message.endswith("; ContinueOnUpdate: False, duration=0")
    assert disable.fields["event_duration"] == 0 and disable.fields["exit_code"] == 2


def test_traceback_continues_the_warning_before_it(dev_corpus):
    data = (dev_corpus / "007-agent-2.2.14-is_sentinel-crash" / "waagent.log").read_bytes()
    events, _ = run(data)
    last = events[-1]
    assert last.message.startswith("Traceback (most recent call last):")
    assert (last.line_start, last.line_end) == (6, 9)
    # the stray "q" before line 2's timestamp does not hide the Event record
    assert events[1].fields["event_op"] == "Enable"


def test_base64_event_of_dev_corpus_044_is_decoded(dev_corpus):
    events, _ = run((dev_corpus / "044-omsagent-debian10-base64-compressed-event" / "waagent.log")
                    .read_bytes())
    event = events[2]
    assert event.generation == "2.2.31-2.2.45" and event.source == "ExtHandler" and event.level == "ERROR"
    assert event.fields["event_encoded"] is True and event.fields["exit_code"] == 51
    assert event.message.startswith("Event: name=Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux")


def test_posted_lines_without_timestamps_are_records_of_their_own(dev_corpus):
    events, coverage = run((dev_corpus / "064-agent-2.0.18-events-folder-full-dies" / "waagent.log")
                           .read_bytes())
    assert coverage.unparsed_lines == 0 and len(events) == 8
    assert {e.generation for e in events} == {"no-timestamp"}
    assert events[5].message == "Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit"
    assert all(e.level == "ERROR" and e.timestamp is None for e in events)


def test_command_execution_log_reads_like_waagent_log(dev_corpus):
    data = (dev_corpus / "042-omsagent-rhel8-env-python-not-found" / "CommandExecution.log").read_bytes()
    events, _ = run(data, kind=Kind.COMMAND_EXECUTION_LOG)
    assert [e.kind for e in events] == ["command_execution_log"] * 3
    assert events[0].extension == "Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux"
    assert events[0].extension_version == "1.12.13"


# ---------------------------------------------------------------- table of generations

@pytest.mark.parametrize("line, generation, level, thread, source", [
    (b"2016/12/16 17:18:09 ERROR:Exception: No JSON object could be decoded", "1.x-2.0", "ERROR", None, None),
    (b"2016/12/16 17:18:09 WARNING:Retry environment detection in 60 seconds", "1.x-2.0", "WARNING", None,
     None),
    (b"2021/11/15 16:31:51 [Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.13.35] cwd is /var",
     "ext-2.0", "INFO", None, "[Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.13.35]"),
    (b"2017/03/27 14:01:15.868247 ERROR get API versions returned status code [400]", "2.1-2.2.30", "ERROR",
     None, None),
    (b"2018/11/11 23:52:07.462291 ERROR ExtHandler Command: [pidof systemd-networkd], return code: [1], "
     b"result: []", "2.2.31-2.2.45", "ERROR", None, "ExtHandler"),
    (b"2021-05-28T01:17:40.767600Z INFO ExtHandler Successfully added Azure fabric firewall rules", "2.2.46",
     "INFO", None, "ExtHandler"),
    (b"2020-10-28T23:20:33.006628Z ERROR Daemon Daemon Provisioning failed: [ProtocolError] [CopyOvfEnv] "
     b"Error",
     "2.2.47+", "ERROR", "Daemon", "Daemon"),
    (b"2024-08-05T14:36:48.004865Z WARNING Daemon Daemon Unable to load distro implementation for "
     b"azurelinux.",
     "2.2.47+", "WARNING", "Daemon", "Daemon"),
])
def test_real_lines_of_each_generation(line, generation, level, thread, source):
    [e], _ = run(line + b"\n")
    assert (e.generation, e.level, e.thread, e.source) == (generation, level, thread, source)


def test_mixed_generation_file_keeps_file_order_and_time_kinds():
    data = (b"2021/03/30 19:35:35.971742 INFO Daemon Azure Linux Agent Version:2.2.45\n"
            b"2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] cwd is "
            b"/var/lib/waagent\n"
            b"2021-03-30T19:45:33.793213Z INFO ExtHandler [Microsoft.Azure.Security.Monitoring."
            b"AzureSecurityLinuxAgent-2.14.64] Target handler state: enabled [incarnation 3]\n")
    events, _ = run(data)
    assert [e.generation for e in events] == ["2.2.31-2.2.45", "ext-2.0", "2.2.47+"]
    assert [e.time_kind for e in events] == [TimeKind.LOCAL, TimeKind.LOCAL, TimeKind.UTC]
    assert events[0].fields == {"agent_version": "2.2.45", "agent_role": "daemon", "version_how": "banner"}
    assert events[2].fields == {"incarnation": "3"}


def test_a_bracket_line_is_2_2_31_or_later_once_a_process_prefix_was_seen():
    ext = b"[Microsoft.CPlat.Core.RunCommandLinux-1.0.3] Target handler state: enabled"
    data = (b"2019/06/06 22:24:35.100000 INFO " + ext + b"\n"
            b"2019/06/06 22:24:36.100000 INFO Daemon Azure Linux Agent Version:2.2.45\n"
            b"2019/06/06 22:24:37.100000 INFO " + ext + b"\n"
            b"2019/06/06 22:24:38.100000 WARNING " + ext + b"\n")
    events, _ = run(data)
    assert [e.generation for e in events] == ["2.1-2.2.30", "2.2.31-2.2.45", "2.2.31-2.2.45", "2.2.31-2.2.45"]
    assert [e.extension for e in events] == ["Microsoft.CPlat.Core.RunCommandLinux", None,
                                             "Microsoft.CPlat.Core.RunCommandLinux",
                                             "Microsoft.CPlat.Core.RunCommandLinux"]
    assert [e.timestamp.second for e in events] == [35, 36, 37, 38]


def test_an_extension_line_in_the_stdout_of_an_event_stays_in_that_event():
    # Extensions print their own 2.0-style log lines; the agent quotes them in [stdout] (corpus 044
    # shows one inside a decoded message; newer agents write the output as it is).
    data = (b"2024-05-02T21:40:44.040983Z ERROR ExtHandler ExtHandler Event: name=Microsoft.Azure.Monitor."
            b"AzureMonitorLinuxAgent, op=Install, message=[ExtensionOperationError] Non-zero exit code: 51, "
            b"./shim.sh -install\n[stdout]\n"
            b"2024/05/02 21:40:43 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.30.3] Unsupported "
            b"operating system: ubuntu 24.04\n\n[stderr]\n, duration=0\n"
            b"2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] cwd is "
            b"/var/lib/waagent\n")
    event, ext_line = run(data)[0]
    assert (event.line_start, event.line_end, event.fields["event_duration"]) == (1, 6, 0)
    assert "Unsupported operating system" in event.message
    assert (ext_line.line_start, ext_line.generation) == (7, "ext-2.0")


def test_local_time_is_shifted_by_the_context_zone():
    [e], _ = run(b"2019/06/06 22:24:35.982462 INFO ExtHandler Primary interface is [eth0]\n",
                 tz=timezone(timedelta(hours=-5)))
    assert e.timestamp.isoformat() == "2019-06-07T03:24:35.982462+00:00" and e.time_kind is TimeKind.LOCAL


# ---------------------------------------------------------------- accounting and hostile input

def test_lines_before_the_first_record_are_counted_with_their_location():
    data = b"garbage head\n\n2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler Start\nmore\n"
    events, coverage = run(data)
    assert coverage.unparsed_lines == 2 and coverage.unparsed_samples == [(1, "garbage head"), (2, "")]
    assert (events[0].line_start, events[0].line_end, events[0].message) == (3, 4, "Start\nmore")


def test_crlf_nul_runs_and_invalid_utf8():
    data = (b"2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler caf\xc3\xa9 \xff\xfe\r\n"
            b"\x00\x00\x00\x00\x002021-05-28T01:17:41.000000Z ERROR ExtHandler ExtHandler after NULs\r\n"
            b"continued\r\n")
    events, coverage = run(data)
    assert_accounted(events, coverage, 3)
    assert events[0].message == "caf\u00e9 \\xff\\xfe"
    assert (events[1].level, events[1].message) == ("ERROR", "after NULs\ncontinued")


def test_a_5_mb_single_line_is_cut_and_counted_once():
    data = b"2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler " + b"x" * (5 << 20) + b"\nnext line\n"
    events, coverage = run(data, limits=Limits(max_line_bytes=1 << 20))
    assert_accounted(events, coverage, 2)
    assert len(events) == 1 and len(events[0].message) < (1 << 20) + 20
    assert events[0].message.endswith("\nnext line")


def test_records_spanning_chunk_boundaries_are_whole():
    text = ("2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler first\ncont 1\ncont 2\n"
            "2021-05-28T01:17:41.683072Z INFO ExtHandler ExtHandler second\ncont 3\n")
    lines = text.splitlines(keepends=True)
    for cut in range(1, len(lines)):
        chunks = ["".join(lines[:cut]), "".join(lines[cut:])]
        coverage = FileCoverage("p", "waagent_log")
        events = list(parse_chunks(chunks, "p", "waagent_log", timezone.utc, coverage))
        assert [e.message for e in events] == ["first\ncont 1\ncont 2", "second\ncont 3"]
        assert [(e.line_start, e.line_end) for e in events] == [(1, 3), (4, 5)]
        assert coverage.lines == 5


def test_empty_file_and_file_without_newline():
    assert run(b"") == ([], FileCoverage("var/log/waagent.log", "waagent_log"))
    events, coverage = run(b"2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler no newline")
    assert coverage.lines == 1 and events[0].message == "no newline"


def test_a_stream_failing_part_way_keeps_the_records_and_lines_read():
    from loganalyzer.limits import LimitExceeded

    def chunks():
        yield "2021-05-28T01:17:40.683072Z INFO ExtHandler ExtHandler one\n"
        yield "2021-05-28T01:17:41.683072Z INFO ExtHandler ExtHandler two\ncontinued\n"
        raise LimitExceeded("member larger than max_member_bytes")

    coverage = FileCoverage("p", "waagent_log")
    events = []
    with pytest.raises(LimitExceeded):
        for event in parse_chunks(chunks(), "p", "waagent_log", timezone.utc, coverage):
            events.append(event)
    assert [e.message for e in events] == ["one", "two\ncontinued"]
    assert (coverage.lines, coverage.records) == (3, 2)


def test_a_line_over_the_limit_is_cut_and_the_cut_is_reported() -> None:
    import io

    from loganalyzer.kinds import Kind
    from loganalyzer.limits import Limits
    from loganalyzer.model import CoverageStatus, FileCoverage
    from loganalyzer.parsers.base import ParseContext
    from loganalyzer.parsers.waagent_log import parse
    from loganalyzer.sources.base import Member

    data = (b"2024-01-01T00:00:00.000000Z INFO ExtHandler ExtHandler " + b"x" * 5000 + b"\n"
            b"2024-01-01T00:00:01.000000Z INFO ExtHandler ExtHandler ok\n")
    cov = FileCoverage("w", "waagent_log")
    ctx = ParseContext(cov, limits=Limits(max_line_bytes=1024))
    events = list(parse(Member("w", Kind.WAAGENT_LOG, lambda: io.BytesIO(data)), ctx))
    assert [e.line_start for e in events] == [1, 2]
    assert cov.status == CoverageStatus.PARTIAL and "cut" in (cov.reason or "")


def test_timestamp_less_agent_lines_after_timestamped_ones_are_records_of_their_own() -> None:
    # A post whose poster cut the timestamp of some lines only (the strict form: level + thread/prefix).
    data = (b"2017/08/02 15:09:57.747899 WARNING Agent WALinuxAgent-2.2.12 failed loading error state\n"
            b"ERROR ExtHandler ExtHandler Event: name=WALinuxAgent, op=Download, message=boom, duration=0\n"
            b"  more of it\n"
            b"INFO not an agent line: it continues the record above\n")
    events = list(parse_chunks([data.decode()], "waagent.log", "waagent_log", UTC, FileCoverage("w", "w")))
    assert [(e.line_start, e.line_end, e.level, e.generation) for e in events] == [
        (1, 1, "WARNING", "2.1-2.2.30"), (2, 4, "ERROR", "no-timestamp")]
    assert events[1].fields["event_op"] == "Download" and events[1].thread == "ExtHandler"


def test_after_a_threadless_record_a_timestamp_cut_level_line_is_a_record_of_its_own() -> None:
    # 2.1-2.2.30 wrote no thread name, so a cut line is just "LEVEL Message" (dev-corpus 028 with
    # every other timestamp cut); lower-case text after a level word, and lines of captured
    # command output, still continue the record above.
    data = (b"2016/12/16 10:27:22.553306 WARNING httplib does not support https tunnelling\n"
            b"WARNING Agent WALinuxAgent-2.2.2 failed with exception: syntax error\n"
            b"INFO not a record: it continues the one above\n"
            b"2016/12/16 10:27:23.000000 ERROR Event: name=X, op=Enable, message=[stdout]\n"
            b"INFO Starting the script\n")
    events = list(parse_chunks([data.decode()], "waagent.log", "waagent_log", UTC, FileCoverage("w", "w")))
    assert [(e.line_start, e.line_end, e.level) for e in events] == [
        (1, 1, "WARNING"), (2, 3, "WARNING"), (4, 5, "ERROR")]
    assert events[1].message.startswith("Agent WALinuxAgent-2.2.2 failed with exception")
