"""Any other text: extension logs we have no format for, and files found by content only.

The first few KB decide how a file is read:

* **binary** (NUL bytes or many control/invalid bytes) → coverage ``skipped`` with
  reason ``binary content``; no events.
* **a known log under another name** (a ``waagent.log`` renamed ``agent.txt``, a bare
  VMSnapshot ``extension.log`` or ``shell.log`` in a flat folder, a syslog) → read by that
  format's parser, and its events carry that format's kind (``vmsnapshot_log`` …); a
  coverage note says so.
* **generic records** otherwise.  A line that starts with a common timestamp shape
  (ISO ``2024-01-14T22:16:48Z``/``2024-01-14 22:16:48``, ``2019/11/17 00:03:18``,
  syslog ``Nov 17 00:03:18``, kernel ``[   12.345678]``) starts a record.  When most
  lines of the head carry no timestamp, each non-indented line starts a record and
  indented or blank lines continue it.  An ``[stdout]`` / ``[stderr]`` line opens the
  captured output of the record above: every line after it — timestamped agent
  lines included — stays in that record until a new ``[SomeError]`` tag line, so an
  agent error message (``[ExtensionOperationError] Non-zero exit code: 127, …`` +
  ``[stdout]`` … ``[stderr]`` …) is one readable record.  Every line belongs to a record.

Fields: the common payload fields of :func:`loganalyzer.parsers.payloads.extract_fields`
(``exception_tags``, ``exit_code``, ``http_*``, ``incarnation``, ``event_*`` …; ``exit_code`` however
the text writes it, :func:`~loganalyzer.parsers.payloads.exit_code_of`),
``uptime_seconds`` (float, kernel-style ``[ 12.3]`` lines), and ``du_bytes`` / ``du_path`` for a ``du``
output line, its size in bytes in the unit the du command line above it asked for
(:mod:`loganalyzer.parsers.du_listing`).  Logs of the Python extensions built
on azure-linux-extensions' HandlerUtil (``2023/09/26 04:07:33 [Microsoft.Azure.Monitor.
AzureMonitorLinuxAgent-1.28.5] Enable,success,0,Enable succeeded``, local time) get the
``[Name-Version]`` prefix as extension and version (generation ``handlerutil``) and, for a
status echo, ``handler_operation``, ``handler_status``, ``handler_status_code`` (int),
``handler_status_message``.  A level word right after the
timestamp (``INFO``, ``WARNING``, ``ERROR``…) becomes the level.

>>> import io
>>> from loganalyzer.kinds import Kind
>>> from loganalyzer.model import FileCoverage
>>> from loganalyzer.sources.base import Member
>>> data = b"[ExtensionOperationError] Non-zero exit code: 3, handle.sh install\\n[stdout]\\n\\n[stderr]\\n"
>>> m = Member("x/extension_error.txt", Kind.OTHER_TEXT, lambda: io.BytesIO(data))
>>> ctx = ParseContext(FileCoverage(m.path, m.kind))
>>> [(e.line_start, e.line_end, e.fields["exit_code"]) for e in parse(m, ctx)]
[(1, 4, 3)]
"""
from __future__ import annotations

import importlib
import io
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, BinaryIO

from ..kinds import Kind
from ..model import CoverageStatus, Event, FileCoverage, TimeKind
from ..sources.base import Member
from ..textio import iter_lines
from . import command_output
from .base import ParseContext
from .du_listing import DuUnit
from .flattened import looks_flattened, needs_reshape, quoted, reshape, shared_indent, tool_prefixed
from .localtime import local_to_utc
from .payloads import exit_code_of, extract_fields
from .record_formats import (
    NO_TIMESTAMP_START,
    RECORD_START_AT_LINE,
    THREAD_NAMES,
    FormatState,
    decode_header,
)

SNIFF_BYTES = 8192
#: A paste with a changed layout is read whole to undo it; a larger file is read line by line as it is.
MAX_RESHAPED_BYTES = 8 << 20
_SNIFF_LINES = 40


@dataclass(slots=True)
class PendingRecord:
    """A record being assembled from physical lines (shared by the line-based extension parsers)."""

    line_start: int
    parts: list[str]
    timestamp: datetime | None = None
    time_kind: TimeKind = TimeKind.NONE
    level: str | None = None
    generation: str = ""
    extension: str | None = None
    extension_version: str | None = None
    thread: str | None = None
    source: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    line_end: int = 0

    def __post_init__(self) -> None:
        self.line_end = self.line_end or self.line_start

    def add(self, line_no: int, text: str) -> None:
        self.parts.append(text)
        self.line_end = line_no

    @property
    def message(self) -> str:
        """Parts joined with ``\\n``; trailing empty lines (logger artefacts) are not kept."""
        return "\n".join(self.parts).rstrip("\n")

    def to_event(self, member: Member, fields: dict[str, Any] | None = None) -> Event:
        merged = {**self.fields, **fields} if fields else self.fields
        return Event(timestamp=self.timestamp, time_kind=self.time_kind, level=self.level,
                     message=self.message, path=member.path, line_start=self.line_start,
                     line_end=self.line_end, kind=str(member.kind), generation=self.generation,
                     thread=self.thread, source=self.source,
                     extension=self.extension or member.extension,
                     extension_version=self.extension_version or member.extension_version,
                     fields=merged or None)


# --------------------------------------------------------------------------- sniffing

def looks_binary(head: bytes) -> bool:
    """NUL bytes, or more than 10 % control bytes / invalid UTF-8 in ``head``.

    >>> looks_binary(b"\\x1f\\x8b\\x08\\x00\\x00\\x00"), looks_binary(b"2024-01-01 ok\\n")
    (True, False)
    """
    if not head:
        return False
    if b"\x00" in head[:1024] and head[:1024].count(b"\x00") * 4 > len(head[:1024]):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (8, 9, 10, 12, 13, 27)) + head.count(0x7F)
    text = head[:-4].decode("utf-8", "replace") if len(head) > 4 else head.decode("utf-8", "replace")
    invalid = text.count("\ufffd")
    return (controls + invalid) * 10 > len(head)


_WAAGENT_LINE = re.compile(
    r"[A-Za-z]?(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) "
    r"(?:VERBOSE|INFO|WARNING|ERROR)\b")
#: Lines of the wrappers :mod:`~loganalyzer.parsers.syslog` reads: BSD syslog and ``journalctl
#: -o short/short-precise/short-iso`` (host optional), RFC 5424, ``-o verbose`` entry lines,
#: ``-o json`` entries, journal markers, kernel ``[   12.345678]`` stamps, systemd console
#: status, ``program[pid]:`` / ``ci-info:`` / ``Waagent - `` console prefixes.
_SYSLOG_LINE = re.compile(
    r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) "
    r"(?:[\w.-]+ )?[\w./@()-]+(?:\[\d+\])?: "
    r"|<\d{1,3}>\d{1,2} \S+ \S+ \S+ \S+ \S+ "
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[s="
    r"|\{.*\"(?:MESSAGE|__REALTIME_TIMESTAMP)\":"
    r"|-- (?:Reboot|Boot [0-9a-f]+|Logs begin at|Journal begins at|No entries)"
    r"|\[\s*\d+\.\d+\]"
    r"|\[(?:\x1b\[[0-9;]*m)?\s*(?:OK|FAILED|DEPEND|TIME|\*+)\s*(?:\x1b\[[0-9;]*m)?\] "
    r"|[A-Za-z][\w.@-]*\[\d+\]: |ci-info: |(?i:waagent)\s*-\s"
    r"|\u25cf [\w@.-]+\.service ")
#: An agent line behind the serial console's ``Waagent - `` prefix (maybe after a kernel stamp).
_CONSOLE_AGENT_LINE = re.compile(
    r"(?:\[\s*\d+\.\d+\]\x20?)?(?i:waagent)\x20?-\x20[A-Za-z]?\d{4}[-/]\d\d[-/]\d\d[T\x20]")
_VMSNAPSHOT_LINE = re.compile(
    r"(?:\d{4}-\d\d-\d\d|\d{4}/\d\d/\d\d) \d\d:\d\d:\d\d[.\d]* ?"
    r"\[Microsoft\.Azure\.RecoveryServices\.VMSnapshot")
_SHELL_LINE = re.compile(r"[^\n]{8,60}\b\d{1,2}:\d\d:\d\d\b[^\n]{0,40}- \S")
#: a recognised format's kind: the delegate's events say what the content is, not where it was found
_FORMAT_KINDS = {"vmsnapshot": Kind.VMSNAPSHOT_LOG, "shell_log": Kind.VMSNAPSHOT_SHELL_LOG,
                 "waagent_log": Kind.WAAGENT_LOG, "syslog": Kind.SYSLOG}
_SHELL_WORDS = ("returned from handle.py", "python version unknown", "path exists", "ConfigSequenceNumber",
                "The command is ")


#: A 1.x/2.0-format line (``2016/10/05 17:01:58 msg``): an agent's only in a file that names the agent.
_OLD_AGENT_LINE = re.compile(r"[A-Za-z]?\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (?:ERROR:|WARNING:)")
_PLAIN_SLASH_LINE = re.compile(r"[A-Za-z]?\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")
_AGENT_WORDS = ("WALinuxAgent", "Azure Linux Agent")


#: Unindented lines that continue a record in any log (a traceback's head and last line): they
#: say nothing about the file's format.  (``[stdout]``/``[stderr]`` do: captured command output.)
_CONTINUATION = re.compile(r"Traceback \(most recent call last\):|Inner error: "
                           r"|During handling of the above exception|[A-Za-z_][\w.]*(?:Error|Exception): ")


def _agent_lines(body: list[str]) -> int:
    """How many of ``body`` start agent records: timestamped with a level (any generation), glued
    ``ERROR:``, or pasted without their date; 1.x/2.0-format lines (``2016/10/05 17:01:58 msg``,
    ``… [Name-Ver] msg``) count too when another line or a banner shows the agent wrote the file."""
    strong = sum(1 for line in body if _WAAGENT_LINE.match(line) or _OLD_AGENT_LINE.match(line)
                 or NO_TIMESTAMP_START.match(line))
    if strong or any(word in line for line in body for word in _AGENT_WORDS):
        return sum(1 for line in body if _WAAGENT_LINE.match(line) or _OLD_AGENT_LINE.match(line)
                   or NO_TIMESTAMP_START.match(line) or _PLAIN_SLASH_LINE.match(line))
    return strong


def _dedent(lines: list[str]) -> list[str]:
    """Non-blank ``lines`` without the indentation or quote markers they all share (a quoted or
    indented paste)."""
    prefix = shared_indent(lines)
    body = [line for line in lines if line.strip(" \t>")]
    return [line[len(prefix):] for line in body]


def sniff_format(lines: list[str]) -> str | None:
    """Which known log format ``lines`` (the head of a file) are in, if most unindented lines say so.

    Agent lines (also without their date, or indented as a whole) make a ``waagent_log``; agent
    lines behind syslog, journal or console wrappers — or with such lines between them — a
    ``syslog`` (whose parser reads the agent lines inside).

    >>> sniff_format(["2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]x"])
    'vmsnapshot'
    >>> sniff_format(["2019/11/17 00:03:18.094280 INFO ExtHandler Added PID 53989", "  more"])
    'waagent_log'
    >>> sniff_format(["  ERROR ExtHandler ExtHandler Failed", "  INFO Daemon Daemon up"])
    'waagent_log'
    >>> sniff_format(["[   12.345678] Waagent - 2023-03-13T15:44:04.906673Z INFO Daemon Daemon up"])
    'syslog'
    >>> sniff_format(["[ExtensionOperationError] Non-zero exit code: 3", "[stdout]",
    ...               "2019/11/17 00:03:18.094280 INFO ExtHandler Added PID 53989", "[stderr]"]) is None
    True
    """
    body = [line for line in _dedent(lines) if line[0] not in " \t" and not _CONTINUATION.match(line)]
    body = body[:_SNIFF_LINES]
    if not body:
        return None
    if any(_VMSNAPSHOT_LINE.match(line) for line in body):
        return "vmsnapshot"
    half = len(body) // 2
    if sum(1 for line in body if _SHELL_LINE.match(line) and any(w in line for w in _SHELL_WORDS)) > half:
        return "shell_log"
    agent = _agent_lines(body)
    wrapped = sum(1 for line in body if _SYSLOG_LINE.match(line))
    if agent > half and wrapped * 5 < len(body):
        return "waagent_log"
    mixed = len(body) >= 5 and (agent + wrapped) * 5 > len(body) * 4 and wrapped * 5 >= len(body)
    if wrapped > half or mixed or any(_CONSOLE_AGENT_LINE.match(line) for line in body):
        return "syslog"
    return None


class _Prefixed(io.RawIOBase):
    """A stream that replays the bytes already sniffed, then the rest of the original stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()


def _read_head(stream: BinaryIO, size: int) -> tuple[bytes, Exception | None]:
    """Up to ``size`` bytes, in small reads, and the error that cut them short (a gzip with
    trailing garbage, a truncated stream): the bytes before the error are still records."""
    parts: list[bytes] = []
    got = 0
    # read1: a buffered stream hands out what it holds; read(n) would ask the damaged source for
    # the rest and drop what it held when that raises
    read = getattr(stream, "read1", stream.read)
    try:
        while got < size:
            piece = read(size - got)
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
    except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class _Broken(io.RawIOBase):
    """A stream whose next read raises the error its source already raised."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        raise self._error


class _Replay(io.BufferedIOBase):
    """The bytes already sniffed, then the original stream's own reads (no extra buffer or copy:
    the agent-log parser reads big blocks on its fast path)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if size is None or size < 0:
            out, self._head = self._head + self._rest.read(), b""
        else:
            out, self._head = self._head[:size], self._head[size:]
        return out

    def read1(self, size: int = -1) -> bytes:
        if self._head:
            return self.read(size)
        read1 = getattr(self._rest, "read1", None)
        return read1(size) if read1 is not None else self._rest.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        if not self._head:
            return self._rest.readline(size)
        limit = len(self._head) if size is None or size < 0 else min(size, len(self._head))
        end = self._head.find(b"\n", 0, limit)
        if end >= 0 or limit < len(self._head):
            cut = end + 1 if end >= 0 else limit
            out, self._head = self._head[:cut], self._head[cut:]
            return out
        out, self._head = self._head, b""
        return out + self._rest.readline(-1 if size is None or size < 0 else size - len(out))

    def close(self) -> None:
        self._rest.close()
        super().close()


# --------------------------------------------------------------------------- generic records

_TIMESTAMP = re.compile(
    r"(?P<iso>(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)[T ](?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)"
    r"(?:[.,](?P<f>\d+))?(?P<z>Z|[+-]\d\d:?\d\d)?)"
    r"|(?P<slash>(?P<y2>\d{4})/(?P<mo2>\d\d)/(?P<d2>\d\d) (?P<h2>\d\d):(?P<mi2>\d\d):(?P<s2>\d\d)"
    r"(?:\.(?P<f2>\d+))?)"
    r"|(?P<syslog>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)"
    r"|(?P<uptime>\[ *(?P<up>\d+\.\d+)\])")
#: ``[Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.28.5] `` after the time (azure-linux-extensions
#: ``Utils/HandlerUtil.py`` extensions: VMAccess, OSPatching, AMA …)
_HANDLER_PREFIX = re.compile(r"\[([A-Za-z][\w.]*?)-(\d+(?:\.\d+)*)\] ?")
#: ``{operation},{status},{code},{message}[,{failure flag}]`` — HandlerUtil's status echo (also VMSnapshot's)
STATUS_ECHO = re.compile(
    r"(Install|Enable|Disable|Uninstall|Update|Daemon),(success|error|transitioning|warning),(-?\d+),(.*?)"
    r"(?:,(True|False))?\s*\Z", re.DOTALL)
_LEVEL = re.compile(r"\s*(VERBOSE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b:?\s?")
_TAG_LINE = re.compile(r"\[\w*(?:Error|Exception)\]")
_OUTPUT_SECTIONS = ("[stdout]", "[stderr]")


def _frac(text: str | None) -> int:
    return int((text or "0")[:6].ljust(6, "0"))


def _offset(z: str) -> timezone:
    if z == "Z":
        return UTC
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _timestamp(m: re.Match[str], tz: tzinfo) -> tuple[datetime | None, TimeKind, str, float | None]:
    """``(timestamp, time kind, generation, uptime seconds)`` of a timestamp match."""
    g = m.group
    try:
        if g("iso"):
            naive = datetime(int(g("y")), int(g("mo")), int(g("d")), int(g("h")), int(g("mi")), int(g("s")),
                             _frac(g("f")))
            if g("z"):
                aware = naive.replace(tzinfo=_offset(g("z")))
                return aware.astimezone(UTC), TimeKind.UTC, "iso", None
            local = local_to_utc(naive, tz)
            if local is not None:
                return local, TimeKind.LOCAL, "iso", None
            return None, TimeKind.NONE, "invalid_time", None
        if g("slash"):
            naive = datetime(int(g("y2")), int(g("mo2")), int(g("d2")), int(g("h2")), int(g("mi2")),
                             int(g("s2")), _frac(g("f2")))
            local = local_to_utc(naive, tz)
            if local is not None:
                return local, TimeKind.LOCAL, "slash", None
            return None, TimeKind.NONE, "invalid_time", None
    except (ValueError, OverflowError):
        return None, TimeKind.NONE, "invalid_time", None
    if g("syslog"):
        return None, TimeKind.NONE, "syslog_time", None
    return None, TimeKind.NONE, "uptime", float(g("up"))


def _delegate(name: str) -> Any:
    try:
        return importlib.import_module(f"{__package__}.{name}").parse
    except (ImportError, AttributeError):
        return None


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """Read ``member`` as whatever its content shows (see the module docstring)."""
    stream = member.open()
    try:
        head = stream.read(SNIFF_BYTES)
        if looks_binary(head):
            ctx.coverage.mark(CoverageStatus.SKIPPED, "binary content")
            return
        head_lines = head.decode("utf-8", "backslashreplace").splitlines()
        if len(head) == SNIFF_BYTES and len(head_lines) > 1:
            head_lines.pop()              # probably cut in the middle
        if needs_reshape(head_lines):
            head += stream.read(MAX_RESHAPED_BYTES + 1 - len(head))
            if len(head) <= MAX_RESHAPED_BYTES:
                yield from _read_reshaped(member, ctx, head)
                return
        output_first = command_output.starts_with_output(head_lines)
        fmt = None if output_first else sniff_format(head_lines)
        parser = _delegate(fmt) if fmt is not None else None
        if parser is not None:
            ctx.coverage.notes.append(f"read as {fmt} (recognised by its content)")
            replay = replace(member, kind=_FORMAT_KINDS[fmt],
                             opener=lambda: io.BufferedReader(_Prefixed(head, stream)))
            yield from parser(replay, ctx)
            return
        lines = iter_lines(io.BufferedReader(_Prefixed(head, stream)), ctx.limits.max_line_bytes,
                           ctx.coverage)
        yield from _generic_records(member, ctx, lines, _mostly_timestamped(head_lines), output_first)
    finally:
        stream.close()


def parse_agent_log(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """A ``waagent.log`` or ``CommandExecution.log`` by its name — unless its head shows agent records
    joined into long lines or behind ``>`` quote markers (a paste saved under the log's name): then
    it is read in its first layout, as a file found by its content is.

    >>> import io
    >>> from loganalyzer.kinds import Kind
    >>> data = (b"2024-05-14T21:00:01.000000Z INFO Daemon Daemon up 2024-05-14T21:00:02.000000Z ERROR "
    ...         b"ExtHandler ExtHandler boom\\n")
    >>> m = Member("var/log/waagent.log", Kind.WAAGENT_LOG, lambda: io.BytesIO(data))
    >>> ctx = ParseContext(FileCoverage(m.path, m.kind))
    >>> [(e.level, e.message, e.line_start) for e in parse_agent_log(m, ctx)]
    [('INFO', 'up', 1), ('ERROR', 'boom', 1)]
    """
    parser = _delegate("waagent_log")
    stream = member.open()
    try:
        head, broken = _read_head(stream, SNIFF_BYTES)
        if broken is not None:      # a corrupt tail within the head: its lines first, then the error
            yield from parser(replace(member, opener=lambda: _Replay(head, _Broken(broken))), ctx)
            return
        head_lines = head.decode("utf-8", "backslashreplace").splitlines()
        if looks_flattened(head_lines[:_SNIFF_LINES]) or quoted(head_lines[:_SNIFF_LINES]) \
                or tool_prefixed(head_lines[:_SNIFF_LINES]):
            head += stream.read(MAX_RESHAPED_BYTES + 1 - len(head))
            if len(head) <= MAX_RESHAPED_BYTES:
                yield from _read_reshaped(member, ctx, head, parser)
                return
        yield from parser(replace(member, opener=lambda: _Replay(head, stream)), ctx)
    finally:
        stream.close()


def _read_reshaped(member: Member, ctx: ParseContext, data: bytes, parser: Any = None) -> Iterator[Event]:
    """A paste whose layout was changed (:mod:`~loganalyzer.parsers.flattened`: records joined into
    long lines, indented, double-spaced): read in its first layout by ``parser`` or the one its
    content calls for, each record's evidence on the physical lines it came from."""
    lines, where, physical = reshape(data.decode("utf-8", "backslashreplace"))
    inner = FileCoverage(member.path, str(member.kind))
    inner_ctx = replace(ctx, coverage=inner)
    text = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    output_first = parser is None and command_output.starts_with_output(lines[:_SNIFF_LINES])
    if parser is not None:
        fmt: str | None = str(member.kind)
    else:
        fmt = None if output_first else sniff_format(lines[:_SNIFF_LINES])
    if parser is not None:
        events = parser(replace(member, opener=lambda: io.BytesIO(text)), inner_ctx)
    elif fmt is not None and (parser := _delegate(fmt)) is not None:
        events = parser(replace(member, kind=_FORMAT_KINDS[fmt], opener=lambda: io.BytesIO(text)), inner_ctx)
    else:
        events = _generic_records(member, inner_ctx, iter(lines), _mostly_timestamped(lines), output_first)
    covered: set[int] = set()
    for event in events:
        event.line_start = where[min(event.line_start, len(where)) - 1]
        event.line_end = where[min(event.line_end, len(where)) - 1]
        covered.update(range(event.line_start, event.line_end + 1))
        yield event
    ctx.coverage.notes.append(f"read as {fmt or 'text'} in its first layout ({len(lines)} lines out of "
                              f"{physical}: a flattened, indented or double-spaced paste)")
    ctx.coverage.lines += physical
    ctx.coverage.records += inner.records
    for number, line in enumerate(lines, 1):
        if where[number - 1] not in covered and line.strip():
            covered.add(where[number - 1])
            ctx.coverage.add_unparsed(where[number - 1], line)


def _mostly_timestamped(lines: list[str]) -> bool:
    body = [line for line in lines if line.strip()][:_SNIFF_LINES]
    return bool(body) and sum(1 for line in body if _TIMESTAMP.match(line)) * 2 >= len(body)


def _generic_records(member: Member, ctx: ParseContext, lines: Iterator[str],
                     timestamped: bool, output_first: bool = False) -> Iterator[Event]:
    """Records of text of no known format; ``output_first``: the text opens with an extension's
    ``[stdout]``/``[stderr]`` sections pasted without their agent line
    (:mod:`~loganalyzer.parsers.command_output`), read as one record first."""
    pending: PendingRecord | None = None
    state = FormatState()
    in_output = False
    in_pem = False        # a PEM block stays one record, so redaction sees it whole
    du = DuUnit()         # the unit of du output lines, from the last du command line
    line_no = 0
    output = command_output.OutputReader() if output_first else None
    for line_no, line in enumerate(lines, 1):
        if output is not None:
            if pending is None:
                pending = PendingRecord(line_no, [], generation=command_output.GENERATION)
            if output.takes(line):
                if pending.parts or line.strip():   # blank lines before the first section: range only
                    pending.add(line_no, line)
                else:
                    pending.line_end = line_no
                continue
            output = None
        starts = not in_pem and _starts_record(line, pending is None, timestamped, in_output)
        if line.startswith("-----BEGIN "):
            in_pem = True
        elif in_pem and line.startswith("-----END "):
            in_pem = False
        if not starts:
            assert pending is not None
            pending.add(line_no, line)
            if line.strip() in _OUTPUT_SECTIONS:
                in_output = True
            continue
        if pending is not None:
            yield _finish(pending, member)
            ctx.coverage.records += 1
        pending = _start(line_no, line, ctx.tz, state)
        if not du.see_command(line) and (size := du.size_of(line)) is not None:
            pending.fields["du_bytes"], pending.fields["du_path"] = size
        in_output = line.strip() in _OUTPUT_SECTIONS
    ctx.coverage.lines = line_no
    if pending is not None:
        yield _finish(pending, member)
        ctx.coverage.records += 1


def _starts_record(line: str, first: bool, timestamped: bool, in_output: bool) -> bool:
    if first:
        return True
    if in_output:
        return bool(_TAG_LINE.match(line))
    if _TIMESTAMP.match(line):
        return True
    if timestamped or not line.strip() or line[0] in " \t":
        return False
    return line.strip() not in _OUTPUT_SECTIONS


def _start(line_no: int, line: str, tz: tzinfo, state: FormatState | None = None) -> PendingRecord:
    if _WAAGENT_LINE.match(line):
        # an agent record inside other text: read with the agent's own line format
        agent = RECORD_START_AT_LINE.match(line)
        tok1 = agent.group("tok1") if agent is not None else None
        if agent is not None and (agent.group("tok2") or agent.group("iso") is None
                                  or (tok1 is not None and (tok1 in THREAD_NAMES or tok1[0] == "["))):
            ts, kind, level, generation, thread, source, ext, ext_ver = decode_header(
                agent.groups(), state or FormatState(), tz)
            return PendingRecord(line_no, [agent.group("msg")], timestamp=ts, time_kind=kind, level=level,
                                 generation=generation, extension=ext, extension_version=ext_ver,
                                 thread=thread, source=source)
    m = _TIMESTAMP.match(line)
    if m is None:
        return PendingRecord(line_no, [line], generation="text")
    ts, kind, generation, uptime = _timestamp(m, tz)
    rest = line[m.end():]
    level = None
    lm = _LEVEL.match(rest)
    if lm:
        level = "WARNING" if lm.group(1) == "WARN" else lm.group(1)
        rest = rest[lm.end():]
    else:
        rest = rest[1:] if rest.startswith(" ") else rest
    record = PendingRecord(line_no, [rest], timestamp=ts, time_kind=kind, level=level, generation=generation)
    if uptime is not None:
        record.fields["uptime_seconds"] = uptime
    prefix = _HANDLER_PREFIX.match(rest)
    if prefix:
        record.extension, record.extension_version = prefix.group(1), prefix.group(2)
        record.parts[0] = rest[prefix.end():]
        record.generation = "handlerutil"
    return record


def status_echo_fields(message: str) -> dict[str, Any]:
    """``handler_*`` fields of a HandlerUtil status echo ``Enable,success,0,Enable succeeded``.

    >>> status_echo_fields("Enable,success,0,Enable succeeded")["handler_status_code"]
    0
    """
    m = STATUS_ECHO.match(message)
    if m is None:
        return {}
    return {"handler_operation": m.group(1), "handler_status": m.group(2),
            "handler_status_code": int(m.group(3)), "handler_status_message": m.group(4)}


def _finish(pending: PendingRecord, member: Member) -> Event:
    if pending.generation == command_output.GENERATION:
        pending.parts = [command_output.strip_duration(pending.message)]
        if pending.extension is None:
            pending.extension, pending.extension_version = command_output.extension_named(pending.parts[0])
    message = pending.message
    fields = extract_fields(message) or {}
    if "exit_code" not in fields:
        code = exit_code_of(message)
        if code is not None:
            fields["exit_code"] = code
    if pending.generation == "handlerutil" and "," in message:
        fields.update(status_echo_fields(message))
    return pending.to_event(member, fields)
