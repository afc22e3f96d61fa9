"""Backup runs: the VMSnapshot extension's tasks rebuilt from its log and its status files.

:class:`BackupTracker` is fed every event (only ``vmsnapshot_log`` records with ``vms_*``
fields count, see :mod:`loganalyzer.parsers.vmsnapshot`) and every state document (the
backup extension's ``status/N.status``), then :meth:`BackupTracker.finish` returns one
:class:`~loganalyzer.facts.model.BackupRun` per task.

How a run is delimited: ``starting enable`` opens a run; the daemon's ``starting daemon``
continues it (the daemon finishes what enable handed over) unless that run already ended;
a ``taskId: X`` line names it — a run that turns out to carry the taskId of an earlier,
unfinished run is merged into it.  A freeze, snapshot or status line with no run open
opens one (a log that starts mid-task), and so does one after the open run's final status
(extension versions that log no ``starting enable``).  Lines of other operations (install,
disable) alone make no run; a sequence-number line (``ConfigSequenceNumber … seqNo:N``, the
sequence number echoes) opens one.  Lines logged more than :data:`TRAILING_SECONDS` after a
run's final status are not part of it.  A status file joins the run with its taskId; failing that, the
taskId-less log run that ended within :data:`STATUS_JOIN_SECONDS` of when the file was
written, which then takes the file's taskId and sequence number.

What a run says:

* ``phases`` — ``vms_phase`` values in the order first reached (``enable``, ``daemon``,
  ``presnapshot``, ``snapshot``, ``freeze``, ``thaw``, ``prepost``, ``workload``, ``status``, ``upload``).
* ``outcome`` — from the last ``Enable`` status echo that is not the temporary code 4:
  ``success`` for codes 0, 1, 3 reported with status ``success``, else ``error``; without one,
  from the matching status file (``success``/``error``); else ``error`` when a failure line
  was seen, else ``unknown``.
* ``error_code`` / ``error_name`` — the first specific code a failure line names
  (``StatusCode.<Name>``, ``Enable failed with <Name> errror``, messages that always mean one
  code), replaced by the final status code when that is more specific than the generic 2
  (an ``Enable,error,2,… StatusCode.<Name>`` echo counts as the code ``<Name>`` stands for,
  and a status file's health code refines a generic 2 the log ended with);
  cleared when the final status is a success (the run recovered, e.g. host snapshot after a
  failed guest snapshot).  Failure lines after the final status do not change the run.
* ``message`` — the final status message, else the first failure line.  A freeze that
  started and never saw a thaw (no ``thaw result``, no end of the freeze-window block)
  in a run with no final status gives outcome ``unknown`` and a message that says the log
  stops inside the freeze window.

>>> from loganalyzer.model import Event, TimeKind
>>> def ev(line, msg, **f):
...     return Event(None, TimeKind.NONE, None, msg, "extension.log", line, line, "vmsnapshot_log", fields=f)
>>> t = BackupTracker()
>>> t.observe(ev(1, "starting enable", vms_event="enable_start", vms_phase="enable"))
>>> t.observe(ev(2, "taskId: 7f", vms_event="task_id", vms_phase="enable", vms_task_id="7f"))
>>> t.observe(ev(3, "T:S freeze, timeout value 60", vms_event="freeze_start", vms_phase="freeze"))
>>> [run] = t.finish()
>>> run.task_id, run.phases, run.outcome
('7f', ['enable', 'freeze'], 'unknown')
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..model import Event
from ..parsers.base import Document
from ..parsers.vmsnapshot_codes import SUCCESS_CODES, TEMPORARY_CODE, code_for_name, describe
from .model import BackupRun, Ref

_KIND = "vmsnapshot_log"
_GENERIC_ERROR = 2
#: A status file joins the taskId-less log run that ended this close to when it was written.
STATUS_JOIN_SECONDS = 120
#: Lines this long after a run's final status do not belong to that run any more.
TRAILING_SECONDS = 300
#: events after which the file systems are frozen / no longer frozen
_FREEZING = frozenset({"freeze_start", "frozen", "freeze_block_start"})
_THAWING = frozenset({"thaw_result", "thaw_signal", "crp_timeout_thaw", "freeze_block_end"})
#: events that say something went wrong (their message is kept when no status says more)
FAILURE_EVENTS = frozenset({
    "freeze_timeout", "freeze_failed", "thaw_failed", "safefreeze_missing", "crp_timeout", "crp_timeout_thaw",
    "unable_to_sleep", "snapshots_inconsistent", "snapshot_rate_exceeded", "snapshot_limit_reached",
    "snapshot_restricted_network", "snapshot_no_network", "host_remote_server_error", "snapshot_no_blobs",
    "bhs_not_running", "wrong_wireserver_ip", "snapshot_http_failed", "snapshot_failed",
    "certificate_load_failed", "prescript_failed", "postscript_failed", "plugin_precheck_failed",
    "workload_failed", "bad_settings", "bad_command", "enable_failed", "daemon_failed", "upload_failed",
})
#: events that belong to a backup task even when no ``starting enable`` was seen
_TASK_PHASES = frozenset({"presnapshot", "snapshot", "freeze", "thaw", "prepost", "workload"})


@dataclass(slots=True)
class _Tracked:
    run: BackupRun
    final: bool = False
    frozen_at: datetime | None = None
    frozen: bool = False
    failed: bool = False
    path: str | None = None
    final_at: datetime | None = None  # when the log gave the run's final status


class BackupTracker:
    """Collects backup runs from VMSnapshot events and status documents (see the module docstring)."""

    def __init__(self) -> None:
        self._runs: list[_Tracked] = []
        self._by_task: dict[str, _Tracked] = {}
        self._current: _Tracked | None = None
        self._statuses: list[tuple[str, Any]] = []

    # ------------------------------------------------------------------ input

    def observe(self, event: Event) -> None:
        """Take one event; anything but a VMSnapshot extension-log record is ignored."""
        if event.kind != _KIND:
            return
        fields = event.fields or {}
        name = fields.get("vms_event")
        tracked = self._run_for(event, name, fields)
        if tracked is None or _after_the_end(tracked, event):
            return
        run = tracked.run
        self._extend(tracked, event)
        if (task := fields.get("vms_task_id")) is not None:
            tracked = self._name(tracked, task)
            run = tracked.run
        if run.seq_no is None and isinstance(fields.get("vms_seq_no"), int):
            run.seq_no = fields["vms_seq_no"]
        phase = fields.get("vms_phase")
        if phase is not None and phase not in run.phases:
            run.phases.append(phase)
        if name in _FREEZING:
            if not tracked.frozen:
                tracked.frozen_at = event.timestamp
            tracked.frozen = True
        elif name in _THAWING:
            tracked.frozen = False
        if name == "status_report":
            self._status_report(tracked, event, fields)
        elif not tracked.final and (name in FAILURE_EVENTS or _is_error_code(fields.get("vms_status_code"))):
            self._failure(tracked, event, fields)

    def add_document(self, doc: Document) -> None:
        """Keep the backup extension's status files (``status/N.status``) to join at the end."""
        details = getattr(doc.data, "vmsnapshot", None)
        if details is not None:
            self._statuses.append((doc.path, doc.data))

    # ------------------------------------------------------------------ output

    def finish(self) -> list[BackupRun]:
        """One BackupRun per task, in the order the runs were first seen."""
        for path, status in self._statuses:
            self._join_status(path, status)
        for tracked in self._runs:
            self._conclude(tracked)
        return [t.run for t in self._runs]

    # ------------------------------------------------------------------ helpers

    def _run_for(self, event: Event, name: str | None, fields: dict[str, Any]) -> _Tracked | None:
        current = self._current
        if name == "enable_start" or (name == "daemon_start" and (current is None or current.final)):
            return self._open(event)
        if current is not None and not current.final:
            return current
        starts_task = (fields.get("vms_phase") in _TASK_PHASES or fields.get("vms_task_id") is not None
                       or fields.get("vms_seq_no") is not None
                       or (name == "status_report" and fields.get("vms_operation") == "Enable"))
        # After a run's final status, the next task line starts the next run (logs of older
        # extension versions have no "starting enable"); other lines trail the finished run.
        return self._open(event) if starts_task else current

    def _open(self, event: Event) -> _Tracked:
        tracked = _Tracked(BackupRun(task_id=None, seq_no=None, start=event.timestamp,
                                     ref=Ref(event.path, event.line_start, event.line_end)), path=event.path)
        self._runs.append(tracked)
        self._current = tracked
        return tracked

    @staticmethod
    def _extend(tracked: _Tracked, event: Event) -> None:
        run, ts = tracked.run, event.timestamp
        if ts is not None:
            if run.start is None or ts < run.start:
                run.start = ts
            if run.end is None or ts > run.end:
                run.end = ts
        if run.ref is not None and event.path == run.ref.path:
            run.ref.line_end = max(run.ref.line_end, event.line_end)

    def _name(self, tracked: _Tracked, task: str) -> _Tracked:
        """Give ``tracked`` its taskId, or fold it into the unfinished run that already has it."""
        if tracked.run.task_id == task:
            return tracked
        earlier = self._by_task.get(task)
        unfinished = earlier is not None and not earlier.final and earlier is not tracked
        if tracked.run.task_id is None and earlier is not None and unfinished:
            _merge(earlier, tracked)
            self._runs.remove(tracked)
            self._current = earlier
            return earlier
        if tracked.run.task_id is None:
            tracked.run.task_id = task
            self._by_task[task] = tracked
        return tracked

    def _status_report(self, tracked: _Tracked, event: Event, fields: dict[str, Any]) -> None:
        code = fields.get("vms_status_code")
        status = fields.get("vms_status")
        if fields.get("vms_operation") != "Enable" or code == TEMPORARY_CODE or status == "transitioning":
            return
        run = tracked.run
        tracked.final = True
        tracked.final_at = event.timestamp
        run.outcome = "success" if status == "success" and code in SUCCESS_CODES else "error"
        # "Enable,error,2,… StatusCode.FailedRetryableSnapshotFailedNoNetwork": the echo's 2 is
        # generic, the name says which code (76) it was.
        named = fields.get("vms_status_name")
        if named and code_for_name(named) is not None:
            code = code_for_name(named)
        specific = run.error_code is None or (code is not None and code != _GENERIC_ERROR)
        if run.outcome == "success":
            run.error_code = run.error_name = None      # earlier failures were recovered from
        elif specific:
            run.error_code, run.error_name = code, _name_of(code)
        message = fields.get("vms_status_message")
        if message:
            run.message = message.strip()

    @staticmethod
    def _failure(tracked: _Tracked, event: Event, fields: dict[str, Any]) -> None:
        run = tracked.run
        tracked.failed = True
        code = fields.get("vms_status_code")
        if run.error_code is None and _is_error_code(code):
            run.error_code = code
            run.error_name = fields.get("vms_status_name") or _name_of(code)
        if run.message is None:
            run.message = event.message.strip().splitlines()[0] if event.message.strip() else None

    def _join_status(self, path: str, status: Any) -> None:
        details = status.vmsnapshot
        task = getattr(details, "task_id", None)
        tracked = self._by_task.get(task) if task else None
        if tracked is None:
            tracked = self._unnamed_run_near(getattr(status, "timestamp", None))
            if tracked is not None:
                tracked.run.task_id = task
                if tracked.run.seq_no is None:
                    tracked.run.seq_no = getattr(status, "seq_no", None)
                if task:
                    self._by_task[task] = tracked
        if tracked is None:
            run = BackupRun(task_id=task, seq_no=getattr(status, "seq_no", None),
                            start=getattr(status, "timestamp", None), ref=Ref(path))
            tracked = _Tracked(run, path=path)
            self._runs.append(tracked)
            if task:
                self._by_task[task] = tracked
        run = tracked.run
        run.status_path = path
        if "status" not in run.phases:
            run.phases.append("status")
        state = (getattr(status, "status", None) or "").lower()
        health = _int(getattr(details, "health_status_code", None))
        if tracked.final:
            # The log already gave the outcome; a specific health code still beats a generic 2.
            generic = run.error_code in (None, _GENERIC_ERROR)
            if run.outcome == "error" and generic and _is_error_code(health) and health != _GENERIC_ERROR:
                run.error_code, run.error_name = health, _name_of(health)
            return
        if state not in ("success", "error") or _int(getattr(status, "code", None)) == TEMPORARY_CODE:
            return
        tracked.final = True
        run.outcome = state
        if state == "error":
            code = health or _int(getattr(status, "code", None))
            if code is not None and (run.error_code is None or code != _GENERIC_ERROR):
                run.error_code, run.error_name = code, _name_of(code)
        message = getattr(status, "message", None)
        if message and run.message is None:
            run.message = message

    def _unnamed_run_near(self, written: datetime | None) -> _Tracked | None:
        """The log run with no taskId whose last line is closest to when a status file was
        written (within :data:`STATUS_JOIN_SECONDS`): logs of some extension versions never
        print the taskId, and the status file is written with the run's final status."""
        if written is None:
            return None
        best: tuple[float, _Tracked] | None = None
        for tracked in self._runs:
            end = tracked.run.end
            if tracked.run.task_id is not None or tracked.run.status_path is not None or end is None:
                continue
            gap = abs((end - written).total_seconds())
            if gap <= STATUS_JOIN_SECONDS and (best is None or gap < best[0]):
                best = (gap, tracked)
        return best[1] if best is not None else None

    @staticmethod
    def _conclude(tracked: _Tracked) -> None:
        run = tracked.run
        if tracked.final:
            return
        if tracked.frozen:
            run.outcome = "unknown"
            when = f" at {tracked.frozen_at.isoformat()}" if tracked.frozen_at else ""
            run.message = (f"file systems were frozen{when} and no thaw or result was logged afterwards: "
                           "the log stops inside the freeze window")
        elif tracked.failed:
            run.outcome = "error"
        else:
            run.outcome = "unknown"
            run.message = run.message or "no final status was logged for this run"


def _after_the_end(tracked: _Tracked, event: Event) -> bool:
    """A line logged well after its run's final status (the next task's preamble, a later
    install) is not part of that run, even when no next run has opened yet."""
    end, ts = tracked.final_at, event.timestamp
    return end is not None and ts is not None and (ts - end).total_seconds() > TRAILING_SECONDS


def _merge(into: _Tracked, other: _Tracked) -> None:
    run, extra = into.run, other.run
    for phase in extra.phases:
        if phase not in run.phases:
            run.phases.append(phase)
    if extra.start is not None and (run.start is None or extra.start < run.start):
        run.start = extra.start
    if extra.end is not None and (run.end is None or extra.end > run.end):
        run.end = extra.end
    run.seq_no = run.seq_no if run.seq_no is not None else extra.seq_no
    into.frozen = into.frozen or other.frozen
    into.failed = into.failed or other.failed


def _is_error_code(code: Any) -> bool:
    return isinstance(code, int) and code not in SUCCESS_CODES and code != TEMPORARY_CODE


def _name_of(code: int | None) -> str | None:
    info = describe(code)
    return info.name if info is not None else None


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
