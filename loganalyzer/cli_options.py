"""Parsing of option values shared by the CLI and the API: offsets, times, durations, versions.

>>> parse_tz("+02:00").utcoffset(None)
datetime.timedelta(seconds=7200)
>>> parse_tz("UTC").utcoffset(None)
datetime.timedelta(0)
>>> parse_when("7d", now=datetime(2024, 5, 8, tzinfo=timezone.utc)).isoformat()
'2024-05-01T00:00:00+00:00'
>>> parse_when("2024-05-01T10:00:00Z").isoformat()
'2024-05-01T10:00:00+00:00'
>>> parse_window("7d")
datetime.timedelta(days=7)
>>> version_tuple("2.2.53.1") > version_tuple("2.2.53")
True
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from .errors import UsageError

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_tz(text: str) -> tzinfo:
    """A fixed UTC offset (``+02:00``, ``-0500``, ``UTC+1``) or an IANA zone name (``Europe/Berlin``)."""
    text = text.strip()
    if text.upper() in ("UTC", "Z", "GMT", ""):
        return timezone.utc
    m = _OFFSET.match(text)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if delta > timedelta(hours=14):
            raise UsageError(f"--tz offset out of range: {text}")
        return timezone(sign * delta)
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(text)
    except Exception:
        raise UsageError(f"--tz: not an offset like +02:00 or a zone like Europe/Berlin: {text!r}") from None


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A timestamp (ISO 8601 or anything dateutil reads; naive means UTC) or a duration back from now."""
    text = text.strip()
    m = _DURATION.match(text)
    if m:
        now = now or datetime.now(timezone.utc)
        return now - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    try:
        from dateutil import parser as dateparser
        when = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        try:
            from dateutil import parser as dateparser
            when = dateparser.parse(text)
        except (ValueError, OverflowError):
            raise UsageError(f"not a time or a duration like 7d / 12h: {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_window(text: str) -> datetime | timedelta:
    """``--since``/``--until``: a duration (``7d``, ``12h``) counts back from the bundle's last
    record, so it is returned as a :class:`~datetime.timedelta` for the analysis to resolve;
    anything else is a timestamp (naive means UTC)."""
    m = _DURATION.match(text.strip())
    if m:
        return timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    return parse_when(text)


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.2.53.1"`` → ``(2, 2, 53, 1)``; non-numeric parts are ignored."""
    return tuple(int(p) for p in re.findall(r"\d+", text))
