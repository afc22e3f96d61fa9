"""Pastes whose line layout was changed on the way: records joined into one line (as ticket fields
and chat do), every line indented or behind ``>`` quote markers (a quote), or a blank line after
every line (double spacing).

A line that holds several agent record starts — a timestamp of any agent generation
(formats.md §2.2) after a space — is split before each of them, so each record is read
again as the line it was.  The pieces keep the physical line they came from
(:func:`split_lines` gives the map), so evidence still points at the file's real line.
:func:`reshape` also takes away an indentation every line shares and the blank lines a double
spacing added, with the same map.

>>> split_records("2024-05-14T21:00:01.000000Z INFO Daemon Daemon up "
...               "2024-05-14T21:00:02.000000Z ERROR ExtHandler ExtHandler boom  at x "
...               "2024-05-14T21:00:03.000000Z INFO ExtHandler ExtHandler retry")[1:]
['2024-05-14T21:00:02.000000Z ERROR ExtHandler ExtHandler boom  at x', '2024-05-14T21:00:03.000000Z INFO \
ExtHandler ExtHandler retry']
>>> looks_flattened(["2017/05/24 00:38:40.27 INFO a 2017/05/24 00:38:41.30 INFO b 2017/05/24 00:38:43 c"])
True
>>> looks_flattened(["2017/05/24 00:38:40 the run of 2017/05/24 00:38:41 failed"])
False
>>> looks_flattened(["May 14 21:00:01 vm python3[812]: 2024-05-14T21:00:01.000000Z INFO Daemon Daemon up",
...                  "2024-05-14T21:00:01+0000 vm python3[812]: 2024-05-14T21:00:01.000000Z INFO Daemon up"])
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
#: An embedded start with a level after its time: one is enough to call a line flattened.
_LEVELLED_START = re.compile(
    r"\x20(?:\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?Z"
    r"|\d{4}/\d{1,2}/\d{1,2}\x20\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?)\x20(?:VERBOSE|INFO|WARNING|ERROR)\b")
#: Level-less (1.x/2.0) starts one line must hold to be read as flattened (a message may quote a date).
MIN_RECORDS = 3


#: An agent record start at the beginning of a line (maybe indented, maybe a stray letter glued).
_LINE_START = re.compile(
    r"[\x20\t]*[A-Za-z]?(?:\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?Z\x20(?:VERBOSE|INFO|WARNING|ERROR)\b"
    r"|\d{4}/\d{1,2}/\d{1,2}\x20\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?\x20)")


def _flattened(line: str) -> bool:
    """A line that starts with an agent record and holds more of them (one with a level is enough,
    else :data:`MIN_RECORDS` in all), or holds two with a level after other text.  A syslog line
    carrying one agent line behind its header is not flattened."""
    levelled = len(_LEVELLED_START.findall(line))
    if _LINE_START.match(line):
        return levelled >= 1 or len(EMBEDDED_START.findall(line)) >= MIN_RECORDS - 1
    return levelled >= 2


def looks_flattened(lines: list[str]) -> bool:
    """True when a line of ``lines`` holds another agent record start with a level after its time,
    or :data:`MIN_RECORDS` record starts in all."""
    return any(_flattened(line) for line in lines)


def split_records(line: str) -> list[str]:
    """``line`` cut before every agent record start inside it (when it :func:`looks_flattened`)."""
    if not _flattened(line):
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


#: characters of a prefix every line of a paste may share: indentation and the quote markers of
#: mail and Markdown (``> ``, ``>> ``, ``> > ``)
_PREFIX = " \t>"


def shared_indent(lines: list[str]) -> str:
    """The leading whitespace and quote markers every non-blank line of ``lines`` starts with
    (a line of markers only, a quoted blank line, counts as blank).

    >>> shared_indent(["  a", "", "   b"]), shared_indent(["a", " b"]), shared_indent(["> a", ">", "> b"])
    ('  ', '', '> ')
    """
    body = [line for line in lines if line.strip(_PREFIX)]
    if not body:
        return ""
    first = body[0]
    width = len(first) - len(first.lstrip(_PREFIX))
    for line in body[1:]:
        width = min(width, len(line) - len(line.lstrip(_PREFIX)))
        while width and not line.startswith(first[:width]):
            width -= 1
        if not width:
            return ""
    return first[:width]


def quoted(lines: list[str]) -> bool:
    """True when every non-blank line of ``lines`` sits behind a ``>`` quote marker.

    >>> quoted(["> 2024-05-14T21:00:01.000000Z INFO Daemon Daemon up", ">"]), quoted(["  a", "  b"])
    (True, False)
    """
    return ">" in shared_indent(lines)


#: what ``grep -n``/``grep -H``/``grep -rn`` (a log file's name, a line number, ``:`` for a match and
#: ``-`` for a context line) and ``cat -n`` put before each line they print
_LINE_PREFIX = re.compile(
    r"\x20*\d+\t"
    r"|(?:(?:\S*/)?[\w.-]*?(?:\.log|messages|syslog)(?:[.-][\w]+)*(?::|-(?=\d{4}-|\d+[:-])))?(?:\d+(?::|-(?!\d{1,2}[-/])))?")
#: a line that starts a record as it stands: an agent header (any generation) or a syslog stamp
_STARTS = re.compile(r"[\x20\t]*(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}[T\x20]\d{1,2}:\d{2}"
                     r"|[A-Z][a-z]{2}\x20[\x20\d]\d\x20\d{2}:\d{2}:\d{2}\x20"
                     r"|(?:VERBOSE|INFO|WARNING|ERROR)[\x20:])")


def tool_prefixed(lines: list[str]) -> bool:
    """True when the lines came through ``grep -n``/``-H``/``-rn`` or ``cat -n``: nearly every
    non-blank line has such a prefix, and more of them start a record once it is cut than before.

    >>> tool_prefixed(["12:2024-05-14T21:00:01.000000Z INFO Daemon Daemon up",
    ...                "13-2024-05-14T21:00:02.000000Z ERROR Daemon Daemon boom"])
    True
    >>> tool_prefixed(["2024-05-14T21:00:01.000000Z INFO Daemon Daemon up"])
    False
    """
    body = [line for line in lines if line.strip()]
    if not body:
        return False
    cut = [cut_tool_prefix(line) for line in body]
    prefixed = sum(1 for a, b in zip(body, cut, strict=True) if a != b)
    before = sum(1 for line in body if _STARTS.match(line))
    after = sum(1 for line in cut if _STARTS.match(line))
    return prefixed * 5 >= len(body) * 4 and after > before


def cut_tool_prefix(line: str) -> str:
    """``line`` without what ``grep``/``cat -n`` put before it (see :data:`_LINE_PREFIX`).

    >>> cut_tool_prefix("/var/log/waagent.log.1:2024-05-14T21:00:01.000000Z INFO Daemon Daemon up")
    '2024-05-14T21:00:01.000000Z INFO Daemon Daemon up'
    >>> cut_tool_prefix("    7\\tINFO Daemon Daemon up"), cut_tool_prefix("waagent.log:42:ERROR boom")
    ('INFO Daemon Daemon up', 'ERROR boom')
    """
    m = _LINE_PREFIX.match(line)
    return line[m.end():] if m else line


def double_spaced(lines: list[str]) -> bool:
    """True when every second line is blank (and the others are not all blank), over 3 pairs at least.

    >>> double_spaced(["a", "", "b", "", "c", ""]), double_spaced(["a", "", "b", "c", "", "d"])
    (True, False)
    """
    return len(lines) >= 5 and not any(line.strip() for line in lines[1::2]) and \
        any(line.strip() for line in lines[0::2])


def needs_reshape(head_lines: list[str]) -> bool:
    """Whether the head of a file shows a changed layout :func:`reshape` undoes."""
    return looks_flattened(head_lines) or bool(shared_indent(head_lines)) or double_spaced(head_lines) \
        or tool_prefixed(head_lines)


def reshape(text: str) -> tuple[list[str], list[int], int]:
    """:func:`split_lines`, after the prefixes of ``grep``/``cat -n`` are cut, the shared
    indentation removed and a double spacing undone.

    >>> reshape("  a\\n\\n  b\\n\\n\\n\\n  c\\n\\n")
    (['a', 'b', '', 'c'], [1, 3, 5, 7], 8)
    """
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    count = len(physical)
    numbers = list(range(1, count + 1))
    if tool_prefixed(physical[:200]):
        physical = [cut_tool_prefix(line) for line in physical]
    if double_spaced(physical):
        physical, numbers = physical[0::2], numbers[0::2]
    indent = shared_indent(physical)
    if indent:
        physical = [line[len(indent):] if line.startswith(indent) else line.lstrip(_PREFIX)
                    for line in physical]
    lines: list[str] = []
    where: list[int] = []
    for number, line in zip(numbers, physical, strict=True):
        pieces = split_records(line)
        lines += pieces
        where += [number] * len(pieces)
    return lines, where, count
