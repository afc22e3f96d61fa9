"""Cheap routing of records to the conditions that could hold for them.

Every watcher (a rule's match, a correlation partner, a logic trigger) declares literal
substrings and/or file kinds.  Each literal is indexed under one *word* of it; a record is cut
into words once (``str.translate`` + ``split``, both C loops) and one set intersection finds the
literals worth testing with ``in``.  Most records share no word with any literal and cost about
as much as splitting them.

A word is a run of ``[A-Za-z0-9_]``.  The index word of a literal must be a whole word in every
record that contains the literal: words inside the literal qualify; a word at the literal's
outer end qualifies too (rule literals are log phrases that start and end on word boundaries),
except where the literal was cut out of a regular expression next to other pattern parts —
those ends are marked with ``CUT`` by :func:`loganalyzer.rules.condition.regex_literals`.

>>> pf = Prefilter()
>>> pf.add(0, frozenset(["No route exists to"]), None)
>>> pf.add(1, None, frozenset(["vmsnapshot_log"]))
>>> pf.add(2, frozenset([CUT + "etwork is unreachable"]), None)
>>> pf.freeze()
>>> pf.candidates("waagent_log", "WARNING No route exists to 168.63.129.16")
[0]
>>> pf.candidates("vmsnapshot_log", "T:S freeze, timeout value 60")
[1]
>>> pf.candidates("waagent_log", "IOError [Errno 101] Network is unreachable")
[2]
>>> pf.candidates("waagent_log", "INFO all fine")
[]
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

#: marks an end of a literal that a regex cut next to other pattern parts (not a word boundary)
CUT = "\x00"
_WORD = re.compile(r"[A-Za-z0-9_]+")
_SPLIT = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")})
#: words so frequent in agent logs that they make poor index words when a literal has better ones
_COMMON = frozenset([
    "INFO", "WARNING", "ERROR", "VERBOSE", "ExtHandler", "Daemon", "Agent", "WALinuxAgent", "Event",
    "name", "op", "message", "duration", "the", "to", "of", "is", "in", "for", "a", "an", "and", "not",
    "on", "with", "by", "from", "at", "Failed", "failed", "Error", "error", "http", "https", "168",
    "63", "129", "16", "HTTP", "GET", "Microsoft", "Azure", "extension", "Extension", "goal", "state",
    "Goal", "State", "status",
])


@lru_cache(maxsize=8192)
def strip_cut(literal: str) -> str:
    return literal.replace(CUT, "")


@lru_cache(maxsize=8192)  # every engine indexes the same ~1,800 literals: once per process
def index_word(literal: str) -> str | None:
    """The word of ``literal`` that is a whole word wherever the literal occurs (None: none is).

    >>> index_word("No route exists to"), index_word("[HEARTBEAT]"), index_word(CUT + "Update")
    ('exists', 'HEARTBEAT', None)
    """
    text = strip_cut(literal)
    left_cut, right_cut = literal.startswith(CUT), literal.endswith(CUT)
    eligible = [m.group() for m in _WORD.finditer(text)
                if (m.start() > 0 or not left_cut) and (m.end() < len(text) or not right_cut)]
    if not eligible:
        return None
    return max(eligible, key=lambda w: (w not in _COMMON, len(w)))


class Prefilter:
    """Maps literals and kinds to watcher ids."""

    def __init__(self) -> None:
        self._by_literal: dict[str, list[int]] = defaultdict(list)
        self._by_kind: dict[str, list[int]] = defaultdict(list)
        self._kind_filter: dict[int, frozenset[str]] = {}
        self._by_word: dict[str, list[tuple[str, list[int]]]] = {}
        self._words: frozenset[str] = frozenset()
        self._unindexed: list[tuple[str, list[int]]] = []

    def add(self, watcher: int, literals: frozenset[str] | None, kinds: frozenset[str] | None) -> None:
        """Route ``watcher`` by its literals (then kinds filter it) or, without literals, by kinds."""
        if literals:
            for lit in literals:
                self._by_literal[lit].append(watcher)
            if kinds:
                self._kind_filter[watcher] = kinds
        elif kinds:
            for k in kinds:
                self._by_kind[k].append(watcher)
        else:
            raise ValueError("a watcher needs literals or kinds")

    def freeze(self) -> None:
        """Build the word index once every watcher was added."""
        by_word: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
        unindexed = []
        for lit, ids in sorted(self._by_literal.items()):
            word = index_word(lit)
            entry = (strip_cut(lit), ids)
            if word is None:
                unindexed.append(entry)
            else:
                by_word[word].append(entry)
        self._by_word = dict(by_word)
        self._words = frozenset(by_word)
        self._unindexed = unindexed

    def literals(self) -> list[str]:
        """Every literal a watcher is routed by (``CUT`` marks kept)."""
        return list(self._by_literal)

    @property
    def unindexed(self) -> list[str]:
        """Literals tested on every record because no word of them can be indexed."""
        return [lit for lit, _ in self._unindexed]

    def candidates(self, kind: str, text: str) -> list[int]:
        """Watcher ids that could match a record of ``kind`` with ``text``, in id order."""
        found = self._by_kind.get(kind)
        found = list(found) if found else []
        by_word = self._by_word
        kf = self._kind_filter
        for word in self._words.intersection(text.translate(_SPLIT).split()):
            for lit, ids in by_word[word]:
                if lit in text:
                    for i in ids:
                        if i not in kf or kind in kf[i]:
                            found.append(i)
        for lit, ids in self._unindexed:
            if lit in text:
                found.extend(i for i in ids if i not in kf or kind in kf[i])
        if len(found) > 1:
            found = sorted(set(found))
        return found
