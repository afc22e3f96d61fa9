"""Bounded bookkeeping of a rule's matches, and turning them into :class:`Finding` objects.

Memory stays bounded whatever the log size: counts, first/last times, a few evidence records,
and (for correlations) a capped list of match times.

>>> from loganalyzer.model import Event, TimeKind
>>> m = MatchSet()
>>> for n in range(10):
...     m.add(Event(None, TimeKind.NONE, "INFO", f"boom {n}", "w.log", n + 1, n + 1, "waagent_log"), {}, n)
>>> m.count, [e.line_start for e in m.evidence_events()]
(10, [1, 2, 3, 9, 10])
"""
from __future__ import annotations

import string
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..filekinds.identity import mentioned_in_text
from ..model import Event, Evidence

MAX_EVIDENCE = 5
MAX_TIMES = 20000
EXCERPT_CHARS = 400

_AGENT_NAMES = {"WALinuxAgent", "WALA", "waagent"}
BACKUP_EXTENSION = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def extension_of(event: Event, text: str, captures: dict[str, Any] | None = None) -> str | None:
    """The extension a record is about: capture ``ext``, the event's extension, the ``Event:``
    name, or a handler name/path in the text.

    >>> from loganalyzer.model import Event, TimeKind
    >>> e = Event(None, TimeKind.NONE, None, "Non-zero exit code: 3, /var/lib/waagent/"
    ...           "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9156.0/main/handle.sh install",
    ...           "x.txt", 1, 1, "other_text")
    >>> extension_of(e, e.message)
    'Microsoft.Azure.RecoveryServices.VMSnapshotLinux'
    """
    if captures and captures.get("ext"):
        return str(captures["ext"])
    f = event.fields
    name = f.get("event_name") if f else None
    if name and name not in _AGENT_NAMES and not str(name).startswith("WALinuxAgent"):
        return str(name)
    if event.extension and event.extension not in _AGENT_NAMES:
        return event.extension
    return mentioned_in_text(text)


def excerpt(event: Event, text: str | None = None) -> str:
    """Capped excerpt of a record, as written (reports redact it at their boundary, report/redaction.py).

    An ``Event:`` record whose message the agent encoded (base64 + zlib, agents 2.2.31–2.2.54)
    shows the decoded message, marked as decoded.

    >>> from loganalyzer.model import TimeKind
    >>> e = Event(None, TimeKind.NONE, "ERROR", "Event: name=X, op=Install, message=eJzLSM3Jy"
    ...           "Vcozy/KSQEAGgQEXQ==, duration=0", "waagent.log", 1, 1, "waagent_log",
    ...           fields={"event_encoded": True, "event_message": "hello world"})
    >>> excerpt(e)
    'Event: name=X, op=Install, message=[decoded base64+zlib] hello world, duration=0'
    """
    body = text if text is not None else event.message
    fields = event.fields
    if text is None and fields and fields.get("event_encoded") and "message=" in body:
        head, _, rest = body.partition("message=")
        cut = rest.rfind(", duration=")
        tail = rest[cut:] if cut >= 0 else ""
        body = f"{head}message=[decoded base64+zlib] {fields.get('event_message', '')}{tail}"
    if len(body) > EXCERPT_CHARS:
        body = body[:EXCERPT_CHARS - 1] + "…"
    return body


def to_evidence(event: Event) -> Evidence:
    return Evidence(path=event.path, line_start=event.line_start, line_end=event.line_end,
                    timestamp=event.timestamp, excerpt=excerpt(event), local=event.time_kind == "local")


@dataclass(slots=True)
class MatchSet:
    """Matches of one rule (for one group key)."""

    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    first: list[Event] = field(default_factory=list)
    last: deque[Event] = field(default_factory=lambda: deque(maxlen=2))
    worst: Event | None = None
    captures: dict[str, Any] = field(default_factory=dict)
    #: (timestamp or None, observation order, path) of every match, capped
    times: list[tuple[datetime | None, int, str]] = field(default_factory=list)
    extensions: set[str] = field(default_factory=set)
    keep_times: bool = True

    def add(self, event: Event, captures: dict[str, Any], order: int, ext: str | None = None) -> None:
        self.count += 1
        ts = event.timestamp
        if ts is not None:
            if self.first_seen is None or ts < self.first_seen:
                self.first_seen = ts
            if self.last_seen is None or ts > self.last_seen:
                self.last_seen = ts
        if len(self.first) < 3:
            self.first.append(event)
        else:
            self.last.append(event)
        if self.worst is None and (event.level or "").upper() in ("ERROR", "CRITICAL") \
                and event not in self.first:
            self.worst = event
        if captures:
            self.captures.update(captures)
        if ext:
            self.extensions.add(ext)
        if self.keep_times and len(self.times) < MAX_TIMES:
            self.times.append((ts, order, event.path))

    def evidence_events(self) -> list[Event]:
        picked = list(self.first)
        if self.worst is not None:
            picked.append(self.worst)
        for e in self.last:
            if e not in picked:
                picked.append(e)
        return picked[:MAX_EVIDENCE]


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "?"


#: The time-span phrase of summaries, said more simply when its two ends are one time or unknown.
_SPAN = "between {first_seen} and {last_seen}"


def render(template: str, values: dict[str, Any]) -> str:
    """``str.format`` that leaves unknown placeholders as ``?`` and never raises.

    >>> render("{count} failures of {extension}; {nope}", {"count": 3, "extension": "X"})
    '3 failures of X; ?'
    >>> at = "2024-05-30 13:15:47 UTC"
    >>> render("failed {times} between {first_seen} and {last_seen}.",
    ...        {"times": "once", "first_seen": at, "last_seen": at})
    'failed once at 2024-05-30 13:15:47 UTC.'
    >>> render("failed {times} between {first_seen} and {last_seen}.",
    ...        {"times": "twice", "first_seen": fmt_time(None), "last_seen": fmt_time(None)})
    'failed twice.'
    """
    if _SPAN in template and values.get("first_seen") == values.get("last_seen"):
        unknown = values.get("first_seen") == fmt_time(None)
        template = template.replace(" " + _SPAN if unknown else _SPAN, "" if unknown else "at {first_seen}")
    try:
        return string.Formatter().vformat(template, (), _Safe(values))
    except (ValueError, IndexError, AttributeError):
        return template


def fmt_time(ts: datetime | None) -> str:
    """One time style in every text a rule writes: ISO 8601 to the second, ``Z`` for UTC.

    >>> from datetime import UTC
    >>> fmt_time(datetime(2024, 5, 14, 23, 1, 11, 500, tzinfo=UTC))
    '2024-05-14T23:01:11Z'
    """
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else "an unknown time"


def fmt_duration(delta: timedelta) -> str:
    """``3 h 34 min 57 s`` / ``2 days 4 h`` / ``40 s`` — a duration for people, never ``3:34:57``.

    >>> fmt_duration(timedelta(hours=3, minutes=34, seconds=57.4))
    '3 h 34 min 57 s'
    >>> fmt_duration(timedelta(days=2, hours=4))
    '2 days 4 h'
    """
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes and not days else "", f"{secs} s" if secs and not days else ""]
    return " ".join(p for p in parts if p) or "0 s"
