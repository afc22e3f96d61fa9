"""One :class:`CauseVerdict` per documented cause: detected, ruled out, or not evaluable, ordered
the way Microsoft's page orders the causes for the portal error the user gave (``--error-code``).

>>> order_for_error("UserErrorRpCollectionLimitReached")[0]
'restore_point_limit_or_lock'
>>> order_for_error("Could not communicate with the VM agent for snapshot status")[:2]
['agent_not_running', 'agent_crash_loop']
>>> order_for_error(None) == list(TAXONOMY)
True
"""
from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from ..model import CauseVerdict, Evidence, Finding, Severity, Verdict
from .logic.base import FinishContext
from .matches import MatchSet, fmt_time, to_evidence
from .model import TAXONOMY, Rule

_RP_CAUSE = "restore_point_limit_or_lock"


@cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((files("loganalyzer.rules") / name).read_text(encoding="utf-8"))


def cause_info(cause: str) -> dict[str, Any]:
    return _data("causes.toml").get(cause, {"title": cause, "needs": [], "collect": ""})


def portal_error(text: str | None) -> dict[str, Any] | None:
    """The portal-error entry named by a code or (part of) its English message."""
    if not text:
        return None
    low = text.strip().lower()
    for entry in _data("portal_errors.toml")["error"]:
        if low == entry["code"].lower() or low.startswith(entry["code"].lower()) \
                or any(m in low for m in entry["match"]):
            return entry
    return None


def order_for_error(error_code: str | None) -> list[str]:
    """Causes in the order Microsoft's page checks them for ``error_code``, then the rest."""
    entry = portal_error(error_code)
    first = [c for c in entry["causes"] if c in TAXONOMY] if entry else []
    return first + [c for c in TAXONOMY if c not in first]


def build_verdicts(findings: list[Finding], health: dict[str, list[tuple[Rule, MatchSet]]],
                   ctx: FinishContext) -> list[CauseVerdict]:
    by_cause: dict[str, list[Finding]] = {}
    for f in findings:
        by_cause.setdefault(f.cause, []).append(f)
    entry = portal_error(ctx.options.error_code)
    return [_verdict(cause, by_cause.get(cause, []), health.get(cause, []), ctx, entry)
            for cause in order_for_error(ctx.options.error_code)]


def _verdict(cause: str, found: list[Finding], healthy: list[tuple[Rule, MatchSet]], ctx: FinishContext,
             entry: dict[str, Any] | None) -> CauseVerdict:
    info = cause_info(cause)
    raised = [f for f in found if Severity(f.severity) != Severity.INFO]
    if raised:
        top = raised[0]
        more = f" (+{len(raised) - 1} more finding(s))" if len(raised) > 1 else ""
        return CauseVerdict(cause, Verdict.DETECTED, f"{top.title}: {top.summary}{more}", list(top.evidence[:3]))
    if cause == _RP_CAUSE:
        if entry is not None and entry["code"] == "UserErrorRpCollectionLimitReached":
            return CauseVerdict(cause, Verdict.DETECTED,
                                f"Named by the portal error you gave ({entry['code']}: {entry['message']}). Guest "
                                f"logs cannot show it. Fix: remove the lock on the AzureBackupRG_<geo>_<n> resource "
                                f"group, then let an on-demand backup clean up the restore point collection (or "
                                f"delete the collection), and retry.")
        return CauseVerdict(cause, Verdict.NOT_EVALUABLE, info["collect"])
    if healthy:
        timed = [rm for rm in healthy if rm[1].last_seen is not None]
        rule, matches = max(timed, key=lambda rm: rm[1].last_seen) if timed else healthy[-1]
        ev = matches.evidence_events()
        last = ev[-1] if ev else None
        return CauseVerdict(cause, Verdict.RULED_OUT,
                            f"{rule.title}: seen {matches.count} time(s), last at {fmt_time(matches.last_seen)}"
                            + (f" — {rule.reason}" if rule.reason else ""),
                            [to_evidence(last)] if last is not None else [])
    present = set(ctx.facts.kinds_present) | {c.kind for c in ctx.coverage if c.lines or c.records}
    needs = set(info.get("needs", []))
    usable = sorted(needs & present)
    quiet = [f for f in found if Severity(f.severity) == Severity.INFO]
    if usable:
        why = f"No signature of this cause in the {', '.join(usable)} records of this bundle"
        if quiet:
            why += f"; only {quiet[0].title.lower()} at info level ({quiet[0].summary[:160]})"
        evidence: list[Evidence] = list(quiet[0].evidence[:2]) if quiet else []
        return CauseVerdict(cause, Verdict.RULED_OUT, why + ".", evidence)
    missing = ", ".join(sorted(needs)) or "evidence outside the guest"
    cannot = [c for c in ctx.info.cannot_contain if any(n in c for n in needs)]
    reason = f"Needs {missing}, absent from this bundle"
    if cannot:
        reason += f" ({ctx.info.bundle_type} bundles cannot contain {', '.join(cannot)})"
    return CauseVerdict(cause, Verdict.NOT_EVALUABLE, f"{reason}. {info['collect']}")
