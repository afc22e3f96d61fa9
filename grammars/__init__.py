"""Lark grammars, installed as ``loganalyzer.grammars``; load with :func:`load_grammar`.

>>> "start" in load_grammar("rule_condition")     # doctest: +SKIP
True
"""
from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load_grammar(name: str) -> str:
    """Text of ``grammars/<name>.lark``."""
    return (files(__package__) / f"{name}.lark").read_text(encoding="utf-8")
