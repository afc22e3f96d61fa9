"""``results.txt`` at the root of a ``waagent -collect-logs`` zip (formats.md §1.1).

Python logging lines ``%Y-%m-%dT%H:%M:%SZ LEVEL message`` (UTC); a line without
that header continues the previous record (``ls -alF`` output, multi-line
errors).  Every record becomes an Event (kind ``collector_results``) with, when
the message says it, fields ``collector_action`` (``listed``, ``added``,
``truncated``, ``discarded``, ``missing``, ``failed``, ``archive_full``,
``archive_size``, ``compressed_size``, ``elapsed``, ``command``, ``mode``),
``collector_file`` and ``collector_size`` (int).  The document
:class:`CollectorResults` says what the collector added, truncated and dropped,
and keeps the directory listings (which extension directories and goal-state
files existed even when they were not copied).

>>> r = parse_record_header("2023-05-01T12:00:00Z INFO Adding file /var/log/waagent.log, size 123 b")
>>> r[1], r[2]
('INFO', 'Adding file /var/log/waagent.log, size 123 b')
>>> classify_message("Adding truncated file "
...                  "/var/lib/waagent/logcollector/truncated/_var_log_syslog, size 30 b")
{'collector_action': 'truncated', 'collector_file': '/var/log/syslog', 'collector_size': 30}
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..model import Event, TimeKind
from ..sources.base import Member
from ..textio import iter_lines
from .base import ParseContext

_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) (DEBUG|INFO|WARNING|ERROR|CRITICAL) ?(.*)$")
_TRUNCATED_DIR = "/var/lib/waagent/logcollector/truncated/"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Adding file (?P<file>.+), size (?P<size>\d+) b$"), "added"),
    (re.compile(r"^Adding truncated file (?P<file>.+), size (?P<size>\d+) b$"), "truncated"),
    (re.compile(r"^Discarding large binary file (?P<file>.+)$"), "discarded"),
    (re.compile(r"^File (?P<file>.+) does not exist, skipping collection for this file$"), "missing"),
    (re.compile(r"^Failed to add file (?P<file>.+?) to the archive: "), "failed"),
    (re.compile(r"^Archive too big, done with adding files\.$"), "archive_full"),
    (re.compile(r"^Uncompressed archive size is (?P<size>\d+) b$"), "archive_size"),
    (re.compile(r"^Successfully compressed files\. Compressed archive size is (?P<size>\d+) b$"),
     "compressed_size"),
    (re.compile(r"^Elapsed time: (?P<size>\d+) ms$"), "elapsed"),
    (re.compile(r"^Output of command \[(?P<file>[^\]]*)\]:"), "command"),
    (re.compile(r"^Using log collection mode (?P<file>\w+)$"), "mode"),
    (re.compile(r"^(?P<file>/\S+)$"), "listed"),
]
_LS_ENTRY = re.compile(
    r"^[-dlcbps][-rwxsStT.+@]{9,}\s+\d+\s+\S+\s+\S+\s+[\d,]+\s+\w{3}\s+\d+\s+[\d:]+\s+(.+)$")


def parse_record_header(line: str) -> tuple[datetime, str, str] | None:
    """``(timestamp, level, message)`` of a record-start line, ``None`` for a continuation line."""
    m = _HEADER.match(line)
    if m is None:
        return None
    ts = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return ts, m.group(2), m.group(3)


def original_path(truncated: str) -> str:
    """Map ``…/logcollector/truncated/_var_log_syslog.1`` back to ``/var/log/syslog.1`` (best effort)."""
    if not truncated.startswith(_TRUNCATED_DIR):
        return truncated
    name = truncated[len(_TRUNCATED_DIR):]
    return "/" + name.lstrip("_").replace("_", "/")


def classify_message(message: str) -> dict[str, Any] | None:
    """The ``collector_*`` fields of one record's first line, ``None`` when it is free text."""
    first = message.split("\n", 1)[0]
    for pattern, action in _PATTERNS:
        m = pattern.match(first)
        if m is None:
            continue
        fields: dict[str, Any] = {"collector_action": action}
        groups = m.groupdict()
        if groups.get("file"):
            path = groups["file"]
            fields["collector_file"] = original_path(path) if action == "truncated" else path
        if groups.get("size"):
            fields["collector_size"] = int(groups["size"])
        return fields
    return None


@dataclass(slots=True)
class CollectorResults:
    """What ``waagent -collect-logs`` did, from its own log."""

    mode: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    listed: list[str] = field(default_factory=list)
    added: list[tuple[str, int]] = field(default_factory=list)
    truncated: list[tuple[str, int]] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    archive_full: bool = False
    uncompressed_size: int | None = None
    compressed_size: int | None = None
    elapsed_ms: int | None = None
    errors: list[str] = field(default_factory=list)
    #: ``ls -alF`` output per directory: entry names (``/`` suffix = directory)
    listings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def not_collected(self) -> list[str]:
        """Files the manifest matched but the archive did not get (size cap, errors)."""
        taken = {p for p, _ in self.added} | {p for p, _ in self.truncated}
        return [p for p in self.listed if p not in taken]


def _apply(doc: CollectorResults, ts: datetime, level: str, message: str,
           fields: dict[str, Any] | None) -> None:
    doc.started = doc.started or ts
    doc.finished = ts
    if level in ("ERROR", "CRITICAL"):
        doc.errors.append(message.split("\n", 1)[0][:500])
    if fields is None:
        return
    action = fields["collector_action"]
    path = fields.get("collector_file")
    size = fields.get("collector_size")
    if action == "added":
        doc.added.append((path, size))
    elif action == "truncated":
        doc.truncated.append((path, size))
    elif action in ("listed", "discarded", "missing", "failed"):
        getattr(doc, action).append(path)
    elif action == "archive_full":
        doc.archive_full = True
    elif action == "archive_size":
        doc.uncompressed_size = size
    elif action == "compressed_size":
        doc.compressed_size = size
    elif action == "elapsed":
        doc.elapsed_ms = size
    elif action == "mode":
        doc.mode = path
    elif action == "command" and path and path.startswith("ls "):
        folder = path.split()[-1]
        doc.listings[folder] = [m.group(1) for m in map(_LS_ENTRY.match, message.split("\n")[1:]) if m]


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``results.txt``: one Event per record, document :class:`CollectorResults`."""
    doc = CollectorResults()
    pending: list[Any] | None = None   # [ts, level, lines, start, end]
    number = 0

    def flush(rec: list[Any]) -> Event:
        message = "\n".join(rec[2])
        fields = classify_message(message)
        _apply(doc, rec[0], rec[1], message, fields)
        ctx.coverage.records += 1
        return Event(timestamp=rec[0], time_kind=TimeKind.UTC, level=rec[1],
                     message=message, path=member.path,
                     line_start=rec[3], line_end=rec[4], kind=str(member.kind), generation="collector",
                     source="LogCollector", fields=fields)

    with member.open() as stream:
        for number, line in enumerate(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage), start=1):
            header = parse_record_header(line)
            if header is not None:
                if pending is not None:
                    yield flush(pending)
                pending = [header[0], header[1], [header[2]], number, number]
            elif pending is not None:
                pending[2].append(line)
                pending[4] = number
            elif line.strip():
                ctx.coverage.add_unparsed(number, line)
        if pending is not None:
            yield flush(pending)
    ctx.coverage.lines = number
    ctx.add_document(str(member.kind), member.path, doc)
