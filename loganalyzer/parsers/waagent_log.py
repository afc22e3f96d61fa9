"""``waagent.log`` of every agent generation (and agent-written ``CommandExecution.log``) → events.

A line starts a record iff it matches the record-start regex of
:mod:`~loganalyzer.parsers.record_formats`; every other line continues the previous
record (tracebacks, ``[stdout]``/``[stderr]`` dumps, ``Inner error:``, lists, firewall
dumps), joined with ``\\n`` into ``Event.message``.  Lines before the first record are
counted unparsed with their line numbers — except timestamp-less ``LEVEL PREFIX msg`` /
``ERROR:msg`` lines of posted excerpts, which are records of generation ``no-timestamp``
until the first timestamped record.  Every physical line is therefore in exactly one
record or counted unparsed, records come in file order and their line ranges tile the
file after the unparsed head.

Speed: text is read in large chunks (:func:`~loganalyzer.textio.iter_text_chunks`) and
scanned with one ``finditer``; lines are counted with ``str.count``.  Memory is bounded
by the chunk size and by :data:`MAX_MESSAGE_CHARS` (a longer record keeps its head and
still counts all its lines).  Payload fields come from :mod:`~loganalyzer.parsers.payloads`.

>>> import io
>>> from loganalyzer.model import FileCoverage
>>> from loganalyzer.parsers.base import ParseContext
>>> from loganalyzer.sources.base import Member
>>> from loganalyzer.kinds import Kind
>>> data = (b"2023-01-18T02:58:25.589492Z ERROR SendTelemetryHandler ExtHandler Event: "
...         b"name=WALinuxAgent, op=ReportEventErrors, message=DroppedEventsCount: 1\\n"
...         b"Reasons (first 5 errors): x, duration=0\\n")
>>> ctx = ParseContext(FileCoverage("var/log/waagent.log", "waagent_log"))
>>> [e] = parse(Member("var/log/waagent.log", Kind.WAAGENT_LOG, lambda: io.BytesIO(data)), ctx)
>>> (e.line_start, e.line_end, e.thread, e.fields["event_op"], e.fields["event_duration"])
(1, 2, 'SendTelemetryHandler', 'ReportEventErrors', 0)
>>> ctx.coverage.lines, ctx.coverage.records, ctx.coverage.unparsed_lines
(2, 1, 0)
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

from ..model import Event, FileCoverage, TimeKind
from ..sources.base import Member
from ..textio import iter_text_chunks
from . import command_output
from .base import ParseContext
from .legacy_multiline import join_tracebacks
from .payloads import extract_fields
from .record_formats import (
    CURRENT_GROUPS,
    G_EPREFIX,
    G_IHEAD,
    G_ISO,
    G_MSG,
    G_SHEAD,
    G_SLASH,
    G_TOK2,
    MAX_CACHED_HEADERS,
    NO_TIMESTAMP_START,
    RECORD_START_AT_LINE,
    RECORD_START_FAST,
    RECORD_START_GENERAL,
    THREADLESS_GENERATIONS,
    TIMELESS_IN_TEXT,
    TIMELESS_LINE_STRICT,
    TIMELESS_LINE_THREADLESS,
    TIMELESS_THREADLESS_IN_TEXT,
    FormatState,
    HeaderFields,
    decode_header,
    decode_no_timestamp,
    parse_local,
)

UTC_KIND, LOCAL_KIND, NONE_KIND = TimeKind.UTC, TimeKind.LOCAL, TimeKind.NONE

_TRAILING_BLANK_LINES = re.compile(r"(?:\n[\x20\t\r]*)+\Z")
_BLANK_END = "\n\x20\t\r"
#: A record's message is cut to this many characters (its lines are still counted).
MAX_MESSAGE_CHARS = 4 << 20
#: Lines an Event's command output may hold before extension lines in it start records again.
MAX_OUTPUT_LINES = 1000
#: The header of a headerless ``[stdout]``/``[stderr]`` paste: no time, no level, no prefix.
_OUTPUT_HEADER: HeaderFields = (None, TimeKind.NONE, None, command_output.GENERATION,  # type: ignore[assignment]
                                None, None, None, None)


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """Parser contract entry point for ``Kind.WAAGENT_LOG`` and ``Kind.COMMAND_EXECUTION_LOG``."""
    with member.open() as stream:
        chunks = iter_text_chunks(stream, chunk_bytes=chunk_bytes_for(ctx.limits.max_line_bytes),
                                  max_line_bytes=ctx.limits.max_line_bytes, coverage=ctx.coverage)
        yield from join_tracebacks(parse_chunks(chunks, member.path, str(member.kind), ctx.tz, ctx.coverage),
                                   ctx.coverage)


def chunk_bytes_for(max_line_bytes: int) -> int:
    """Chunk size that keeps ``iter_text_chunks`` on its fast path (a block larger than the
    line limit is split into lines there to check each length).

    >>> chunk_bytes_for(1 << 20)
    524288
    """
    return max(4096, max_line_bytes // 2)


class _Open:
    """The record being read: its header, first line and message pieces."""

    __slots__ = ("header", "line_start", "lines", "output", "parts", "size")

    def __init__(self, header: HeaderFields, line_start: int, first: str,
                 output: command_output.OutputReader | None = None) -> None:
        self.header = header
        self.line_start = line_start
        self.lines = 1
        self.parts = [first]
        self.size = len(first)
        self.output = output      # a headerless [stdout]/[stderr] paste being read

    def add(self, text: str, newlines: int) -> None:
        """Append continuation text (starting with ``\\n``) that holds ``newlines`` line ends."""
        self.lines += newlines
        if self.size < MAX_MESSAGE_CHARS:
            piece = text[: MAX_MESSAGE_CHARS - self.size]
            self.parts.append(piece)
            self.size += len(piece)

    def event(self, path: str, kind: str) -> Event:
        ts, time_kind, level, generation, thread, source, ext, ext_ver = self.header
        if len(self.parts) == 1:
            message = self.parts[0]
        else:
            # blank lines after a record (a logger's trailing newline, a double-spaced paste) extend
            # its line range, not its message: the text is the same however the lines were spaced
            message = "".join(self.parts)
            if message[-1] in _BLANK_END:
                message = _TRAILING_BLANK_LINES.sub("", message)
        if self.output is not None:
            message = command_output.strip_duration(message)
            ext, ext_ver = command_output.extension_named(message)
        return Event(ts, time_kind, level, message, path, self.line_start, self.line_start + self.lines - 1,
                     kind, generation, thread, source, ext, ext_ver, extract_fields(message))


#: Scan with the current-line branch (:data:`~loganalyzer.parsers.record_formats.RECORD_START_FAST`);
#: False: the general record-start pattern alone, the reference the tests compare it with.
FAST_PATH = True


def parse_chunks(chunks: Iterable[str], path: str, kind: str, tz: tzinfo,
                 coverage: FileCoverage, fast: bool | None = None) -> Iterator[Event]:
    """Records of a stream of text chunks that each end at a line end (or at EOF), as
    :func:`~loganalyzer.textio.iter_text_chunks` yields them.

    The record being read is kept in plain locals: its time ``p_ts`` and time kind
    ``p_kind``, the rest of its header ``p_static`` (level, generation, thread, source,
    extension, version — one cached tuple per distinct header, ``None`` when no record is
    open), first line ``p_first`` and start line ``p_line``.  Only a multi-line record
    gets an :class:`_Open` to collect its continuation lines.  This loop is the hot path
    of the whole tool: a line of the current shape (2.2.47+, see
    :data:`~loganalyzer.parsers.record_formats.CURRENT_LINE_PATTERN`) is read from three groups
    and its cached header; any other from the groups of the general pattern.  ``fast=False``
    (default: :data:`FAST_PATH`) scans with the general pattern alone.
    """
    state = FormatState()
    use_fast = FAST_PATH if fast is None else fast
    finditer = (RECORD_START_FAST if use_fast else RECORD_START_GENERAL).finditer
    at_line = RECORD_START_AT_LINE.match
    fromisoformat = datetime.fromisoformat
    five_field: dict[str, tuple[Any, ...]] = {}    # "INFO ExtHandler ExtHandler" → static header
    local_level: dict[str, tuple[Any, ...]] = {}   # "INFO Daemon", "INFO [Ext-1.0]" → static header
    p_ts: datetime | None = None
    p_kind = NONE_KIND
    p_static: tuple[Any, ...] | None = None
    p_first = ""
    p_line = 0
    p_multi: _Open | None = None   # set once the open record has continuation lines
    in_head = True                 # no timestamped record seen yet
    lines_before = 0               # physical lines in earlier chunks
    records = 0
    try:
        for chunk in chunks:
            # An empty chunk is a last line whose bytes were all dropped (NULs): still one line.
            ends_with_newline = chunk.endswith("\n")
            text = "\n" + chunk       # every record start now follows a "\n"
            body_end = len(text) - 1 if ends_with_newline else len(text)
            cursor = 0                 # the "\n" before the next unconsumed line
            line_no = lines_before + 1
            for m in finditer(text):
                start = m.start()
                if start > cursor:
                    # Lines that start no record: continuations, or the file's unparsed head.
                    p_multi, done, gap = _take_lines(text, cursor, start, line_no, in_head, state, coverage,
                                                     _held(p_multi, p_static, p_ts, p_kind, p_line, p_first))
                    p_static = None
                    for rec in done:
                        records += 1
                        yield rec.event(path, kind)
                    line_no += gap
                groups = m.groups()
                current = groups[0]
                if current is not None:
                    # the current line shape: no extension line of an Event's output, a 2.2.47+ header
                    if p_static is not None:
                        records += 1
                        level, generation, thread, source, ext, ext_ver = p_static
                        yield Event(p_ts, p_kind, level, p_first, path, p_line, p_line, kind, generation,
                                    thread, source, ext, ext_ver, extract_fields(p_first))
                    elif p_multi is not None:
                        records += 1
                        yield p_multi.event(path, kind)
                        p_multi = None
                    in_head = False
                    p_static = five_field.get(groups[1])
                    if p_static is None:
                        general = at_line(text, start + 1).groups()   # type: ignore[union-attr]
                        p_ts, p_kind, *rest = decode_header(general, state, tz)
                        p_static = tuple(rest)
                        if len(five_field) < MAX_CACHED_HEADERS:
                            five_field[groups[1]] = p_static
                    else:
                        try:
                            p_ts, p_kind = fromisoformat(current), UTC_KIND
                        except ValueError:
                            p_ts, p_kind, *_ = decode_header(at_line(text, start + 1).groups(),  # type: ignore[union-attr]
                                                             state, tz)
                    p_first = groups[2]
                    p_line = line_no
                    cursor = m.end()
                    line_no += 1
                    continue
                groups = groups[CURRENT_GROUPS:]
                if p_multi is not None and groups[G_EPREFIX] is not None and _in_command_output(p_multi):
                    # An extension's own "2021/11/15 16:32:00 [Name-1.0] ..." line inside the
                    # [stdout] of an Event record that has not reached its ", duration=" yet.
                    cursor = m.end()
                    p_multi.add(text[start:cursor], 1)
                    line_no += 1
                    continue
                if p_static is not None:
                    records += 1
                    level, generation, thread, source, ext, ext_ver = p_static
                    yield Event(p_ts, p_kind, level, p_first, path, p_line, p_line, kind, generation, thread,
                                source, ext, ext_ver, extract_fields(p_first))
                elif p_multi is not None:
                    records += 1
                    yield p_multi.event(path, kind)
                    p_multi = None
                in_head = False
                if groups[G_TOK2] is not None:
                    # 2.2.47+ (nearly every line of a current log): cached header, inline timestamp.
                    p_static = five_field.get(groups[G_IHEAD])
                    if p_static is None:
                        p_ts, p_kind, *rest = decode_header(groups, state, tz)
                        p_static = tuple(rest)
                        if len(five_field) < MAX_CACHED_HEADERS:
                            five_field[groups[G_IHEAD]] = p_static
                    else:
                        try:
                            p_ts, p_kind = fromisoformat(groups[G_ISO]), UTC_KIND
                        except ValueError:
                            p_ts, p_kind, *_ = decode_header(groups, state, tz)
                elif groups[G_SHEAD] is not None:
                    # 2.1-2.2.45 (local time, a level, maybe a prefix): cached header.
                    p_static = local_level.get(groups[G_SHEAD])
                    if p_static is None:
                        seen_prefix = state.seen_process_prefix
                        p_ts, p_kind, *rest = decode_header(groups, state, tz)
                        if state.seen_process_prefix != seen_prefix:
                            local_level.clear()   # "[Ext-1.0]" lines were 2.1-2.2.30 until now
                        p_static = tuple(rest)
                        if len(local_level) < MAX_CACHED_HEADERS:
                            local_level[groups[G_SHEAD]] = p_static
                    else:
                        p_ts = parse_local(groups[G_SLASH], tz)
                        p_kind = LOCAL_KIND if p_ts is not None else NONE_KIND
                else:
                    p_ts, p_kind, *rest = decode_header(groups, state, tz)
                    p_static = tuple(rest)
                p_first = groups[G_MSG]
                p_line = line_no
                cursor = m.end()
                line_no += 1
            if cursor < body_end:
                p_multi, done, _ = _take_lines(text, cursor, body_end, line_no, in_head, state, coverage,
                                               _held(p_multi, p_static, p_ts, p_kind, p_line, p_first))
                p_static = None
                for rec in done:
                    records += 1
                    yield rec.event(path, kind)
            lines_before += chunk.count("\n") + (0 if ends_with_newline else 1)
    except Exception:
        # The stream failed part way (a limit, a truncated archive): hand out the record in
        # progress, then let the pipeline record the error.
        last = _held(p_multi, p_static, p_ts, p_kind, p_line, p_first)
        if last is not None:
            records += 1
            yield last.event(path, kind)
        raise
    else:
        last = _held(p_multi, p_static, p_ts, p_kind, p_line, p_first)
        if last is not None:
            records += 1
            yield last.event(path, kind)
    finally:
        # Also when the stream fails part way (a limit, a truncated archive): count what was read.
        coverage.lines += lines_before
        coverage.records += records


def _in_command_output(record: _Open) -> bool:
    """True while ``record`` is an ``Event:`` whose command output (``[stdout]``/``[stderr]``)
    has begun and whose closing ``, duration=N`` has not come yet (bounded, in case it never
    does)."""
    parts = record.parts
    if record.output is not None:    # a headerless paste: its output began on its first line
        return record.lines < MAX_OUTPUT_LINES and not record.output.ended
    return (record.lines < MAX_OUTPUT_LINES and parts[0].startswith("Event: ")
            and "duration=" not in parts[-1]
            and any("\n[stdout]" in part or "\n[stderr]" in part for part in parts))


def _held(multi: _Open | None, static: tuple[Any, ...] | None, ts: datetime | None, time_kind: TimeKind,
          line: int, first: str) -> _Open | None:
    """The record still open in :func:`parse_chunks` as an :class:`_Open` (``None`` when none is)."""
    return multi if static is None else _Open((ts, time_kind, *static), line, first)  # type: ignore[arg-type]


def _take_lines(text: str, cursor: int, stop: int, line_no: int, in_head: bool, state: FormatState,
                coverage: FileCoverage, held: _Open | None) -> tuple[_Open | None, list[_Open], int]:
    """``text[cursor:stop]`` (from the ``\\n`` before its first line) holds lines that start no
    record: they continue ``held``, or, before the first timestamped record, go to :func:`_head`.

    Returns the record still open, the records completed on the way and the lines taken.
    """
    lines = text.count("\n", cursor, stop)
    if in_head:
        held, done = _head(text[cursor + 1:stop], line_no, held, state, coverage)
        return held, done, lines
    start = TIMELESS_LINE_THREADLESS if _threadless(held) else TIMELESS_LINE_STRICT
    search = TIMELESS_THREADLESS_IN_TEXT if start is TIMELESS_LINE_THREADLESS else TIMELESS_IN_TEXT
    if search.search(text, cursor, stop) is None:
        held.add(text[cursor:stop], lines)  # type: ignore[union-attr]  # a timestamped record is open
        return held, [], lines
    # an agent line whose timestamp was cut, after timestamped ones: a record of its own
    done: list[_Open] = []
    for offset, line in enumerate(text[cursor + 1:stop].split("\n")):
        m = NO_TIMESTAMP_START.match(line) if start.match(line) else None
        if m is not None:
            if held is not None:
                done.append(held)
            held = _Open(decode_no_timestamp(m, state), line_no + offset, line[m.end():])
        elif held is not None:
            held.add("\n" + line, 1)
    return held, done, lines


def _threadless(held: _Open | None) -> bool:
    """Whether ``held`` is a record of a generation without thread names (``WARNING msg`` after
    the date) and not captured command output, where a level word opens a line of its own."""
    return (held is not None and held.header[4] is None and held.header[3] in THREADLESS_GENERATIONS
            and not any("[stdout]" in part or "[stderr]" in part for part in held.parts))


def _head(segment: str, line_no: int, pending: _Open | None, state: FormatState,
          coverage: FileCoverage) -> tuple[_Open | None, list[_Open]]:
    """Lines before a file's first timestamped record: timestamp-less records or unparsed lines.

    Returns the record still open and the records completed on the way.
    """
    done: list[_Open] = []
    for offset, line in enumerate(segment.split("\n")):
        if pending is not None and pending.output is not None and pending.output.takes(line):
            pending.add("\n" + line, 1)     # the rest of a headerless [stdout]/[stderr] paste
            continue
        if pending is None and command_output.is_section(line):
            # a command's output pasted without the agent line that carried it: one record
            reader = command_output.OutputReader()
            reader.takes(line)
            pending = _Open(_OUTPUT_HEADER, line_no + offset, line, reader)
            continue
        m = NO_TIMESTAMP_START.match(line)
        if m is not None:
            if pending is not None:
                done.append(pending)
            pending = _Open(decode_no_timestamp(m, state), line_no + offset, line[m.end():])
        elif pending is not None:
            pending.add("\n" + line, 1)
        else:
            coverage.add_unparsed(line_no + offset, line)
    return pending, done
