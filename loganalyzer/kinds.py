"""File kinds: the names of what a bundle member can be.

Everything else about a kind (the paths it claims, its parser, whether it is a log) is said by
its one unit in :mod:`loganalyzer.filekinds`; ``LOG_KINDS`` is derived from those units.

>>> Kind.WAAGENT_LOG.value
'waagent_log'
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    # logs
    WAAGENT_LOG = "waagent_log"                  # var/log/waagent.log*, rotations
    SYSLOG = "syslog"                            # var/log/syslog*, messages*, kern*, daemon*, journal exports
    SERIAL_CONSOLE = "serial_console"            # boot diagnostics / serial console captures
    VMSNAPSHOT_LOG = "vmsnapshot_log"            # var/log/azure/…VMSnapshotLinux/extension.log
    VMSNAPSHOT_SHELL_LOG = "vmsnapshot_shell_log"  # …/VMSnapshotLinux/shell.log
    APPHEALTH_HANDLER_LOG = "apphealth_handler_log"  # …/applicationhealth-extension/handler.log (Go slog)
    HANDLER_LOGFMT = "handler_logfmt"            # custom-script / run-command handler.log (go-kit logfmt)
    COMMAND_EXECUTION_LOG = "command_execution_log"  # …/azure/<Ext>/CommandExecution*.log (by the agent)
    EXTENSION_EVENTS = "extension_events"        # var/log/azure/<Ext>/events/*.json
    EXTENSION_LOG = "extension_log"              # any other file under var/log/azure/<Ext>/
    COLLECTOR_RESULTS = "collector_results"      # results.txt at the root of a collect-logs zip
    # /var/lib/waagent state
    GOAL_STATE = "goal_state"                    # GoalState.N.xml, history/*/GoalState.xml
    EXTENSIONS_CONFIG = "extensions_config"      # ExtensionsConfig.N.xml
    HOSTING_ENV = "hosting_env"                  # HostingEnvironmentConfig.xml
    SHARED_CONFIG = "shared_config"              # SharedConfig.xml
    CERTIFICATES = "certificates"                # Certificates.xml / Certificates.json (summary only)
    MANIFEST = "manifest"                        # *.manifest.xml, *.agentsManifest
    VM_SETTINGS = "vm_settings"                  # VmSettings*.json (FastTrack)
    REMOTE_ACCESS = "remote_access"              # RemoteAccess*.xml
    HISTORY_ARCHIVE = "history_archive"          # var/lib/waagent/history/*.zip (opened as a folder)
    HANDLER_STATUS = "handler_status"            # <Handler>-<ver>/status/N.status
    HANDLER_STATE = "handler_state"              # <Handler>-<ver>/config/HandlerState
    HANDLER_STATUS_FILE = "handler_status_file"  # <Handler>-<ver>/config/HandlerStatus
    HANDLER_SETTINGS = "handler_settings"        # <Handler>-<ver>/config/N.settings
    HANDLER_MANIFEST = "handler_manifest"        # <Handler>-<ver>/HandlerManifest.json
    HANDLER_ENVIRONMENT = "handler_environment"  # <Handler>-<ver>/HandlerEnvironment.json
    HEARTBEAT = "heartbeat"                      # <Handler>-<ver>/heartbeat.log
    MRSEQ = "mrseq"                              # <Handler>-<ver>/mrseq
    STATUS_BLOB = "status_blob"                  # waagent_status*.json
    AGENT_ERROR = "agent_error"                  # WALinuxAgent-<ver>/error.json
    INCARNATION = "incarnation"                  # Incarnation
    WIRESERVER_ENDPOINT = "wireserver_endpoint"  # WireServerEndpoint
    PROVISIONED = "provisioned"                  # provisioned marker
    OVF_ENV = "ovf_env"                          # ovf-env.xml (secrets: only non-secret facts are read)
    WAAGENT_CONF = "waagent_conf"                # etc/waagent.conf
    DHCP_LEASE = "dhcp_lease"                    # dhclient leases, networkd leases
    # anything else
    OTHER_TEXT = "other_text"                    # unknown file: sniffed, then read as generic text
    OTHER_DOCUMENT = "other_document"            # unknown JSON/XML document: listed, not read as log text
    BINARY = "binary"                            # not text; listed in coverage, not parsed


#: Evidence kinds a diagnosis leans on, and the files that carry them (for "missing evidence").
EVIDENCE_KINDS: dict[str, tuple[str, ...]] = {
    "agent log (/var/log/waagent.log)": (Kind.WAAGENT_LOG,),
    "goal state and extensions config (/var/lib/waagent/*.xml or history/)": (
        Kind.GOAL_STATE, Kind.EXTENSIONS_CONFIG, Kind.VM_SETTINGS),
    "extension status files (/var/lib/waagent/<Handler>/status/)": (Kind.HANDLER_STATUS, Kind.STATUS_BLOB),
    "backup extension log (/var/log/azure/…VMSnapshotLinux/extension.log)": (Kind.VMSNAPSHOT_LOG,),
    "agent configuration (/etc/waagent.conf)": (Kind.WAAGENT_CONF,),
    "system log (/var/log/syslog or messages)": (Kind.SYSLOG, Kind.SERIAL_CONSOLE),
}


def __getattr__(name: str) -> Any:
    """``LOG_KINDS``: kinds whose records are time-ordered log lines (the rest are state documents)."""
    if name == "LOG_KINDS":
        from .filekinds import kinds_where
        value = globals()["LOG_KINDS"] = kinds_where(lambda unit: unit.log)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
