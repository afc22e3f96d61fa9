"""The line formats of every WALinuxAgent generation: one table, one fast record-start regex.

A physical line of ``waagent.log`` starts a record iff it matches :data:`HEADER_PATTERN`;
any other line continues the previous record.  The pattern is one regex for all
generations (so a chunk of text is scanned with a single ``finditer``), and
:func:`decode_header` turns its groups into :data:`HeaderFields` naming the generation
(:func:`parse_header_line` gives the same as a :class:`Header`).

Generations (``Event.generation``), oldest first:

=================  ==========================================================================
``1.x-2.0``        ``2016/12/16 17:18:09 ERROR:msg`` — local time, no fraction; level glued
                   (``WARNING:``/``ERROR:``), none means INFO.  The single-file agent stamps and
                   prefixes *every* line of a message (an empty one is the bare stamp):
                   :mod:`~loganalyzer.parsers.legacy_multiline` joins a traceback again.
``ext-2.0``        ``2021/03/30 19:45:31 [Name-Ver] msg`` — written into waagent.log by an
                   extension through the 2.0 logger library (local time, INFO unless glued).
``2.1-2.2.30``     ``2017/06/14 22:46:43.331214 WARNING msg`` — local time, µs, level token; an
                   extension-instance line may carry ``[Name-Ver]`` (also the form of 2.2.31–2.2.45
                   ``[Name-Ver]`` lines when no ``Daemon``/``ExtHandler`` line was seen before).
``2.2.31-2.2.45``  ``2019/06/06 22:24:35.982462 INFO ExtHandler msg`` — local time + process prefix.
``2.2.46``         ``2021-05-28T01:17:40.683072Z INFO ExtHandler msg`` — UTC, one token (prefix).
``2.2.47+``        ``2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler msg`` — UTC, thread +
                   prefix (``Daemon``/``ExtHandler``/``LogCollector``/``Firewall``/``[Name-Ver]``).
``2.8+-noprefix``  ``2025-07-30T02:15:50.694099Z ERROR ExtHandler msg`` — the 2.8+ goal-state code
                   logs with a thread but no prefix.  A one-token UTC line is called so when the
                   token is not ``Daemon``, ``ExtHandler`` or ``[…]``, or when a 2.2.47+ line was
                   seen earlier in the file and the line is dated 2022 or later (2.8 shipped in
                   2022); otherwise it is ``2.2.46``.
``no-timestamp``   ``ERROR ExtHandler ExtHandler msg`` / ``INFO msg`` / ``ERROR:msg`` — posted excerpts
                   whose timestamps were cut off (or shortened to a time of day, ``21:00:04.12 INFO
                   …``); recognised only before the first timestamped record of a file.
=================  ==========================================================================

Fields: ``thread`` is the thread name (2.2.47+ and 2.8+-noprefix); ``source`` is the
process prefix exactly as written (``Daemon``, ``ExtHandler``, ``[Name-Ver]``…), for a
one-token UTC line that token; ``extension``/``extension_version`` come from a
``[Name-Ver]`` (or multi-config ``[Name.ExtName-Ver]``) prefix.

Timestamps: ``…Z`` is UTC (``time_kind=utc``); slash formats are wall-clock time of the VM,
interpreted in the caller's zone and flagged ``time_kind=local``.  Odd timestamps seen in
real posts (``00:3:52``, no fraction) still start a record; the time is built from the
numbers when they form a valid date, else the record has no timestamp (``time_kind=none``).
A single stray letter glued before a timestamp (``q2017/08/02 …``, a posting accident) is
tolerated.

>>> h = parse_header_line("2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler Agent up")
>>> (h.generation, h.level, h.thread, h.source, h.timestamp.isoformat())
('2.2.47+', 'INFO', 'ExtHandler', 'ExtHandler', '2023-03-13T15:44:04.906673+00:00')
>>> h = parse_header_line("2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] cwd")
>>> (h.generation, h.level, h.extension, h.extension_version, h.time_kind.value)
('ext-2.0', 'INFO', 'Microsoft.Azure.Monitor.AzureMonitorLinuxAgent', '1.7.0', 'local')
>>> parse_header_line("  File \\"/usr/lib/python3/update.py\\", line 280, in run") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from ..model import TimeKind
from .localtime import local_to_utc

LEVELS = ("VERBOSE", "INFO", "WARNING", "ERROR")
PROCESS_PREFIXES = ("Daemon", "ExtHandler", "LogCollector", "Firewall")

_LEVEL = r"VERBOSE|INFO|WARNING|ERROR"
_ISO_TS = r"\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?Z"
_SLASH_TS = r"\d{4}/\d{1,2}/\d{1,2}\x20\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?"
#: An extension-instance prefix ``[Name-1.2.3]``; other brackets (``[HTTP Retry]``, ``[CGW]``,
#: ``[PERIODIC]``) start the message.
_BRACKET = r"\[[^\]\s]+-\d+(?:\.\d+)*\]"
_END = r"(?=[\x20\n]|\Z)"

#: The record-start regex of every generation (groups decoded by :func:`decode_header`).
#: ``ihead``/``shead`` span the level and prefixes, so a hot loop can cache a header by one string.
HEADER_PATTERN = (
    r"[\x20\t]*"                                             # indented (quoted, pasted) lines
    r"[A-Za-z]?"                                             # stray glued letter (posted logs)
    r"(?:"
    rf"(?P<iso>{_ISO_TS})\x20(?P<ihead>(?P<ilevel>{_LEVEL}){_END}"     # UTC generations
    rf"(?:\x20(?P<tok1>{_BRACKET}|[^\s\[]\S*))?"
    rf"(?:\x20(?P<tok2>{'|'.join(PROCESS_PREFIXES)}|{_BRACKET}){_END})?)"
    rf"|(?P<slash>{_SLASH_TS})"                              # local-time generations
    rf"(?:\x20(?P<shead>(?P<slevel>{_LEVEL}){_END}(?:\x20(?P<stok>Daemon|ExtHandler|{_BRACKET}){_END})?)"
    rf"|\x20?(?P<glued>WARNING:|ERROR:)?(?:\x20?(?P<eprefix>{_BRACKET}))?)"
    r")\x20?(?P<msg>[^\n]*)"
)
#: Positions of the groups in ``match.groups()`` (a tuple index is faster than a name).
(G_ISO, G_IHEAD, G_ILEVEL, G_TOK1, G_TOK2, G_SLASH, G_SHEAD, G_SLEVEL, G_STOK, G_GLUED, G_EPREFIX,
 G_MSG) = range(12)

#: Scans a block of text: a record starts right after each matched ``\\n``.
RECORD_START_IN_TEXT = re.compile("\n" + HEADER_PATTERN)
#: Matches a header at the start of one line.
RECORD_START_AT_LINE = re.compile(HEADER_PATTERN)
#: The line nearly every record of a current log has (2.2.47+, unindented, a six-digit fraction, a
#: thread and a process prefix): groups ``(iso, ihead, msg)``.  Every line it matches
#: :data:`HEADER_PATTERN` matches over the same span, with the same ``iso``, ``ihead`` and ``msg``
#: and a ``tok2`` (each of its parts is the first choice the general pattern tries there); it has
#: only three groups to fill, so a block is scanned in about 60% of the time.
CURRENT_LINE_PATTERN = (
    rf"(\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{6}}Z)\x20"
    rf"((?:{_LEVEL})\x20[^\s\[]\S*\x20(?:{'|'.join(PROCESS_PREFIXES)}|{_BRACKET}))(?=\x20)\x20([^\n]*)"
)
#: Groups of :data:`CURRENT_LINE_PATTERN` before those of :data:`HEADER_PATTERN` in the block patterns.
CURRENT_GROUPS = 3
#: Scans a block of text: the current-line shape first, any other header after it (both start
#: right after the matched ``\n``); record starts and spans are those of :data:`RECORD_START_IN_TEXT`.
RECORD_START_FAST = re.compile(f"\n(?:{CURRENT_LINE_PATTERN}|{HEADER_PATTERN})")
#: The same groups with the current-line branch switched off: the general pattern alone (the
#: reference the fast branch is tested against).
RECORD_START_GENERAL = re.compile(f"\n(?:(?!){CURRENT_LINE_PATTERN}|{HEADER_PATTERN})")
#: Thread names of the agent (formats.md §2.2): a timestamp-less ``LEVEL <name> msg`` line names one.
THREAD_NAMES = ("Daemon", "ExtHandler", "MonitorHandler", "EnvHandler", "TelemetryEventsCollector",
                "SendTelemetryHandler", "CollectLogsHandler", "LogCollectorMonitorHandler", "Firewall",
                "MainThread", "LogCollector")
#: ``hh:mm:ss[.ff]`` — a time of day without its date (tools that show one day's lines).
_CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"
#: Timestamp-less record starts (``LEVEL [THREAD] [PREFIX] msg``, ``ERROR:msg``, maybe indented and
#: behind a bare time of day ``hh:mm:ss.ff``), only before a file's first timestamped record.
NO_TIMESTAMP_START = re.compile(
    rf"[\x20\t]*(?:(?P<clock>{_CLOCK})\x20)?"
    rf"(?:(?P<level>{_LEVEL}){_END}"
    rf"(?:\x20(?P<thread>[^\s\[]\S*)(?=\x20(?:{'|'.join(PROCESS_PREFIXES)}|{_BRACKET}){_END}))?"
    rf"(?:\x20(?P<tok>{'|'.join(THREAD_NAMES)}|{_BRACKET}){_END})?"
    r"|(?P<glued>WARNING:|ERROR:)"
    rf"|(?P<eprefix>{_BRACKET})(?=\x20))\x20?")

#: A timestamp-less agent line inside a file with timestamps (a post whose poster cut some of them):
#: only the strict form — a level, then a thread and process name or a known thread name.
TIMELESS_LINE_STRICT = re.compile(
    rf"[\x20\t]*(?:{_LEVEL})\x20(?:[^\s\[]\S*\x20)?(?:{'|'.join(THREAD_NAMES)}|{_BRACKET})\x20")
TIMELESS_IN_TEXT = re.compile(r"\n" + TIMELESS_LINE_STRICT.pattern)
#: The same for generations that wrote no thread name (1.x-2.2.30: ``LEVEL msg``): after one of
#: their records, a line that starts with a level word and then a capital, a digit or a bracket.
TIMELESS_LINE_THREADLESS = re.compile(rf"[\x20\t]*(?:{_LEVEL})\x20(?=[A-Z0-9\[])")
TIMELESS_THREADLESS_IN_TEXT = re.compile(r"\n" + TIMELESS_LINE_THREADLESS.pattern)
#: Generations whose records carry no thread name.
THREADLESS_GENERATIONS = frozenset({"1.x-2.0", "2.1-2.2.30"})

#: Agent 2.8 shipped in 2022: an earlier one-token ``Daemon``/``ExtHandler`` line is 2.2.46.
_FIRST_2_8_YEAR = 2022
_EXTENSION_PREFIX = re.compile(r"\[(?P<name>[^\]\s]+?)-(?P<ver>\d+(?:\.\d+)*)\]")


@dataclass(slots=True)
class Header:
    """What a record-start line says besides its message."""

    timestamp: datetime | None
    time_kind: TimeKind
    level: str
    generation: str
    thread: str | None = None
    source: str | None = None
    extension: str | None = None
    extension_version: str | None = None


@dataclass(slots=True)
class FormatState:
    """Per-file memory that settles ambiguous one-token lines (see the module docstring)."""

    seen_five_field: bool = False
    seen_process_prefix: bool = False
    static_cache: dict[tuple[str, str, str | None, str | None], tuple[str, str, str | None, str | None,
                                                                      str | None, str | None]] = field(
        default_factory=dict)


def split_extension_prefix(prefix: str) -> tuple[str | None, str | None]:
    """``[Name-1.2.3]`` → ``("Name", "1.2.3")``; anything else → ``(None, None)``.

    >>> split_extension_prefix("[Microsoft.CPlat.Core.RunCommandHandlerLinux.MyRun-1.3.2]")
    ('Microsoft.CPlat.Core.RunCommandHandlerLinux.MyRun', '1.3.2')
    """
    m = _EXTENSION_PREFIX.fullmatch(prefix)
    return (m.group("name"), m.group("ver")) if m else (None, None)


def _loose_datetime(text: str) -> datetime | None:
    """Best effort for odd stamps such as ``2017/05/24 00:3:52.313748``."""
    parts = re.split(r"[-/T :.Z]", text)
    try:
        y, mo, d, h, mi, s = (int(p) for p in parts[:6])
        frac = parts[6] if len(parts) > 6 else ""
        micro = int((frac + "000000")[:6]) if frac.isdigit() else 0
        return datetime(y, mo, d, h, mi, s, micro)
    except (ValueError, TypeError):
        return None


_fromisoformat = datetime.fromisoformat


def parse_iso_utc(text: str) -> datetime | None:
    """``2023-03-13T15:44:04.906673Z`` → aware UTC datetime (``None`` when not a real date)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        loose = _loose_datetime(text)
        return loose.replace(tzinfo=UTC) if loose else None


def parse_local(text: str, tz: tzinfo) -> datetime | None:
    """``2019/06/06 22:24:35.982462`` read as wall-clock time in ``tz`` → aware UTC datetime."""
    try:
        if tz is UTC:   # the common case: one C call gives the aware value
            return _fromisoformat(text.replace("/", "-") + "+00:00")
        naive = _fromisoformat(text.replace("/", "-"))
    except ValueError:
        naive = _loose_datetime(text)
        if naive is None:
            return None
    return local_to_utc(naive, tz)


#: ``(timestamp, time_kind, level, generation, thread, source, extension, extension_version)`` —
#: the tuple form of :class:`Header` used on the hot path.
HeaderFields = tuple[datetime | None, TimeKind, str, str, str | None, str | None, str | None, str | None]
_Static = tuple[str, str, str | None, str | None, str | None, str | None]


def _static(state: FormatState, level: str, generation: str, thread: str | None,
            source: str | None) -> _Static:
    """The non-time part of a header, cached per file (few distinct combinations exist)."""
    key = (level, generation, thread, source)
    hit = state.static_cache.get(key)
    if hit is None:
        ext, ver = split_extension_prefix(source) if source and source[0] == "[" else (None, None)
        hit = (level, generation, thread, source, ext, ver)
        if len(state.static_cache) < 4096:
            state.static_cache[key] = hit
    return hit


def decode_header(groups: tuple[str | None, ...], state: FormatState, tz: tzinfo) -> HeaderFields:
    """Turn the groups of :data:`HEADER_PATTERN` (``match.groups()``) into :data:`HeaderFields`."""
    iso, _, ilevel, tok1, tok2, slash, _, slevel, stok, glued, eprefix = groups[:G_MSG]
    if iso is not None:
        try:
            ts: datetime | None = _fromisoformat(iso)
        except ValueError:
            ts = parse_iso_utc(iso)
        kind = TimeKind.UTC if ts is not None else TimeKind.NONE
        if tok2 is not None:
            state.seen_five_field = True
            return (ts, kind, *_static(state, ilevel, "2.2.47+", tok1, tok2))  # type: ignore[arg-type]
        if tok1 is None or tok1[0] == "[":
            return (ts, kind, *_static(state, ilevel, "2.2.46", None, tok1))  # type: ignore[arg-type]
        if tok1 not in ("Daemon", "ExtHandler") or (
                state.seen_five_field and (ts is None or ts.year >= _FIRST_2_8_YEAR)):
            return (ts, kind, *_static(state, ilevel, "2.8+-noprefix", tok1, tok1))  # type: ignore[arg-type]
        return (ts, kind, *_static(state, ilevel, "2.2.46", None, tok1))  # type: ignore[arg-type]
    ts = parse_local(slash, tz)  # type: ignore[arg-type]
    kind = TimeKind.LOCAL if ts is not None else TimeKind.NONE
    if slevel is not None:
        if stok is None:
            generation = "2.1-2.2.30"
        elif stok[0] == "[":
            generation = "2.2.31-2.2.45" if state.seen_process_prefix else "2.1-2.2.30"
        else:
            state.seen_process_prefix = True
            generation = "2.2.31-2.2.45"
        return (ts, kind, *_static(state, slevel, generation, None, stok))
    level = glued[:-1] if glued else "INFO"
    generation = "ext-2.0" if eprefix is not None else "1.x-2.0"
    return (ts, kind, *_static(state, level, generation, None, eprefix))


#: Distinct headers cached per file (a hostile file could make every header different).
MAX_CACHED_HEADERS = 4096


class HeaderCache:
    """:func:`decode_header` with a cache: a 2.2.47+ or 2.1-2.2.45 header is decoded once per
    distinct level-and-prefixes text (``ihead``/``shead``), later lines only read their time.
    (:func:`~loganalyzer.parsers.waagent_log.parse_chunks` inlines the same caches in its hot
    loop, where a method call per record would cost 5%.)

    >>> cache = HeaderCache(FormatState(), UTC)
    >>> line = "2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler Agent up"
    >>> cache.decode(RECORD_START_AT_LINE.match(line).groups())[2:5]
    ('INFO', '2.2.47+', 'ExtHandler')
    """

    __slots__ = ("five_field", "local_level", "local_prefix_seen", "state", "tz")

    def __init__(self, state: FormatState, tz: tzinfo) -> None:
        self.state = state
        self.tz = tz
        self.five_field: dict[str, tuple[Any, ...]] = {}    # "INFO ExtHandler ExtHandler" → static header
        self.local_level: dict[str, tuple[Any, ...]] = {}   # "INFO Daemon", "INFO [Ext-1.0]" → static header
        self.local_prefix_seen = False   # state.seen_process_prefix when local_level was filled

    def decode(self, groups: tuple[Any, ...]) -> HeaderFields:
        """The same as ``decode_header(groups, state, tz)``."""
        if groups[G_TOK2] is not None:
            static = self.five_field.get(groups[G_IHEAD])
            if static is not None:
                try:
                    return (datetime.fromisoformat(groups[G_ISO]), TimeKind.UTC, *static)
                except ValueError:
                    return decode_header(groups, self.state, self.tz)
            header = decode_header(groups, self.state, self.tz)
            if len(self.five_field) < MAX_CACHED_HEADERS:
                self.five_field[groups[G_IHEAD]] = header[2:]
            return header
        if groups[G_SHEAD] is not None:
            if self.state.seen_process_prefix is not self.local_prefix_seen:
                # "[Ext-1.0]" lines were 2.1-2.2.30 until a prefix was seen (here or elsewhere)
                self.local_level.clear()
                self.local_prefix_seen = self.state.seen_process_prefix
            static = self.local_level.get(groups[G_SHEAD])
            if static is not None:
                ts = parse_local(groups[G_SLASH], self.tz)
                return (ts, TimeKind.LOCAL if ts is not None else TimeKind.NONE, *static)
            header = decode_header(groups, self.state, self.tz)
            if self.state.seen_process_prefix is self.local_prefix_seen and \
                    len(self.local_level) < MAX_CACHED_HEADERS:
                self.local_level[groups[G_SHEAD]] = header[2:]
            return header
        return decode_header(groups, self.state, self.tz)


def decode_no_timestamp(m: re.Match[str], state: FormatState) -> HeaderFields:
    """Header of a timestamp-less line matched by :data:`NO_TIMESTAMP_START`."""
    level, thread, tok, glued, eprefix = m.group("level", "thread", "tok", "glued", "eprefix")
    if eprefix is not None:                      # an extension's 2.0-library line (ext-2.0)
        return (None, TimeKind.NONE, *_static(state, "INFO", "no-timestamp", None, eprefix))
    if glued is not None:
        return (None, TimeKind.NONE, *_static(state, glued[:-1], "no-timestamp", None, None))
    if thread is not None:                       # 2.2.47+: thread and prefix
        state.seen_five_field = True
        return (None, TimeKind.NONE, *_static(state, level, "no-timestamp", thread, tok))
    if tok is not None and tok[0] != "[" and tok not in ("Daemon", "ExtHandler"):
        # a thread name without a prefix: the 2.8+ goal-state code (as decode_header reads it)
        return (None, TimeKind.NONE, *_static(state, level, "no-timestamp", tok, tok))
    return (None, TimeKind.NONE, *_static(state, level, "no-timestamp", None, tok))


def parse_header_line(line: str, tz: tzinfo = UTC, state: FormatState | None = None) -> Header | None:
    """The :class:`Header` of one line, or ``None`` when the line continues a record."""
    m = RECORD_START_AT_LINE.match(line)
    if m is None:
        return None
    return Header(*decode_header(m.groups(), state or FormatState(), tz))


@dataclass(frozen=True, slots=True)
class Sample:
    """A real line with what the parser must read from it."""

    line: str
    level: str
    thread: str | None
    source: str | None
    message: str
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class RecordFormat:
    """One agent generation's line format, with real sample lines (checked by the tests)."""

    generation: str
    versions: str
    layout: str
    samples: tuple[Sample, ...]


RECORD_FORMATS: tuple[RecordFormat, ...] = (
    RecordFormat("1.x-2.0", "1.x – 2.0.x", "YYYY/MM/DD HH:MM:SS [WARNING:|ERROR:]msg", (
        Sample("2016/10/05 17:01:58 Azure Linux Agent Version: WALinuxAgent-2.0.16", "INFO", None, None,
               "Azure Linux Agent Version: WALinuxAgent-2.0.16"),
        Sample("2016/12/16 17:18:09 ERROR:Exception: No JSON object could be decoded", "ERROR", None, None,
               "Exception: No JSON object could be decoded"),
        Sample("2021/03/30 19:45:31 Azure Monitoring Agent for Linux started to handle.", "INFO", None, None,
               "Azure Monitoring Agent for Linux started to handle."),
        # rendered from the 2.0 logger: Warn(), and the last line of Error(format_exc()) (the bare prefix)
        Sample("2016/12/16 17:18:05 WARNING:Failed to mount resource disk. Retry mounting.", "WARNING", None,
               None, "Failed to mount resource disk. Retry mounting."),
        Sample("2016/12/16 17:18:09 ERROR:", "ERROR", None, None, ""),
    )),
    RecordFormat("ext-2.0", "extensions using the 2.0 logger library",
                  "YYYY/MM/DD HH:MM:SS [WARNING:|ERROR:][Name-Ver] msg", (
        Sample("2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] cwd is "
               "/var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0", "INFO", None,
               "[Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0]",
               "cwd is /var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0",
               "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent"),
        Sample("2017/08/02 15:09:55 [Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.3.127.7] Change "
               "log file to /var/log/azure/x/extension.log", "INFO", None,
               "[Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.3.127.7]",
               "Change log file to /var/log/azure/x/extension.log",
               "Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux"),
        # the backup extension's Python 2 code glues its message to the bracket (WALinuxAgent#525)
        Sample("2016/12/16 17:18:09 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-16 "
               "17:18:09.739891  Info  proceeded for accepting signals", "INFO", None,
               "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]",
               "2016-12-16 17:18:09.739891  Info  proceeded for accepting signals",
               "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"),
        # rendered from the 2.0 logger: Error() puts its prefix before the extension's bracket
        Sample("2016/12/16 17:18:11 ERROR:[Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1] Failed to "
               "reset the password", "ERROR", None, "[Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1]",
               "Failed to reset the password", "Microsoft.OSTCExtensions.VMAccessForLinux"),
    )),
    RecordFormat("2.1-2.2.30", "2.1.x – 2.2.30", "YYYY/MM/DD HH:MM:SS.ffffff LEVEL [[Name-Ver] ]msg", (
        Sample("2016/07/13 17:08:20.261798 INFO Determined Agent WALinuxAgent-2.1.5.6 to be the latest agent",
               "INFO", None, None, "Determined Agent WALinuxAgent-2.1.5.6 to be the latest agent"),
        Sample("2017/06/14 22:46:43.331214 WARNING Agent WALinuxAgent-2.2.12 launched with command "
               "'python3 -u /usr/sbin/waagent -run-exthandlers' failed with return code: 1", "WARNING", None,
               None, "Agent WALinuxAgent-2.2.12 launched with command 'python3 -u /usr/sbin/waagent "
               "-run-exthandlers' failed with return code: 1"),
        Sample("2017/05/24 00:3:52.313748 INFO Protocol endpoint not found: MetadataProtocol, [000008] "
               "[000009] HTTP GET failed", "INFO", None, None,
               "Protocol endpoint not found: MetadataProtocol, [000008] [000009] HTTP GET failed"),
        Sample("2019/11/14 00:10:28.024454 INFO "
               "[Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.12.13] Remove extension handler "
               "directory: /var/lib/waagent/x", "INFO", None,
               "[Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.12.13]",
               "Remove extension handler directory: /var/lib/waagent/x",
               "Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux"),
    )),
    RecordFormat("2.2.31-2.2.45", "2.2.31 – 2.2.45", "YYYY/MM/DD HH:MM:SS.ffffff LEVEL PREFIX msg", (
        Sample("2018/09/21 00:01:14.649882 INFO Daemon Azure Linux Agent Version:2.2.31", "INFO", None,
               "Daemon", "Azure Linux Agent Version:2.2.31"),
        Sample("2019/06/06 22:24:35.997905 WARNING ExtHandler failed to restart eth0: return code 127",
               "WARNING", None, "ExtHandler", "failed to restart eth0: return code 127"),
    )),
    RecordFormat("2.2.46", "2.2.46", "YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL PREFIX msg", (
        Sample("2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16", "INFO", None,
               "ExtHandler", "Wire server endpoint:168.63.129.16"),
        Sample("2021-05-28T01:17:40.683823Z WARNING ExtHandler Move rules file 70-persistent-net.rules to "
               "/var/lib/waagent/70-persistent-net.rules", "WARNING", None, "ExtHandler",
               "Move rules file 70-persistent-net.rules to /var/lib/waagent/70-persistent-net.rules"),
    )),
    RecordFormat("2.2.47+", "2.2.47 – HEAD", "YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL THREAD PREFIX msg", (
        Sample("2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent "
               "version 9.9.9.9)", "INFO", "ExtHandler", "ExtHandler",
               "Azure Linux Agent (Goal State Agent version 9.9.9.9)"),
        Sample("2021-07-29T04:40:17.190879Z WARNING EnvHandler ExtHandler Dhcp client is not running.",
               "WARNING", "EnvHandler", "ExtHandler", "Dhcp client is not running."),
        Sample("2021-03-30T19:45:33.793213Z INFO ExtHandler [Microsoft.Azure.Security.Monitoring."
               "AzureSecurityLinuxAgent-2.14.64] Target handler state: enabled [incarnation 3]", "INFO",
               "ExtHandler", "[Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent-2.14.64]",
               "Target handler state: enabled [incarnation 3]",
               "Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent"),
        Sample("2023-08-27T08:13:42.520557Z WARNING MainThread LogCollector Fetch failed: [HttpError] x",
               "WARNING", "MainThread", "LogCollector", "Fetch failed: [HttpError] x"),
        Sample("2019-11-27T22:22:48.123985Z VERBOSE ExtHandler ExtHandler Report vm agent status", "VERBOSE",
               "ExtHandler", "ExtHandler", "Report vm agent status"),
    )),
    RecordFormat("2.8+-noprefix", "2.8 – HEAD goal-state code",
                 "YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL THREAD msg", (
        Sample("2025-07-30T02:15:50.694099Z ERROR ExtHandler Error fetching the goal state certificates: "
               "Cannot convert PFX to PEM", "ERROR", "ExtHandler", "ExtHandler",
               "Error fetching the goal state certificates: Cannot convert PFX to PEM"),
        Sample("2025-07-30T02:15:50.000001Z INFO EnvHandler Fetched a new incarnation for the WireServer "
               "goal state [incarnation 2]", "INFO", "EnvHandler", "EnvHandler",
               "Fetched a new incarnation for the WireServer goal state [incarnation 2]"),
    )),
    RecordFormat("no-timestamp", "posted excerpts without timestamps", "LEVEL PREFIX msg | ERROR:msg", (
        Sample("ERROR ExtHandler Command: [iptables -w -t security -L OUTPUT --zero OUTPUT -nxv], return "
               "code: [4]", "ERROR", None, "ExtHandler",
               "Command: [iptables -w -t security -L OUTPUT --zero OUTPUT -nxv], return code: [4]"),
        Sample("ERROR:Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit", "ERROR",
               None, None, "Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit"),
    )),
)
"""Every generation with real sample lines (from formats.md §2.2, the e2e excerpts and the dev corpus)."""

GENERATIONS: tuple[str, ...] = tuple(f.generation for f in RECORD_FORMATS)
