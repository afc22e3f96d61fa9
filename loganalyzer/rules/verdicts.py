"""One :class:`CauseVerdict` per documented cause: detected, ruled out, or not evaluable, ordered
the way Microsoft's page orders the causes for the portal error the user gave (``--error-code``).
"""
from __future__ import annotations

from typing import Any

from ..kinds import LOG_KINDS
from ..model import CauseVerdict, Evidence, Finding, Severity, Verdict
from .causes import CAUSES, Cause
from .logic.base import FinishContext
from .matches import MatchSet, fmt_time, to_evidence
from .model import Rule
from .portal import cause_info, order_for_error, portal_error


def _records(kinds: list[str] | set[str], ctx: FinishContext) -> int:
    """Records of ``kinds`` the rules saw: those in the ``--since/--until`` window when one is set."""
    window = ctx.facts.state.get("window_records")
    if window is not None:
        return sum(window[k][0] for k in kinds if k in window)
    return sum(c.records for c in ctx.coverage if c.kind in kinds)


def _scope(kinds: list[str], ctx: FinishContext) -> str:
    """``'14 waagent_log records (2016-10-05T17:01Z to 2016-10-05T17:02Z)'`` — what was searched
    (within the ``--since/--until`` window when one is set)."""
    records = _records(kinds, ctx)
    window = ctx.facts.state.get("window_records")
    if window is not None:
        first = [window[k][1] for k in kinds if k in window and window[k][1] is not None]
        last = [window[k][2] for k in kinds if k in window and window[k][2] is not None]
    else:
        first = [ctx.facts.first_seen[k] for k in kinds if k in ctx.facts.first_seen]
        last = [ctx.facts.last_seen[k] for k in kinds if k in ctx.facts.last_seen]
    what = f"the {', '.join(kinds)} records of this bundle" if not records else \
        f"{records} {', '.join(kinds)} records"
    if window is not None:
        what += " in the time window"
    if first and last:
        what += f" ({fmt_time(min(first))} to {fmt_time(max(last))})"
    return what

def _searched(kinds: list[str], ctx: FinishContext) -> list[Evidence]:
    """The files searched without a signature, as evidence of the ruling (at most three)."""
    files = sorted((c for c in ctx.coverage if c.kind in kinds and c.records),
                   key=lambda c: c.records, reverse=True)[:3]
    return [Evidence(c.path, 1, max(c.lines, 1), None,
                     f"searched {c.records} records: no signature of this cause") for c in files]


#: how a verdict ruled out by silence (no signature in the searched records) begins: only those
#: can be masked by a failure upstream (counter-evidence and a seen version still count)
_SILENCE = "No signature of this cause"
#: Log records a cause's evidence kinds must hold before "no signature" rules the cause out
#: (a pasted excerpt of three lines says nothing about what it does not show).
MIN_RECORDS_TO_RULE_OUT = 20


def build_verdicts(findings: list[Finding], health: dict[str, list[tuple[Rule, MatchSet]]],
                   ctx: FinishContext) -> list[CauseVerdict]:
    by_cause: dict[str, list[Finding]] = {}
    for f in findings:
        by_cause.setdefault(f.cause, []).append(f)
    code = ctx.options.error_code or ctx.found_error_code   # a code found in the bundle counts the same
    entry = portal_error(code)
    masked = _masked_by(findings)
    verdicts = []
    for cause in order_for_error(code):
        v = _verdict(cause, by_cause.get(cause, []), health.get(cause, []), ctx, entry)
        if v.verdict == Verdict.RULED_OUT and not v.evidence:
            v = CauseVerdict(cause, Verdict.NOT_SEEN, v.reason + " Nothing in the bundle shows it did not "
                             "happen either, so it is not ruled out.")
        if v.verdict == Verdict.RULED_OUT and cause in masked and v.reason.startswith(_SILENCE) \
                and not healthy_after(health.get(cause, []), masked[cause]):
            v = CauseVerdict(cause, Verdict.NOT_SEEN, f"Not seen, but {masked[cause].title.lower()} "
                             f"({masked[cause].cause}) comes before it: while that lasts the bundle cannot "
                             "show it.", v.evidence)
        if v.verdict == Verdict.DETECTED:
            v = _as_consequence(v, by_cause.get(cause, []), findings)
        verdicts.append(v)
    return verdicts


def _masked_by(findings: list[Finding]) -> dict[str, Finding]:
    """cause -> the detected finding upstream of it (``leads_to``, transitively): a failure there
    keeps the agent from ever reaching the point where this cause would show."""
    from .incidents import leads_to
    graph = leads_to()
    out: dict[str, Finding] = {}
    for f in findings:
        if Severity(f.severity).rank < Severity.WARNING.rank:
            continue
        todo, seen = list(graph.get(f.cause, ())), set()
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            out.setdefault(c, f)
            todo.extend(graph.get(c, ()))
    return out


def healthy_after(healthy: list[tuple[Rule, MatchSet]], upstream: Finding) -> bool:
    """Whether counter-evidence was seen after the upstream failure ended (then it still counts)."""
    if upstream.last_seen is None:
        return False
    return any(m.last_seen is not None and m.last_seen > upstream.last_seen for _, m in healthy)


def _as_consequence(v: CauseVerdict, found: list[Finding], findings: list[Finding]) -> CauseVerdict:
    """A detected cause whose every finding is a consequence says so, naming its root."""
    from .incidents import root_of
    loud = [f for f in found if Severity(f.severity).rank >= Severity.WARNING.rank]
    if not loud or any(f.role != "consequence" for f in loud):
        return v
    root = root_of(findings, loud[0])
    return CauseVerdict(v.cause, v.verdict, f"A consequence of {root.cause} ({root.title}). {v.reason}",
                        v.evidence)


def _decided_by_portal(cause: Cause, entry: dict[str, Any] | None) -> CauseVerdict:
    """A cause nothing in the guest can show (``needs = []``): detected when the portal error names
    it (its ``portal_codes``), with its ``remediation``; else not evaluable, saying what to collect."""
    if entry is not None and entry["code"] in cause.portal_codes:
        fix = f" Fix: {cause.remediation}" if cause.remediation else ""
        named = f"Named by the portal error you gave ({entry['code']}: {entry['message']})."
        return CauseVerdict(cause.id, Verdict.DETECTED, f"{named} Guest logs cannot show it.{fix}")
    return CauseVerdict(cause.id, Verdict.NOT_EVALUABLE, cause.collect)


def _verdict(cause: str, found: list[Finding], healthy: list[tuple[Rule, MatchSet]], ctx: FinishContext,
             entry: dict[str, Any] | None) -> CauseVerdict:
    info = cause_info(cause)
    raised = [f for f in found if Severity(f.severity) != Severity.INFO]
    if raised:
        top = raised[0]
        more = f" (+{len(raised) - 1} more finding(s))" if len(raised) > 1 else ""
        return CauseVerdict(cause, Verdict.DETECTED, f"{top.title}: "
                                                     f"{top.summary}{more}", list(top.evidence[:3]))
    known = CAUSES.get(cause)
    if known is not None and known.outside_guest:
        return _decided_by_portal(known, entry)
    decided = ctx.verdicts.get(cause)
    if decided is not None:
        return decided
    if healthy:
        timed = [rm for rm in healthy if rm[1].last_seen is not None]
        rule, matches = max(timed, key=lambda rm: rm[1].last_seen) if timed else healthy[-1]
        ev = matches.evidence_events()
        last = ev[-1] if ev else None
        return CauseVerdict(cause, Verdict.RULED_OUT,
                            f"{rule.title}: seen {matches.count} time(s), last at "
                            f"{fmt_time(matches.last_seen)}"
                            + (f" — {rule.reason}" if rule.reason else ""),
                            [to_evidence(last)] if last is not None else [])
    present = set(ctx.facts.kinds_present) | {c.kind for c in ctx.coverage if c.lines or c.records}
    needs = set(info.get("needs", []))
    usable = sorted(needs & present)
    proof = sorted(set(info.get("proof", needs)) & present)
    quiet = [f for f in found if Severity(f.severity) == Severity.INFO]
    if quiet:
        return CauseVerdict(cause, Verdict.RULED_OUT, f"Seen at info level only: {quiet[0].summary}",
                            list(quiet[0].evidence[:2]))
    window = ctx.facts.state.get("window_records")
    if window is not None and needs & LOG_KINDS and usable \
            and not _records(set(usable) & LOG_KINDS, ctx):
        return CauseVerdict(cause, Verdict.NOT_EVALUABLE,
                            f"No {', '.join(sorted(set(usable) & LOG_KINDS))} records left in the time "
                            "window: widen --since/--until to check it.")
    if usable:
        records = _records(usable, ctx)
        if records < MIN_RECORDS_TO_RULE_OUT and LOG_KINDS.issuperset(usable):
            return CauseVerdict(cause, Verdict.NOT_EVALUABLE, f"Only {_scope(usable, ctx)}: too little "
                                                              f"log to rule it out. {info['collect']}")
        if not proof:
            what = "successful contact (heartbeats, goal-state fetches)" if "proof" in info \
                and not info["proof"] else f"the {', '.join(sorted(info.get('proof', needs)))} files"
            return CauseVerdict(cause, Verdict.NOT_SEEN,
                                f"No signature of this cause in {_scope(usable, ctx)}, but only {what} "
                                "could rule it out.")
        return CauseVerdict(cause, Verdict.RULED_OUT, f"No signature of this cause in {_scope(proof, ctx)}.",
                            _searched(proof, ctx))
    missing = ", ".join(sorted(needs)) or "evidence outside the guest"
    cannot = [c for c in ctx.info.cannot_contain if any(n in c for n in needs)]
    reason = f"Needs {missing}, absent from this bundle"
    if cannot:
        reason += f" ({ctx.info.bundle_type} bundles cannot contain {', '.join(cannot)})"
    return CauseVerdict(cause, Verdict.NOT_EVALUABLE, f"{reason}. {info['collect']}")
