"""BackupTracker: one BackupRun per VMSnapshot task, from the extension log and the status file."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from extlog_support import FIXTURES, run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.facts.backups import BackupTracker
from loganalyzer.kinds import Kind
from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers import handler_files, vmsnapshot
from loganalyzer.parsers.base import Document, ParseContext
from loganalyzer.sources.base import Member

NAME = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"
NO_NETWORK = "FailedRetryableSnapshotFailedNoNetwork"
STATUS_PATH = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/25.status"


def runs_of(*logs: bytes, documents: tuple[Document, ...] = ()) -> list:
    tracker = BackupTracker()
    for data in logs:
        for event in run(vmsnapshot.parse, data, Kind.VMSNAPSHOT_LOG, "extension.log")[0]:
            tracker.observe(event)
    for doc in documents:
        tracker.add_document(doc)
    return tracker.finish()


def status_document(status: str, code: str, task: str, message: str = "done") -> Document:
    inner = json.dumps([{"status": {"status": status, "code": code, "taskId": task,
                                    "vmHealthInfo": {"vmHealthState": 0, "vmHealthStatusCode": int(code)}}}])
    body = json.dumps([{"version": "1.0", "timestampUTC": "2024-03-02T21:10:00Z", "status": {
        "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": status,
        "code": code, "taskId": task, "formattedMessage": {"lang": "en-US", "message": message},
        "substatus": [{"code": "0", "name": inner, "status": status, "formattedMessage": None}]}}]).encode()
    member = Member(STATUS_PATH, Kind.HANDLER_STATUS, lambda: io.BytesIO(body))
    ctx = ParseContext(FileCoverage(STATUS_PATH, Kind.HANDLER_STATUS))
    list(handler_files.parse_status(member, ctx))
    [doc] = ctx.documents
    return doc


def test_dev_corpus_036_freeze_without_thaw_is_not_called_a_success(dev_corpus) -> None:
    data = next(dev_corpus.glob("036-*")).joinpath("extension.log").read_bytes()
    [backup] = runs_of(data)
    assert backup.phases == ["presnapshot", "snapshot", "freeze"]
    assert "thaw" not in backup.phases
    assert backup.outcome == "unknown"
    assert "frozen" in backup.message and "no thaw" in backup.message
    assert backup.start == datetime(2024, 1, 14, 22, 16, 48, 792020, tzinfo=UTC)
    assert backup.end == datetime(2024, 1, 14, 22, 16, 48, 805675, tzinfo=UTC)
    assert (backup.ref.path, backup.ref.line_start, backup.ref.line_end) == ("extension.log", 1, 7)


def test_successful_run_joins_enable_and_daemon_under_its_task() -> None:
    [backup] = runs_of((FIXTURES / "vmsnapshot_py3_success.log").read_bytes())
    assert backup.task_id == "3f1c2a8e-5d7b-4c1e-9a0f-2b6d8e4c7a10"
    assert backup.seq_no == 25
    assert backup.phases == ["enable", "status", "daemon", "presnapshot", "snapshot", "freeze", "thaw"]
    assert (backup.outcome, backup.error_code, backup.message) == ("success", None, "Enable Succeeded")
    assert backup.start == datetime(2024, 3, 2, 21, 0, 3, 123456, tzinfo=UTC)
    assert backup.end == datetime(2024, 3, 2, 21, 0, 10, tzinfo=UTC)


def test_failed_run_keeps_the_specific_code_and_the_status_message() -> None:
    data = "\n".join([
        f"2024-05-01 01:00:00.000001 {NAME}starting enable",
        f"2024-05-01 01:00:00.100000 {NAME}taskId: t-1",
        f"2024-05-01 01:00:02.000001 {NAME}T:S freeze, timeout value 60",
        "2024/05/01 01:00:03.000000  Error  freeze timed-out ",
        f"2024-05-01 01:01:05.000001 {NAME}T:S ###### Enable failed with error: freeze took longer than "
        "timeout StatusCode.FailedRetryableFsFreezeTimeout,",
        f"2024-05-01 01:01:06.000001 {NAME}T:S thaw result ",
        f"2024-05-01 01:01:07.000001 {NAME}Enable,error,2,Enable failed in fsfreeze snapshot flow,True",
    ]).encode()
    [backup] = runs_of(data)
    assert backup.task_id == "t-1"
    assert (backup.outcome, backup.error_code, backup.error_name) == (
        "error", 122, "FailedRetryableFsFreezeTimeout")
    assert backup.message == "Enable failed in fsfreeze snapshot flow"
    assert "thaw" in backup.phases


def test_final_status_code_replaces_a_generic_one() -> None:
    data = "\n".join([
        f"2024-05-01 01:00:00.000001 {NAME}starting enable",
        f"2024-05-01 01:00:05.000001 {NAME}Failed to do the snapshot with error: x, stack trace: y",
        f"2024-05-01 01:00:06.000001 {NAME}Enable,error,76,T:S Enable failed with "
        "FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,"
        ",True",
    ]).encode()
    [backup] = runs_of(data)
    assert (backup.outcome, backup.error_code, backup.error_name) == (
        "error", 76, "FailedRetryableSnapshotFailedNoNetwork")


def test_each_enable_is_its_own_run_and_a_repeated_task_does_not_rewrite_the_first() -> None:
    data = "\n".join([
        f"2024-05-01 01:00:00.000001 {NAME}starting enable",
        f"2024-05-01 01:00:00.100000 {NAME}taskId: t-1",
        f"2024-05-01 01:00:09.000001 {NAME}Enable,success,1,Enable Succeeded,False",
        f"2024-05-02 01:00:00.000001 {NAME}starting enable",
        f"2024-05-02 01:00:00.100000 {NAME}taskId: t-1",
        f"2024-05-02 01:00:00.200000 {NAME}TaskId is same as last, so skip with Processed Status, "
        "current:t-1== last:t-1",
        f"2024-05-02 01:00:00.300000 {NAME}Enable,success,3,TaskId AlreadyProcessed nothing to do,False",
        f"2024-05-03 01:00:00.000001 {NAME}starting enable",
        f"2024-05-03 01:00:00.100000 {NAME}taskId: t-2",
        f"2024-05-03 01:00:00.200000 {NAME}unable to load certificate",
    ]).encode()
    first, repeat, third = runs_of(data)
    assert (first.task_id, first.outcome, first.message) == ("t-1", "success", "Enable Succeeded")
    assert (repeat.task_id, repeat.outcome) == ("t-1", "success")
    assert (third.task_id, third.outcome, third.error_code) == ("t-2", "error", 16)
    assert third.message == "unable to load certificate"


def test_daemon_after_a_finished_run_opens_a_new_one() -> None:
    data = "\n".join([
        f"2024-05-01 01:00:00.000001 {NAME}Enable,success,1,Enable Succeeded,False",
        f"2024-05-01 02:00:00.000001 {NAME}starting daemon for freezing the file system",
        f"2024-05-01 02:00:01.000001 {NAME}PreSnapshot: Status Code: 500",
    ]).encode()
    done, second = runs_of(data)
    assert done.outcome == "success"
    assert second.phases == ["daemon", "presnapshot"] and second.outcome == "unknown"


def test_a_log_without_starting_enable_lines_gives_one_run_per_final_status() -> None:
    # Older extension versions log no "starting enable": each final status ends a task.
    data = "\n".join([
        f"2024-05-13 21:00:10.370591 {NAME}PreSnapshot: Status Code: 200",
        f"2024-05-13 21:00:10.424139 {NAME}T:S freeze, timeout value 60",
        f"2024-05-13 21:00:19.470547 {NAME}Enable,success,1,Enable Succeeded,False",
        f"2024-05-14 21:01:12.611448 {NAME}T:S freeze, timeout value 60",
        f"2024-05-14 21:01:43.328693 {NAME} snapshot HttpCallGetResponse failed ",
        f"2024-05-14 21:02:13.822900 {NAME}T:S Enable failed with {NO_NETWORK} error",
        f"2024-05-14 21:02:13.828604 {NAME}Enable,error,2,Enable failed with error: all snapshot calls "
        f"failed StatusCode.{NO_NETWORK}, snapshotCreator=guestExtension, ,True",
    ]).encode()
    good, bad = runs_of(data)
    assert (good.outcome, good.error_code, good.end) == (
        "success", None, datetime(2024, 5, 13, 21, 0, 19, 470547, tzinfo=UTC))
    assert bad.start == datetime(2024, 5, 14, 21, 1, 12, 611448, tzinfo=UTC)
    assert (bad.outcome, bad.error_code, bad.error_name) == ("error", 76, NO_NETWORK)


def test_a_generic_status_code_takes_the_code_its_status_name_gives() -> None:
    data = (f"2024-05-14 23:01:11.736325 {NAME}Enable,error,2,Enable failed with error: all snapshot calls "
            f"failed StatusCode.{NO_NETWORK}, snapshotCreator=guestExtension, ,True\n")
    [backup] = runs_of(data.encode())
    assert (backup.error_code, backup.error_name) == (76, NO_NETWORK)


def test_a_status_file_joins_the_unnamed_run_that_ended_when_it_was_written() -> None:
    def log(end: str) -> bytes:
        return "\n".join([f"2024-03-02 {end[:6]}00.000001 {NAME}T:S freeze, timeout value 60",
                          f"2024-03-02 {end} {NAME}Enable,error,2,Enable failed.x,True"]).encode()
    # The status file says it was written at 21:10:00.
    [joined] = runs_of(log("21:09:58.500000"), documents=(status_document("error", "85", "t-7"),))
    assert (joined.task_id, joined.seq_no, joined.error_code) == ("t-7", 25, 85)
    assert joined.ref.path == "extension.log" and joined.phases[-1] == "status"
    early, alone = runs_of(log("20:40:01.000000"), documents=(status_document("error", "85", "t-7"),))
    assert early.task_id is None and alone.task_id == "t-7"


def test_the_next_tasks_preamble_does_not_stretch_the_finished_run() -> None:
    data = "\n".join([
        f"2024-05-02 01:12:37.178019 {NAME}ConfigSequenceNumber from environment variable seqNo:1",
        f"2024-05-02 01:12:37.185521 {NAME}taskId: t-1",
        f"2024-05-02 01:12:50.357157 {NAME}Enable,success,1,Enable Succeeded, ,False",
        f"2024-05-03 01:09:54.285429 {NAME}python version: 3.12.3 (main, Apr 10 2024, 05:33:47)",
        f"2024-05-03 01:09:54.287001 {NAME}ConfigSequenceNumber from environment variable seqNo:2",
        f"2024-05-03 01:09:54.301773 {NAME}taskId: t-2",
    ]).encode()
    first, second = runs_of(data)
    assert (first.task_id, first.seq_no, first.ref.line_start, first.ref.line_end) == ("t-1", 1, 1, 3)
    assert first.end == datetime(2024, 5, 2, 1, 12, 50, 357157, tzinfo=UTC)
    assert (second.task_id, second.seq_no, second.ref.line_start) == ("t-2", 2, 5)


def test_install_lines_alone_make_no_run() -> None:
    data = f"2024-05-01 01:00:00.000001 {NAME}Install,success,0,Install Succeeded,False\n".encode()
    assert runs_of(data) == []


def test_status_file_decides_a_run_the_log_left_open() -> None:
    data = "\n".join([
        f"2024-03-02 21:00:03.123456 {NAME}starting enable",
        f"2024-03-02 21:00:03.200000 {NAME}taskId: t-9",
        f"2024-03-02 21:00:04.600000 {NAME}Enable,success,4,Transitioning state in extension,False",
    ]).encode()
    [backup] = runs_of(data, documents=(status_document("error", "85", "t-9", "snapshot limit"),))
    assert (backup.task_id, backup.outcome, backup.error_code, backup.error_name) == (
        "t-9", "error", 85, "FailedSnapshotLimitReached")
    assert backup.phases[-1] == "status"


def test_status_file_alone_gives_a_run_and_a_transitioning_one_decides_nothing() -> None:
    [alone] = runs_of(documents=(status_document("success", "1", "t-5"),))
    assert (alone.task_id, alone.outcome, alone.seq_no, alone.ref.path) == ("t-5", "success", 25, STATUS_PATH)
    [pending] = runs_of(documents=(status_document("success", "4", "t-6"),))
    assert pending.outcome == "unknown"


def test_other_kinds_and_documents_are_ignored() -> None:
    tracker = BackupTracker()
    tracker.observe(Event(None, TimeKind.NONE, "INFO", "taskId: x", "waagent.log", 1, 1, "waagent_log",
                          fields={"vms_task_id": "x", "vms_phase": "freeze"}))
    tracker.add_document(Document("goal_state", "GoalState.1.xml", object()))
    assert tracker.finish() == []


RUN_LINES = st.sampled_from([
    f"2024-05-01 01:00:00.000001 {NAME}starting enable",
    f"2024-05-01 01:00:01.000001 {NAME}starting daemon for freezing the file system",
    f"2024-05-01 01:00:02.000001 {NAME}taskId: t-1", f"2024-05-01 01:00:02.000001 {NAME}taskId: t-2",
    f"2024-05-01 01:00:03.000001 {NAME}T:S freeze, timeout value 60",
    f"2024-05-01 01:00:04.000001 {NAME}T:S thaw result ",
    f"2024-05-01 01:00:05.000001 {NAME}Enable,success,4,Transitioning state in extension,False",
    f"2024-05-01 01:00:06.000001 {NAME}Enable,error,76,x StatusCode.FailedRetryableSnapshotFailedNoNetwork,"
    ",True",
    f"2024-05-01 01:00:07.000001 {NAME}Enable,success,1,Enable Succeeded,False",
    f"2024-05-01 01:00:08.000001 {NAME}unable to load certificate",
    "2024/05/01 01:00:09.000000  Error  Failed to do the snapshot with error: x ",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(RUN_LINES, max_size=25))
def test_any_sequence_of_lines_gives_runs_with_an_outcome(lines: list[str]) -> None:
    runs = runs_of("\n".join(lines).encode())
    assert all(r.outcome in ("success", "error", "unknown") for r in runs)
    assert all(r.error_code is None or r.outcome != "success" for r in runs)
    tasks = [r.task_id for r in runs if r.task_id]
    assert len(runs) <= len(lines)
    assert all(r.start is None or r.end is None or r.start <= r.end for r in runs)
    assert len(tasks) >= len(set(tasks))
