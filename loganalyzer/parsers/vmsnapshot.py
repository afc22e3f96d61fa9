"""The Azure Backup extension's ``extension.log`` (``Microsoft.Azure.RecoveryServices.VMSnapshotLinux``).

Line formats (formats.md §5.2), all in one file over the years:

* **py3** — ``2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Pre…``:
  UTC, microseconds omitted when 0, no space after ``]``, no level.
* **py2** — ``2016/12/16 17:18:09 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]msg``: local
  time (read in ``ctx.tz``, ``time_kind=local``); ``ERROR:`` / ``WARNING:`` may precede the
  ``[Name-1.0]``; every further line of a multi-line message is re-prefixed with the time
  only, and a message ending with a newline leaves a bare ``2016/12/16 17:18:09`` line.
  Both are continuation lines of the record above.
* **buffered** — lines the extension held back while file systems were frozen,
  ``2021/02/26 09:41:45.748281  Info  msg `` (UTC, two spaces around the level, trailing
  space; py2 wrote ``2016-12-16 17:18:09.739891``), flushed after thaw between
  ``================== Logs during Freeze Start ==============`` and ``… Freeze End …``.
  Each buffered line is its own record (its own UTC time and level ``INFO``/``WARNING``/
  ``ERROR``, ``vms_buffered=True``); the two frame lines are records too
  (``vms_event`` ``freeze_block_start`` / ``freeze_block_end``).  Old py2 files carry
  the buffered shape after the ``[Name-1.0]`` prefix on every line: read the same way.

Any other line continues the record above (tracebacks, binary output); lines before the
first record are counted as unparsed.  A py2 line without ``ERROR:``/``WARNING:`` is ``INFO``;
a record whose format writes no level at all (py3 lines) gets one from its own markers
(:func:`inferred_level`: a status echo's status, words of failure such as ``curl error`` or
``Enable failed`` → ``ERROR``) and ``level_inferred=True`` in its fields.

Fields (only those present):

* ``vms_event`` — what the line reports (the vocabulary: :mod:`.vmsnapshot_events`; which
  statement reports what: the ``vms_event`` of its catalog entry, see :func:`routes`), e.g. ``freeze_start``,
  ``freeze_result``, ``freeze_timeout``, ``thaw_result``, ``crp_timeout``, ``status_report``.
* ``vms_phase`` — ``enable``, ``install``, ``daemon``, ``presnapshot``, ``freeze``, ``snapshot``,
  ``thaw``, ``prepost``, ``workload``, ``status``, ``upload``.
* ``vms_status_code`` (int), ``vms_status_name`` — from ``StatusCode.<Name>,``, ``Enable failed with
  <Name> err(r)or``, a status echo, or a message that always means one code
  (``unable to load certificate`` → 16, ``safefreeze binary is missing`` → 124,
  ``CRP timeout limit has reached, will not take snapshot`` → 402, …).
* status echo ``Enable,error,76,<message>,True`` → ``vms_operation``, ``vms_status``
  (``success``/``error``/``transitioning``/``warning``), ``vms_status_code``, ``vms_status_message``.
* ``vms_task_id``, ``vms_seq_no`` (int), ``vms_freeze_timeout`` (int seconds),
  ``vms_freeze_result`` (text), ``vms_freeze_timed_out`` (bool), ``vms_thaw_result`` (text),
  ``vms_http_status`` (int: pre-snapshot / host snapshot / HTTP response status),
  ``vms_snapshot_ok`` (bool, ``IsSuccessful:``), ``vms_snapshot_error`` (``ErrorMessage:`` text),
  ``vms_plugin`` (pre/post script plugin), ``vms_buffered`` (bool).

>>> import io
>>> from loganalyzer.kinds import Kind
>>> from loganalyzer.model import FileCoverage
>>> from loganalyzer.sources.base import Member
>>> line = (b"2024-01-14 22:16:48.796446 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"
...         b"T:S freeze, timeout value 60")
>>> m = Member("extension.log", Kind.VMSNAPSHOT_LOG, lambda: io.BytesIO(line))
>>> [e] = parse(m, ParseContext(FileCoverage(m.path, m.kind)))
>>> e.timestamp.isoformat(), e.extension_version, e.message
('2024-01-14T22:16:48.796446+00:00', '1.0', 'T:S freeze, timeout value 60')
>>> e.fields
{'vms_event': 'freeze_start', 'vms_phase': 'freeze', 'vms_freeze_timeout': 60, 'level_inferred': True}
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any

from ..model import Event, TimeKind
from ..sources.base import Member
from ..textio import iter_lines
from . import vmsnapshot_codes
from .base import ParseContext
from .generic import STATUS_ECHO, PendingRecord
from .localtime import local_to_utc
from .vmsnapshot_events import CODE_NAMED, ROUTES, STRUCTURAL

_PY3 = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) \[([^\]]*?)-(\d+(?:\.\d+)*)\]")
_PY2 = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)(?: |$)(ERROR:|WARNING:)?")
_NAME = re.compile(r"\[([^\]]*?)-(\d+(?:\.\d+)*)\]")
_BUFFERED = re.compile(r"\s?(\d{4}[-/]\d\d[-/]\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)  (Info|Warning|Error)  ")
_BLOCK_START = "Logs during Freeze Start"
_BLOCK_END = "Logs during Freeze End"

#: the parser's own value grammar for a task id (``vms_task_id``); it also routes ``task_id``
_TASK_PREFIX = "taskId: "


@cache
def routes() -> tuple[tuple[str, str | None, str, int | None], ...]:
    """(anchor, vms_event, vms_phase, code the statement always means), first match wins.

    Built from the catalog: every vmbackup entry that names a route (``vms_event`` /
    ``vms_phase`` / ``vms_code``) gives its routing anchor; routes win in the order of
    :data:`~loganalyzer.parsers.vmsnapshot_events.ROUTES`, a longer anchor first within one.
    The one route the parser reads by its own grammar (``taskId: <id>``) keeps its place, and
    the routes of :data:`~loganalyzer.parsers.vmsnapshot_events.CODE_NAMED` are also found by
    their status code's name.
    """
    from ..catalog import load_data_file
    rank = {route: i for i, route in enumerate(ROUTES)}
    table = {(e.compiled.anchor, *e.vms) for e in load_data_file("vmbackup.toml") if e.vms is not None}
    table |= {(_TASK_PREFIX, *route) for route in STRUCTURAL}
    for route in ROUTES:
        code = route[2]
        if code in CODE_NAMED:
            table.add((CODE_NAMED[code] or vmsnapshot_codes.CODES[code].name, *route))
    ordered = sorted(table, key=lambda r: (rank[r[1:]], -len(r[0]), r[0]))
    # an anchor holding a shorter anchor of the same route can never decide alone: leave it out
    # (the route's rows are contiguous, so the shorter one gives the same answer)
    return tuple(r for r in ordered
                 if not any(o is not r and o[1:] == r[1:] and o[0] in r[0] for o in ordered))


_STATUS_NAME = re.compile(r"StatusCode\.([A-Za-z_]\w*)")
_FAILED_WITH = re.compile(r"Enable failed with ([A-Za-z_]\w*) err+or")
_TASK_ID = re.compile(
    "(?:" + re.escape(_TASK_PREFIX)
    + r"|TaskId is same as last, so skip with Processed Status, current:)([^\s=]+)")
_SEQ = re.compile(
    r"(?:sequence number (?:from environment variable|based on config file-names) is "
    r"|Sequence Number received |current seq no is |set most recent sequence number to "
    r"|the sequence number are same, so skip, current:|ConfigSequenceNumber from environment variable seqNo:)"
    r"(-?\d+)")
_FREEZE_TIMEOUT = re.compile(r"T:S freeze, timeout value (\d+)")
_FREEZE_RESULT = re.compile(r"T:S freeze result (.*), timedout :(True|False)", re.DOTALL)
_THAW_RESULT = re.compile(r"T:S thaw result (.*)")
_HTTP_STATUS = re.compile(r"(?:PreSnapshot: Status Code: |StatusCode:|resp status: )(\d{3})\b")
_SNAPSHOT_OK = re.compile(r"IsSuccessful:(True|False)")
_SNAPSHOT_ERROR = re.compile(r"ErrorMessage:(.*?)(?:, StatusCode:|\Z)", re.DOTALL)
_PLUGIN = re.compile(r"Script failed for the plugin (\S+?)(?: StatusCode|,|\s|\Z)")


_ERROR_WORDS = re.compile(r"\b(?:failed|failure|curl error|error(?:s)?|errror|exception|traceback|"
                          r"IsSuccessful:False|timed out|timedout :True|unable to|cannot|not found)\b",
                          re.IGNORECASE)
_WARNING_WORDS = re.compile(r"\b(?:warning|retry(?:ing)?|retries|skipp?ed freeze|will not)\b", re.IGNORECASE)
_NOT_AN_ERROR = re.compile(r"ErrorMessage:(?:,|\s|$)|errorMsg: ?(?:,|$)|result: 0\b", re.IGNORECASE)


def inferred_level(message: str, fields: dict[str, Any]) -> str:
    """A level for a record of a format that writes none (py3 lines), from its own markers:
    a status echo's status (``Enable,error,…`` → ERROR), else words of failure or warning.
    Such events carry ``level_inferred=True`` in their fields.

    >>> inferred_level("curl error is: (28, 'Connection timed out after 30001 milliseconds')", {})
    'ERROR'
    >>> inferred_level("Enable,success,1,Enable Succeeded,False", {"vms_status": "success"})
    'INFO'
    >>> inferred_level("From Host- IsSuccessful:True, SnapshotUri:None, ErrorMessage:, StatusCode:200", {})
    'INFO'
    >>> inferred_level("T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error", {})
    'ERROR'
    """
    status = fields.get("vms_status")
    if status is not None:
        return {"error": "ERROR", "warning": "WARNING"}.get(str(status).lower(), "INFO")
    first = message.split("\n", 1)[0]
    if _ERROR_WORDS.search(_NOT_AN_ERROR.sub(" ", first)) or "Traceback" in message:
        return "ERROR"
    if _WARNING_WORDS.search(first):
        return "WARNING"
    return "INFO"


def message_fields(message: str) -> dict[str, Any]:
    """The ``vms_*`` fields of one record's message (see the module docstring).

    >>> f = message_fields("T:S Enable failed with FailedSnapshotLimitReached errror"
    ...                    " StatusCode.FailedSnapshotLimitReached,")
    >>> f["vms_event"], f["vms_phase"], f["vms_status_code"], f["vms_status_name"]
    ('snapshot_limit_reached', 'snapshot', 85, 'FailedSnapshotLimitReached')
    >>> message_fields("Enable,success,4,Transitioning state in extension,False")["vms_status_code"]
    4
    """
    found: dict[str, Any] = {}
    echo = STATUS_ECHO.match(message)
    if echo:
        found.update(vms_event="status_report", vms_phase="status", vms_operation=echo.group(1),
                     vms_status=echo.group(2), vms_status_code=int(echo.group(3)),
                     vms_status_message=echo.group(4))
    else:
        for needle, event, phase, code in routes():
            if needle in message:
                if event is not None:
                    found["vms_event"] = event
                found["vms_phase"] = phase
                if code is not None:
                    found["vms_status_code"] = code
                break
    _code_name(message, found)
    _values(message, found)
    return found


def _code_name(message: str, found: dict[str, Any]) -> None:
    name_match = None
    if "StatusCode." in message:
        name_match = _STATUS_NAME.search(message)
    if name_match is None and "Enable failed with " in message:
        name_match = _FAILED_WITH.search(message)
    if name_match is not None:
        info = vmsnapshot_codes.by_name(name_match.group(1))
        found["vms_status_name"] = info.name if info is not None else name_match.group(1)
        if info is not None and "vms_status" not in found:
            found["vms_status_code"] = info.code
    elif "vms_status_code" in found:
        info = vmsnapshot_codes.describe(found["vms_status_code"])
        if info is not None:
            found["vms_status_name"] = info.name


def _values(message: str, found: dict[str, Any]) -> None:
    if "askId" in message and (m := _TASK_ID.search(message)):
        found["vms_task_id"] = m.group(1)
    if ("equence" in message or "seq no" in message) and (m := _SEQ.search(message)):
        found["vms_seq_no"] = int(m.group(1))
    if "T:S " in message:
        if m := _FREEZE_TIMEOUT.search(message):
            found["vms_freeze_timeout"] = int(m.group(1))
        if m := _FREEZE_RESULT.search(message):
            found["vms_freeze_result"] = m.group(1).strip()
            found["vms_freeze_timed_out"] = m.group(2) == "True"
        if m := _THAW_RESULT.search(message):
            found["vms_thaw_result"] = m.group(1).strip()
    if "tatus" in message and (m := _HTTP_STATUS.search(message)):
        found["vms_http_status"] = int(m.group(1))
    if "IsSuccessful:" in message:
        if m := _SNAPSHOT_OK.search(message):
            found["vms_snapshot_ok"] = m.group(1) == "True"
        m = _SNAPSHOT_ERROR.search(message)
        if m and m.group(1).strip() not in ("", "None"):
            found["vms_snapshot_error"] = m.group(1).strip()
    if "Script failed for the plugin" in message and (m := _PLUGIN.search(message)):
        found["vms_plugin"] = m.group(1)


# --------------------------------------------------------------------------- line reading


def _utc(text: str) -> datetime:
    """``2024-01-14 22:16:48.79`` or ``2021/02/26 09:41:45.748281`` read as UTC (ValueError if impossible)."""
    return datetime.fromisoformat(text.replace("/", "-") + "+00:00")


class _Reader:
    """Turns physical lines into records; one instance per file."""

    def __init__(self, member: Member, ctx: ParseContext) -> None:
        self.member = member
        self.ctx = ctx
        self.pending: PendingRecord | None = None
        self.block: PendingRecord | None = None      # the "Freeze Start" record of an open block

    def feed(self, line_no: int, line: str) -> Event | None:
        """Take one line; return the record it completed, if any."""
        record = self._start(line_no, line)
        if record is None:
            if self.pending is not None:
                self.pending.add(line_no, self._continuation_text(line))
            elif line.strip():
                self.ctx.coverage.add_unparsed(line_no, line)
            return None
        done = self.flush()
        self.pending = record
        return done

    def flush(self) -> Event | None:
        if self.pending is None:
            return None
        record, self.pending = self.pending, None
        self.ctx.coverage.records += 1
        fields = message_fields(record.message)
        if record.level is None and record.generation == "py2":
            record.level = "INFO"           # py2 marks errors and warnings; no mark is info
        elif record.level is None:
            record.level = inferred_level(record.message, fields)
            fields["level_inferred"] = True
        return record.to_event(self.member, fields)

    def _continuation_text(self, line: str) -> str:
        m = _PY2.match(line)
        return line[m.end():] if m and not _NAME.match(line, m.end()) else line

    def _start(self, line_no: int, line: str) -> PendingRecord | None:
        m = _PY3.match(line)
        if m:
            try:
                ts = _utc(m.group(1))
            except ValueError:
                return None
            return self._framed(PendingRecord(line_no, [], timestamp=ts, time_kind=TimeKind.UTC,
                                              generation="py3", extension=m.group(2),
                                              extension_version=m.group(3)), line[m.end():])
        m = _PY2.match(line)
        if m:
            name = _NAME.match(line, m.end())
            rest = line[name.end():] if name else line[m.end():]
            if name is None and not _BUFFERED.match(rest) and _BLOCK_END not in rest:
                return None          # a re-prefixed line of the message above, or a bare time line
            try:
                ts = local_to_utc(datetime.fromisoformat(m.group(1).replace("/", "-")), self.ctx.tz)
            except ValueError:
                return None
            level = m.group(2)[:-1] if m.group(2) else None
            record = PendingRecord(line_no, [], timestamp=ts, time_kind=TimeKind.LOCAL, level=level,
                                   generation="py2", extension=name.group(1) if name else None,
                                   extension_version=name.group(2) if name else None)
            return self._framed(record, rest)
        if _BUFFERED.match(line) or _BLOCK_END in line:
            return self._framed(self._inherit(line_no), line)
        return None

    def _inherit(self, line_no: int) -> PendingRecord:
        """A record with no header of its own takes its context from the open freeze block."""
        base = self.block or self.pending
        if base is None:
            return PendingRecord(line_no, [], generation="buffered")
        return PendingRecord(line_no, [], timestamp=base.timestamp, time_kind=base.time_kind,
                             generation=base.generation, extension=base.extension,
                             extension_version=base.extension_version)

    def _framed(self, record: PendingRecord, text: str) -> PendingRecord:
        """Fill ``record`` from the text after its header: buffered shape, block frames, plain text."""
        inner = _BUFFERED.match(text)
        if inner:
            try:
                record.timestamp = _utc(inner.group(1))
                record.time_kind = TimeKind.UTC
            except ValueError:
                pass
            record.level = inner.group(2).upper()
            record.fields["vms_buffered"] = True
            text = text[inner.end():]
            text = text[:-1] if text.endswith(" ") else text
            if record.extension is None and self.block is not None:
                record.extension = self.block.extension
                record.extension_version = self.block.extension_version
        elif _BLOCK_START in text:
            self.block = record
        elif _BLOCK_END in text:
            block = self.block
            if block is not None and record.extension is None:
                record.extension, record.extension_version = block.extension, block.extension_version
            if block is not None and record.timestamp is None:
                record.timestamp, record.time_kind = block.timestamp, block.time_kind
            self.block = None
        record.parts.append(text)
        return record


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """Yield one Event per record of a VMSnapshot ``extension.log`` (see the module docstring)."""
    reader = _Reader(member, ctx)
    line_no = 0
    with member.open() as stream:
        for line_no, line in enumerate(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage), 1):
            done = reader.feed(line_no, line)
            if done is not None:
                yield done
    ctx.coverage.lines = line_no
    last = reader.flush()
    if last is not None:
        yield last
