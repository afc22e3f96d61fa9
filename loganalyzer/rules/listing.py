"""``--list-rules``: one line per rule, grouped by cause.

>>> from loganalyzer.rules.loader import load_rules
>>> "provisioning.failed" in list_rules(load_rules()[0])
True
"""
from __future__ import annotations

from .model import Rule


def list_rules(rules: list[Rule]) -> str:
    """A plain-text table: cause, rule id, kind, severity, title."""
    rows = sorted(rules, key=lambda r: (r.cause, r.kind, r.id))
    width = max((len(r.id) for r in rows), default=10)
    lines = [f"{len(rules)} rules"]
    cause = None
    for r in rows:
        if r.cause != cause:
            cause = r.cause
            lines.append(f"\n{cause}")
        lines.append(f"  {r.id:<{width}}  {r.kind:<9} {r.severity!s:<8} {r.title}")
    return "\n".join(lines)
