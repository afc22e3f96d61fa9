"""Record *shapes*: one cached rule decision for every record that differs only in its numbers.

Logs repeat the same statement with other numbers and ids (``ProcessExtensionsGoalState
completed [incarnation_12 340 ms]``, heartbeat counters, activity GUIDs): on a real log most
records are new texts but few are new shapes.  :func:`shape_of` maps every ASCII digit to ``0``
and every GUID standing as a token to the zero GUID, keeping the length, so two records of one
shape differ only at *masked* positions.

A decision made for one record holds for every record of its shape when everything that decided
it is blind to masked positions (the engine checks the conditions; see ``RuleEngine._decide``):

* a literal that has no digit and cannot overlap a GUID token only partly (:func:`mask_safe`) is
  found at the same places in every record of a shape;
* any other literal (``Errno 113]``, ``168.63.129.16``, ``dd unsuccessful``) is looked for once per
  shape by :class:`ShapeGuard`: when it cannot occur in any record of the shape, it is absent from
  all of them, and when it might, the shape is not shared.

>>> shape_of("ProcessExtensionsGoalState completed [incarnation_12 340 ms]")
'ProcessExtensionsGoalState completed [incarnation_00 000 ms]'
>>> shape_of("unit 'enable_0d3f9a10-4c5b-4e1a-9c2d-7f00aa11bb22.scope'")
"unit 'enable_00000000-0000-0000-0000-000000000000.scope'"
>>> mask_safe("Fetch goal state from WireServer completed"), mask_safe("Errno 113]"), mask_safe("is: added")
(True, False, False)
>>> guard = ShapeGuard([("Errno 113]", False)])
>>> guard.may_hold(shape_of("IOError [Errno 110] timed out")), guard.may_hold(shape_of("Fetch done"))
(True, False)
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

try:                        # the regex parser of the running Python (3.11+: re._parser)
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:         # pragma: no cover - older layout
    import sre_parse as _sre  # type: ignore[no-redef]

_GUID = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}(?![0-9A-Za-z])")
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"
_DIGITS = str.maketrans("0123456789", "0000000000")
_BYTE_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
_HEX = frozenset("0123456789abcdefABCDEF")
#: a string that can be the first characters of a GUID (hex groups of 8-4-4-4-12, dash-separated)
_H = "[0-9a-fA-F]"
_GUID_HEAD = re.compile(f"{_H}{{1,8}}|{_H}{{8}}-(?:{_H}{{0,4}}|{_H}{{4}}-(?:{_H}{{0,4}}"
                        f"|{_H}{{4}}-(?:{_H}{{0,4}}|{_H}{{4}}-{_H}{{0,12}})))")
#: … and the last characters of one
_GUID_TAIL = re.compile(f"{_H}{{1,12}}|{_H}{{0,4}}-{_H}{{12}}|{_H}{{0,4}}-{_H}{{4}}-{_H}{{12}}"
                        f"|{_H}{{0,4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}|{_H}{{0,8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}")
#: the characters a GUID token may not touch (the lookarounds of ``_GUID``)
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: a run of letters with one no GUID holds: its whole alphanumeric run cannot be inside a GUID
#: token, so wherever the literal occurs the shape shows this run as it is
_STABLE_WORD = re.compile(r"[A-Za-z]*[g-zG-Z][A-Za-z]*")


#: a GUID token found from its first dash (a literal the regex engine scans for quickly): the
#: same tokens as ``_GUID``, whose matches never overlap, so both find every one of them
_GUID_AT_DASH = re.compile(r"-(?<=(?<![0-9A-Za-z])[0-9a-fA-F]{8}-)[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                           r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])")


def _mask_guids(text: str) -> str:
    """``_GUID.sub(_ZERO_GUID, text)``, about three times faster on agent records.

    >>> _mask_guids("id 0F278542-19ED-EA5F-1994-BF859F68947F;x-0d3f9a10-4c5b-4e1a-9c2d-7f00aa11bb22")
    'id 00000000-0000-0000-0000-000000000000;x-00000000-0000-0000-0000-000000000000'
    """
    parts = []
    last = 0
    for m in _GUID_AT_DASH.finditer(text):
        parts.append(text[last:m.start() - 8])
        parts.append(_ZERO_GUID)
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def shape_of(text: str) -> str:
    """``text`` with digits as ``0`` and GUID tokens as the zero GUID (same length)."""
    if text.count("-") >= 4:    # a GUID has four dashes (cheaper than the regex on most records)
        text = _mask_guids(text)
    if text.isascii():          # the same mapping on bytes: a table lookup, several times faster
        return text.encode("ascii").translate(_BYTE_DIGITS).decode("ascii")
    return text.translate(_DIGITS)


def digit_shape_of(text: str) -> str:
    """``text`` with digits as ``0`` and GUIDs kept but for their digits: a narrower shape for
    records whose GUID letters a condition may read (a heartbeat's HeartbeatId stays the same
    all day while its counter changes).  Records of one such shape differ only in digits, so
    every rule of :func:`shape_of`'s shapes holds for them, with no GUID letter masked.

    >>> digit_shape_of("HeartbeatCounter: 12;HeartbeatId: 0F278542-19ED-EA5F-1994-BF859F68947F")
    'HeartbeatCounter: 00;HeartbeatId: 0F000000-00ED-EA0F-0000-BF000F00000F'
    """
    if text.isascii():
        return text.encode("ascii").translate(_BYTE_DIGITS).decode("ascii")
    return text.translate(_DIGITS)


@cache  # each engine asks again for the same few thousand literals (quadratic in their length)
def mask_safe(literal: str) -> bool:
    """Whether ``literal`` is found at the same places in every record of one shape: it has no
    digit, is not made of GUID characters alone, holds no whole GUID and cannot reach into a GUID
    token from outside (a GUID's first or last characters after or before a non-alphanumeric)."""
    if not literal or any(c.isdigit() for c in literal) or all(c in _HEX or c == "-" for c in literal):
        return False
    if _GUID.search(literal):
        return False
    n = len(literal)
    for k in range(n):
        head = literal[k:]          # could these be a GUID's first characters, entered from outside?
        if (k == 0 or literal[k - 1] not in _ALNUM) and _GUID_HEAD.fullmatch(head):
            return False
        tail = literal[:n - k]      # … or a GUID's last characters, left to the outside?
        if (k == 0 or literal[n - k] not in _ALNUM) and _GUID_TAIL.fullmatch(tail):
            return False
    return True


class ShapeGuard:
    """The literals that are not :func:`mask_safe`, as patterns matching every masked form of them.

    A literal's character that masking can change (a digit, a GUID's hex letter) becomes
    ``[c0]``; every other character must be there as it is.  So a shape none of the patterns
    matches holds none of the literals in any of its records.
    """

    def __init__(self, literals: Iterable[tuple[str, bool]]) -> None:
        #: (a word the literal shows unmasked, or None; its masked-forms pattern)
        self._checks = _checks_of(frozenset(literals))

    def __len__(self) -> int:
        return len(self._checks)

    def may_hold(self, shape: str) -> bool:
        """Whether some record of this shape might hold one of the guarded literals."""
        for word, pattern in self._checks:
            if (word is None or word in shape) and pattern.search(shape):
                return True
        return False


class Presence:
    """Whether some record of a shape may hold one of these literals (any, not only those
    numbers change): a mask-safe literal is in every record of a shape or in none, so the shape
    tells; any other is looked for in all its masked forms (:class:`ShapeGuard`).

    >>> needs = Presence(["[HEARTBEAT]", "UpdateGSErrors: 0"])
    >>> needs.may_occur(shape_of("[HEARTBEAT] Agent running")), needs.may_occur("UpdateGSErrors: 0;")
    (True, True)
    >>> needs.may_occur(shape_of("ProcessExtensionsGoalState completed [incarnation_12 340 ms]"))
    False
    """

    def __init__(self, literals: Iterable[str]) -> None:
        literals = frozenset(literals)
        if not literals or "" in literals:
            raise ValueError("a presence test needs non-empty literals")
        self._plain = tuple(sorted(lit for lit in literals if mask_safe(lit)))
        self._guard = ShapeGuard((lit, False) for lit in literals)

    def may_occur(self, shape: str) -> bool:
        for lit in self._plain:
            if lit in shape:
                return True
        return self._guard.may_hold(shape)


@cache  # the same conditions come back with every engine (one per analysed bundle)
def _checks_of(literals: frozenset[tuple[str, bool]]) -> tuple[tuple[str | None, re.Pattern[str]], ...]:
    checks: list[tuple[str | None, re.Pattern[str]]] = []
    for literal, ignore_case in sorted(literals):
        if not literal or mask_safe(literal):
            continue
        body = "".join(f"[{re.escape(c)}0]" if c in _HEX else re.escape(c) for c in literal)
        words = [] if ignore_case else _STABLE_WORD.findall(literal)
        checks.append((max(words, key=len) if words else None, re.compile(body, re.I if ignore_case else 0)))
    return tuple(checks)


def literal_alternatives(pattern: re.Pattern[str]) -> frozenset[tuple[str, bool]] | None:
    """The literals of a regex that is only an alternation of plain strings (``a|b|c``), each
    with whether case is ignored; None for any other regex.  Such a regex holds exactly where
    one of its literals is a substring, so a shape guard can look at them like text literals.

    >>> sorted(literal_alternatives(re.compile(r"Please retry|\\[403: Forbidden\\]")))
    [('Please retry', False), ('[403: Forbidden]', False)]
    >>> literal_alternatives(re.compile(r"^\\[RSM\\]|Unable .* URI")) is None
    True
    """
    if pattern.flags & ~(re.I | re.U | re.M | re.S):
        return None
    try:
        tree = list(_sre.parse(pattern.pattern, pattern.flags))
    except Exception:   # a pattern this Python parses differently: not known to be literals
        return None
    branches = tree[0][1][1] if len(tree) == 1 and str(tree[0][0]) == "BRANCH" else [tree]
    out = []
    for branch in branches:
        if not branch or any(str(op) != "LITERAL" for op, _ in branch):
            return None
        out.append(("".join(chr(arg) for _, arg in branch), bool(pattern.flags & re.I)))
    return frozenset(out)


def masks_letters(shape: str) -> bool:
    """Whether records of this shape may differ in a GUID's letters, not only in digits (a
    regex is blind to digits when :func:`digit_uniform`, not to letters).

    >>> masks_letters(shape_of("unit enable_0d3f9a10-4c5b-4e1a-9c2d-7f00aa11bb22")), masks_letters("rc=0")
    (True, False)
    """
    return _ZERO_GUID in shape


@cache  # the conditions name the same catalog templates again and again (about 4 times each)
def digit_uniform(pattern: re.Pattern[str]) -> bool:
    """Whether a regex treats every ASCII digit alike (no literal digit, no class holding some
    digits only, no back-reference): then it matches a record exactly where it matches any other
    record differing only in its digits.

    >>> digit_uniform(re.compile(r"exit code (\\d+) after [\\w.]+"))
    True
    >>> digit_uniform(re.compile(r"HTTP [45]\\d\\d"))
    False
    """
    try:
        tree = _sre.parse(pattern.pattern, pattern.flags)
    except Exception:   # a pattern this Python parses differently: not provably uniform
        return False
    return _uniform(tree)


_DIGIT_CODES = range(ord("0"), ord("9") + 1)


def _uniform(items: Any) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            if arg in _DIGIT_CODES:
                return False
        elif name == "IN":
            if not _set_uniform(arg):
                return False
        elif name in ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE",
                      "GROUPREF_UNI_IGNORE"):
            return False
        elif name == "SUBPATTERN":
            if not _uniform(arg[-1]):
                return False
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if not _uniform(arg[2]):
                return False
        elif name == "BRANCH":
            if not all(_uniform(b) for b in arg[1]):
                return False
        elif name in ("ASSERT", "ASSERT_NOT"):
            if not _uniform(arg[1]):
                return False
        elif name == "ATOMIC_GROUP":
            if not _uniform(arg):
                return False
        elif name not in ("ANY", "AT", "CATEGORY"):
            return False    # an operation not known here: not provably uniform
    return True


def _set_uniform(items: Any) -> bool:
    """A character set holds all ten digits or none (its negation keeps that)."""
    held = set()
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            held.update({arg} & set(_DIGIT_CODES))
        elif name == "RANGE":
            held.update(c for c in _DIGIT_CODES if arg[0] <= c <= arg[1])
        elif name == "CATEGORY":
            category = str(arg)
            if not category.endswith(("DIGIT", "WORD", "SPACE", "LINEBREAK")):
                return False
            if category.endswith(("DIGIT", "WORD")) and "NOT" not in category:
                held.update(_DIGIT_CODES)      # \d and \w hold every digit; \D, \W, \s none
        elif name != "NEGATE":
            return False
    return not held or len(held) == 10
