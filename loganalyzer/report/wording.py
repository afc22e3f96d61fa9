"""Words and small formats every report shares: cause names, verdicts, times, locations, coverage.

>>> from datetime import datetime, timezone
>>> iso(datetime(2024, 5, 30, 13, 15, 47, 339279, tzinfo=timezone.utc))
'2024-05-30T13:15:47.339279Z'
>>> short_time(datetime(2024, 5, 30, 13, 15, 47, 339279, tzinfo=timezone.utc))
'2024-05-30T13:15:47Z'
>>> cause_label("agent_outdated")
'the guest agent is out of date'
>>> cause_label("some_new_cause")
'some new cause'
>>> printable("ok\\x1b[31m red")
'ok\\ufffd[31m red'
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..kinds import EVIDENCE_KINDS
from ..model import CauseVerdict, CoverageStatus, Evidence, FileCoverage, Finding, finding_rank
from ..rules.causes import CAUSES, label
from .host_name import derived_host_name, vm_folders

#: The reports' phrase per cause, from ``rules/causes.toml`` (``label``).
CAUSE_LABELS: dict[str, str] = {c.id: c.label for c in CAUSES.values()}

VERDICT_LABELS: dict[str, str] = {
    "detected": "detected",
    "ruled_out": "ruled out",
    "not_seen": "not seen",
    "not_evaluable": "not evaluable",
}

SEVERITY_ORDER: tuple[str, ...] = ("critical", "error", "warning", "info")

#: Control characters (terminal escapes, BEL, NUL…), bidi overrides and isolates (U+202E…, which
#: reorder what is shown) and the Unicode line/paragraph separators (U+2028/9, which break lines).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` (naive times are taken as UTC); ``None`` stays ``None``."""
    if moment is None:
        return None
    return _utc(moment).isoformat().replace("+00:00", "Z")


def short_time(moment: datetime | None, local: bool = False) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for people (the same ISO style everywhere); a time of the VM's
    local clock shown as is has no ``Z`` and says so; ``"no time"`` when the record had none.

    >>> short_time(datetime(2024, 5, 30, 13, 15, 47, tzinfo=UTC), local=True)
    '2024-05-30T13:15:47 (VM local time)'
    """
    if moment is None:
        return "no time"
    if local:
        return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S") + " (VM local time)"
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def evidence_time(ev: Evidence) -> str:
    """The time of one evidence item, labelled local when it is the VM's clock shown as is."""
    return short_time(ev.timestamp, local=ev.local)


def finding_local(finding: Finding | CauseVerdict) -> bool:
    """Whether a finding's (or verdict's) times are the VM's local clock shown as is: every
    evidence item that has a time is :attr:`~loganalyzer.model.Evidence.local`."""
    timed = [ev for ev in finding.evidence if ev.timestamp is not None]
    return bool(timed) and all(ev.local for ev in timed)


#: a time as the rules write it (``fmt_time``), claiming UTC with its ``Z``
_RULE_TIME = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z\b")


def local_paths(result: Any) -> set[str]:
    """The files whose times are the VM's local clock shown as is (none once ``--tz`` converted them)."""
    if result.options.tz is not UTC:
        return set()
    return set(result.facts.state.get("local_time_files", ()))


#: the kinds a "no signature" reason names: ``in 245 waagent_log records`` / ``syslog, waagent_log records``
_NAMED_KINDS = re.compile(r"\b\d[\d,]* ([a-z_]+(?:, [a-z_]+)*) records\b")
#: the label of a time whose clock cannot be told (a span over UTC and local-clock files)
EITHER_CLOCK = " (UTC or VM local time)"


def local_clock_view(result: Any) -> Any:
    """``result`` with the times in findings' titles and summaries and in verdict reasons
    written as :func:`short_time` writes a local time (no ``Z``) when they are the VM's local
    clock shown as is; ``result`` itself when no file had a local clock (or ``--tz`` converted
    them).  The findings are copies, the input is untouched.

    Each time is placed on its clock by, in order: the item's own evidence at that second; the
    first or last record of a kind whose files are all local (or all UTC); the files the item
    cites (its evidence, timed or not, or the kinds its reason names: "in 86 waagent_log
    records").  A time an item over both clocks cannot place (a ``--since`` window's edge over
    UTC and local files) loses its ``Z`` and says ``(UTC or VM local time)``.
    """
    from dataclasses import replace

    local_files = local_paths(result)
    if not local_files:
        return result
    kind_files: dict[str, set[bool]] = {}
    dated = {c.path for c in result.coverage if c.records}
    for c in result.coverage:
        if c.path in dated:
            kind_files.setdefault(c.kind, set()).add(c.path in local_files)
    kind_clock = {k: "local" if v == {True} else "utc" if v == {False} else "mixed"
                  for k, v in kind_files.items()}
    edges: dict[str, set[str]] = {}
    for kind, clock in kind_clock.items():
        for moment in (result.facts.first_seen.get(kind), result.facts.last_seen.get(kind)):
            if moment is not None:
                edges.setdefault(short_time(moment)[:-1], set()).add(clock)

    def item_clock(item: Finding | CauseVerdict, text: str) -> str | None:
        """"local", "utc", "mixed" or None (nothing says) for the files ``item`` is about."""
        timed = [ev.local for ev in item.evidence if ev.timestamp is not None]
        cited = {ev.path in local_files for ev in item.evidence if ev.path in dated}
        if timed or cited:
            clocks = set(timed) or cited
        else:
            named = {k for m in _NAMED_KINDS.finditer(text) for k in m.group(1).split(", ")}
            found = {kind_clock[k] for k in named if k in kind_clock}
            if not found:
                return None
            return found.pop() if len(found) == 1 else "mixed"
        return "local" if clocks == {True} else "utc" if clocks == {False} else "mixed"

    def relabel(item: Finding | CauseVerdict, text: str) -> str:
        at = {short_time(ev.timestamp)[:-1]: ev.local for ev in item.evidence if ev.timestamp is not None}
        whole = item_clock(item, text)

        def one(m: re.Match[str]) -> str:
            stamp = m.group(1)
            if stamp in at:
                clock = "local" if at[stamp] else "utc"
            elif len(edges.get(stamp, ())) == 1 and edges[stamp] != {"mixed"}:
                clock = next(iter(edges[stamp]))
            else:
                clock = whole or "utc"
            if clock == "local":
                return short_time(datetime.fromisoformat(stamp), local=True)
            return stamp + EITHER_CLOCK if clock == "mixed" else m.group(0)
        return _RULE_TIME.sub(one, text)

    findings = [replace(f, title=relabel(f, f.title), summary=relabel(f, f.summary)) for f in result.findings]
    causes = [replace(v, reason=relabel(v, v.reason)) for v in result.causes]
    return replace(result, findings=findings, causes=causes)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def cause_label(cause: str) -> str:
    return label(cause)


def verdict_label(verdict: CauseVerdict) -> str:
    return VERDICT_LABELS.get(str(verdict.verdict), str(verdict.verdict))


def printable(text: str) -> str:
    """``text`` with control and bidi characters (escapes, NUL, U+202E…) shown as U+FFFD; tabs, newlines kept.

    >>> printable("evil\x1b]0;title\x07\u202egol.txt\u2028x")
    'evil\ufffd]0;title\ufffd\ufffdgol.txt\ufffdx'
    """
    return _UNPRINTABLE.sub("\ufffd", text)


def seen(count: int) -> str:
    """``seen once`` / ``seen 1,204 times``.

    >>> seen(1), seen(1204)
    ('seen once', 'seen 1,204 times')
    """
    return "seen once" if count == 1 else f"seen {count:,} times"


def wellformed(text: str) -> str:
    """``text`` that any UTF-8 writer accepts: lone surrogates (undecodable file names) become U+FFFD.

    >>> wellformed("bad\\udcff name")
    'bad\\ufffd name'
    """
    return _SURROGATE.sub("\ufffd", text)


def wellformed_data(value: Any) -> Any:
    """:func:`wellformed` applied to every string (and key) in nested dicts and lists."""
    if isinstance(value, str):
        return wellformed(value)
    if isinstance(value, dict):
        return {wellformed_data(k): wellformed_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wellformed_data(v) for v in value]
    return value


def location(evidence: Evidence) -> str:
    """``path:line`` or ``path:first-last``; just the path for documents without line numbers.

    >>> location(Evidence("var/log/waagent.log", 12, 14, None, ""))
    'var/log/waagent.log:12-14'
    """
    if evidence.line_start <= 0:
        return evidence.path
    if evidence.line_end > evidence.line_start:
        return f"{evidence.path}:{evidence.line_start}-{evidence.line_end}"
    return f"{evidence.path}:{evidence.line_start}"


def by_rank(findings: Iterable[Finding]) -> list[Finding]:
    """Findings most important first, ties kept in rule order."""
    return sorted(findings, key=finding_rank, reverse=True)


def answer_sentence(finding: Finding) -> str:
    """The most likely cause in one plain sentence.

    >>> from loganalyzer.model import Confidence, Severity
    >>> f = Finding("vmsnapshot.enable", "extension_enable_failed", Severity.ERROR, Confidence.HIGH,
    ...             "Enable exited with code 1", "")
    >>> answer_sentence(f)
    'Most likely cause: the extension failed to enable — Enable exited with code 1 (error, high confidence).'
    """
    title = finding.title.rstrip(". ")
    label = cause_label(finding.cause)
    said = label if _same_words(label, title) else f"{label} — {title}"
    return f"Most likely cause: {said} ({finding.severity}, {finding.confidence} confidence)."


def _same_words(label: str, title: str) -> bool:
    """Whether a finding's title only repeats its cause's label ("Agent auto-update is disabled"
    after "guest agent auto-update is disabled"): then the answer says it once.

    >>> _same_words("guest agent auto-update is disabled", "Agent auto-update is disabled")
    True
    >>> _same_words("the guest agent is out of date", "The agent is older than the minimum")
    False
    """
    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9-]+", text.lower())) - {"the", "a", "an", "guest"}
    a, b = words(label), words(title)
    return bool(a and b) and (a <= b or b <= a)


#: the checklist's order: what was found, then what could not be told apart, then the rest
VERDICT_ORDER: dict[str, int] = {"detected": 0, "not_seen": 1, "not_evaluable": 2, "ruled_out": 3}


def checklist_order(verdicts: Iterable[CauseVerdict]) -> list[CauseVerdict]:
    """Verdicts as every checklist lists them: detected first, then not seen, not evaluable,
    ruled out (the rules' order kept within each)."""
    return sorted(verdicts, key=lambda v: VERDICT_ORDER.get(str(v.verdict), 3))


def checklist_reason(verdict: CauseVerdict, findings: list[Finding], top: Finding | None) -> str:
    """A verdict's reason as the checklist shows it: a detected cause whose finding the report
    already tells points there instead of repeating its title and summary (the JSON report
    keeps the rules' full reason).

    >>> from loganalyzer.model import Confidence, Severity, Verdict
    >>> f = Finding("r", "disk_full", Severity.ERROR, Confidence.HIGH, "/var is full", "", incident=1,
    ...             role="root")
    >>> checklist_reason(CauseVerdict("disk_full", Verdict.DETECTED, "/var is full: 100% used"), [f], f)
    '/var is full — the answer above.'
    """
    if str(verdict.verdict) != "detected":
        return verdict.reason
    finding = finding_for(verdict.cause, findings)
    if finding is None:
        return verdict.reason
    title = finding.title.rstrip(". ")
    in_answer = top is not None and (finding is top or (top.incident is not None
                                                        and finding.incident == top.incident))
    root = next((f for f in by_rank(findings) if f.incident == finding.incident and f.role == "root"), None) \
        if finding.role == "consequence" and finding.incident is not None else None
    because = f"a consequence of {root.cause}: " if root is not None and root.cause != verdict.cause else ""
    where = "the answer above" if in_answer else "under Other findings"
    return f"{because}{title} — {where}."


def healthy_sentence(verdicts: list[CauseVerdict], missing_evidence: list[str] | None = None,
                     unexplained: int = 0) -> str:
    """What to say when no finding is a warning or worse, naming how much was checked; with
    ``unexplained`` error groups left, it does not say "No problem found".

    >>> from loganalyzer.model import Verdict
    >>> healthy_sentence([CauseVerdict("no_network", Verdict.RULED_OUT, "agent reached WireServer")])
    'No problem found: 1 cause checked, 1 ruled out, 0 not evaluable.'
    >>> healthy_sentence([CauseVerdict("no_network", Verdict.RULED_OUT, "heartbeats")], unexplained=2)[:58]
    'No documented cause found, but 2 kinds of error that no ru'
    >>> healthy_sentence([], list(EVIDENCE_KINDS))[:60]
    'Nothing could be checked: no Azure guest-agent log, state fi'
    """
    if verdicts and all(str(v.verdict) == "not_evaluable" for v in verdicts) \
            and not (missing_evidence is not None and len(missing_evidence) >= len(EVIDENCE_KINDS)):
        return (f"No cause could be evaluated: none of the {len(verdicts)} causes (each says why "
                "below).")
    if missing_evidence is not None and len(missing_evidence) >= len(EVIDENCE_KINDS):
        return ("Nothing could be checked: no Azure guest-agent log, state file or system log was found "
                "in this input (see Coverage for what was read).")
    ruled_out = sum(1 for v in verdicts if str(v.verdict) == "ruled_out")
    missing = sum(1 for v in verdicts if str(v.verdict) == "not_evaluable")
    unseen = sum(1 for v in verdicts if str(v.verdict) == "not_seen")
    noun = "cause" if len(verdicts) == 1 else "causes"
    counts = f"{len(verdicts)} {noun} checked, {ruled_out} ruled out, " + \
        (f"{unseen} not seen, " if unseen else "") + f"{missing} not evaluable."
    if unexplained:
        kinds = "kind of error" if unexplained == 1 else "kinds of error"
        return (f"No documented cause found, but {unexplained} {kinds} that no rule explains "
                f"{'is' if unexplained == 1 else 'are'} listed below; read them. {counts}")
    return f"No problem found: {counts}"


def healthy_answer(view: Any) -> str:
    """:func:`healthy_sentence` for a report view (its causes, missing evidence and unexplained groups)."""
    return healthy_sentence(view.causes, view.missing_evidence, unexplained_groups(view.findings))


def unexplained_groups(findings: list[Finding]) -> int:
    """How many groups of errors no rule explains (``unexplained_error`` findings)."""
    return sum(1 for f in findings if f.cause == "unexplained_error")


#: the headings of :class:`IncidentParts`' first two lists in every report
SAME_CAUSE = "Other signs of the same cause"
CONSEQUENCES = "Because of this, also seen"


class IncidentParts(NamedTuple):
    """The findings around the answer: ``same_cause`` — the answer's own cause seen by other rules
    (the root's other findings), ``consequences`` — what the root brought about (its incident's
    other causes), ``others`` — every finding outside the incident; each most likely first."""

    same_cause: list[Finding]
    consequences: list[Finding]
    others: list[Finding]


def incident_parts(findings: list[Finding], top: Finding | None) -> IncidentParts:
    """One answer per failure: the top finding's incident split into its root's other findings
    and its consequences, then every other finding.  "Because of this, also seen" lists only
    consequences, never a second finding of the answer's own cause.

    >>> from loganalyzer.model import Confidence, Severity
    >>> def f(cause, rule, role):
    ...     return Finding(rule, cause, Severity.ERROR, Confidence.HIGH, rule, "", incident=1, role=role)
    >>> top, twin, after = f("no_network", "a", "root"), f("no_network", "b", "root"), \\
    ...     f("snapshot_failed", "c", "consequence")
    >>> parts = incident_parts([after, twin, top], top)
    >>> [x.rule_id for x in parts.same_cause], [x.rule_id for x in parts.consequences], parts.others
    (['b'], ['c'], [])
    """
    ranked = [f for f in by_rank(findings) if f is not top]
    if top is None or top.incident is None:
        return IncidentParts([], [], ranked)
    inside = [f for f in ranked if f.incident == top.incident]
    same = [f for f in inside if f.role == "root" or f.cause == top.cause]
    said = {id(f) for f in same}
    return IncidentParts(same, [f for f in inside if id(f) not in said],
                         [f for f in ranked if f.incident != top.incident])


@dataclass(frozen=True, slots=True)
class CoverageTotals:
    files: int
    read: int
    partial: int
    skipped: int
    unreadable: int
    lines: int
    records: int
    unparsed_lines: int
    bytes: int


def coverage_totals(coverage: list[FileCoverage]) -> CoverageTotals:
    def count(status: CoverageStatus) -> int:
        return sum(c.files for c in coverage if c.status == status)

    parsed, partial = count(CoverageStatus.PARSED), count(CoverageStatus.PARTIAL)
    return CoverageTotals(
        files=sum(c.files for c in coverage), read=parsed + partial, partial=partial,
        skipped=count(CoverageStatus.SKIPPED), unreadable=count(CoverageStatus.UNREADABLE),
        lines=sum(c.lines for c in coverage), records=sum(c.records for c in coverage),
        unparsed_lines=sum(c.unparsed_lines for c in coverage),
        bytes=sum(c.size or 0 for c in coverage))


def coverage_sentence(coverage: list[FileCoverage], listed: int = 3) -> str:
    """One line on what was read and what was not.

    >>> cov = [FileCoverage("var/log/waagent.log", "waagent_log", lines=1204118),
    ...        FileCoverage("../etc/passwd", "other_text", status=CoverageStatus.SKIPPED,
    ...                     reason="path leaves the bundle")]
    >>> coverage_sentence(cov)
    'read 1 file, 1,204,118 lines; 1 skipped: ../etc/passwd (path leaves the bundle)'
    """
    totals = coverage_totals(coverage)
    noun = "file" if totals.read == 1 else "files"
    sentence = f"read {totals.read} {noun}, {totals.lines:,} lines"
    if totals.partial:
        sentence += f" ({totals.partial} only in part)"
    if totals.unparsed_lines:
        sentence += f", {totals.unparsed_lines:,} not understood"
    not_read = [c for c in coverage if c.status in (CoverageStatus.SKIPPED, CoverageStatus.UNREADABLE)]
    if not_read:
        named = ", ".join(f"{c.path} ({c.reason or c.status})" for c in not_read[:listed])
        more = f", and {len(not_read) - listed} more" if len(not_read) > listed else ""
        sentence += f"; {len(not_read)} skipped: {named}{more}"
    return sentence


def finding_for(cause: str, findings: list[Finding]) -> Finding | None:
    """The most important finding naming ``cause``, if any."""
    ranked = by_rank(f for f in findings if f.cause == cause)
    return ranked[0] if ranked else None


@dataclass(slots=True)
class BundleHeader:
    """Who and what a report is about: shown at the top of every format.

    ``clock`` says how the log times are to be read: ``"UTC"``, or the VM's local clock
    (shown as if UTC without ``--tz``, converted with it).  ``hostname_from`` is None when the
    bundle's content says the host name, else where a derived name was read (``"the archive's
    top folder"``, :func:`~loganalyzer.report.host_name.derived_host_name`).
    """

    path: str
    bundle_type: str
    hostname: str | None
    os: str | None
    agent: dict[str, str | None]
    first: datetime | None
    last: datetime | None
    clock: str
    hostname_from: str | None = None
    #: the VM folders of an input that packs several VMs' trees (``vm-a/var/…``, ``vm-b/var/…``)
    vm_folders: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        """The host name as shown: ``vm1``, ``vm-app07 (derived from the archive's top folder;
        no host name in the logs)`` or ``unknown``; an input holding several VMs' trees names
        them and says they were read as one."""
        if len(self.vm_folders) > 1:
            named = ", ".join(self.vm_folders[:5]) + (", …" if len(self.vm_folders) > 5 else "")
            said = f"{self.hostname}; " if self.hostname and not self.hostname_from else ""
            return (f"{said}{len(self.vm_folders)} VM folders in one input ({named}), read as one bundle: "
                    "analyse each folder alone, or run analyze-logs fleet on them")
        if not self.hostname:
            return "unknown"
        if self.hostname_from:
            return f"{self.hostname} (derived from {self.hostname_from}; no host name in the logs)"
        return self.hostname

    @property
    def hostname_source(self) -> str | None:
        """``logs`` (a file in the bundle says it), ``bundle_name`` (derived) or None (no name)."""
        if not self.hostname:
            return None
        return "bundle_name" if self.hostname_from else "logs"

    def lines(self) -> list[str]:
        """``["Bundle: x.zip (collect_logs) — host vm1, Ubuntu 22.04", "Agent: …; logs …"]``"""
        host = self.host if len(self.vm_folders) > 1 else f"host {self.host}"
        who = ", ".join(p for p in (host, self.os or "OS unknown") if p)
        agent = ", ".join(f"{role.replace('_', '-')} {v or 'unknown'}" for role, v in self.agent.items())
        return [f"Bundle: {self.path} ({self.bundle_type}) — {who}",
                f"Agent: {agent}; logs {self.span()}"]

    def span(self) -> str:
        if self.first is None or self.last is None:
            return "without dated records"
        zone = "Z" if self.clock == "UTC" else ""
        fmt = "%Y-%m-%dT%H:%M:%S"
        return (f"{_utc(self.first).strftime(fmt)}{zone} to {_utc(self.last).strftime(fmt)}{zone} "
                f"({self.clock})")

    def as_dict(self) -> dict[str, Any]:
        return {"hostname": self.hostname, "hostname_source": self.hostname_source,
                "vm_folders": list(self.vm_folders),
                "os": self.os, "agent": dict(self.agent),
                "first_record": iso(self.first), "last_record": iso(self.last), "clock": self.clock}


def bundle_header(result: Any) -> BundleHeader:
    """The :class:`BundleHeader` of an :class:`~loganalyzer.result.AnalysisResult`."""
    facts = result.facts
    state = facts.state
    local = list(state.get("local_time_files", []))
    if not local:
        clock = "UTC"
    else:
        tz = result.options.tz
        offset = tz.utcoffset(None) if hasattr(tz, "utcoffset") else None
        clock = "VM local clock, shown as if UTC (no --tz)" if offset is not None and not offset \
            else f"VM local clock, converted to UTC with --tz {tz}"
        if len(local) < len({c.path for c in result.coverage if c.records}):
            names = ", ".join(p.rsplit("/", 1)[-1] for p in local[:2]) + (" …" if len(local) > 2 else "")
            clock = f"UTC, except {names}: {clock}"
    hostname, hostname_from = state.get("hostname"), None
    members = [c.path for c in result.coverage if c.kind != "archive"]
    if not hostname and str(result.input.bundle_type) != "live_system":
        derived = derived_host_name(result.input.path, members)
        if derived:
            hostname, hostname_from = derived
    return BundleHeader(
        path=str(result.input.path or "live system"), bundle_type=str(result.input.bundle_type),
        hostname=hostname, hostname_from=hostname_from, os=state.get("os"),
        vm_folders=folders if len(folders := vm_folders(members)) > 1 else [],
        agent={"goal_state": facts.latest_version("goal_state"), "daemon": facts.latest_version("daemon")},
        first=min(facts.first_seen.values(), default=None), last=max(facts.last_seen.values(), default=None),
        clock=clock)
