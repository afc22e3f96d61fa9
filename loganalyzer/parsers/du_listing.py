"""Sizes in ``du`` output, in bytes, whatever unit the command printed them in.

``du`` prints ``<size><TAB><path>``.  The size's unit is in the line itself only with ``-h`` /
``--si`` (``24G``); otherwise it comes from the command: ``-b`` / ``--bytes`` bytes, ``-k`` KiB,
``-m`` MiB, ``-B<size>`` / ``--block-size=<size>`` that block size, and du's default 1 KiB blocks
when no unit option was given (or no command line was pasted).

>>> unit = DuUnit()
>>> unit.see_command("$ sudo du -sm /var/lib/waagent/*")
True
>>> unit.size_of("24576\\t/var/lib/waagent/history")
(25769803776, '/var/lib/waagent/history')
>>> DuUnit().size_of("3.1M\\t/var/lib/waagent/history")
(3250585, '/var/lib/waagent/history')
"""
from __future__ import annotations

import re

_POWERS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
#: a du command line, after an optional shell prompt and sudo (``# du -sh /var/lib/waagent/*``)
_COMMAND = re.compile(r"^\s*(?:\S*[$#>]\s*)?(?:sudo\s+)?du((?:\s+-\S+)*)(?:\s|$)")
#: ``<size><TAB or spaces><path>``; a suffix only in -h/--si output
_LINE = re.compile(r"^\s*(?P<num>\d+(?:[.,]\d+)?)(?P<suffix>[KMGTPE])?(?:i?B)?\s+(?P<path>[./\w].*?)\s*$")
_BLOCK = re.compile(r"(?:-B|--block-size=)(?P<n>\d*)(?P<suffix>[KMGTPE]?)(?:i?B)?$")


class DuUnit:
    """The unit of the ``du`` lines that follow the last du command seen (1 KiB blocks by default)."""

    def __init__(self) -> None:
        self.block = 1024
        self.si = False

    def see_command(self, line: str) -> bool:
        """Learn the unit from a du command line; False when ``line`` is none."""
        m = _COMMAND.match(line)
        if m is None:
            return False
        self.block, self.si = 1024, False
        for opt in m.group(1).split():
            if opt.startswith("--"):
                self._long(opt)
            else:
                self._short(opt)
        return True

    def _long(self, opt: str) -> None:
        if opt == "--bytes":
            self.block = 1
        elif opt == "--si":
            self.si = True
        elif (b := _BLOCK.match(opt)) is not None:
            self.block = int(b.group("n") or 1) * 1024 ** _POWERS[b.group("suffix")]

    def _short(self, opt: str) -> None:
        b = _BLOCK.match(opt)
        if b is not None:
            self.block = int(b.group("n") or 1) * 1024 ** _POWERS[b.group("suffix")]
            return
        for letter in opt[1:]:
            if letter == "b":
                self.block = 1
            elif letter == "k":
                self.block = 1024
            elif letter == "m":
                self.block = 1024 ** 2

    def size_of(self, line: str) -> tuple[int, str] | None:
        """``(bytes, path)`` of a du output line, None for any other line."""
        m = _LINE.match(line)
        if m is None:
            return None
        number = float(m.group("num").replace(",", "."))
        suffix = m.group("suffix")
        if suffix is not None:
            return int(number * (1000 if self.si else 1024) ** _POWERS[suffix]), m.group("path")
        return int(number * self.block), m.group("path")
