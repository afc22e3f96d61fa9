"""``agent_outdated``: the goal-state agent (the one that runs extensions) against the version
policy in force at the date of the logs.  An old daemon with an up-to-date goal-state agent is
not outdated; agents 1.x/2.0 have a single process, so their daemon version is the one running.

>>> from loganalyzer.rules.logic.agent_version import read_version
>>> read_version("Azure Linux Agent Version:2.2.45")
('daemon', '2.2.45')
>>> read_version("Agent WALinuxAgent-2.2.53 is running as the goal state agent")
('goal_state', '2.2.53')
>>> read_version("[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG ...]")
('goal_state', '2.9.1.1')
>>> read_version("WALinuxAgent-2.9.1.1 running on ubuntu 24.04")
('daemon', '2.9.1.1')
>>> read_version("Installed Agent WALinuxAgent-2.2.45 is the most current agent")
('goal_state', '2.2.45')
"""
from __future__ import annotations

from ...model import CauseVerdict, Confidence, Event, Finding, Severity, Verdict
from ..versions import older_than, version_tuple
from .base import FinishContext, Latest, LazyTriggers, LogicRule, Seen, Statements, lits

#: the catalog statements that name an agent's version: the entries with ``names_version``
#: (``daemon`` / ``goal_state``, the role of the agent they name; the version is the statement's
#: ``{version}`` capture, or the tail of its ``{agent}``: ``WALinuxAgent-2.9.1.1``).  The parser
#: reads the logged ones of the same entries into ``agent_version`` / ``agent_role``.
VERSIONS = Statements(where=lambda e: bool(e.names_version))
#: a traceback through the single-file ``/usr/sbin/waagent`` script is the 1.x/2.0 agent (a frame
#: of Python's traceback structure, ``File "<path>", line N``: no statement of the agent)
_LEGACY_TRACE = "/usr/sbin/waagent\", line"
_SINGLE_PROCESS_BEFORE = (2, 1)
#: statements only the goal-state agent writes: their line format dates it (formats.md §2.2)
GS_ACTIVITY = Statements(
    "wala.ok.target_handler_state", "wala.ok.target_handler_state_v2247", "wala.ok.target_handler_state_v28",
    "wala.ok.expected_handler_state", "wala.ok.handle_extensions_updates",
    "wala.ok.process_goal_state_completed", "wala.ok.process_goal_state_completed_v2254",
    "wala.ok.process_extensions_goal_state_completed", "wala.ext.process_gs_failed",
    "wala.ok.process_extensions_in_goal_state_completed", "wala.ext.processing_exception_gs",
    "wala.ext.process_gs_failed_v25", "wala.ok.heartbeat_v2247", "wala.ok.heartbeat_v2249",
    "wala.ok.heartbeat_v2212", "wala.ok.heartbeat_v2213",
    kinds=frozenset({"waagent_log", "syslog", "serial_console"}))
#: telemetry operations only the goal-state agent reports (``Event: name=WALinuxAgent, op=<op>, …``
#: records: structure, read from the parser's ``event_op`` field)
GS_EVENT_OPS = ("ProcessGoalState",)
#: newest agent version that writes each old line format (``Event.generation``)
GENERATION_CEILING = {"1.x-2.0": "2.0.x", "2.1-2.2.30": "2.2.30", "2.2.31-2.2.45": "2.2.45",
                      "2.2.46": "2.2.46"}


def version_of(caps: dict[str, str]) -> str | None:
    """The version a statement's captures name: ``{version}``, else the tail of ``{agent}``.

    >>> version_of({"agent": "WALinuxAgent-2.2.53"}), version_of({"version": "2.9.1.1 (extra)"})
    ('2.2.53', '2.9.1.1')
    >>> version_of({"version": "unknown"}) is None
    True
    """
    raw = caps.get("version") or caps.get("agent", "").rpartition("-")[2]
    words = raw.split()
    value = words[0] if words else ""
    return value if version_tuple(value) else None


def read_version(text: str, kind: str = "") -> tuple[str, str] | None:
    """``(role, version)`` named by a banner/heartbeat/version line, else None."""
    found = VERSIONS.named(text, kind)
    if found is None:
        return None
    entry, caps = found
    version = version_of(caps)
    return (entry.names_version, version) if version else None


class AgentVersionPolicy(LogicRule):
    triggers = LazyTriggers(lambda: [VERSIONS.trigger, (lits(_LEGACY_TRACE), None), GS_ACTIVITY.trigger,
                                     (lits(*(f"op={op}" for op in GS_EVENT_OPS)), GS_ACTIVITY.kinds)])

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.seen: dict[str, list[Seen]] = {"daemon": [], "goal_state": []}
        self.legacy: Seen | None = None
        #: the newest line only the goal-state agent writes (its format dates the agent)
        self.gs_format = Latest(GS_ACTIVITY)

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        if trigger >= 2:
            if event.source == "Daemon" or not event.generation:
                return
            if trigger == 2:
                self.gs_format.offer((event, order), text)
            elif (event.fields or {}).get("event_op") in GS_EVENT_OPS:
                # the record is the goal-state agent's by its structure: kept as a line that is
                self.gs_format.settle_with((event, order))
            return
        if trigger == 1:
            if self.legacy is None:
                self.legacy = Seen(event, order, {"version": "2.0"})
            return
        f = event.fields or {}
        found = (f.get("agent_role"), f.get("agent_version")) if f.get("agent_version") \
            else read_version(text, event.kind)
        if found and found[0] in self.seen and found[1]:
            seen = self.seen[found[0]]
            latest = Seen(event, order, {"version": str(found[1])})
            # Only the newest timed sighting (or, with no times, the last one) is ever used:
            # keep that one instead of one per heartbeat.
            if not seen or _newer(latest, seen[-1]):
                seen[:] = [latest]

    def _latest(self, role: str, ctx: FinishContext) -> tuple[str | None, Seen | None]:
        seen = self.seen[role]
        if seen:
            timed = [s for s in seen if s.ts is not None]
            best = max(timed, key=lambda s: (s.ts, s.order)) if timed else seen[-1]
            return best.data["version"], best
        if ctx.windowed:
            return None, None
        return ctx.facts.latest_version(role), None

    def finish(self, ctx: FinishContext) -> list[Finding]:
        gs, gs_seen = self._latest("goal_state", ctx)
        daemon, daemon_seen = self._latest("daemon", ctx)
        if daemon is None and self.legacy is not None:
            daemon, daemon_seen = "2.0.x", self.legacy
        if gs is None and daemon is not None and (version_tuple(daemon) or (0,))[:2] < _SINGLE_PROCESS_BEFORE:
            gs, gs_seen = daemon, daemon_seen
        newest = self.gs_format.get()
        fmt = Seen(*newest) if newest else None
        if gs is None and fmt is not None and fmt.event.generation in GENERATION_CEILING:
            gs, gs_seen = f"≤{GENERATION_CEILING[fmt.event.generation]} (by its log format)", fmt
        when = ctx.last_record_time
        entry = self.policy.minimum_at(when)
        evidence = [s.evidence() for s in (gs_seen, daemon_seen) if s is not None]
        roles = f"goal-state agent {gs or 'unknown'}, daemon {daemon or 'unknown'}"
        if gs is None and daemon is None:
            return []
        cause = self.rule.cause
        if entry is None:
            ctx.verdicts[cause] = CauseVerdict(
                cause, Verdict.NOT_EVALUABLE,
                f"Agent versions seen: {roles}. No documented minimum version was in force at the date "
                "of these logs, so the version is not judged.", evidence)
            return []
        running = gs if gs is not None else daemon
        assert running is not None
        if not older_than(running.replace("2.0.x", "2.0").lstrip("≤"), entry.minimum):
            ctx.verdicts[cause] = CauseVerdict(
                cause, Verdict.RULED_OUT,
                f"Agent version meets the supported minimum: {roles}; the agent that runs extensions "
                f"meets the {entry.describe()}.", evidence)
            return []
        if gs is None:
            return [self.finding({}, evidence, severity=Severity.WARNING, confidence=Confidence.LOW,
                                 summary=f"Only the daemon version is known ({daemon}), older than the "
                                         f"{entry.describe()}. The goal-state agent may have auto-updated; "
                                         f"check its banner or heartbeat lines.")]
        return [self.finding({"goal_state": gs, "daemon": daemon or "unknown", "policy": entry.describe()},
                             evidence, severity=Severity.ERROR, confidence=Confidence.HIGH)]


def _newer(candidate: Seen, current: Seen) -> bool:
    """Whether ``candidate`` replaces ``current`` as the sighting ``_latest`` would pick."""
    if candidate.ts is None:
        return current.ts is None
    return current.ts is None or (candidate.ts, candidate.order) >= (current.ts, current.order)

