"""The one conversion of a local wall-clock time (no zone in the log) to aware UTC.

Every parser that reads a zoneless time (waagent.log slash stamps, BSD syslog, ISO stamps
without an offset in syslog or generic text, VMSnapshot logs) calls :func:`local_to_utc`;
``--tz`` (``AnalysisOptions.tz``) is the zone.  Year inference for BSD stamps stays with the
syslog parser, which hands the completed wall time here.

Daylight-saving edges are read deterministically with ``fold=0``: a time that occurs twice
(autumn overlap) is its first occurrence, a time that never occurred (spring gap) is read
with the offset in force before the jump.

>>> from datetime import timedelta, timezone
>>> local_to_utc(datetime(2019, 11, 17, 1, 0), timezone(timedelta(hours=1))).isoformat()
'2019-11-17T00:00:00+00:00'
>>> local_to_utc(datetime(1, 1, 1, 0, 30), timezone(timedelta(hours=2))) is None
True
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def local_to_utc(naive: datetime, tz: tzinfo) -> datetime | None:
    """Wall-clock ``naive`` read in ``tz`` → aware UTC; None when that falls outside year 1–9999.

    >>> from zoneinfo import ZoneInfo
    >>> berlin = ZoneInfo("Europe/Berlin")
    >>> local_to_utc(datetime(2024, 10, 27, 2, 30), berlin).isoformat()   # overlap: first one
    '2024-10-27T00:30:00+00:00'
    >>> local_to_utc(datetime(2024, 3, 31, 2, 30), berlin).isoformat()    # gap: offset before it
    '2024-03-31T01:30:00+00:00'
    """
    if tz is UTC:
        return naive.replace(tzinfo=UTC)
    try:
        return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    except OverflowError:
        return None
