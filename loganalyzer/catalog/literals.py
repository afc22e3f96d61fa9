"""The message words a rule names, and whether the catalog already holds them.

The catalog is the one place a message string lives: a rule that names a statement's words should
instead name the signal (or the catalog entry) the classifier gives for it.  This module finds the
raw literals of a rule's conditions (``message contains "…"``, the literal runs of a
``message ~ /…/``, of its correlation partner and of its recovery condition) and tells whether a
catalog template holds them.

>>> from loganalyzer.rules.condition import compile_condition
>>> condition_literals(compile_condition('message contains "is an orphan -- exiting" and level == "INFO"'))
['is an orphan -- exiting']
>>> held("is an orphan -- exiting", template_runs()) is not None
True
>>> held("zorblax quux frobnicated", template_runs()) is None
True
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..rules.condition import Condition, parse_condition, regex_literals
from ..rules.prefilter import strip_cut
from . import load_catalog

#: a literal shorter than this says too little to be a message's words (``op=``, ``Install,``)
MIN_WORDS = 8
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_SPACES = re.compile(r"\s+")
_MESSAGE_OPERANDS = ("message", "raw_message", "event_message")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def condition_literals(condition: Condition) -> list[str]:
    """The message literals of a compiled condition, in the order written (spacing normalised)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if node.op in ("and", "or", "not"):
            for child in node.children:
                walk(child)
            return
        if node.op != "cmp" or node.operand not in _MESSAGE_OPERANDS:
            return
        kind, value = node.value
        if kind == "str":
            out.append(_norm(value))
        elif kind == "re":
            out.extend(_norm(strip_cut(lit)) for lit in sorted(regex_literals(value.pattern) or ()))

    walk(parse_condition(condition.source))
    return [lit for lit in out if lit]


def logic_literals(logic: str) -> list[str]:
    """The raw literals a logic rule's triggers route by (``lits(...)``): the anchors of the
    catalog statements it names (:class:`~loganalyzer.rules.logic.base.Statements`) are the
    catalog's own words and are left out.

    >>> logic_literals("agent_version_policy")
    ['/usr/sbin/waagent", line', 'op=ProcessGoalState']
    """
    from ..rules.logic import LOGIC
    from ..rules.logic.base import Anchors
    out: list[str] = []
    for words, _ in LOGIC[logic].triggers:
        if words is None or isinstance(words, Anchors):
            continue
        out.extend(w for w in sorted(_norm(strip_cut(w)) for w in words) if w and w not in out)
    return out


def rule_literals(rule: Any) -> list[str]:
    """Every message literal a rule names: its match, its correlation partner, its recovery; for
    a logic rule, the raw literals of its triggers (:func:`logic_literals`)."""
    if rule.kind == "logic" and getattr(rule, "logic", None):
        return logic_literals(rule.logic)
    conditions = [rule.match]
    if rule.correlation is not None:
        conditions.append(rule.correlation.other)
    if rule.transient is not None:
        conditions.append(rule.transient.recovered_by)
    out: list[str] = []
    for cond in conditions:
        if cond is not None:
            out.extend(lit for lit in condition_literals(cond) if lit not in out)
    return out


@cache
def template_runs() -> tuple[tuple[str, str], ...]:
    """``(literal run, entry id)`` of every catalog template: the text between its placeholders."""
    runs = []
    for entry in load_catalog().entries:
        for part in _PLACEHOLDER.split(entry.template):
            part = _norm(part)
            if len(part) >= MIN_WORDS:
                runs.append((part, entry.id))
    return tuple(runs)


def held(literal: str, runs: tuple[tuple[str, str], ...]) -> str | None:
    """The id of a catalog entry whose template holds ``literal`` (None when none does): the
    literal lies inside one of its literal runs, or contains one whole (a rule that names a
    statement with one of its values filled in)."""
    lit = _norm(literal)
    if len(lit) < MIN_WORDS:
        return None
    for run, entry_id in runs:
        if lit in run or _holds_whole(lit, run):
            return entry_id
    return None


def _holds_whole(lit: str, run: str) -> bool:
    """``run`` stands in ``lit`` as whole words (a portal code ``ExtensionSnapshotFailedNoNetwork``
    does not hold the word run ``Extension``).

    >>> _holds_whole("Agent X is an orphan -- exiting now", "is an orphan -- exiting")
    True
    >>> _holds_whole("ExtensionOperationFailed", "Extension")
    False
    """
    start = lit.find(run)
    while start >= 0:
        end = start + len(run)
        left_ok = start == 0 or not (lit[start - 1].isalnum() and run[0].isalnum())
        right_ok = end == len(lit) or not (lit[end].isalnum() and run[-1].isalnum())
        if left_ok and right_ok:
            return True
        start = lit.find(run, start + 1)
    return False
