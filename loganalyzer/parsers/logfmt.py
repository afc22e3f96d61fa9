"""Go extension handler logs in go-kit logfmt: CustomScript v2 and Run Command ``handler.log``.

One record per line of ``key=value`` pairs; values with spaces or quotes are quoted
with Go escapes (``\\"``, ``\\\\``, ``\\n``, ``\\t``, ``\\r``, ``\\uXXXX``)::

    time=2018-04-26T17:47:23Z version=v2.0.6/git@1008306-clean operation=enable seq=0 event=start
    time=2018-04-26T17:47:23Z version=v2.0.6/git@1008306-clean operation=enable seq=0 \
        event="failed to handle" error="…"        (one line in the file)

``time`` (RFC 3339) becomes the timestamp, ``level`` (when present) the level.  Every
pair lands in ``fields`` as ``handler_<key>`` (``handler_operation``, ``handler_event``,
``handler_error``, ``handler_message`` — also the misspelt ``messsage`` key some versions
log — ``handler_version``; ``handler_seq`` is an int).  The message is the raw line.
A line that does not start with ``key=`` (raw script output, a panic trace) continues the
record above.  An unterminated quote takes the rest of the line as the value.

>>> pairs('operation=enable seq=0 event="failed to handle" error="exit status=1\\\\n"')
{'operation': 'enable', 'seq': '0', 'event': 'failed to handle', 'error': 'exit status=1\\n'}
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..model import Event, TimeKind
from ..sources.base import Member
from ..textio import iter_lines
from .base import ParseContext
from .generic import PendingRecord
from .handler_files import parse_utc

_STARTS_PAIR = re.compile(r"\s*[A-Za-z_][\w.\-/]*=")
_KEY = re.compile(r"\s*([^\s=\"]+)=")
_BARE_VALUE = re.compile(r"[^\s]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/"}
_KEY_ALIASES = {"messsage": "message", "msg": "message", "ts": "time"}


def pairs(line: str) -> dict[str, str]:
    """The ``key=value`` pairs of one logfmt line, quotes and escapes resolved."""
    found: dict[str, str] = {}
    pos, end = 0, len(line)
    while pos < end:
        m = _KEY.match(line, pos)
        if m is None:
            break
        key, pos = m.group(1), m.end()
        if pos < end and line[pos] == '"':
            value, pos = _quoted(line, pos + 1)
        else:
            v = _BARE_VALUE.match(line, pos)
            value, pos = v.group(), v.end()   # type: ignore[union-attr]
        found[key] = value
    return found


def _quoted(line: str, pos: int) -> tuple[str, int]:
    """Read a quoted value starting after its opening quote; ``(value, position after it)``."""
    out: list[str] = []
    end = len(line)
    while pos < end:
        ch = line[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\\" and pos + 1 < end:
            nxt = line[pos + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", line[pos + 2:pos + 6]):
                out.append(chr(int(line[pos + 2:pos + 6], 16)))
                pos += 6
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            pos += 2
            continue
        out.append(ch)
        pos += 1
    return "".join(out), end


def record_fields(found: dict[str, str]) -> dict[str, Any]:
    """``handler_<key>`` fields from the pairs of one line (``seq`` as int when it is one).

    >>> record_fields({"seq": "3", "event": "end", "messsage": "done"})
    {'handler_seq': 3, 'handler_event': 'end', 'handler_message': 'done'}
    """
    fields: dict[str, Any] = {}
    for key, value in found.items():
        name = _KEY_ALIASES.get(key, key)
        if name in ("time", "level"):
            continue
        if name == "seq" and value.lstrip("-").isdigit():
            fields["handler_seq"] = int(value)
        else:
            fields[f"handler_{name}"] = value
    return fields


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """One Event per logfmt line of a Go handler's ``handler.log``."""
    pending: PendingRecord | None = None
    line_no = 0
    with member.open() as stream:
        for line_no, line in enumerate(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage), 1):
            if not _STARTS_PAIR.match(line):
                if pending is not None:
                    pending.add(line_no, line)
                elif line.strip():
                    ctx.coverage.add_unparsed(line_no, line)
                continue
            if pending is not None:
                ctx.coverage.records += 1
                yield pending.to_event(member)
            pending = _start(line_no, line)
    ctx.coverage.lines = line_no
    if pending is not None:
        ctx.coverage.records += 1
        yield pending.to_event(member)


def _start(line_no: int, line: str) -> PendingRecord:
    found = pairs(line)
    ts = parse_utc(found.get("time") or found.get("ts"))
    level = found.get("level")
    return PendingRecord(line_no, [line], timestamp=ts, time_kind=TimeKind.UTC if ts else TimeKind.NONE,
                         level=level.upper() if level else None, generation="logfmt",
                         fields=record_fields(found))
