"""Build a :class:`Finding` from a rule and its grouped matches.

>>> from loganalyzer.rules.loader import load_rules
>>> from loganalyzer.model import Event, TimeKind, Severity
>>> rule = next(r for r in load_rules()[0] if r.id == "provisioning.failed")
>>> m = MatchSet()
>>> m.add(Event(None, TimeKind.NONE, "ERROR", "Provisioning failed: boom (3s)", "w", 4, 4,
...             "waagent_log"), {}, 1)
>>> f = finding_from_matches(rule, m, None, rule.severity, [])
>>> f.cause, f.count, f.evidence[0].line_start
('provisioning_failed', 1, 4)
"""
from __future__ import annotations

import string
from typing import Any

from ..model import Finding, Severity
from .matches import BACKUP_EXTENSION, MatchSet, fmt_time, render, to_evidence
from .model import Rule

#: Placeholders every matching rule's summary may use (:func:`summary_values` sets them).
SUMMARY_PLACEHOLDERS = frozenset({"count", "first_seen", "last_seen", "extension", "extensions", "times"})


def placeholders(template: str) -> list[str]:
    """The field names of a ``str.format`` template (``{a}``, ``{b!r}``…); a malformed one: none.

    >>> placeholders("{count} failures of {extension}: {error!r}"), placeholders("{broken")
    (['count', 'extension', 'error'], [])
    """
    try:
        return [f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template)
                if f is not None]
    except ValueError:
        return []


def reads_captures(rule: Rule) -> bool:
    """Whether a rule's findings read what its condition captured from a record: its summary names
    a capture (a placeholder :func:`summary_values` does not set itself) or it groups by template.
    The rule engine keeps the captures of the others' matches out (they would not be read).

    >>> from loganalyzer.rules.loader import load_rules
    >>> rules = {r.id: r for r in load_rules()[0]}
    >>> reads_captures(rules["health.goal_state_fetched"])
    False
    """
    return rule.group_by == "template" or any(name not in SUMMARY_PLACEHOLDERS
                                              for name in placeholders(rule.summary))


def summary_values(matches: MatchSet, extension: str | None) -> dict[str, Any]:
    values: dict[str, Any] = dict(matches.captures)
    ext = extension or (sorted(matches.extensions)[0] if len(matches.extensions) == 1 else None)
    values.update(count=matches.count, first_seen=fmt_time(matches.first_seen),
                  last_seen=fmt_time(matches.last_seen),
                  extension=ext or "an extension",
                  extensions=", ".join(sorted(matches.extensions)) or "unknown",
                  times="once" if matches.count == 1 else f"{matches.count} times")
    return values


def finding_from_matches(rule: Rule, matches: MatchSet, group: str | None, severity: Severity,
                         notes: list[str]) -> Finding:
    """One finding for all matches of ``rule`` (in ``group``, an extension name or None)."""
    ext = group or (sorted(matches.extensions)[0] if len(matches.extensions) == 1 else None)
    summary = render(rule.summary, summary_values(matches, ext))
    if ext == BACKUP_EXTENSION and "Azure Backup" not in summary:
        summary += f" {BACKUP_EXTENSION} is the Azure Backup extension."
    if notes:
        summary += " (" + "; ".join(notes) + ")"
    title = rule.title if not ext or ext in rule.title else f"{rule.title}: {ext}"
    return Finding(rule_id=rule.id, cause=rule.cause, severity=severity, confidence=rule.confidence,
                   title=title, summary=summary,
                   evidence=[to_evidence(e) for e in matches.evidence_events()],
                   count=matches.count, first_seen=matches.first_seen, last_seen=matches.last_seen,
                   remediation=list(rule.remediation), references=list(rule.references), extension=ext)
