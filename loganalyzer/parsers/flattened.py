"""Agent records pasted as one line (all lines joined with spaces, as ticket fields and chat do).

A line that holds several agent record starts — a timestamp of any agent generation
(formats.md §2.2) after a space — is split before each of them, so each record is read
again as the line it was.  The pieces keep the physical line they came from
(:func:`split_lines` gives the map), so evidence still points at the file's real line.

>>> split_records("2024-05-14T21:00:01.000000Z INFO Daemon Daemon up "
...               "2024-05-14T21:00:02.000000Z ERROR ExtHandler ExtHandler boom  at x "
...               "2024-05-14T21:00:03.000000Z INFO ExtHandler ExtHandler retry")[1:]
['2024-05-14T21:00:02.000000Z ERROR ExtHandler ExtHandler boom  at x', '2024-05-14T21:00:03.000000Z INFO \
ExtHandler ExtHandler retry']
>>> looks_flattened(["2017/05/24 00:38:40.27 INFO a 2017/05/24 00:38:41.30 INFO b 2017/05/24 00:38:43 c"])
True
>>> looks_flattened(["2017/05/24 00:38:40.27 INFO the run of 2017/05/24 00:38:41 failed"])
False
"""
from __future__ import annotations

import re

#: The space before an agent record start inside a line: a UTC stamp followed by a level, or a
#: local ``YYYY/MM/DD HH:MM:SS`` stamp (the 1.x/2.0 formats carry no level), maybe glued to one
#: stray letter as in posted logs.
EMBEDDED_START = re.compile(
    r"\x20+(?=[A-Za-z]?(?:\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?Z\x20"
    r"(?:VERBOSE|INFO|WARNING|ERROR)\b"
    r"|\d{4}/\d{1,2}/\d{1,2}\x20\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?\x20))")
#: Record starts one line must hold to be read as a flattened paste (a message may quote one date).
MIN_RECORDS = 3


def looks_flattened(lines: list[str]) -> bool:
    """True when a line of ``lines`` holds at least :data:`MIN_RECORDS` agent record starts."""
    return any(len(EMBEDDED_START.findall(line)) >= MIN_RECORDS - 1 for line in lines)


def split_records(line: str) -> list[str]:
    """``line`` cut before every agent record start inside it (a line with fewer stays whole)."""
    if len(EMBEDDED_START.findall(line)) < MIN_RECORDS - 1:
        return [line]
    return EMBEDDED_START.split(line)


def split_lines(text: str) -> tuple[list[str], list[int], int]:
    """The lines of ``text`` with flattened lines split: ``(lines, physical line of each, physical lines)``.

    >>> split_lines("a\\n2024/01/01 00:00:01 x 2024/01/01 00:00:02 y 2024/01/01 00:00:03 z\\n")
    (['a', '2024/01/01 00:00:01 x', '2024/01/01 00:00:02 y', '2024/01/01 00:00:03 z'], [1, 2, 2, 2], 2)
    """
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    lines: list[str] = []
    where: list[int] = []
    for number, line in enumerate(physical, 1):
        pieces = split_records(line)
        lines += pieces
        where += [number] * len(pieces)
    return lines, where, len(physical)
