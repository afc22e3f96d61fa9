"""``--list-rules``: one line per rule, grouped by cause.

>>> from loganalyzer.rules.loader import load_rules
>>> "provisioning.failed" in list_rules(load_rules()[0])
True
"""
from __future__ import annotations

from .model import Rule


def rule_data(rule: Rule) -> dict:
    """One rule as plain data (``--list-rules --format json``, ``--explain``)."""
    return {"id": rule.id, "cause": rule.cause, "kind": rule.kind, "severity": str(rule.severity),
            "confidence": str(rule.confidence), "title": rule.title, "summary": rule.summary,
            "remediation": list(rule.remediation), "references": list(rule.references),
            "false_positives": list(rule.false_positives), "rules_out": list(rule.rules_out),
            "source": rule.location}


def explain_rule(rule: Rule) -> str:
    """``--explain RULE``: what a rule looks for, what it means and what to do."""
    lines = [f"{rule.id}: {rule.title}", "",
             f"cause: {rule.cause}   severity: {rule.severity}   confidence: {rule.confidence}   "
             f"kind: {rule.kind}", f"defined in: {rule.location}"]
    if rule.summary:
        lines += ["", "What a finding says:", f"  {rule.summary}"]
    if rule.rules_out:
        lines += ["", f"Rules out: {', '.join(rule.rules_out)}"]
    if rule.remediation:
        lines += ["", "What to do:", *(f"  {n}. {step}" for n, step in enumerate(rule.remediation, 1))]
    if rule.false_positives:
        lines += ["", "Known false positives:", *(f"  - {fp}" for fp in rule.false_positives)]
    if rule.references:
        lines += ["", "References:", *(f"  {ref}" for ref in rule.references)]
    return "\n".join(lines) + "\n"


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
