"""The timeline drawn as inline SVG: one lane per category, points bucketed along time.

Any number of rows draws the same bounded picture: rows fall into at most
:data:`BUCKETS` time buckets per lane and each bucket is one mark, sized by how
many rows it holds, with a tooltip (``<title>``) naming its count, span and first labels.

>>> svg = timeline_svg([])
>>> svg.startswith("<svg") and "No dated events" in svg
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from .timeline import CATEGORIES, Row
from .wording import printable, short_time

BUCKETS = 120
WIDTH = 960
LEFT = 110
RIGHT = 20
LANE = 30
TOP = 10
AXIS = 36
TICKS = 5
LABELS_PER_MARK = 3

LANE_NAMES = {"restart": "agent starts", "goal_state": "goal states", "extension": "extensions",
              "backup": "backups", "error": "errors", "finding": "findings"}


@dataclass(slots=True)
class _Bucket:
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    labels: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.count += 1
        self.first = row["time"] if self.first is None else min(self.first, row["time"])
        self.last = row["time"] if self.last is None else max(self.last, row["time"])
        if len(self.labels) < LABELS_PER_MARK:
            where = f" [{row['path']}:{row['line']}]" if row.get("path") and row.get("line") else ""
            self.labels.append(f"{row['label']}{where}")


def timeline_svg(rows: list[Row]) -> str:
    """An ``<svg>`` element (no scripts, no external references) drawing ``rows``."""
    lanes = [c for c in CATEGORIES if any(r["category"] == c for r in rows)] or list(CATEGORIES)
    height = TOP + LANE * len(lanes) + AXIS
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
    start, end = min(r["time"] for r in rows), max(r["time"] for r in rows)
    span = (end - start).total_seconds()
    plot = WIDTH - LEFT - RIGHT
    buckets: dict[tuple[str, int], _Bucket] = {}
    for row in rows:
        offset = (row["time"] - start).total_seconds()
        slot = min(BUCKETS - 1, int(offset / span * BUCKETS)) if span > 0 else BUCKETS // 2
        buckets.setdefault((row["category"], slot), _Bucket()).add(row)
    for (lane, slot), bucket in sorted(buckets.items(), key=lambda item: item[0][1]):
        if lane not in lanes:
            continue
        x = LEFT + (slot + 0.5) * plot / BUCKETS
        y = TOP + LANE * lanes.index(lane) + LANE / 2
        radius = min(LANE / 2 - 2, 3 + 2 * math.log2(bucket.count))
        parts.append(f'<circle class="mark {lane}" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}">'
                     f"<title>{escape(_tooltip(bucket))}</title></circle>")
    axis_y = TOP + LANE * len(lanes) + 4
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>')
    ticks = 1 if span == 0 else TICKS
    for tick in range(ticks):
        fraction = 0.5 if ticks == 1 else tick / (ticks - 1)
        moment = start + (end - start) * fraction
        x = LEFT + fraction * plot
        anchor = {0: "start", ticks - 1: "end"}.get(tick, "middle") if ticks > 1 else "middle"
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}"/>'
                     f'<text class="tick-label" x="{x:.1f}" y="{axis_y + 20}" text-anchor="{anchor}">'
                     f"{escape(short_time(moment))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _tooltip(bucket: _Bucket) -> str:
    when = short_time(bucket.first) if bucket.first == bucket.last else (
        f"{short_time(bucket.first)} – {short_time(bucket.last)}")
    noun = "event" if bucket.count == 1 else "events"
    more = f"\n… and {bucket.count - len(bucket.labels)} more" if bucket.count > len(bucket.labels) else ""
    return printable(f"{bucket.count} {noun}, {when}\n" + "\n".join(bucket.labels) + more)
