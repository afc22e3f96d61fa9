"""syslog / messages / journal exports / serial-console captures → agent records and context events.

Line shapes read (formats.md §8.8; dev-corpus 012, 056, 059):

* BSD syslog and ``journalctl`` short format — ``Jun  5 15:10:17 host python3[123]: msg``; the
  host may be missing (``Nov  2 02:00:2 python: msg``) and odd times (``02:00:2``) are kept.
* ISO / RFC 5424 syslog and ``journalctl -o short-iso`` — ``2023-05-17T07:01:19.123+00:00 host
  prog[pid]: msg`` (an optional ``<PRI>1`` in front is skipped).
* RFC 5424 proper — ``<30>1 2024-05-14T21:00:01.000000+00:00 host waagent 812 - - msg`` (nil
  fields ``-``, structured data skipped).
* ``journalctl -o json`` — one JSON object per line, read like a ``-o verbose`` block.
* ``journalctl -o verbose`` — a ``Wed 2023-05-17 07:01:19.018010 UTC [s=…]`` line followed by
  indented ``KEY=value`` lines; one event per block built from ``MESSAGE``,
  ``SYSLOG_IDENTIFIER``/``_COMM``, ``_PID``, ``_HOSTNAME`` and ``PRIORITY``.  A multi-line value
  (journalctl indents its next lines past ``KEY=``; ``\n`` in JSON) stays whole: an agent record
  logged with its traceback is one record, as in ``waagent.log``; so is a traceback the agent's
  stdout gave the journal a line per entry (entries of the same ``program[pid]`` that start no
  agent record continue the one before, as under a syslog header).
* ``journalctl`` markers — ``-- Reboot --``, ``-- Logs begin at …`` (context events of program
  ``journal``: a reboot is evidence too).
* serial console — kernel ``[   12.345678] msg`` lines, ``[  OK  ] Started …`` console lines,
  ``cloud-init[123]: …`` / ``ci-info: …`` lines and agent lines with or without a syslog header,
  a ``program[pid]:`` tag or a ``Waagent - `` prefix (with or without a kernel stamp in front).

Whatever the header, its rest is tried as an agent record
(:mod:`~loganalyzer.parsers.record_formats`): agent records get the agent's generation,
level, thread, source, timestamp and payload fields (plus ``program``, ``pid``, ``host``).
An agent record continues over following lines of the same ``program[pid]`` whose text
starts no agent record (syslog repeats its header on every line of a traceback), and over
header-less lines.  Other lines become context events (``generation`` ``syslog``,
``syslog-iso``, ``journal``, ``kernel`` or ``console``; ``level`` from the journal priority,
else ``None``) with ``program``, ``pid``, ``host`` fields — OOM kills, systemd unit state
changes and ``walinuxagent.service`` restarts are evidence the rules need.  A header-less
line continues the record before it; blank lines (double-spaced pastes) extend the line
range of the record before them without changing its message; lines before any record are
counted unparsed.  Line numbers are the physical lines of the file.

Time: ISO stamps with an offset are exact (``time_kind=utc``); BSD stamps have no year and
no zone: they are read in the user's zone (``time_kind=local``) and the **year** is taken
from the first full date found in the file (an agent record or a journal/ISO stamp), moving
one year on when the month goes back by more than six months (December → January); when
the file holds no full date at all, the year is the latest one that does not put the date
in the future.  Events wait in a bounded buffer (:data:`MAX_WAITING`) until the year is
known.

Speed: text is read a block at a time (:func:`~loganalyzer.textio.iter_line_blocks`, the same lines as
:func:`~loganalyzer.textio.iter_lines`); a BSD-header line takes two regex matches on the hot
path of :func:`parse_lines`, agent headers are decoded once per distinct level-and-prefixes
text (bounded caches, as in :mod:`~loganalyzer.parsers.waagent_log`), and lines of one second
share their timestamp.

>>> import io
>>> from loganalyzer.model import FileCoverage
>>> from loganalyzer.parsers.base import ParseContext
>>> from loganalyzer.sources.base import Member
>>> from loganalyzer.kinds import Kind
>>> data = (b"May 17 07:01:19 vm python3[20236]: 2023-05-17T07:01:19.018010Z INFO CollectLogsHandler "
...         b"ExtHandler Starting log collection...\\n\\n"
...         b"May 17 07:01:22 vm kernel: [18823778.902598] python3 invoked oom-killer: gfp_mask=0xcc0\\n")
>>> ctx = ParseContext(FileCoverage("var/log/syslog", "syslog"))
>>> agent, oom = parse(Member("var/log/syslog", Kind.SYSLOG, lambda: io.BytesIO(data)), ctx)
>>> (agent.generation, agent.thread, agent.line_start, agent.line_end, agent.fields["pid"])
('2.2.47+', 'CollectLogsHandler', 1, 2, 20236)
>>> (oom.fields["program"], oom.timestamp.isoformat(), oom.line_start)
('kernel', '2023-05-17T07:01:22+00:00', 3)
"""
from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, tzinfo
from itertools import chain
from typing import Any

from ..model import Event, FileCoverage, TimeKind
from ..sources.base import Member
from ..textio import iter_line_blocks
from . import command_output
from .base import ParseContext
from .legacy_multiline import join_tracebacks
from .localtime import local_to_utc
from .payloads import extract_fields
from .record_formats import (
    G_MSG,
    NO_TIMESTAMP_START,
    RECORD_START_AT_LINE,
    FormatState,
    HeaderCache,
    HeaderFields,
    decode_header,
    decode_no_timestamp,
    parse_iso_utc,
)

UTC_KIND, LOCAL_KIND, NONE_KIND = TimeKind.UTC, TimeKind.LOCAL, TimeKind.NONE   # an enum lookup costs

#: Events held back at most while the year of BSD timestamps is unknown.
MAX_WAITING = 20_000

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
# Host and program are possessive (``++``): neither class holds the space, ``[`` or ``:`` that must
# follow them, so giving a character back can never let the rest match; it only cost time.
_HOST = r"(?:(?P<host>[^\s:\[]++)\x20)??"
_PROGRAM = r"(?P<prog>[A-Za-z0-9_.@/()+-]++)(?:\[(?P<pid>\d+)\])?:(?:\x20|$)"
_BSD = re.compile(
    r"(?P<stamp>(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\x20{1,2}(?P<day>\d{1,2})\x20"
    r"(?P<h>\d{1,2}):(?P<mi>\d{1,2}):(?P<s>\d{1,2})(?:\.(?P<frac>\d+))?)\x20+" + _HOST + _PROGRAM)
_ISO = re.compile(
    r"(?:<\d{1,3}>1?\x20?)?(?P<ts>\d{4}-\d{2}-\d{2}[T\x20]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)\x20+" + _HOST + _PROGRAM)
#: RFC 5424 (§6): ``<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]``,
#: ``-`` for a nil field.
_RFC5424 = re.compile(
    r"<\d{1,3}>\d{1,2}\x20(?P<ts>\S+)\x20(?P<host>\S+)\x20(?P<prog>\S+)\x20(?P<pid>\S+)\x20\S+\x20"
    r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?:\x20(?:\ufeff)?|$)")
#: ``Waagent - <line>``: the agent's lines as some serial consoles show them.
_WAAGENT_DASH = re.compile(r"(?i:waagent)\x20?-\x20")
_DASH_ORIGIN = ("waagent", "-")   # origin of "Waagent - " lines (no pid: "-" is never a syslog pid)
_JOURNAL_BLOCK = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\x20(?P<ts>\d{4}-\d{2}-\d{2}\x20\d{2}:\d{2}:\d{2}(?:\.\d+)?)"
    r"\x20(?P<zone>\S+)\x20\[s=")
_JOURNAL_FIELD = re.compile(r"\s+(?P<key>[A-Z_][A-Z0-9_]*)=(?P<value>.*)")
_JOURNAL_MARKER = re.compile(r"-- (?:Reboot|Boot [0-9a-f]+|Logs begin at|Journal begins at|No entries)")
_KERNEL = re.compile(r"\[\s*\d+\.\d+\]\x20?")
_ANSI = r"(?:\x1b\[[0-9;]*m)?"   # systemd colours its console status on a serial line
_CONSOLE = re.compile(rf"\[{_ANSI}\s*(?:OK|FAILED|DEPEND|TIME|\*+)\s*{_ANSI}\]\x20")
_BARE_PROGRAM = re.compile(r"(?P<prog>[A-Za-z][\w.@-]*)\[(?P<pid>\d+)\]:\x20|(?P<ci>ci-info):\x20")
_LEVEL_WORDS = ("ERROR", "WARNING", "INFO", "VERBOSE")
#: The header of a headerless ``[stdout]``/``[stderr]`` paste (:mod:`~loganalyzer.parsers.command_output`):
#: like an agent record it continues over the next lines of its program[pid].
_OUTPUT_HEADER: HeaderFields = (None, NONE_KIND, None, command_output.GENERATION,  # type: ignore[assignment]
                                None, None, None, None)
_PRIORITY_LEVELS = {"0": "ERROR", "1": "ERROR", "2": "ERROR", "3": "ERROR", "4": "WARNING", "5": "INFO",
                    "6": "INFO", "7": "VERBOSE"}


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """Parser contract entry point for ``Kind.SYSLOG`` and ``Kind.SERIAL_CONSOLE``."""
    with member.open() as stream:
        lines = chain.from_iterable(iter_line_blocks(stream, ctx.limits.max_line_bytes, ctx.coverage))
        yield from join_tracebacks(parse_lines(lines, member.path, str(member.kind), ctx.tz, ctx.coverage),
                                   ctx.coverage)


class _Record:
    """A record being read (agent line, context line or journal block)."""

    __slots__ = ("bsd_stamp", "fields", "generation", "header", "journal", "journal_key", "level", "line_end",
                 "line_start", "message_parts", "more", "origin", "time_kind", "timestamp")

    def __init__(self, line_no: int, message_parts: list[str], origin: tuple[str | None, str | None] | None,
                 generation: str = "syslog", header: HeaderFields | None = None,
                 fields: dict[str, Any] | None = None, journal: dict[str, str] | None = None) -> None:
        self.line_start = self.line_end = line_no
        self.message_parts = message_parts
        self.origin = origin              # (program, pid) of a syslog-carried record
        self.generation = generation
        self.header = header              # agent HeaderFields, None for context records
        self.fields = {} if fields is None else fields
        self.journal = journal
        self.journal_key: tuple[str, int] | None = None   # a verbose block's last key and its indent
        self.level: str | None = None
        self.timestamp: datetime | None = None
        self.time_kind = NONE_KIND
        self.bsd_stamp: tuple[int, int, int, int, int, int] | None = None   # month, day, h, m, s, µs
        self.more: list[_Record] = []     # further agent records one journal MESSAGE held


class _YearResolver:
    """Gives BSD timestamps a year (see the module docstring)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.year: int | None = None
        self.last_month: int | None = None
        self._memo: tuple[Any, ...] = ()    # (year, stamp, result) of the last call: lines share seconds

    def learn(self, ts: datetime | None) -> None:
        """Anchor on a full date; lines queued before it are read relative to its month."""
        if self.year is None and ts is not None:
            self.year, self.last_month = ts.year, ts.month

    def fallback(self, first: tuple[int, ...]) -> None:
        now = datetime.now(UTC)
        year = now.year
        month, day = first[0], first[1]
        if (month, day) > (now.month, now.day + 1):
            year -= 1
        self.year = year

    def resolve(self, stamp: tuple[int, int, int, int, int, int]) -> datetime | None:
        assert self.year is not None
        memo = self._memo
        if memo and memo[1] == stamp and memo[0] == self.year:
            return memo[2]   # same month as the last call: the year stays, so does the answer
        self._memo = (self.year, stamp, self._resolve(stamp))
        return self._memo[2]

    def _resolve(self, stamp: tuple[int, int, int, int, int, int]) -> datetime | None:
        assert self.year is not None
        month = stamp[0]
        if self.last_month is not None and month < self.last_month - 6:
            self.year += 1
        elif self.last_month is not None and month > self.last_month + 6:
            self.year -= 1
        self.last_month = month
        try:
            naive = datetime(self.year, *stamp)
        except ValueError:
            return None
        return local_to_utc(naive, self.tz)


def parse_lines(lines: Iterable[str], path: str, kind: str, tz: tzinfo,
                coverage: FileCoverage) -> Iterator[Event]:
    """Events of the physical lines of one syslog-like file.

    Hot path: a line with a BSD header (nearly every line of ``/var/log/messages``) is read
    here with one header match and one agent-record match at its message, and once the year is
    known a record becomes its event as soon as it ends, without the waiting queue.  Every
    other line goes through :func:`_start`.
    """
    state = FormatState()
    headers = HeaderCache(state, tz)
    years = _YearResolver(tz)
    waiting: deque[_Record] = deque()
    current: _Record | None = None
    line_no = 0
    records = 0
    bsd_match = _BSD.match
    agent_match = RECORD_START_AT_LINE.match
    last_stamp_text = ""
    last_stamp: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0)

    waiting_bsd: tuple[int, int, int, int, int, int] | None = None   # first queued stamp lacking a year

    def close(rec: _Record) -> None:
        nonlocal waiting_bsd
        if rec.journal is not None:
            _finish_journal(rec, state, tz)
        if rec.header is not None:
            years.learn(rec.header[0])
        elif rec.bsd_stamp is None:
            years.learn(rec.timestamp)
        elif waiting_bsd is None:
            waiting_bsd = rec.bsd_stamp
        waiting.append(rec)

    def drain() -> Iterator[Event]:
        """Hand out the queued records once their year is known (or can wait no longer)."""
        nonlocal records, waiting_bsd
        if years.year is None and waiting_bsd is not None:
            years.fallback(waiting_bsd)
        while waiting:
            rec = waiting.popleft()
            records += 1 + len(rec.more)
            yield from _events(rec, path, kind, years)
        waiting_bsd = None

    held: _Record | None = None   # an agent record a -o verbose block being read may continue

    def emit(rec: _Record) -> Iterator[Event]:
        nonlocal records
        if years.year is not None:
            # The year is known, so nothing waits: the record is an event now.
            if rec.journal is not None:
                _finish_journal(rec, state, tz)
            records += 1 + len(rec.more)
            yield from _events(rec, path, kind, years)
        else:
            close(rec)
            if years.year is not None or waiting_bsd is None or len(waiting) >= MAX_WAITING:
                yield from drain()

    try:
        for line in lines:
            line_no += 1
            m = bsd_match(line)
            if m is not None:
                # Hot path (what _start and _continues do for such a line).  A journal field line
                # starts with a space, so this line is none.
                stamp_text, mon, day, hour, minute, second, frac, host, program, pid = m.groups()
                rest_at = m.end()
                agent = agent_match(line, rest_at)
                timeless = None
                if agent is None and line.startswith(_LEVEL_WORDS, rest_at):
                    timeless = _timeless_record(line[rest_at:], line_no, state, (program, pid))
                elif agent is None and line.startswith("[", rest_at) and command_output.is_section(
                        line[rest_at:]) and not (current is not None and current.header is not None
                                                 and current.origin == (program, pid)):
                    # command output pasted without its agent line: a record of its own
                    timeless = _Record(line_no, [line[rest_at:]], (program, pid), command_output.GENERATION,
                                       _OUTPUT_HEADER)
                if timeless is not None:
                    timeless.fields.update(_origin_fields(program, pid, host))
                    new = timeless
                elif agent is None:
                    if current is not None and current.header is not None and \
                            current.origin == (program, pid):   # a traceback line of an agent record
                        current.message_parts.append(line[rest_at:])
                        current.line_end = line_no
                        continue
                    new = _Record(line_no, [line[rest_at:]], (program, pid), "syslog", None,
                                  _origin_fields(program, pid, host))
                    if stamp_text != last_stamp_text:
                        last_stamp_text = stamp_text
                        last_stamp = (_MONTHS[mon], int(day), int(hour), int(minute), int(second),
                                      int((frac + "000000")[:6]) if frac else 0)
                    new.bsd_stamp = last_stamp
                else:
                    groups = agent.groups()
                    header = headers.decode(groups)
                    new = _Record(line_no, [groups[G_MSG]], (program, pid), header[3], header,
                                  _origin_fields(program, pid, host))
            else:
                if not line or line.isspace():
                    if current is not None:
                        if current.journal is not None:
                            _journal_line(current, line)     # an empty line of a multi-line value
                        current.line_end = line_no
                    else:
                        coverage.add_unparsed(line_no, line)
                    continue
                if current is not None and current.journal is not None and _journal_line(current, line):
                    current.line_end = line_no
                    continue
                started = _start(line, line_no, state, tz)
                if started is None and current is not None and current.origin == _DASH_ORIGIN:
                    # the console prefixes every agent line with "Waagent - ": a line without it
                    # is another program's output
                    started = _Record(line_no, [line], None, "console", fields={"program": None})
                if started is None or (current is not None and _continues(current, started)):
                    if current is None:
                        coverage.add_unparsed(line_no, line)
                        continue
                    current.message_parts.append(started.message_parts[0] if started is not None else line)
                    current.line_end = line_no
                    continue
                new = started
            if current is not None:
                if current.journal is not None:
                    _finish_journal(current, state, tz)
                    if held is not None:
                        if _continues(held, current):
                            _append(held, current)
                            current = held
                        else:
                            yield from emit(held)
                        held = None
                if new.journal is not None and current.header is not None:
                    # a -o verbose block comes next: it may hold the next line of this record's traceback
                    held = current
                else:
                    yield from emit(current)
            current = new
    except Exception:
        # The stream failed part way: hand out what was read, then let the pipeline see the error.
        for rec in _last_records(held, current, state, tz):
            close(rec)
        yield from drain()
        raise
    else:
        for rec in _last_records(held, current, state, tz):
            close(rec)
        yield from drain()
    finally:
        coverage.lines += line_no
        coverage.records += records


def _last_records(held: _Record | None, current: _Record | None, state: FormatState,
                  tz: tzinfo) -> list[_Record]:
    """The records still open at the end of the file, in order (a last verbose block joined to the
    agent record held before it when it continues it)."""
    if current is not None and current.journal is not None:
        _finish_journal(current, state, tz)
        if held is not None and _continues(held, current):
            _append(held, current)
            return [held]
    return [rec for rec in (held, current) if rec is not None]


def _append(rec: _Record, more: _Record) -> None:
    """``more`` (a journal entry holding the next lines of ``rec``'s text) joined to ``rec``."""
    rec.message_parts.extend(more.message_parts)
    rec.line_end = more.line_end


def _journal_line(rec: _Record, line: str) -> bool:
    """Read a line of a ``-o verbose`` block into ``rec.journal``: a ``    KEY=value`` line, or a line
    of a multi-line value (journalctl indents it past the ``KEY=``).  False for any other line.

    >>> rec = _Record(1, [], None, "journal", journal={})
    >>> [_journal_line(rec, x) for x in ("    MESSAGE=Traceback (most recent call last):",
    ...                                   '              File "a.py", line 1, in <module>', "    _PID=1")]
    [True, True, True]
    >>> rec.journal["MESSAGE"]
    'Traceback (most recent call last):\\n  File "a.py", line 1, in <module>'
    """
    journal = rec.journal
    assert journal is not None
    indent = len(line) - len(line.lstrip(" \t"))
    last = rec.journal_key
    if last is not None and indent > last[1]:
        key, _ = last
        prefix = last[1] + len(key) + 1
        journal[key] += "\n" + (line[prefix:] if line[:prefix].isspace() else line.strip())
        return True
    if not line.strip():
        return False
    jm = _JOURNAL_FIELD.fullmatch(line)
    if jm is None:
        return False
    key = jm.group("key")
    if key in journal:
        rec.journal_key = None      # a repeated field: its first value is kept, nothing continues
    else:
        journal[key] = jm.group("value")
        rec.journal_key = (key, indent)
    return True


def _continues(current: _Record, new: _Record) -> bool:
    """A syslog line continues an open agent record of the same program[pid] unless it starts one
    (an output section line continues it too: its ``[stdout]``/``[stderr]``; without a wrapper it
    continues any agent record, as a header-less line does)."""
    if new.header is _OUTPUT_HEADER and new.origin is None:
        return current.header is not None
    return ((new.header is None or new.header is _OUTPUT_HEADER) and new.origin is not None
            and current.header is not None and current.origin == new.origin and new.journal is None)


def _start(line: str, line_no: int, state: FormatState, tz: tzinfo) -> _Record | None:
    """The record a line starts, or ``None`` for a header-less line (a continuation)."""
    m = _BSD.match(line)
    if m is not None:
        mon, day, hour, minute, second, frac = m.group("mon", "day", "h", "mi", "s", "frac")
        stamp = (_MONTHS[mon], int(day), int(hour), int(minute), int(second),
                 int((frac + "000000")[:6]) if frac else 0)
        rec = _syslog_record(line, m, line_no, state, tz, "syslog")
        if rec.header is None:
            rec.bsd_stamp = stamp
        return rec
    m = _RFC5424.match(line)
    if m is not None:
        return _rfc5424_record(line, m, line_no, state, tz)
    m = _ISO.match(line)
    if m is not None:
        rec = _syslog_record(line, m, line_no, state, tz, "syslog-iso")
        ts, time_kind = _iso_time(m.group("ts"), tz)
        rec.timestamp, rec.time_kind = ts, time_kind
        return rec
    m = _JOURNAL_BLOCK.match(line)
    if m is not None:
        rec = _Record(line_no, [], None, "journal", journal={})
        ts, time_kind = _iso_time(m.group("ts") + ("Z" if m.group("zone") in ("UTC", "GMT") else ""), tz)
        rec.timestamp, rec.time_kind = ts, time_kind
        return rec
    agent = _agent_record(line, line_no, state, tz, None)
    if agent is not None:
        return agent
    if line[0] == "{":
        entry = _journal_json(line, line_no)
        if entry is not None:
            # all its fields are on this line: read it now, so a traceback line the agent wrote as
            # an entry of its own continues the agent record before it (as under a syslog header)
            _finish_journal(entry, state, tz)
            return entry
    m = _WAAGENT_DASH.match(line)
    if m is not None:
        return _dash_record(line[m.end():], line_no, state, tz)
    if _JOURNAL_MARKER.match(line):
        return _Record(line_no, [line], None, "journal", fields={"program": "journal"})
    m = _KERNEL.match(line)
    if m is not None:
        rest = line[m.end():]
        inner = _BARE_PROGRAM.match(rest)
        if inner is not None:
            return _bare_program(rest, inner, line_no, state, tz, "console")
        agent = _agent_record(rest, line_no, state, tz, None)
        if agent is not None:
            return agent
        dash = _WAAGENT_DASH.match(rest)
        if dash is not None:
            return _dash_record(rest[dash.end():], line_no, state, tz)
        return _Record(line_no, [rest], None, "kernel", fields={"program": "kernel"})
    m = _CONSOLE.match(line)
    if m is not None:
        return _Record(line_no, [line], None, "console", fields={"program": "systemd"})
    m = _BARE_PROGRAM.match(line)
    if m is not None:
        return _bare_program(line, m, line_no, state, tz, "console")
    return None


def _dash_record(rest: str, line_no: int, state: FormatState, tz: tzinfo) -> _Record:
    """``Waagent - <rest>``: an agent record, or a line continuing the agent record before it."""
    origin = _DASH_ORIGIN
    rec = _agent_record(rest, line_no, state, tz, origin) or _Record(line_no, [rest], origin, "console")
    rec.fields.update(_origin_fields("waagent", None, None))
    return rec


def _rfc5424_record(line: str, m: re.Match[str], line_no: int, state: FormatState, tz: tzinfo) -> _Record:
    """An RFC 5424 line: its MSG read as an agent record when it is one (nil fields are ``-``)."""
    program, pid, host = (None if v == "-" else v for v in m.group("prog", "pid", "host"))
    pid = pid if pid is not None and pid.isdigit() else None
    rest = line[m.end():]
    rec = _agent_record(rest, line_no, state, tz, (program, pid))
    if rec is None:
        rec = _Record(line_no, [rest], (program, pid), "syslog-5424")
        if m.group("ts") != "-":
            rec.timestamp, rec.time_kind = _iso_time(m.group("ts"), tz)
    rec.fields.update(_origin_fields(program, pid, host))
    return rec


def _journal_json(line: str, line_no: int) -> _Record | None:
    """A ``journalctl -o json`` entry: the same fields as a ``-o verbose`` block, on one line."""
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or "MESSAGE" not in entry:
        return None
    fields: dict[str, str] = {}
    for key, value in entry.items():
        if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
            value = bytes(value).decode("utf-8", "backslashreplace")   # a non-UTF-8 or binary value
        if isinstance(value, str | int):
            fields[str(key)] = str(value)
    rec = _Record(line_no, [], None, "journal", journal=fields)
    micros = fields.get("__REALTIME_TIMESTAMP", "")
    if micros.isdigit():
        with suppress(OverflowError, OSError, ValueError):
            rec.timestamp, rec.time_kind = datetime.fromtimestamp(int(micros) / 1e6, UTC), UTC_KIND
    return rec


def _bare_program(line: str, m: re.Match[str], line_no: int, state: FormatState, tz: tzinfo,
                  generation: str) -> _Record:
    program = m.group("prog") or m.group("ci")
    pid = m.group("pid")
    rest = line[m.end():]
    agent = _agent_record(rest, line_no, state, tz, (program, pid))
    rec = agent or _Record(line_no, [rest], (program, pid), generation)
    rec.fields.update(_origin_fields(program, pid, None))
    return rec


def _syslog_record(line: str, m: re.Match[str], line_no: int, state: FormatState, tz: tzinfo,
                   generation: str) -> _Record:
    program, pid, host = m.group("prog", "pid", "host")
    rest = line[m.end():]
    rec = _agent_record(rest, line_no, state, tz, (program, pid))
    if rec is None:
        rec = _Record(line_no, [rest], (program, pid), generation)
    rec.fields.update(_origin_fields(program, pid, host))
    return rec


def _agent_program(program: str | None) -> bool:
    """The agent's process as syslog names it (``waagent``, ``python3``, ``WALinuxAgent``…)."""
    return program is not None and (program.lower().startswith(("waagent", "python", "walinuxagent")))


def _origin_fields(program: str | None, pid: str | None, host: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"program": program}
    if pid is not None:
        out["pid"] = int(pid)
    if host is not None:
        out["host"] = host
    return out


def _agent_record(text: str, line_no: int, state: FormatState, tz: tzinfo,
                  origin: tuple[str | None, str | None] | None) -> _Record | None:
    m = RECORD_START_AT_LINE.match(text)
    if m is None:
        if text.startswith(_LEVEL_WORDS):
            return _timeless_record(text, line_no, state, origin)
        if text[:1] in "[\x20\t" and command_output.is_section(text):
            return _Record(line_no, [text], origin, command_output.GENERATION, _OUTPUT_HEADER)
        return None
    header = decode_header(m.groups(), state, tz)
    return _Record(line_no, [m.group("msg")], origin, header[3], header)


def _timeless_record(text: str, line_no: int, state: FormatState,
                     origin: tuple[str | None, str | None] | None) -> _Record | None:
    """An agent line whose timestamp was cut (``ERROR ExtHandler ExtHandler msg``) behind a wrapper:
    only with a thread or process name after the level (or a glued 1.x/2.0 ``ERROR:`` from the
    agent's own program), so another program's ``INFO …`` stays its own."""
    m = NO_TIMESTAMP_START.match(text)
    if m is None or m.group("clock") is not None:
        return None
    if m.group("tok") is None and m.group("thread") is None and not (
            m.group("glued") is not None and origin is not None and _agent_program(origin[0])):
        return None
    header = decode_no_timestamp(m, state)
    return _Record(line_no, [text[m.end():]], origin, header[3], header)


def _iso_time(text: str, tz: tzinfo) -> tuple[datetime | None, TimeKind]:
    text = text.replace(" ", "T", 1)
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        ts = parse_iso_utc(text)
        return (ts, TimeKind.UTC) if ts is not None else (None, TimeKind.NONE)
    if ts.tzinfo is None:
        local = local_to_utc(ts, tz)
        return (local, TimeKind.LOCAL) if local is not None else (None, TimeKind.NONE)
    try:
        return ts.astimezone(UTC), TimeKind.UTC
    except OverflowError:
        return None, TimeKind.NONE


def _finish_journal(rec: _Record, state: FormatState, tz: tzinfo) -> None:
    """Turn a ``journalctl -o verbose`` block into an agent or context record."""
    fields = rec.journal or {}
    message = fields.get("MESSAGE", "")
    program = fields.get("SYSLOG_IDENTIFIER") or fields.get("_COMM")
    pid = fields.get("_PID") or fields.get("SYSLOG_PID")
    first, newline, rest = message.partition("\n")   # a multi-line MESSAGE (a traceback logged whole)
    agent = _agent_record(first, rec.line_start, state, tz, (program, pid))
    if agent is not None:
        rec.header, rec.generation = agent.header, agent.generation
        rec.message_parts = agent.message_parts
        if newline:
            _split_message(rec, rest.split("\n"), state, tz, (program, pid))
    else:
        rec.message_parts = [message]
        rec.level = _PRIORITY_LEVELS.get(fields.get("PRIORITY", ""))
    pid = pid if pid and pid.isdigit() else None
    rec.fields.update(_origin_fields(program, pid, fields.get("_HOSTNAME")))
    rec.origin = (program, pid)
    rec.journal = None
    for sub in rec.more:
        sub.fields.update(rec.fields)
        sub.origin, sub.line_start, sub.line_end = rec.origin, rec.line_start, rec.line_end


def _split_message(rec: _Record, lines: list[str], state: FormatState, tz: tzinfo,
                   origin: tuple[str | None, str | None]) -> None:
    """The lines after an agent record's first in one journal MESSAGE: its traceback, or the next
    agent records (2.0 logs one ``ERROR:`` line per record, untimed; a MESSAGE may carry several),
    which go to ``rec.more``.

    >>> rec = _Record(1, ["Error Traceback (most recent call last):"], None)
    >>> _split_message(rec, ["ERROR:    event.Save()", "WARNING:Disk full"], FormatState(), UTC,
    ...                ("waagent", None))
    >>> [r.message_parts for r in rec.more]
    [['   event.Save()'], ['Disk full']]
    """
    target = rec
    for line in lines:
        nxt = _agent_record(line, rec.line_start, state, tz, origin)
        if nxt is None or nxt.header is _OUTPUT_HEADER:     # a [stdout]/[stderr] line: the record's own
            target.message_parts.append(line)
        else:
            rec.more.append(nxt)
            target = nxt


def _events(rec: _Record, path: str, kind: str, years: _YearResolver) -> Iterator[Event]:
    """The event of a finished record, then those of the further records its journal MESSAGE held."""
    yield _event(rec, path, kind, years)
    for sub in rec.more:
        yield _event(sub, path, kind, years)


def _event(rec: _Record, path: str, kind: str, years: _YearResolver) -> Event:
    """The event of a finished record (a BSD stamp gets its year now)."""
    parts = rec.message_parts
    if rec.header is not None and len(parts) > 1 and not parts[-1].strip():
        # blank lines after an agent record (under a header or not) are not part of its text
        while len(parts) > 1 and not parts[-1].strip():
            parts.pop()
    message = parts[0] if len(parts) == 1 else "\n".join(parts)
    fields = rec.fields
    if rec.header is not None:
        ts, time_kind, level, generation, thread, source, ext, ext_ver = rec.header
        if rec.header is _OUTPUT_HEADER:
            message = command_output.strip_duration(message)
            ext, ext_ver = command_output.extension_named(message)
        payload = extract_fields(message)
        if payload:
            fields = {**fields, **payload}
        return Event(ts, time_kind, level, message, path, rec.line_start, rec.line_end, kind, generation,
                     thread, source, ext, ext_ver, fields or None)
    if rec.bsd_stamp is not None:
        rec.timestamp = years.resolve(rec.bsd_stamp)
        rec.time_kind = LOCAL_KIND if rec.timestamp is not None else NONE_KIND
    return Event(rec.timestamp, rec.time_kind, rec.level, message, path, rec.line_start, rec.line_end, kind,
                 rec.generation, None, fields.get("program"), None, None, fields or None)
