"""Derived state: what the parsed records mean together.  Built once per bundle by
:class:`loganalyzer.facts.collector.FactsCollector`, shared by rules, reports and the API.

>>> f = Facts()
>>> f.latest_version("goal_state") is None
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Ref:
    """Where a fact was read: bundle member path and line range (1-based; 0 when not line based)."""

    path: str
    line_start: int = 0
    line_end: int = 0


@dataclass(slots=True)
class AgentVersionSighting:
    """One place that names an agent version.  ``role`` is ``daemon`` or ``goal_state``.

    ``how`` says what kind of evidence it is: ``banner``, ``heartbeat``, ``determined``
    (daemon chose an auto-updated agent), ``installed`` (daemon runs its own bundled agent),
    ``status_blob``, ``folder`` (a ``WALinuxAgent-<ver>`` directory), ``telemetry``,
    ``format`` (inferred from the line format).
    """

    role: str
    version: str
    how: str
    timestamp: datetime | None
    ref: Ref


@dataclass(slots=True)
class AgentRestart:
    """A start of the daemon or goal-state agent, with the reason when the log says it."""

    role: str
    timestamp: datetime | None
    version: str | None
    reason: str | None
    ref: Ref


@dataclass(slots=True)
class GoalStateFact:
    """One goal state the agent received or stored (incarnation or etag)."""

    incarnation: str
    timestamp: datetime | None
    source: str                       # "log", "history", "file"
    ref: Ref
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ExtensionFact:
    """Everything known about one extension handler, joined across files."""

    name: str
    requested_version: str | None = None
    requested_state: str | None = None          # enabled | disabled | uninstall
    auto_upgrade: bool | None = None
    versions_on_disk: list[str] = field(default_factory=list)
    handler_state: str | None = None            # NotInstalled | Installed | Enabled | FailedUpgrade
    handler_status: str | None = None           # Ready | NotReady (HandlerStatus / status blob)
    status: str | None = None                   # transitioning | warning | error | success
    status_code: str | None = None
    status_message: str | None = None
    operation: str | None = None
    status_time: datetime | None = None
    status_ref: Ref | None = None               # the file the status above was read from
    seq_no: int | None = None                   # highest settings sequence number seen
    mrseq: int | None = None                    # most recently processed sequence number
    log_folder: str | None = None
    refs: list[Ref] = field(default_factory=list)

    @property
    def processed(self) -> bool | None:
        if self.seq_no is None or self.mrseq is None:
            return None
        return self.mrseq >= self.seq_no


@dataclass(slots=True)
class BackupRun:
    """One VMSnapshot (Azure Backup) task as seen in its extension log and status file."""

    task_id: str | None
    seq_no: int | None
    start: datetime | None
    end: datetime | None = None
    phases: list[str] = field(default_factory=list)   # freeze, thaw, snapshot, upload …
    outcome: str | None = None                        # success | error | unknown
    error_code: int | None = None
    error_name: str | None = None
    message: str | None = None
    ref: Ref | None = None
    status_path: str | None = None                    # the status file joined to this run


@dataclass(slots=True)
class ConfigValue:
    """One ``waagent.conf`` key: its value, where it was set, or that the default applies."""

    key: str
    value: str | None
    is_default: bool
    ref: Ref | None = None


@dataclass(slots=True)
class Facts:
    agent_versions: list[AgentVersionSighting] = field(default_factory=list)
    restarts: list[AgentRestart] = field(default_factory=list)
    goal_states: list[GoalStateFact] = field(default_factory=list)
    extensions: dict[str, ExtensionFact] = field(default_factory=dict)
    backups: list[BackupRun] = field(default_factory=list)
    config: dict[str, ConfigValue] = field(default_factory=dict)
    #: file kinds present in the bundle (values of :class:`loganalyzer.kinds.Kind`)
    kinds_present: set[str] = field(default_factory=set)
    #: newest / oldest record timestamp per file kind
    first_seen: dict[str, datetime] = field(default_factory=dict)
    last_seen: dict[str, datetime] = field(default_factory=dict)
    #: single-valued state files: wireserver_endpoint, provisioned, provision_guest_agent,
    #: hostname, status_blob_time, collector (results.txt summary), agent_errors (error.json) …
    state: dict[str, Any] = field(default_factory=dict)

    def latest_version(self, role: str) -> str | None:
        """Version of ``role`` seen last (by timestamp, then by file order)."""
        seen = [s for s in self.agent_versions if s.role == role]
        if not seen:
            return None
        timed = [s for s in seen if s.timestamp is not None]
        if timed:
            return max(timed, key=lambda s: s.timestamp).version
        return seen[-1].version

    @property
    def last_record_time(self) -> datetime | None:
        return max(self.last_seen.values(), default=None)
