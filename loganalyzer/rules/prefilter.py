"""Cheap routing of records to the conditions that could hold for them.

Every watcher (a rule's match, a correlation partner, a logic trigger) declares literal
substrings and/or file kinds.  One combined regex built from a trie of all literals tells, in
one C-level scan, whether a record contains any literal at all; most records contain none and
cost nothing more.  Only then are the individual literals tested with ``in``.

>>> pf = Prefilter()
>>> pf.add(0, frozenset(["No route exists to"]), None)
>>> pf.add(1, None, frozenset(["vmsnapshot_log"]))
>>> pf.freeze()
>>> pf.candidates("waagent_log", "WARNING No route exists to 168.63.129.16")
[0]
>>> pf.candidates("vmsnapshot_log", "T:S freeze, timeout value 60")
[1]
>>> pf.candidates("waagent_log", "INFO all fine")
[]
"""
from __future__ import annotations

import re
from collections import defaultdict


def trie_regex(words: list[str]) -> re.Pattern[str]:
    """One regex matching any of ``words``, shared prefixes merged (fast alternation).

    >>> bool(trie_regex(["Failed to send", "Failed to decrypt", "No route"]).search("x Failed to decrypt y"))
    True
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?"
        return body

    return re.compile(emit(trie)) if words else re.compile(r"(?!x)x")


class Prefilter:
    """Maps literals and kinds to watcher ids."""

    def __init__(self) -> None:
        self._by_literal: dict[str, list[int]] = defaultdict(list)
        self._by_kind: dict[str, list[int]] = defaultdict(list)
        self._kind_filter: dict[int, frozenset[str]] = {}
        self._gate: re.Pattern[str] = re.compile(r"(?!x)x")
        self._literal_items: list[tuple[str, list[int]]] = []

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
        self._literal_items = sorted(self._by_literal.items())
        self._gate = trie_regex([lit for lit, _ in self._literal_items])

    def candidates(self, kind: str, text: str) -> list[int]:
        """Watcher ids that could match a record of ``kind`` with ``text``, in id order."""
        found = list(self._by_kind.get(kind, ()))
        if self._gate.search(text) is not None:
            kf = self._kind_filter
            for lit, ids in self._literal_items:
                if lit in text:
                    found.extend(i for i in ids if i not in kf or kind in kf[i])
        if len(found) > 1:
            found = sorted(set(found))
        return found
