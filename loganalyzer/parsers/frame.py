"""Events → one typed pandas DataFrame, built column-wise (pandas is imported here only).

Columns: ``timestamp`` (``datetime64[ns, UTC]`` with any pandas version, NaT when unknown),
``time_kind``, ``local_time`` (bool: the stamp was wall-clock time shifted by the user's zone),
``level`` (lowercase, the spelling of finding severities: ``error``, ``warning``, ``info`` …),
``thread``, ``source``, ``extension``, ``extension_version``, ``generation``, ``kind``, ``path``
(categoricals), ``line_start``, ``line_end`` (int64), ``message`` and ``fields`` (dict or None).
Messages and fields are redacted here, the one place events become a table, unless the caller
passes ``redact=False`` (``--no-redact``): every frame (``Bundle.events``, the fleet's
``events.parquet``) is built by this function, so none can hold a secret by forgetting a step.

>>> from datetime import datetime, timezone
>>> from loganalyzer.model import Event, TimeKind
>>> e = Event(datetime(2024, 5, 1, tzinfo=timezone.utc), TimeKind.UTC, "ERROR", "boom", "var/log/waagent.log",
...           3, 4, "waagent_log", "2.2.47+", "ExtHandler", "ExtHandler")
>>> df = events_frame([e])
>>> str(df["timestamp"].dtype), str(df["level"].dtype), int(df["line_end"][0]), bool(df["local_time"][0])
('datetime64[ns, UTC]', 'category', 4, False)
"""
from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..model import Event, TimeKind
from ..redact import redact_many, redact_obj_many

if TYPE_CHECKING:
    import pandas

#: Low-cardinality columns; they are factorized together (one hash per row, not nine).
_CATEGORICAL = ("time_kind", "level", "path", "kind", "generation", "thread", "source", "extension",
                "extension_version")
_COMBINATION = attrgetter(*_CATEGORICAL)
_ORDER = ("timestamp", "time_kind", "local_time", "level", "thread", "source", "extension",
          "extension_version", "generation", "kind", "path", "line_start", "line_end", "message", "fields")


_LEVEL_NAMES = {"warn": "warning", "err": "error", "fatal": "critical", "crit": "critical",
                "information": "info", "notice": "info", "verbose": "verbose", "debug": "debug"}


def level_name(level: str | None) -> str | None:
    """A record's level in the one spelling the tables use, that of finding severities
    (``error``, ``warning``, ``info``; also ``critical``, ``verbose``, ``debug``).

    >>> [level_name(v) for v in ("ERROR", "WARN", "Info", None)]
    ['error', 'warning', 'info', None]
    """
    if level is None:
        return None
    low = level.strip().lower()
    return _LEVEL_NAMES.get(low, low)


def events_frame(events: Iterable[Event], *, redact: bool = True) -> pandas.DataFrame:
    """One row per event, secrets redacted unless ``redact=False``; see the module docstring.

    Each column is gathered with a C-level ``map(attrgetter)`` pass.  The garbage collector
    is paused meanwhile: a million new events would otherwise trigger full collections
    over an ever larger heap (measured 5x slower).
    """
    import numpy as np
    import pandas as pd

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        rows = events if isinstance(events, list) else list(events)
        n = len(rows)

        def gather(name: str) -> list[Any]:
            return list(map(attrgetter(name), rows))

        combination_codes, uniques = pd.factorize(np.fromiter(map(_COMBINATION, rows), dtype=object, count=n))
        columns: dict[str, Any] = {}
        for position, name in enumerate(_CATEGORICAL):
            values = [u[position] for u in uniques]
            if name == "time_kind":
                values = [str(v) for v in values]
            elif name == "level":
                values = [level_name(v) for v in values]
            sub_codes, categories = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))
            codes = sub_codes[combination_codes] if n else np.empty(0, dtype=np.int64)
            columns[name] = pd.Categorical.from_codes(codes, categories=categories)
        columns["local_time"] = np.asarray(columns["time_kind"] == TimeKind.LOCAL.value, dtype=bool)
        columns["timestamp"] = _timestamps(pd, gather("timestamp"))
        columns["line_start"] = np.array(gather("line_start"), dtype=np.int64)
        columns["line_end"] = np.array(gather("line_end"), dtype=np.int64)
        # Plain object columns on pandas 2 and 3 alike (3 would convert a million messages to arrow).
        messages: Any = gather("message")
        fields: Any = gather("fields")
        if redact:
            # the whole column at once: the cheap pre-checks run as vectorised passes
            messages = redact_many(messages)
            fields = redact_obj_many(fields)
        columns["message"] = pd.Series(np.fromiter(messages, dtype=object, count=n), dtype=object)
        columns["fields"] = pd.Series(np.fromiter(fields, dtype=object, count=n), dtype=object)
        return pd.DataFrame({name: columns[name] for name in _ORDER})
    finally:
        if was_enabled:
            gc.enable()


#: What ``datetime64[ns]`` can hold (about 1677-09-21 … 2262-04-11); a stamp outside is NaT.
_NS_MIN = datetime(1677, 9, 22, tzinfo=UTC)
_NS_MAX = datetime(2262, 4, 11, tzinfo=UTC)


def _timestamps(pd: Any, stamps: list[Any]) -> Any:
    """The ``timestamp`` column; a year out of pandas' nanosecond range (0001, 9999) becomes NaT."""
    try:
        return pd.to_datetime(stamps, utc=True).astype("datetime64[ns, UTC]")
    except (OverflowError, ValueError):      # OutOfBoundsDatetime is a ValueError
        inside = [s if s is None or _NS_MIN <= s <= _NS_MAX else None for s in stamps]
        return pd.to_datetime(inside, utc=True).astype("datetime64[ns, UTC]")
