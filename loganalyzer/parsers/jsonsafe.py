"""Bounded JSON loading for untrusted state files.

A size cap (``Limits.max_json_bytes``) and a nesting-depth cap are checked
*before* :func:`json.loads` runs, so a file nested 100,000 levels deep gives a
clean :class:`JsonRefused` instead of a ``RecursionError``.  Text is decoded as
UTF-8 (a BOM is accepted, UTF-16 with a BOM too); bad bytes become ``\\xNN``.

>>> loads_bounded(b'{"a": [1, 2]}')
{'a': [1, 2]}
>>> loads_bounded(b"[" * 500 + b"]" * 500)
Traceback (most recent call last):
...
loganalyzer.parsers.jsonsafe.JsonRefused: refused: JSON nested deeper than 64 levels
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..limits import DEFAULT_LIMITS
from ..model import CoverageStatus
from ..sources.base import Member
from .base import ParseContext
from .xmlsafe import read_bytes

MAX_DEPTH = DEFAULT_LIMITS.max_json_depth

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonRefused(ValueError):
    """The document was not loaded; ``str(exc)`` is the reason shown in coverage."""


def decode_text(data: bytes) -> str:
    """Decode JSON bytes: UTF-16 when it starts with a BOM, else UTF-8 (BOM and NULs dropped)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "backslashreplace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    return data.decode("utf-8", "backslashreplace")


def nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting outside string literals.

    >>> nesting_depth('{"a": "[[[[", "b": [[1]]}')
    3
    """
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(data: bytes | str, max_bytes: int = DEFAULT_LIMITS.max_json_bytes,
                  max_depth: int = MAX_DEPTH) -> Any:
    """Load JSON within the size and depth caps; raise :class:`JsonRefused` with a reason."""
    if len(data) > max_bytes:
        raise JsonRefused(f"refused: JSON is larger than the {max_bytes}-byte limit")
    text = decode_text(data) if isinstance(data, bytes) else data
    if not text.strip():
        raise JsonRefused("empty JSON file")
    if nesting_depth(text) > max_depth:
        raise JsonRefused(f"refused: JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:
        raise JsonRefused(f"invalid JSON: {exc}") from None


def read_json(member: Member, ctx: ParseContext, max_depth: int | None = None) -> tuple[bool, Any]:
    """Read and load ``member``: ``(True, value)``, or ``(False, None)`` with coverage marked."""
    data = read_bytes(member, ctx, ctx.limits.max_json_bytes)
    if data is None:
        return False, None
    try:
        return True, loads_bounded(data, ctx.limits.max_json_bytes, max_depth or ctx.limits.max_json_depth)
    except JsonRefused as exc:
        ctx.coverage.mark(CoverageStatus.UNREADABLE, str(exc))
        return False, None
