"""Rules: declarative signatures (``catalog/*.toml``) plus logic, turned into findings and verdicts.

>>> rules, errors = load_rules()
>>> errors
[]
"""
from __future__ import annotations

from .engine import RuleEngine
from .listing import list_rules
from .loader import load_rules
from .model import TAXONOMY, Rule

__all__ = ["TAXONOMY", "Rule", "RuleEngine", "list_rules", "load_rules"]
