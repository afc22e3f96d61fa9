"""Which signal rule takes a signal first, whatever file it was written in.

A signal goes to one signal rule only (the first that accepts it), so the order decides which rule
reports a record.  The order is by precedence, then by load order (rule file name, then position):

1. rules that name catalog entries (``entry = [...]``): they are about given statements;
2. rules that constrain more signal attributes (``endpoint``, ``op``, ``not = {...}``…) before fewer;
3. of two otherwise equal rules, one with an extra ``match`` condition first;
4. rules that take a whole signal name last.

So ``snapshot.toml``'s rule for the freeze-timeout statements takes them before ``signals.toml``'s
``signal.snapshot`` (which takes every ``snapshot_phase_failed``) although its file sorts later.

>>> from loganalyzer.rules.model import Rule, SignalFilter
>>> whole = Rule(id="a", title="", cause="", signal=SignalFilter(frozenset({"agent_crash"})))
>>> named = Rule(id="b", title="", cause="", signal=SignalFilter(frozenset({"agent_crash"}),
...                                                              {"entry": frozenset({"x.y"})}))
>>> [r.id for r in by_precedence([whole, named])]
['b', 'a']
"""
from __future__ import annotations

from typing import Any


def precedence(rule: Any) -> tuple[int, int, int]:
    """Sort key of a signal rule, higher first (see the module doc).

    >>> from loganalyzer.rules.model import Rule, SignalFilter
    >>> precedence(Rule(id="a", title="", cause="", signal=SignalFilter(
    ...     frozenset({"http_failure"}), {"endpoint": frozenset({"wireserver"})})))
    (0, 1, 0)
    """
    f = rule.signal
    names_entries = "entry" in f.where
    constraints = len(f.where) - names_entries + len(f.exclude) + (f.vias is not None)
    return (int(names_entries), constraints, int(rule.match is not None))


def by_precedence(rules: list[Any]) -> list[Any]:
    """Signal rules in the order they are offered a signal (stable: ties keep load order)."""
    return sorted(rules, key=precedence, reverse=True)
