"""A time axis with breaks: long empty stretches are cut out so that bursts stay readable.

Bundles often hold a few lines from years ago next to a busy last hour; drawn on one
linear axis the busy hour collapses into a single point.  :func:`broken_scale` cuts
every gap that takes more than :data:`BREAK_SHARE` of the time still shown (and is longer
than :data:`MIN_BREAK`), repeatedly, keeping at most :data:`MAX_BREAKS` of the longest
ones, and shares the width among the remaining segments in proportion to their length
(each at least :data:`MIN_SEGMENT` wide so a lone moment gets room).

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2017, 3, 27, tzinfo=timezone.utc)
>>> late = datetime(2024, 5, 30, 13, tzinfo=timezone.utc)
>>> scale = broken_scale([t0, late, late + timedelta(minutes=30)], left=0, right=1000)
>>> len(scale.segments), [round(b) for b in scale.breaks]
(2, [20])
>>> round(scale.x(late + timedelta(minutes=15)))
514
>>> hours = broken_scale([late, late + timedelta(seconds=4), late + timedelta(hours=3.5)], 0, 1000)
>>> len(hours.segments), round(hours.x(late + timedelta(hours=1.75)))     # linear: mid-time mid-axis
(1, 500)
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

#: The axis is linear unless a gap is both long and most of the span: then it is cut (and the
#: break is labelled with the time it hides).  A 3-hour stuck period is drawn as 3 hours.
BREAK_SHARE = 0.8
MIN_BREAK = timedelta(days=2)
MAX_BREAKS = 2
BREAK_WIDTH = 16.0
MIN_SEGMENT = 12.0


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time drawn without a break, from ``x0`` to ``x1`` pixels."""

    start: datetime
    end: datetime
    x0: float
    x1: float

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        if span <= 0:
            return (self.x0 + self.x1) / 2
        inner = self.x1 - self.x0 - MIN_SEGMENT
        return self.x0 + MIN_SEGMENT / 2 + inner * (moment - self.start).total_seconds() / span


@dataclass(frozen=True, slots=True)
class BrokenScale:
    segments: list[Segment]
    #: x of each break (centre of the gap between two segments) and the time it hides
    breaks: list[float]
    hidden: list[timedelta]

    def x(self, moment: datetime) -> float:
        """Pixel position of ``moment`` (times outside every segment snap to the nearest one)."""
        starts = [s.start for s in self.segments]
        index = max(0, bisect_right(starts, moment) - 1)
        segment = self.segments[index]
        return segment.x(min(max(moment, segment.start), segment.end))


def broken_scale(times: list[datetime], left: float, right: float) -> BrokenScale:
    """The scale for ``times`` (any order, at least one) drawn between ``left`` and ``right``."""
    distinct = sorted(set(times))
    gaps = [b - a for a, b in pairwise(distinct)]
    cut = _gaps_to_cut(gaps)
    firsts = [0] + [i + 1 for i in cut]
    lasts = [*cut, len(distinct) - 1]
    bounds = list(zip(firsts, lasts, strict=True))
    durations = [(distinct[b] - distinct[a]).total_seconds() for a, b in bounds]
    free = right - left - BREAK_WIDTH * len(cut) - MIN_SEGMENT * len(bounds)
    total = sum(durations)
    segments: list[Segment] = []
    breaks: list[float] = []
    x = left
    for (a, b), duration in zip(bounds, durations, strict=True):
        share = duration / total if total > 0 else 1 / len(bounds)
        width = MIN_SEGMENT + max(0.0, free) * share
        segments.append(Segment(distinct[a], distinct[b], x, x + width))
        x += width
        if b < len(distinct) - 1:
            breaks.append(x + BREAK_WIDTH / 2)
            x += BREAK_WIDTH
    return BrokenScale(segments, breaks, [gaps[i] for i in cut])


def _gaps_to_cut(gaps: list[timedelta]) -> list[int]:
    """Indexes of the gaps to cut, in time order."""
    cut: set[int] = set()
    while True:
        shown = sum((g for i, g in enumerate(gaps) if i not in cut), timedelta())
        big = {i for i, g in enumerate(gaps) if i not in cut and g >= MIN_BREAK and g > shown * BREAK_SHARE}
        if not big:
            break
        cut |= big
    longest = sorted(cut, key=lambda i: gaps[i], reverse=True)[:MAX_BREAKS]
    return sorted(longest)


def describe(gap: timedelta) -> str:
    """A gap in words, to the largest unit.

    >>> describe(timedelta(days=2500)), describe(timedelta(hours=30)), describe(timedelta(minutes=90))
    ('6.8 years', '1.2 days', '1.5 hours')
    """
    seconds = gap.total_seconds()
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"
