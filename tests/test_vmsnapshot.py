"""The backup extension's extension.log: every line format, every key message, the code table."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from extlog_support import FIXTURES, assert_lines_accounted, run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import TimeKind
from loganalyzer.parsers import vmsnapshot, vmsnapshot_codes
from loganalyzer.parsers.vmsnapshot import message_fields, parse

NAME = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"


def read(data: bytes, **kw):
    return run(parse, data, Kind.VMSNAPSHOT_LOG, "var/log/azure/x/extension.log", **kw)


# Real lines: azure-linux-extensions#1868 (dev-corpus 036), #525, PR #1309 and PR #2019, formats.md §5.2.
REAL_LINES = [
    (f"2024-01-14 22:16:48.792020 {NAME}PreSnapshot: Status Code: 200",
     {"vms_event": "presnapshot_status", "vms_phase": "presnapshot", "vms_http_status": 200}),
    (f"2024-01-14 22:16:48.794220 {NAME}Taking Snapshot through Host",
     {"vms_event": "host_snapshot_start", "vms_phase": "snapshot"}),
    (f"2024-01-14 22:16:48.796446 {NAME}T:S freeze, timeout value 60",
     {"vms_event": "freeze_start", "vms_phase": "freeze", "vms_freeze_timeout": 60}),
    (f"2024-01-14 22:16:48.800908 {NAME}fsfreeze mount :/mnt", {"vms_phase": "freeze"}),
    (f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.740770  Info  proceeded for accepting signals",
     {"vms_phase": "freeze", "vms_buffered": True}),
    ("2021/02/26 09:41:46.749580  Info  Retry to aquire lock count: 1", {"vms_buffered": True}),
    ("2024-10-22 22:49:39.187634  Info  dosnapshot responseBody: StatusCode:500, ErrorMessage: Could not "
     "find config corresponding to the Disk  - md-zt1h5xp3fb3q - 4gsgxhsfkwl2/abcd, bhsVersion:3.0.51.0  ",
     {"vms_event": "host_snapshot_response", "vms_http_status": 500, "vms_buffered": True}),
]


@pytest.mark.parametrize(("line", "expected"), REAL_LINES)
def test_real_lines_give_their_fields(line: str, expected: dict) -> None:
    [event] = read(line.encode())[0]
    assert expected.items() <= event.fields.items()


def test_py3_line_is_utc_with_extension_name_and_an_inferred_level() -> None:
    [e] = read(REAL_LINES[0][0].encode())[0]
    assert e.timestamp == datetime(2024, 1, 14, 22, 16, 48, 792020, tzinfo=UTC)
    # py3 writes no level: it is inferred from the message since issue 16 (was None)
    assert (e.time_kind, e.level, e.generation) == (TimeKind.UTC, "INFO", "py3")
    assert e.fields["level_inferred"] is True
    assert (e.extension, e.extension_version) == ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "1.0")
    assert e.message == "PreSnapshot: Status Code: 200"


def test_py3_time_without_microseconds() -> None:
    [e] = read(f"2024-03-02 21:00:05 {NAME}starting daemon for freezing the file system".encode())[0]
    assert e.timestamp == datetime(2024, 3, 2, 21, 0, 5, tzinfo=UTC)
    assert e.fields["vms_event"] == "daemon_start"


def test_dev_corpus_036_freeze_that_never_thaws(dev_corpus) -> None:
    data = next(dev_corpus.glob("036-*")).joinpath("extension.log").read_bytes()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert len(events) == 7
    assert [e.fields.get("vms_event") for e in events if e.fields][:3] == [
        "presnapshot_status", "host_snapshot_start", "freeze_start"]
    assert not any((e.fields or {}).get("vms_phase") == "thaw" for e in events)


def test_freeze_window_block_gives_one_record_per_buffered_line() -> None:
    data = (FIXTURES / "vmsnapshot_py3_success.log").read_bytes()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    by_line = {e.line_start: e for e in events}
    start, end = by_line[13], by_line[20]
    assert start.fields["vms_event"] == "freeze_block_start"
    assert end.fields["vms_event"] == "freeze_block_end" and end.line_end == 21   # the blank line after it
    assert end.timestamp == start.timestamp and end.extension == start.extension
    inner = [e for e in events if (e.fields or {}).get("vms_buffered")]
    assert [e.line_start for e in inner] == list(range(14, 20))
    thaw = by_line[18]
    assert (thaw.level, thaw.time_kind, thaw.message) == ("WARNING", TimeKind.UTC,
                                                          "****** 7. Sending Thaw Signal to Binary")
    assert thaw.timestamp == datetime(2024, 3, 2, 21, 0, 9, 410000, tzinfo=UTC)
    assert by_line[15].fields["vms_freeze_timed_out"] is False
    assert by_line[17].fields["vms_snapshot_ok"] is True
    assert by_line[19].fields["vms_event"] == "thaw_result"


def test_status_echoes_give_operation_status_and_code() -> None:
    events, _ = read((FIXTURES / "vmsnapshot_py3_success.log").read_bytes())
    echoes = [e.fields for e in events if e.fields and e.fields.get("vms_event") == "status_report"]
    keys = ("vms_operation", "vms_status", "vms_status_code", "vms_status_name")
    assert [tuple(f[k] for k in keys) for f in echoes] == [
        ("Enable", "success", 4, "ExtensionTempTerminalState"), ("Enable", "success", 1, "success")]
    assert echoes[0]["vms_status_message"] == "Transitioning state in extension"


def test_status_echo_with_telemetry_and_status_code_name() -> None:
    f = message_fields("Enable,error,76,T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error "
                       "StatusCode.FailedRetryableSnapshotFailedNoNetwork, snapshotCreator=guestExtension, "
                       ",True")
    assert (f["vms_status"], f["vms_status_code"], f["vms_status_name"]) == (
        "error", 76, "FailedRetryableSnapshotFailedNoNetwork")


def test_generic_handlerutil_echo_without_failure_flag() -> None:
    f = message_fields("Enable,success,0,Enable succeeded")
    assert (f["vms_operation"], f["vms_status"], f["vms_status_code"], f["vms_status_message"]) == (
        "Enable", "success", 0, "Enable succeeded")


def test_py2_lines_are_local_time_and_multiline_messages_are_one_record() -> None:
    data = (FIXTURES / "vmsnapshot_py2.log").read_bytes()
    plus_two = timezone(timedelta(hours=2))
    events, ctx = read(data, tz=plus_two)
    assert_lines_accounted(events, ctx, data)
    first = events[0]
    assert (first.time_kind, first.generation) == (TimeKind.LOCAL, "py2")
    assert first.timestamp == datetime(2016, 12, 16, 15, 18, 1, tzinfo=UTC)
    buffered = [e for e in events if (e.fields or {}).get("vms_buffered")]
    assert len(buffered) == 3 and all(e.time_kind == TimeKind.UTC and e.level == "INFO" for e in buffered)
    assert buffered[1].message == "proceeded for accepting signals"
    assert buffered[1].lines == 2          # its bare time line belongs to it
    trace = next(e for e in events if e.fields and e.fields.get("vms_event") == "snapshot_failed")
    assert (trace.line_start, trace.line_end) == (9, 12)
    assert trace.message.splitlines()[1:] == ['  File "main/handle.py", line 210, in freeze_snapshot',
                                             "ValueError: boom"]
    error = next(e for e in events if e.level == "ERROR")
    assert error.message == "cannot write status to the status blob"
    assert error.fields["vms_event"] == "upload_failed"


def test_py2_freeze_block_with_reprefixed_lines() -> None:
    data = "\n".join([
        f"2017/05/01 10:00:00 {NAME}================== Logs during Freeze Start ==============",
        "2017/05/01 10:00:00 2017-05-01 08:59:58.100000  Info  T:S freeze result , timedout :False ",
        "2017/05/01 10:00:00 2017-05-01 08:59:59.200000  Error  T:S thaw result snapshot result inconsistent",
        "2017/05/01 10:00:00 ================== Logs during Freeze End ==============",
        "2017/05/01 10:00:00 ",
    ]).encode()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert [e.fields.get("vms_event") for e in events] == [
        "freeze_block_start", "freeze_result", "thaw_result", "freeze_block_end"]
    assert events[2].level == "ERROR"
    assert events[2].fields["vms_thaw_result"] == "snapshot result inconsistent"
    assert events[3].extension == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


# Every key message of formats.md §5.2 / §7.4 → its event and code (vmsnapshot_errors.log, one per record).
ERROR_LINES = [
    (1, "freeze_timeout", 122), (2, "freeze_failed", 121), (4, "freeze_failed", 123),
    (6, "safefreeze_missing", 124), (7, "snapshot_limit_reached", 85), (8, "snapshot_no_network", 76),
    (9, "snapshot_restricted_network", 761), (10, "host_remote_server_error", 556),
    (11, "snapshot_rate_exceeded", 173), (12, "certificate_load_failed", 16), (13, "crp_timeout", 402),
    (14, "crp_timeout_thaw", None), (15, "prescript_failed", 300), (16, "postscript_failed", 301),
    (17, "plugin_precheck_failed", 313), (18, "workload_failed", 506), (19, "bhs_not_running", None),
    (20, "wrong_wireserver_ip", None), (21, "unable_to_sleep", None), (22, "snapshots_inconsistent", None),
    (23, "bad_settings", 11), (24, "task_already_processed", 3), (25, "daemon_failed", 2),
    (26, "status_report", 76),
]


@pytest.mark.parametrize(("line", "event", "code"), ERROR_LINES)
def test_every_error_message_is_named_and_coded(line: int, event: str, code: int | None) -> None:
    events, _ = read((FIXTURES / "vmsnapshot_errors.log").read_bytes())
    found = next(e for e in events if e.line_start == line)
    assert found.fields["vms_event"] == event
    assert found.fields.get("vms_status_code") == code
    if code is not None:
        assert found.fields["vms_status_name"] == vmsnapshot_codes.describe(code).name


def test_literal_errror_typo_is_read() -> None:
    f = message_fields("T:S Enable failed with FailedRetryableSnapshotFailedRestrictedNetwork errror")
    assert f["vms_status_name"] == "FailedRetryableSnapshotFailedRestrictedNetwork"
    assert f["vms_status_code"] == 761


def test_plugin_name_and_task_and_sequence_numbers() -> None:
    assert message_fields("PreScript failed for the plugin MySql StatusCode.FailedPrepostPreScriptFailed,")[
        "vms_plugin"] == "MySql"
    assert message_fields("taskId: 3f1c2a8e-5d7b")["vms_task_id"] == "3f1c2a8e-5d7b"
    assert message_fields("the sequence number are same, so skip, current:12== last:12")["vms_seq_no"] == 12
    assert message_fields("sequence number based on config file-names is 7")["vms_seq_no"] == 7


def test_guest_snapshot_http_failures() -> None:
    for message in (" snapshot HttpCallGetResponse failed ", "Http connection response is None",
                    "curl error is: 7", "T:S  snapshot failed at index 1"):
        assert message_fields(message)["vms_phase"] == "snapshot"
        assert message_fields(message)["vms_event"] in ("snapshot_http_failed", "snapshot_failed")


def test_freeze_result_with_errors_spans_lines() -> None:
    f = message_fields("T:S freeze result freeze timed-out\n, timedout :True")
    assert (f["vms_freeze_result"], f["vms_freeze_timed_out"]) == ("freeze timed-out", True)


def test_host_snapshot_result_fields() -> None:
    f = message_fields("From Host- IsSuccessful:False, SnapshotUri:None, ErrorMessage:The snapshot count "
                       "against this blob has been exceeded, StatusCode:409")
    assert f["vms_snapshot_ok"] is False and f["vms_http_status"] == 409
    assert f["vms_snapshot_error"] == "The snapshot count against this blob has been exceeded"


def test_lines_before_the_first_record_are_unparsed_and_continuations_kept() -> None:
    data = f"garbage head\n\n2024-01-14 22:16:48.792020 {NAME}Failed to do the snapshot with error: x\n" \
           "Traceback (most recent call last):\n  File \"x.py\"\n".encode()
    events, ctx = read(data)
    assert ctx.coverage.unparsed_lines == 1 and ctx.coverage.unparsed_samples == [(1, "garbage head")]
    assert [(e.line_start, e.line_end) for e in events] == [(3, 5)]


def test_event_table_phases_are_the_documented_set() -> None:
    phases = {phase for _, _, phase, _ in vmsnapshot.routes()}
    assert phases <= {"enable", "install", "daemon", "presnapshot", "freeze", "snapshot", "thaw", "prepost",
                      "workload", "status", "upload"}
    for _, _, _, code in vmsnapshot.routes():
        assert code is None or vmsnapshot_codes.describe(code) is not None


def test_code_table_has_every_code_of_the_reference() -> None:
    expected = {0, 1, 2, 3, 4, *range(11, 18), 76, 85, *range(121, 125), 173, *range(300, 319), 402,
                *range(500, 513), 556, 761}
    assert set(vmsnapshot_codes.CODES) == expected
    for info in vmsnapshot_codes.CODES.values():
        assert info.health in ("green", "yellow", "red", None) and info.meaning
        assert vmsnapshot_codes.by_name(info.name) is info
    assert [c for c, i in vmsnapshot_codes.CODES.items() if i.health == "red"] == [15, 76, 85, 402, 761]


def test_code_table_agrees_with_formats_reference(shared_dir) -> None:
    text = (shared_dir / "reference" / "formats.md").read_text()
    table = text[text.index("| Code | Name | Health"):]
    for code, name in [(76, "FailedRetryableSnapshotFailedNoNetwork"), (85, "FailedSnapshotLimitReached"),
                       (402, "FailedGuestAgentInvokedCommandTooLate"),
                       (556, "FailedHostSnapshotRemoteServerError"),
                       (761, "FailedRetryableSnapshotFailedRestrictedNetwork"),
                       (16, "FailedHandlerGuestAgentCertificateNotFound")]:
        assert re.search(rf"\| {code} \| \**{name}\**", table)
        assert vmsnapshot_codes.describe(code).name == name


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_lines_are_accounted(data: bytes) -> None:
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)


LINE_SHAPES = st.sampled_from([
    f"2024-01-14 22:16:48.792020 {NAME}T:S freeze, timeout value 60",
    f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.739891  Info  proceeded for accepting signals ",
    "2016/12/16 17:18:09", "2021/02/26 09:41:45.748281  Error  Failed ", "  File \"x\"", "",
    "================== Logs during Freeze End ==============",
    f"2024-01-14 22:16:48 {NAME}================== Logs during Freeze Start ==============",
    "Enable,error,2,x,True",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE_SHAPES, max_size=30))
def test_any_mix_of_real_shapes_is_accounted(lines: list[str]) -> None:
    data = "\n".join(lines).encode()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)


def test_real_py2_sequence_of_walinuxagent_issue_525() -> None:
    # Azure/WALinuxAgent#525 (agent 2.1.5, Python 3.4, extension 1.0.9103.0): every buffered message is
    # re-logged with the py2 prefix and followed by a bare time line.
    data = "\n".join([
        f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.740770  Info  proceeded for accepting signals",
        "2016/12/16 17:18:09",
        f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.757692  Info  binary child terminated",
        "2016/12/16 17:18:09",
        f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.760546  Info  freezing the mount: /mnt",
        "2016/12/16 17:18:09",
        f"2016/12/16 17:18:09 {NAME}2016-12-16 17:18:09.766289  Info  Failed to FIFREEZE: /data/dblog",
        "2016/12/16 17:18:09",
    ]).encode()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    assert [(e.line_start, e.line_end) for e in events] == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert [e.message for e in events] == ["proceeded for accepting signals", "binary child terminated",
                                           "freezing the mount: /mnt", "Failed to FIFREEZE: /data/dblog"]
    assert events[3].timestamp == datetime(2016, 12, 16, 17, 18, 9, 766289, tzinfo=UTC)
    assert events[3].fields["vms_event"] == "freeze_failed"
