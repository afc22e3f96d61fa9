"""Unknown text: binary is skipped, known logs under other names go to their parser, the rest is records."""
from __future__ import annotations

import gzip
import importlib.util
from datetime import UTC, datetime, timedelta, timezone

from extlog_support import assert_lines_accounted, run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import CoverageStatus, TimeKind
from loganalyzer.parsers.generic import SNIFF_BYTES, looks_binary, parse, sniff_format

NAME = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"


def read(data: bytes, kind: Kind = Kind.OTHER_TEXT, path: str = "notes.txt", **kw):
    return run(parse, data, kind, path, **kw)


def test_dev_corpus_agent_error_messages_are_one_record_each(dev_corpus) -> None:
    for case, code, last in [("041-*", 3, "[stderr]"),
                             ("042-*", 127, "/usr/bin/env: \u2018python\u2019: No such file or directory")]:
        data = next(dev_corpus.glob(case)).joinpath("extension_error.txt").read_bytes()
        events, ctx = read(data, path="extension_error.txt")
        assert_lines_accounted(events, ctx, data)
        [e] = events
        assert (e.line_start, e.line_end, e.timestamp) == (1, 7, None)
        assert e.message.startswith("[ExtensionOperationError] Non-zero exit code: ")
        assert e.message.splitlines()[-1] == last
        assert e.fields["exit_code"] == code and e.fields["exception_tags"] == ["ExtensionOperationError"]


def test_output_sections_end_at_the_next_error_tag() -> None:
    data = (b"[ExtensionOperationError] Non-zero exit code: 1, a.sh\n[stdout]\n2019/11/17 00:03:18 INFO x\n"
            b"[stderr]\nboom\n[ExtensionError] Non-zero exit code: 2, b.sh\n[stdout]\n")
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert [(e.line_start, e.line_end, e.fields["exit_code"]) for e in events] == [(1, 5, 1), (6, 7, 2)]


def test_binary_content_is_skipped() -> None:
    for data in (gzip.compress(b"2024-01-01 hello\n" * 50), b"\x00" * 64 + b"ELF", bytes(range(256)) * 4):
        events, ctx = read(data, path="thing.bin")
        assert events == []
        assert (ctx.coverage.status, ctx.coverage.reason) == (CoverageStatus.SKIPPED, "binary content")


def test_text_with_a_nul_run_at_the_end_is_still_text() -> None:
    data = b"2024-01-01T00:00:00Z INFO started\n" * 40 + b"\x00" * 30
    assert not looks_binary(data[:SNIFF_BYTES])
    events, _ = read(data)
    assert len(events) == 40


def test_bare_vmsnapshot_extension_log_is_read_by_its_parser(dev_corpus) -> None:
    data = next(dev_corpus.glob("036-*")).joinpath("extension.log").read_bytes()
    events, ctx = read(data, kind=Kind.EXTENSION_LOG, path="extension.log")
    assert len(events) == 7 and {e.kind for e in events} == {"vmsnapshot_log"}
    assert events[2].fields["vms_event"] == "freeze_start"
    assert ctx.coverage.notes == ["read as vmsnapshot (recognised by its content)"]


def test_bare_shell_log_is_read_by_its_parser(dev_corpus) -> None:
    data = next(dev_corpus.glob("041-*")).joinpath("shell.log").read_bytes()
    events, _ = read(data, path="shell.txt")
    assert len(events) == 12 and events[0].kind == "vmsnapshot_shell_log"
    assert events[0].fields == {"vms_event": "python_unknown"}


def test_renamed_waagent_log_is_read_by_the_agent_parser(reference_data) -> None:
    lines = (reference_data / "assembled-examples" / "waagent_log_excerpts.log").read_bytes().splitlines()
    data = b"\n".join(lines[:12]) + b"\n"
    events, ctx = read(data, path="agent.txt")
    assert events and {e.kind for e in events} == {"waagent_log"}
    assert ctx.coverage.notes == ["read as waagent_log (recognised by its content)"]
    assert ctx.coverage.lines == 12


def test_delegation_replays_the_sniffed_head_of_a_long_file() -> None:
    line = f"2024-01-14 22:16:48.792020 {NAME}PreSnapshot: Status Code: 200\n".encode()
    data = line * (3 * SNIFF_BYTES // len(line))
    events, ctx = read(data)
    assert len(events) == data.count(b"\n") == ctx.coverage.lines
    assert all(e.message == "PreSnapshot: Status Code: 200" for e in events)


def test_syslog_shaped_text_goes_to_the_syslog_parser_when_there_is_one() -> None:
    data = (b"Nov 17 00:03:18 vm1 systemd[1]: Started Session 1.\n"
            b"Nov 17 00:03:19 vm1 kernel: [   12.345678] eth0: link up\n")
    events, _ = read(data, path="messages.txt")
    if importlib.util.find_spec("loganalyzer.parsers.syslog") is not None:
        assert {e.kind for e in events} == {"syslog"}
    else:
        assert [e.generation for e in events] == ["syslog_time", "syslog_time"]


def test_timestamped_records_with_levels_and_continuations() -> None:
    data = (b"2024-02-03T04:05:06.123Z ERROR failed to start: [ExtensionError] boom\n"
            b"Traceback (most recent call last):\n  File \"x\"\n"
            b"2024/02/03 06:05:07 WARN disk almost full\n"
            b"[   12.345678] eth0: link up\n")
    events, ctx = read(data, tz=timezone(timedelta(hours=2)))
    assert_lines_accounted(events, ctx, data)
    first, second, third = events
    assert first.timestamp == datetime(2024, 2, 3, 4, 5, 6, 123000, tzinfo=UTC)
    assert (first.time_kind, first.level, first.line_end) == (TimeKind.UTC, "ERROR", 3)
    assert first.message.startswith("failed to start")
    assert first.fields["exception_tags"] == ["ExtensionError"]
    assert (second.timestamp, second.time_kind, second.level) == (
        datetime(2024, 2, 3, 4, 5, 7, tzinfo=UTC), TimeKind.LOCAL, "WARNING")
    assert third.fields == {"uptime_seconds": 12.345678} and third.message == "eth0: link up"


def test_plain_text_each_unindented_line_starts_a_record() -> None:
    data = b"first thing\n  detail\n\nsecond thing\n\tmore\nthird\n"
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert [(e.line_start, e.line_end) for e in events] == [(1, 3), (4, 5), (6, 6)]
    assert events[0].message == "first thing\n  detail"


def test_sniffing_needs_a_majority() -> None:
    assert sniff_format([]) is None
    assert sniff_format(["2019/11/17 00:03:18.094280 INFO ExtHandler a", "x", "y"]) is None
    assert sniff_format(["Mon Nov 18 00:05:10 UTC 2019- 3 returned from handle.py"]) == "shell_log"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    events, ctx = read(data)
    if ctx.coverage.status == CoverageStatus.PARSED and not ctx.coverage.notes:
        assert_lines_accounted(events, ctx, data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["2024-01-01T00:00:00Z INFO a", "  indented", "", "[stdout]", "plain",
                                 "[ExtensionError] Non-zero exit code: 1", "Nov  1 00:00:00 h p: m",
                                 "[ 1.5] k"]), max_size=40))
def test_any_mix_of_shapes_is_accounted(lines: list[str]) -> None:
    data = "\n".join(lines).encode()
    events, ctx = read(data)
    if not ctx.coverage.notes:
        assert_lines_accounted(events, ctx, data)


def test_handlerutil_extension_log_prefix_and_status_echo() -> None:
    # AMA line quoted in Azure/WALinuxAgent PR #2969; VMAccess lines from custom-script-extension-linux#84.
    data = (b"2023/09/26 04:07:33 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.28.5] "
            b"Enable,success,0,Enable succeeded\n"
            b"2016/12/23 04:25:14 VMAccess started to handle.\n"
            b"2016/12/23 04:25:14 [Microsoft.OSTCExtensions.VMAccessForLinux-1.4.6.0] cwd is "
            b"/var/lib/waagent/Microsoft.OSTCExtensions.VMAccessForLinux-1.4.6.0\n")
    events, ctx = read(data, kind=Kind.EXTENSION_LOG, path="var/log/azure/x/extension.log")
    assert_lines_accounted(events, ctx, data)
    ama, plain, vmaccess = events
    assert (ama.extension, ama.extension_version, ama.generation) == (
        "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", "1.28.5", "handlerutil")
    assert ama.message == "Enable,success,0,Enable succeeded" and ama.time_kind == TimeKind.LOCAL
    assert ama.fields == {"handler_operation": "Enable", "handler_status": "success",
                          "handler_status_code": 0, "handler_status_message": "Enable succeeded"}
    assert (plain.extension, plain.message) == (None, "VMAccess started to handle.")
    assert vmaccess.extension_version == "1.4.6.0" and vmaccess.message.startswith("cwd is ")


def test_a_pem_block_stays_one_record_so_redaction_sees_it_whole() -> None:
    import io

    from loganalyzer.kinds import Kind
    from loganalyzer.model import FileCoverage
    from loganalyzer.parsers.base import ParseContext
    from loganalyzer.parsers.generic import parse
    from loganalyzer.redact import redact
    from loganalyzer.sources.base import Member

    data = (b"cert dump follows\n-----BEGIN CERTIFICATE-----\nMIIBc2VjcmV0Ym9keQ\nQUJDREVG\n"
            b"-----END CERTIFICATE-----\nnext thing\n")
    member = Member("notes.txt", Kind.OTHER_TEXT, lambda: io.BytesIO(data))
    events = list(parse(member, ParseContext(FileCoverage("notes.txt", "other_text"))))
    assert [(e.line_start, e.line_end) for e in events] == [(1, 1), (2, 5), (6, 6)]
    assert "MIIBc2VjcmV0Ym9keQ" not in redact(events[1].message)
