"""Logic rules: Python for what rule data cannot say, each named by the catalog's ``logic = "<id>"``.

>>> sorted(LOGIC)[:3]
['agent_errors', 'agent_not_running', 'agent_version_policy']
"""
from __future__ import annotations

from .agent_version import AgentVersionPolicy
from .backups import BackupRuns
from .base import FinishContext, LogicRule
from .lifecycle import AgentNotRunning, CrashLoopFrequency, GuestShutdown
from .portal import PortalErrorCode
from .state_files import AgentErrorRecords, ConfigSwitches, EndpointState, ExtensionStatus

LOGIC: dict[str, type[LogicRule]] = {
    "agent_version_policy": AgentVersionPolicy,
    "crash_loop_frequency": CrashLoopFrequency,
    "guest_shutdown": GuestShutdown,
    "agent_not_running": AgentNotRunning,
    "config_switches": ConfigSwitches,
    "extension_status": ExtensionStatus,
    "agent_errors": AgentErrorRecords,
    "backup_runs": BackupRuns,
    "portal_error_code": PortalErrorCode,
    "endpoint_state": EndpointState,
}

__all__ = ["LOGIC", "FinishContext", "LogicRule"]
