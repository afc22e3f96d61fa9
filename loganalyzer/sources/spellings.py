"""One file name in two Unicode spellings (NFC ``café`` and NFD ``cafe`` + U+0301) inside one bundle.

Linux keeps both as different files, and a bundle gathered on two systems can hold both.
They look the same in every report, so the walker asks :meth:`Spellings.check` for each path:

* the same content under both spellings is read once; the second is skipped with a reason;
* different content (or content that cannot be compared: a streamed tar member is read once)
  is read under a path whose non-ASCII characters are spelled out, with a note naming the first.

Content is compared by size and CRC-32: a zip's directory gives both, a folder's files are
read (only on such a collision, and within the time limit).

>>> import io
>>> from loganalyzer.sources.walker import Candidate
>>> s = Spellings()
>>> nfc = Candidate("caf\\u00e9.log", lambda: io.BytesIO(b"a\\n"), 0, 2)
>>> nfd = Candidate("cafe\\u0301.log", lambda: io.BytesIO(b"b\\n"), 0, 2)
>>> s.check(nfc, None), s.check(nfd, None)[0]
(None, 'cafe\\\\u0301.log')
"""
from __future__ import annotations

import unicodedata
import zlib
from typing import TYPE_CHECKING

from ..limits import LimitExceeded

if TYPE_CHECKING:
    from .guard import Budget
    from .walker import Candidate

#: Only a collision is read to compare; bigger files are kept both rather than read twice.
_COMPARE_BYTES = 64 << 20


class Spellings:
    """The first candidate seen under each NFC-normalised non-ASCII path."""

    def __init__(self) -> None:
        self._first: dict[str, Candidate] = {}

    def check(self, c: Candidate, budget: Budget | None) -> tuple[str, str] | None:
        """None: read ``c`` as it is.  Else ``("", reason)``: skip it, or ``(path, note)``: read it
        under ``path``."""
        if c.path.isascii():
            return None
        key = unicodedata.normalize("NFC", c.path)
        first = self._first.setdefault(key, c)
        if first is c:
            return None
        nfd = unicodedata.normalize("NFD", c.path)
        form = "NFC" if c.path == key else "NFD" if c.path == nfd else "mixed"
        same = _same_content(first, c, budget)
        if same:
            return "", (f"the same file as {first.path} under another Unicode spelling of its name "
                        f"({form}); not read twice")
        why = "with different content" if same is False else \
            "its content not compared (a streamed tar member is read once, or it is too large)"
        return spelled(c.path), (f"another Unicode spelling ({form}) of the name {first.path}, {why}; "
                                 "read as its own file, its name spelled out")


def spelled(path: str) -> str:
    r"""``path`` with every non-ASCII character written as ``\uXXXX``.

    >>> spelled("var/log/cafe\u0301.log")
    'var/log/cafe\\u0301.log'
    """
    return "".join(ch if ch.isascii() else f"\\u{ord(ch):04x}" for ch in path)


def _same_content(a: Candidate, b: Candidate, budget: Budget | None) -> bool | None:
    """True/False when known, None when it cannot be told without reading a stream twice."""
    if a.size is not None and b.size is not None and a.size != b.size:
        return False
    fa, fb = _fingerprint(a, budget), _fingerprint(b, budget)
    return None if fa is None or fb is None else fa == fb


def _fingerprint(c: Candidate, budget: Budget | None) -> tuple[int, int] | None:
    if c.crc is not None and c.size is not None:
        return c.size, c.crc
    if not c.reopenable or c.size is None or c.size > _COMPARE_BYTES:
        return None
    crc = size = 0
    try:
        with c.open_raw() as stream:
            while chunk := stream.read(1 << 20):
                if budget is not None:
                    budget.check_time(c.path)
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    except (OSError, LimitExceeded, ValueError):
        return None
    return size, crc
