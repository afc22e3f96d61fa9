"""The timeline drawn as inline SVG: one lane per category, points bucketed along time.

Any number of rows draws the same bounded picture: rows fall into at most
:data:`BUCKETS` slots per lane and each slot is one mark, sized by how many rows it
holds, with a tooltip (``<title>``) naming its count, span and first labels.  Long
empty stretches are cut out of the axis (see :mod:`.time_scale`) and shown as breaks.

>>> svg = timeline_svg([])
>>> svg.startswith("<svg") and "No dated events" in svg
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from .time_scale import BrokenScale, broken_scale, describe
from .timeline import CATEGORIES, Row
from .wording import printable, short_time

BUCKETS = 120
WIDTH = 960
LEFT = 110
RIGHT = 20
LANE = 30
TOP = 10
AXIS = 36
TICK_SPACING = 170     # pixels a time label needs (``2024-05-14T23:01:11Z`` at 11px, with room)
LEGEND = 22
SPAN_ROW = 16          # one row per incident bar, so their labels never overlap
MAX_SPANS = 8
LABELS_PER_MARK = 3

LANE_NAMES = {"restart": "agent starts", "goal_state": "goal states", "extension": "extensions",
              "backup": "backups", "error": "errors", "finding": "findings"}


@dataclass(slots=True)
class _Bucket:
    count: int = 0
    x_total: float = 0.0
    first: datetime | None = None
    last: datetime | None = None
    labels: list[str] = field(default_factory=list)

    @property
    def x(self) -> float:
        """Where the mark goes: the mean position of its rows."""
        return self.x_total / self.count

    def add(self, row: Row, x: float) -> None:
        self.count += 1
        self.x_total += x
        self.first = row["time"] if self.first is None else min(self.first, row["time"])
        self.last = row["time"] if self.last is None else max(self.last, row["time"])
        if len(self.labels) < LABELS_PER_MARK:
            where = f" [{row['path']}:{row['line']}]" if row.get("path") and row.get("line") else ""
            self.labels.append(f"{row['label']}{where}")


#: A finding drawn as an incident span: (first seen, last seen, how many times, title, severity).
Span = tuple[datetime, datetime, int, str, str]


def timeline_svg(rows: list[Row], spans: list[Span] | None = None, clock: str = "UTC") -> str:
    """An ``<svg>`` element (no scripts, no external references) drawing ``rows``, and each
    finding of ``spans`` as a bar from its first to its last record, labelled with its count.
    ``clock`` is how the times read (the bundle header's): unless it is ``"UTC"``, no time
    drawn claims UTC with a ``Z`` and the legend names the clock.

    >>> from datetime import UTC
    >>> row = {"time": datetime(2024, 5, 29, 3, 12, 5, tzinfo=UTC), "category": "restart", "label": "x"}
    >>> at = "2024-05-29T03:12:05Z"
    >>> at in timeline_svg([row]), at in timeline_svg([row], clock="VM local clock")
    (True, False)
    """
    local = clock != "UTC"
    lanes = [c for c in CATEGORIES if any(r["category"] == c for r in rows)] or list(CATEGORIES)
    shown_spans = (spans or [])[:MAX_SPANS]
    spans_height = SPAN_ROW * len(shown_spans) + (4 if shown_spans else 0)
    height = TOP + LANE * len(lanes) + spans_height + AXIS + LEGEND
    head = (f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-label="Timeline of agent, extension and backup events">')
    parts = [head]
    for index, lane in enumerate(lanes):
        y = TOP + LANE * index + LANE / 2
        parts.append(f'<text class="lane-name" x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{LANE_NAMES.get(lane, lane)}</text>')
        parts.append(f'<line class="lane" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
    if not rows:
        parts.append(f'<text class="empty" x="{(LEFT + WIDTH) / 2:.0f}" y="{height / 2:.0f}" '
                     'text-anchor="middle">No dated events to draw</text></svg>')
        return "".join(parts)
    scale = broken_scale([r["time"] for r in rows], LEFT, WIDTH - RIGHT)
    bucket_width = (WIDTH - LEFT - RIGHT) / BUCKETS
    buckets: dict[tuple[str, int], _Bucket] = {}
    for row in rows:
        x = scale.x(row["time"])
        slot = min(BUCKETS - 1, int((x - LEFT) / bucket_width))
        buckets.setdefault((row["category"], slot), _Bucket()).add(row, x)
    axis_y = TOP + LANE * len(lanes) + spans_height + 4
    for x, hidden in zip(scale.breaks, scale.hidden, strict=True):
        parts.append(f'<g class="break"><title>{escape(describe(hidden))} without events, not drawn</title>'
                     f'<rect x="{x - 4:.1f}" y="{TOP}" width="8" height="{axis_y - TOP}"/>'
                     f'<path d="M{x - 5:.1f},{axis_y + 4} l4,-8 M{x + 1:.1f},{axis_y + 4} l4,-8"/>'
                     f'<text class="break-label" x="{x:.1f}" y="{TOP + 8}" text-anchor="middle">'
                     f"{escape(describe(hidden))} cut</text></g>")
    for (lane, _slot), bucket in sorted(buckets.items(), key=lambda item: item[0][1]):
        if lane not in lanes:
            continue
        y = TOP + LANE * lanes.index(lane) + LANE / 2
        radius = min(LANE / 2 - 2, 3 + 2 * math.log2(bucket.count))
        parts.append(f'<circle class="mark {lane}" cx="{bucket.x:.1f}" cy="{y:.1f}" r="{radius:.1f}">'
                     f"<title>{escape(_tooltip(bucket, local))}</title></circle>")
        if bucket.count > 1:         # the count is printed, not only in the tooltip
            parts.append(f'<text class="count" x="{bucket.x:.1f}" y="{y - radius - 2:.1f}" '
                         f'text-anchor="middle">{bucket.count}</text>')
    if shown_spans:
        top = TOP + LANE * len(lanes) + 2
        parts.append(f'<text class="lane-name" x="{LEFT - 8}" y="{top + 9}" text-anchor="end">'
                     "incidents</text>")
        for row, (start, end, count, title, severity) in enumerate(shown_spans):
            y = top + SPAN_ROW * row
            x0, x1 = scale.x(start), scale.x(end)
            tip = printable(f"{title}: {count} times, {_time(start, local)} to {_time(end, local)}")
            label = escape(printable(f"{count}× {title}"[:70]))
            parts.append(f'<rect class="span sev-{escape(severity)}" x="{x0:.1f}" y="{y + 4:.1f}" '
                         f'width="{max(3.0, x1 - x0):.1f}" height="5"><title>{escape(tip)}</title></rect>')
            if WIDTH - RIGHT - x1 > 260:          # room after the bar
                parts.append(f'<text class="count" x="{x1 + 4:.1f}" y="{y + 9:.1f}">{label}</text>')
            elif x0 - LEFT > 260:                 # room before it
                parts.append(f'<text class="count" x="{x0 - 4:.1f}" y="{y + 9:.1f}" text-anchor="end">'
                             f"{label}</text>")
            else:                                 # a bar across the axis: label inside, at its start
                parts.append(f'<text class="count on-bar" x="{x0 + 4:.1f}" y="{y + 3:.1f}">{label}</text>')
    for segment in scale.segments:
        parts.append(f'<line class="axis" x1="{segment.x0:.1f}" y1="{axis_y}" x2="{segment.x1:.1f}" '
                     f'y2="{axis_y}"/>')
    for x, moment, anchor in _ticks(scale):
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}"/>'
                     f'<text class="tick-label" x="{x:.1f}" y="{axis_y + 20}" text-anchor="{anchor}">'
                     f"{escape(_time(moment, local))}</text>")
    bin_width = _bin_duration(scale, bucket_width)
    axis = "shaded bar: a cut in the axis (the time it hides)" if scale.breaks else "linear time axis"
    parts.append(f'<text class="legend" x="{LEFT}" y="{height - 6}">Mark: the events of one '
                 f"{escape(bin_width)} bin (number: how many, if more than one) · {axis} · "
                 f"{escape(printable(clock))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _bin_duration(scale: BrokenScale, bucket_width: float) -> str:
    """How much time one bin covers on the (first, widest) segment, in words."""
    from .time_scale import describe
    widest = max(scale.segments, key=lambda s: s.x1 - s.x0)
    pixels = max(1.0, widest.x1 - widest.x0)
    seconds = (widest.end - widest.start).total_seconds() * bucket_width / pixels
    words = describe(timedelta(seconds=max(1.0, seconds)))
    return words.replace(" ", "-").rstrip("s")


def _ticks(scale: BrokenScale) -> list[tuple[float, datetime, str]]:
    """Axis labels: each segment's start, and evenly spaced times inside wide segments, never overlapping."""
    candidates: list[tuple[float, datetime]] = []
    for segment in scale.segments:
        if segment.start == segment.end:
            candidates.append((segment.x(segment.start), segment.start))
            continue
        steps = max(1, int((segment.x1 - segment.x0) // TICK_SPACING))
        for step in range(steps + 1):
            moment = segment.start + (segment.end - segment.start) * (step / steps)
            candidates.append((segment.x(moment), moment))
    ticks: list[tuple[float, datetime, str]] = []
    for x, moment in candidates:
        if ticks and x - ticks[-1][0] < TICK_SPACING:
            continue
        anchor = "start" if x - LEFT < TICK_SPACING / 2 else "end" if WIDTH - RIGHT - x < TICK_SPACING / 2 \
            else "middle"
        ticks.append((x, moment, anchor))
    return ticks


def _time(moment: datetime, local: bool) -> str:
    """:func:`short_time`, without its ``Z`` when the times are not all UTC (the legend says which)."""
    return short_time(moment)[:-1] if local else short_time(moment)


def _tooltip(bucket: _Bucket, local: bool = False) -> str:
    first, last = _time(bucket.first, local), _time(bucket.last, local)
    when = first if first == last else f"{first} – {last}"      # one time when the span is under a second
    noun = "event" if bucket.count == 1 else "events"
    more = f"\n… and {bucket.count - len(bucket.labels)} more" if bucket.count > len(bucket.labels) else ""
    return printable(f"{bucket.count} {noun}, {when}\n" + "\n".join(bucket.labels) + more)
