"""The ``--since/--until`` window: the one test of whether a time lies inside it.

>>> from datetime import datetime, UTC
>>> within(datetime(2024, 5, 14, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC), None)
True
>>> within(None, datetime(2024, 5, 1, tzinfo=UTC), None)      # undated: always inside
True
"""
from __future__ import annotations

from datetime import datetime


def within(ts: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether ``ts`` lies in ``[since, until]`` (open ends for None; an undated ``ts`` passes)."""
    if ts is None:
        return True
    return (since is None or ts >= since) and (until is None or ts <= until)
