"""The closed vocabulary of why an agent process restarted (``AgentRestart.reason``).

Which statement gives which cause is written on the statement's catalog entry
(``restart_cause = "<name>"`` on a WALinuxAgent entry); the facts collector
(:meth:`loganalyzer.facts.collector.FactsCollector.restart_cause`) looks for each such entry's
anchor and template in a start-of-restart record.  No message words here: the names, the role
the next start belongs to, the reason label, in the order the causes win (the first is the most
specific; a held cause is replaced only by a more specific one).
"""
from __future__ import annotations

#: name → (role the next start belongs to, reason label), most specific first
CAUSES: dict[str, tuple[str, str]] = {
    "restart_limit": ("goal_state", "goal-state agent restarted too often"),
    "launch_failed_code": ("goal_state", "goal-state agent exited with an error"),
    "launch_failed_exception": ("goal_state", "goal-state agent failed with an exception"),
    "child_exited": ("goal_state", "goal-state agent process exited"),
    "child_returned": ("goal_state", "goal-state agent process exited"),
    "sigterm_forwarded": ("daemon", "service stopped (SIGTERM forwarded)"),
    "signal_forwarded": ("daemon", "signal forwarded to the goal-state agent"),
    "update_discovered": ("goal_state", "self-update"),
    "upgrade_discovered": ("goal_state", "self-update"),
    "exit_for_update": ("goal_state", "agent update"),
    "reverting": ("goal_state", "reverting to the installed agent"),
    "orphan": ("goal_state", "orphaned goal-state agent exited"),
    "memory_limit": ("goal_state", "agent memory limit exceeded"),
    "daemon_crash": ("daemon", "daemon crashed"),
}
#: a cause the collector reads from another cause's placeholder: ``signal_forwarded`` with
#: ``{signal}`` 15 (SIGTERM) is the service being stopped; it also holds the goal-state role
FROM_PLACEHOLDER = {"sigterm_forwarded": ("signal_forwarded", "signal", "15")}


def check_cause(name: object) -> list[str]:
    if name not in CAUSES:
        return [f"restart_cause {name!r} is not one of facts/restart_causes.py CAUSES"]
    if name in FROM_PLACEHOLDER:
        return [f"restart_cause {name!r} is read from {FROM_PLACEHOLDER[name][0]!r}'s placeholder"]
    return []
