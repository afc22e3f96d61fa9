"""Extension telemetry events: ``/var/log/azure/<Handler>/events/*.json`` (formats.md §4.9).

Each file is a JSON array (a single object is accepted too, as the agent does) of::

    {"EventLevel": "INFO", "Message": "…", "Version": "1", "TaskName": "Extension Info",
     "EventPid": "3228", "EventTid": "1", "OperationId": "519e4beb-…",
     "TimeStamp": "2019-12-12T01:20:05.0950244Z"}

Keys are matched without regard to case (``tIMEsTAMP`` works, as in the agent);
``EventPid``/``EventTid`` may be numbers.  One Event per element with a non-empty
``Message``: timestamp from ``TimeStamp`` (UTC, 7 fraction digits cut to 6), level from
``EventLevel``, ``source`` = ``TaskName``, ``thread`` = ``EventTid``, line range = the
element's lines in the file.  Fields: ``ext_event_task_name``, ``ext_event_operation_id``,
``ext_event_version``, ``ext_event_pid``, ``ext_event_tid``.

Elements without a message are counted as unparsed lines (with a note); a file that is
not valid JSON keeps the events before the error and is marked ``partial`` with the
line and column; files over ``max_json_bytes`` or nested too deeply are not read.

>>> parse_timestamp("2019-12-12T01:20:05.0950244Z").isoformat()
'2019-12-12T01:20:05.095024+00:00'
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..model import CoverageStatus, Event, TimeKind
from ..sources.base import Member
from .base import ParseContext
from .jsonsafe import decode_text, nesting_depth
from .xmlsafe import read_bytes

_ISO = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?\Z")
_WHITESPACE = re.compile(r"\s*")
_DECODER = json.JSONDecoder()
_FIELD_KEYS = {"taskname": "ext_event_task_name", "operationid": "ext_event_operation_id",
               "version": "ext_event_version", "eventpid": "ext_event_pid", "eventtid": "ext_event_tid"}


def parse_timestamp(value: Any) -> datetime | None:
    """An event ``TimeStamp`` → aware UTC (no offset means UTC); ``None`` when unreadable."""
    if not isinstance(value, str):
        return None
    m = _ISO.match(value.strip())
    if m is None:
        return None
    date, clock, frac, zone = m.groups()
    text = f"{date}T{clock}" + (f".{frac[:6].ljust(6, '0')}" if frac else "")
    zone = "+00:00" if zone in (None, "Z") else zone
    try:
        return datetime.fromisoformat(text + zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """One Event per telemetry event of an extension's ``events/*.json`` file."""
    if ctx.budget is not None and ctx.budget.extension_events >= ctx.limits.max_extension_events:
        ctx.coverage.mark(CoverageStatus.SKIPPED, f"{_event_limit(ctx)} reached before this file; not read")
        return
    data = read_bytes(member, ctx, ctx.limits.max_json_bytes)
    if data is None:
        return
    text = decode_text(data)
    del data
    if not text.strip():
        ctx.coverage.notes.append("empty events file")
        return
    depth = ctx.limits.max_json_depth
    if nesting_depth(text) > depth:
        ctx.coverage.mark(CoverageStatus.UNREADABLE, f"JSON nested deeper than {depth} levels; not read")
        return
    yield from _Reader(text, member, ctx).events()


def _event_limit(ctx: ParseContext) -> str:
    return (f"extension event limit ({ctx.limits.max_extension_events:,} events across the bundle, "
            "max_extension_events)")


class _Reader:
    """Walks the top-level array element by element so each event keeps its line range."""

    def __init__(self, text: str, member: Member, ctx: ParseContext) -> None:
        self.text = text
        self._lines: list[str] | None = None
        self.member = member
        self.ctx = ctx
        self.dropped = 0
        self._counted_to = 0        # line numbers are counted incrementally (positions only grow)
        self._line = 1

    @property
    def lines(self) -> list[str]:
        """The file's lines, split only when a line must be shown (a big file costs no list)."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def line_of(self, pos: int) -> int:
        if pos < self._counted_to:
            self._counted_to, self._line = 0, 1
        self._line += self.text.count("\n", self._counted_to, pos)
        self._counted_to = pos
        return self._line

    def events(self) -> Iterator[Event]:
        pos = self._skip(0)
        if self.text.startswith("{", pos):
            yield from self._element(pos)
        elif self.text.startswith("[", pos):
            yield from self._array(pos + 1)
        else:
            self._malformed(pos, "not a JSON array of events")
        if self.dropped:
            self.ctx.coverage.notes.append(f"{self.dropped} element(s) without a message were not read")

    def _array(self, pos: int) -> Iterator[Event]:
        text = self.text
        pos = self._skip(pos)
        if text.startswith("]", pos):
            return
        while pos < len(text):
            end = yield from self._element(pos)
            if end is None:
                return
            pos = self._skip(end)
            if text.startswith(",", pos):
                pos = self._skip(pos + 1)
                continue
            if not text.startswith("]", pos):
                self._malformed(pos, "expected ',' or ']' between events")
            elif text[pos + 1:].strip():
                self._malformed(self._skip(pos + 1), "text after the closing ']'")
            return
        self._malformed(pos, "array not closed")

    def _element(self, pos: int) -> Iterator[Event]:
        """Yield the event at ``pos`` (if it is one); return the position after it, ``None`` on error."""
        try:
            obj, end = _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as exc:
            self._malformed(pos, f"{exc.msg} at line {exc.lineno} column {exc.colno}")
            return None
        first, last = self.line_of(pos), self.line_of(max(pos, end - 1))
        event = self._event(obj, first, last)
        budget = self.ctx.budget
        if event is not None and budget is not None and not budget.take_extension_event():
            self.ctx.coverage.mark(CoverageStatus.PARTIAL,
                                   f"{_event_limit(self.ctx)} reached at line {first}; the rest of this file "
                                   "was not read")
            return None
        if event is None:
            self.dropped += 1
            for n in range(first, last + 1):
                self.ctx.coverage.add_unparsed(n, self.lines[n - 1])
        else:
            self.ctx.coverage.records += 1
            yield event
        return end

    def _skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def _malformed(self, pos: int, reason: str) -> None:
        first = self.line_of(pos)
        self.ctx.coverage.mark(CoverageStatus.PARTIAL, f"malformed events file from line {first}: {reason}")
        for n in range(first, len(self.lines) + 1):
            if self.lines[n - 1].strip():
                self.ctx.coverage.add_unparsed(n, self.lines[n - 1])

    def _event(self, obj: Any, first: int, last: int) -> Event | None:
        if not isinstance(obj, dict):
            return None
        values = {str(k).lower(): v for k, v in obj.items()}
        message = values.get("message")
        if message is None or message == "":
            return None
        level = values.get("eventlevel")
        ts = parse_timestamp(values.get("timestamp"))
        fields = {name: str(values[key]) for key, name in _FIELD_KEYS.items()
                  if values.get(key) not in (None, "")}
        task, tid = values.get("taskname"), values.get("eventtid")
        return Event(timestamp=ts, time_kind=TimeKind.UTC if ts else TimeKind.NONE,
                     level=str(level).upper() if level not in (None, "") else None,
                     message=message if isinstance(message, str) else json.dumps(message),
                     path=self.member.path, line_start=first, line_end=last, kind=str(self.member.kind),
                     generation="extension_events", thread=str(tid) if tid not in (None, "") else None,
                     source=str(task) if task not in (None, "") else None,
                     extension=self.member.extension, extension_version=self.member.extension_version,
                     fields=fields or None)
