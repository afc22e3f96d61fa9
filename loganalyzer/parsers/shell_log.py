"""The backup extension's ``shell.log``, written by ``main/handle.sh`` of VMSnapshotLinux.

Each line is the output of ``date -u`` immediately followed by ``- `` and a message::

    Mon Nov 18 00:05:10 UTC 2019- python version unknown
    Mon Nov 18 00:05:10 UTC 2019- 3 returned from handle.py

``date -u`` prints in the VM's locale, so the date takes many shapes: C
``Tue Nov  5 00:05:10 UTC 2019``, US ``Mon Nov 18 12:05:10 AM UTC 2019``, British
``Mon 18 Nov 00:05:10 UTC 2019``, German ``Mo 18. Nov 00:05:10 UTC 2019``, French
``lun. 18 nov. 2019 00:05:10 UTC``, Japanese/Chinese ``2019年 11月 18日 月曜日 00:05:10 UTC``, Korean
``2019. 11. 18. (월) 00:05:10 UTC``, numeric ``2019-11-18``/``18.11.2019`` forms.
The time is always UTC.  A date that cannot be read leaves the timestamp ``None`` but
the record is kept.  A line without the ``<date>- `` shape continues the record above.

Fields (prefix ``vms_``): ``vms_event`` — ``seq_from_env`` / ``seq_missing`` (with
``vms_seq_no``), ``python_found`` (``vms_python``), ``python_unknown`` (no usable
interpreter: the extension cannot run), ``handle_py_returned`` (``vms_rc``: exit code of
``handle.py``), ``command_exit`` (``vms_command``: install, enable, …).

>>> parse_date("Mon Nov 18 12:05:10 AM UTC 2019").isoformat()
'2019-11-18T00:05:10+00:00'
>>> shell_fields("3 returned from handle.py")
{'vms_event': 'handle_py_returned', 'vms_rc': 3}
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..model import Event, TimeKind
from ..sources.base import Member
from ..textio import iter_lines
from .base import ParseContext
from .generic import PendingRecord

_LINE = re.compile(r"(?P<date>[^\n]{0,60}?\d{1,2}:\d\d:\d\d[^\n]{0,40}?)-(?: (?P<msg>.*)|\Z)", re.DOTALL)
_TIME = re.compile(r"(\d{1,2}):(\d\d):(\d\d)")
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD = re.compile(r"(\d{4})[-./] ?(\d{1,2})[-./] ?(\d{1,2})\b")       # 2019-11-18, 2019. 11. 18.
_DMY = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")                # 18.11.2019
_TOKEN = re.compile(r"[^\W\d_]+\.?|\d+")
_AM_PM = {"am": 0, "pm": 12, "a.m": 0, "p.m": 12}

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
        "jan ene gen janv januar janvier enero gennaio",
        "feb fév fev févr fevr februar février febrero febbraio",
        "mar mär mrz mars märz marzo mrt",
        "apr avr abr april avril abril aprile",
        "may mai mag mei mayo maggio",
        "jun juin giu juni junio giugno",
        "jul juil lug juli julio luglio",
        "aug aoû aou ago août august agosto",
        "sep sept set september septembre septiembre settembre",
        "oct okt ott october oktober octobre octubre ottobre",
        "nov november novembre noviembre",
        "dec dez déc dic december dezember décembre diciembre dicembre"), 1):
    for _name in _names.split():
        _MONTHS[_name] = _number


def _month(token: str) -> int | None:
    word = token.lower().rstrip(".")
    return _MONTHS.get(word) or _MONTHS.get(word[:4]) or _MONTHS.get(word[:3])


_C_LOCALE = re.compile(r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) UTC (\d{4})\Z")


@lru_cache(maxsize=1024)
def parse_date(text: str) -> datetime | None:
    """Read one ``date -u`` output in any of the locale shapes above; ``None`` when it cannot.

    >>> parse_date("lun. 18 nov. 2019 00:05:10 UTC").isoformat()
    '2019-11-18T00:05:10+00:00'
    >>> parse_date("2019年 11月 18日 月曜日 00:05:10 UTC").day
    18
    """
    c = _C_LOCALE.match(text)
    if c and (month := _MONTHS.get(c.group(1).lower())):
        try:
            return datetime(int(c.group(6)), month, int(c.group(2)), int(c.group(3)), int(c.group(4)),
                            int(c.group(5)), tzinfo=UTC)
        except ValueError:
            return None
    time_match = _TIME.search(text)
    if time_match is None:
        return None
    hour, minute, second = (int(g) for g in time_match.groups())
    rest = text[: time_match.start()] + " " + text[time_match.end():]
    year = month = day = None
    numeric = _CJK.search(rest) or _YMD.search(rest)
    if numeric:
        year, month, day = (int(g) for g in numeric.groups())
        rest = ""
    elif dmy := _DMY.search(rest):
        day, month, year = (int(g) for g in dmy.groups())
        rest = ""
    for token in _TOKEN.findall(rest):
        if token.isdigit():
            if len(token) == 4:
                year = int(token)
            elif len(token) <= 2 and day is None:
                day = int(token)
        elif token.lower().rstrip(".") in _AM_PM or token.lower() in ("a.m.", "p.m."):
            shift = _AM_PM[token.lower().rstrip(".")]
            hour = hour % 12 + shift
        else:
            month = _month(token) or month
    if None in (year, month, day):
        return None
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)  # type: ignore[arg-type]
    except ValueError:
        return None


_SEQ = re.compile(r"ConfigSequenceNumber (from|not found in) environment variable (?:seqNo:)?(-?\d+)")
_RC = re.compile(r"(-?\d+) returned from handle\.py")
_PYTHON = re.compile(r"(\S+) path exists")
_COMMAND = re.compile(r"The command is (\S+?), exiting")


def shell_fields(message: str) -> dict[str, Any]:
    """The ``vms_*`` fields of one ``shell.log`` message.

    >>> shell_fields("ConfigSequenceNumber from environment variable 25")
    {'vms_event': 'seq_from_env', 'vms_seq_no': 25}
    """
    if "python version unknown" in message:
        return {"vms_event": "python_unknown"}
    if m := _RC.search(message):
        return {"vms_event": "handle_py_returned", "vms_rc": int(m.group(1))}
    if m := _SEQ.search(message):
        event = "seq_from_env" if m.group(1) == "from" else "seq_missing"
        return {"vms_event": event, "vms_seq_no": int(m.group(2))}
    if m := _COMMAND.search(message):
        return {"vms_event": "command_exit", "vms_command": m.group(1)}
    if m := _PYTHON.search(message):
        return {"vms_event": "python_found", "vms_python": m.group(1)}
    return {}


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """One Event per ``<date>- <message>`` line of ``shell.log`` (continuations joined)."""
    pending: PendingRecord | None = None
    line_no = 0
    with member.open() as stream:
        for line_no, line in enumerate(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage), 1):
            m = _LINE.match(line)
            if m is None:
                if pending is not None:
                    pending.add(line_no, line)
                elif line.strip():
                    ctx.coverage.add_unparsed(line_no, line)
                continue
            if pending is not None:
                yield _event(pending, member, ctx)
            ts = parse_date(m.group("date"))
            pending = PendingRecord(line_no, [m.group("msg") or ""], timestamp=ts,
                                    time_kind=TimeKind.UTC if ts else TimeKind.NONE,
                                    generation="date_u" if ts else "date_unread")
    ctx.coverage.lines = line_no
    if pending is not None:
        yield _event(pending, member, ctx)


def _event(pending: PendingRecord, member: Member, ctx: ParseContext) -> Event:
    ctx.coverage.records += 1
    return pending.to_event(member, shell_fields(pending.message))
