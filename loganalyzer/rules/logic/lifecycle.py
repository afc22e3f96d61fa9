"""Agent life-cycle logic: crash-loop frequency, guest shutdown, and the agent not running.

Each rule names the catalog statements it reads (``catalog/data/*.toml``) by id; none keeps the
words of a statement.

>>> from loganalyzer.rules.logic.lifecycle import banner_role
>>> banner_role("Azure Linux Agent Version: 2.9.1.1")
'daemon'
>>> banner_role("Azure Linux Agent (Goal State Agent version 2.9.1.1)")
'goal_state'
>>> banner_role("[HEARTBEAT] Agent X is running as the goal state agent") is None
True
"""
from __future__ import annotations

from datetime import timedelta

from ...model import Confidence, Event, Finding, Severity
from ..matches import fmt_duration, fmt_time
from ..model import parse_duration
from .base import FinishContext, Latest, LazyTriggers, LogicRule, Seen, Statements, later

#: the agent daemon started (its version banner)
DAEMON_BANNERS = Statements("wala.ok.daemon_version_20", "wala.ok.daemon_version",
                            "wala.ok.daemon_version_v28")
#: a goal-state agent (extension handler) started (its banner; heartbeats are no start)
GS_BANNERS = Statements("wala.ok.goal_state_agent_started", "wala.ok.goal_state_agent_version")
#: a daemon is starting: its banner, its main loop, or systemd starting the agent's service
DAEMON_STARTS = Statements(*DAEMON_BANNERS.ids, "wala.ok.daemon_run", "sys.agent_service_started")
#: the agent or the guest is being stopped (signal guest_shutdown): the daemon forwarding a signal,
#: systemd stopping the agent's service or reaching its shutdown targets, the kernel powering off
STOPS = Statements("wala.agent.signal_forwarded", "sys.agent_service_stopping", "sys.target_shutdown",
                   "sys.target_power_off", "sys.powering_down", "sys.power_key_pressed",
                   "sys.systemd_shutdown", "sys.kernel_power_down")
#: the signal a stopped service gets (SIGTERM), as the daemon's forwarding statement captures it
SIGTERM = "15"


def banner_role(text: str, kind: str = "") -> str | None:
    """``daemon`` / ``goal_state`` for a start banner, None otherwise (heartbeats are not starts)."""
    if DAEMON_BANNERS.named(text, kind):
        return "daemon"
    if GS_BANNERS.named(text, kind):
        return "goal_state"
    return None


class CrashLoopFrequency(LogicRule):
    """``agent_crash_loop``: ≥ ``count`` starts of the same role within ``within`` (default 3 in 5 min)."""

    triggers = LazyTriggers(lambda: [Statements(*DAEMON_BANNERS.ids, *GS_BANNERS.ids).trigger])

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.starts: dict[str, list[Seen]] = {"daemon": [], "goal_state": []}

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        role = banner_role(text, event.kind)
        if role and event.timestamp is not None and len(self.starts[role]) < 10000:
            self.starts[role].append(Seen(event, order))

    def finish(self, ctx: FinishContext) -> list[Finding]:
        count = int(self.params.get("count", 3))
        span = timedelta(seconds=parse_duration(self.params.get("within", "5m")))
        out = []
        for role, seen in self.starts.items():
            seen = sorted(seen, key=lambda s: s.ts)  # type: ignore[arg-type, return-value]
            for i in range(len(seen) - count + 1):
                window = seen[i:i + count]
                if window[-1].ts - window[0].ts <= span:  # type: ignore[operator]
                    name = "daemon" if role == "daemon" else "goal-state agent (extension handler)"
                    out.append(self.finding(
                        {"role": name, "count": len(seen), "n": count, "first": fmt_time(window[0].ts),
                         "within": self.params.get("within", "5m")},
                        [s.evidence() for s in window], count=len(seen)))
                    break
        return out


class GuestShutdown(LogicRule):
    """``guest_shutdown``: the agent got SIGTERM, the log paused, then a new daemon started."""

    triggers = LazyTriggers(lambda: [STOPS.trigger, DAEMON_STARTS.trigger])

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.stops: list[Seen] = []
        self.starts: list[Seen] = []

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        if trigger == 1:
            if DAEMON_STARTS.named(text, event.kind):
                self.starts.append(Seen(event, order))
            return
        stop = STOPS.named(text, event.kind)
        if stop is None or len(self.stops) >= 1000:
            return
        entry, caps = stop
        if entry.id == "wala.agent.signal_forwarded" and caps.get("signal") != SIGTERM:
            return
        self.stops.append(Seen(event, order))

    def finish(self, ctx: FinishContext) -> list[Finding]:
        min_gap = timedelta(seconds=parse_duration(self.params.get("min_gap", "60s")))
        episodes = []
        for stop in self.stops:
            nxt = [s for s in self.starts if later(stop, s)]
            start = min(nxt, key=lambda s: (s.ts or stop.ts, s.order)) if nxt else None
            if start is None:
                if stop.ts is not None and stop.event.path == self._last_path(ctx, stop):
                    episodes.append((stop, None))
                continue
            if stop.ts is not None and start.ts is not None and start.ts - stop.ts >= min_gap:
                episodes.append((stop, start))
        if not episodes:
            return []
        stop, start = episodes[-1]
        evidence = [stop.evidence()] + ([start.evidence()] if start else [])
        if start is None:
            return [self.finding({}, evidence, count=len(episodes), severity=Severity.WARNING,
                                 confidence=Confidence.LOW,
                                 summary="The agent was stopped (SIGTERM/shutdown) at "
                                         f"{fmt_time(stop.ts)} and "
                                         f"the log ends there: the VM was probably shut down from inside the "
                                         f"guest.")]
        gap = start.ts - stop.ts  # type: ignore[operator]
        finding = self.finding({"stopped": fmt_time(stop.ts), "started": fmt_time(start.ts),
                                "gap": fmt_duration(gap), "episodes": len(episodes)},
                               evidence, count=len(episodes))
        if ctx.facts.backups and not any(_during_backup(s, e, ctx) for s, e in episodes if e is not None):
            # Restarts happen (patching); they only explain a failed backup when one was running.
            finding.severity = Severity.INFO
            finding.summary += " No backup run was in progress around these restarts."
        return [finding]

    @staticmethod
    def _last_path(ctx: FinishContext, stop: Seen) -> str | None:
        last = ctx.last_by_path.get(stop.event.path)
        return stop.event.path if last and last[1] <= stop.order + 3 else None


def _during_backup(stop: Seen, start: Seen, ctx: FinishContext) -> bool:
    """A backup run started before the stop and had not ended (or ended badly) by the restart."""
    if stop.ts is None or start.ts is None:
        return True
    margin = timedelta(hours=1)
    for run in ctx.facts.backups:
        if run.start is None:
            continue
        end = run.end or run.start
        if run.start - margin <= start.ts and end + margin >= stop.ts:
            return True
    return False


class AgentNotRunning(LogicRule):
    """``agent_not_running``: the extension handler died or never found the WireServer and nothing
    later shows it running, or the agent log went silent while the system kept logging."""

    #: the extension handler (or the daemon) ended: an exception, a failing child, an orphan, a
    #: memory limit — each an agent statement of the catalog
    DEATH = Statements(
        "wala.agent.launch_failed_exception_v22", "wala.agent.launch_failed_exception",
        "wala.agent.failed_with_exception_v220",
        "wala.agent.launch_failed_return_code", "wala.agent.orphan_exit", "wala.agent.orphan_exit_v22",
        "wala.agent.daemon_ended_exception", "wala.agent.memory_limit_exit")
    #: the agent could not find or reach the WireServer (DHCP, protocol detection)
    BLOCKED = Statements(
        "wala.dhcp.send_request_failed", "wala.dhcp.no_response",
        "wala.protocol.protocol_endpoint_not_found_old", "wala.protocol.protocol_endpoint_not_found",
        "wala.protocol.no_protocol_found", "wala.protocol.no_protocol_found_nodot",
        "wala.protocol.retry_detect_protocols", "wala.protocol.retry_detect_protocol",
        "wala.protocol.wireserver_not_responding_old", "wala.protocol.wireserver_not_responding")
    #: the agent at work: a goal-state agent started or beating, goal states fetched and processed
    #: (or failing while being processed: the handler is there to say so), the WireServer answering
    ALIVE = Statements(
        *GS_BANNERS.ids, "wala.ok.heartbeat_v2247", "wala.ok.heartbeat_v2249", "wala.ok.heartbeat_v2212",
        "wala.ok.heartbeat_v2213", "wala.ok.process_extensions_goal_state_completed",
        "wala.ext.process_gs_failed",
        "wala.ok.process_goal_state_completed", "wala.ok.process_goal_state_completed_v2254",
        "wala.ok.process_extensions_in_goal_state_completed", "wala.ext.processing_exception_gs",
        "wala.ext.process_gs_failed_v25", "wala.ok.goal_state_new_incarnation",
        "wala.ok.fabric_protocol_version_20", "wala.ok.fabric_protocol_version",
        "wala.ok.extensions_config_processed_20", "wala.ok.goal_state_fetch_completed",
        "wala.ok.goal_state_fetch_completed_wireserver", "wala.ok.handle_extensions_updates")

    triggers = LazyTriggers(lambda: [AgentNotRunning.DEATH.trigger, AgentNotRunning.BLOCKED.trigger,
                                     AgentNotRunning.ALIVE.trigger])

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        #: category → file path → (order, event) of the last such record in that file
        self.last_in: dict[str, dict[str, tuple[int, Event]]] = {"death": {}, "blocked": {}}
        self.counts: dict[str, int] = {"death": 0, "blocked": 0}
        #: file path → its newest sign of life (only the newest per file is ever read)
        self.alive_in: dict[str, Latest] = {}

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        if trigger == 2:
            latest = self.alive_in.get(event.path)
            if latest is None:
                latest = self.alive_in[event.path] = Latest(self.ALIVE)
            latest.offer((order, event), text)
            return
        what = ("death", "blocked")[trigger]
        if (self.DEATH, self.BLOCKED)[trigger].said(text) is None:
            return
        self.counts[what] += 1
        self.last_in[what][event.path] = (order, event)

    def _last(self, what: str) -> Seen | None:
        if what == "alive":
            found = [latest.get() for latest in self.alive_in.values()]
            seen = [Seen(e, o) for o, e in (f for f in found if f is not None)]
        else:
            seen = [Seen(e, o) for o, e in self.last_in[what].values()]
        if not seen:
            return None
        best = seen[0]
        for s in seen[1:]:
            if later(best, s):
                best = s
        return best

    def finish(self, ctx: FinishContext) -> list[Finding]:
        out: list[Finding] = []
        alive = self._last("alive")
        stops = [(what, s) for what in ("death", "blocked") if (s := self._last(what)) is not None
                 and (alive is None or not later(s, alive))]
        if stops:
            # With no sign of life at all, a daemon that never found the WireServer is the story
            # (its exceptions and restarts follow from it).
            blocked = [st for st in stops if st[0] == "blocked"]
            what, s = blocked[0] if blocked and alive is None else stops[0]
            summary, remediation = self._story(what, s, alive is None)
            out.append(self.finding({}, [s.evidence()], count=self.counts[what], remediation=remediation,
                                    summary=f"Last seen at {fmt_time(s.ts)}: {summary} (the portal then "
                                            "shows the VM agent as Not Ready)."))
        silence = self._silence(ctx)
        if silence:
            out.append(silence)
        return out

    def _story(self, what: str, stop: Seen, never_alive: bool) -> tuple[str, list[str] | None]:
        """What stopped the agent, in words, and the fix when it is not the rule's own."""
        if what == "blocked":
            if never_alive:
                return ("the agent never reached the WireServer (168.63.129.16), so its extension handler "
                        "never started", ["Fix the DHCP / endpoint problem in the other findings; once the "
                                          "agent reaches 168.63.129.16 it starts the extension handler and "
                                          "reports Ready."])
            return ("the agent could not find or reach the WireServer endpoint, and nothing later shows it "
                    "fetching a goal state, so it cannot report Ready", None)
        if getattr(self.DEATH.said(stop.event.message), "id", None) == "wala.agent.daemon_ended_exception":
            return ("the agent daemon ended with an exception, and nothing later in the log shows the agent "
                    "processing goal states", None)
        return "the extension handler stopped, and nothing later in the log shows it running again", None

    def _silence(self, ctx: FinishContext) -> Finding | None:
        facts = ctx.facts
        agent_last = facts.last_seen.get("waagent_log")
        others = {k: v for k, v in facts.last_seen.items() if k not in ("waagent_log", "status_blob")}
        if agent_last is None or not others:
            return None
        kind, other_last = max(others.items(), key=lambda kv: kv[1])
        gap = other_last - agent_last
        if gap < timedelta(seconds=parse_duration(self.params.get("silence", "6h"))):
            return None
        return self.finding({}, [], severity=Severity.WARNING, confidence=Confidence.MEDIUM,
                            summary=f"waagent.log stops at {fmt_time(agent_last)} while {kind} goes on until "
                                    f"{fmt_time(other_last)} ({fmt_duration(gap)} later): the agent was "
                                    f"not running or not logging.")
