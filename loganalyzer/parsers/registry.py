"""Kind → parser, resolved lazily so start-up imports only the parsers a bundle needs."""
from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..kinds import Kind
from .base import Parser

#: ``kind: "module:function"`` inside this package.  One entry per kind; BINARY and
#: HISTORY_ARCHIVE have none (archives are opened as folders by the sources); OTHER_DOCUMENT is
#: read only when its content has a known shape (:mod:`.documents`).
PARSER_PATHS: dict[Kind, str] = {
    Kind.WAAGENT_LOG: "generic:parse_agent_log",           # waagent_log.parse, unless flattened
    Kind.COMMAND_EXECUTION_LOG: "generic:parse_agent_log",
    Kind.SYSLOG: "syslog:parse",
    Kind.SERIAL_CONSOLE: "syslog:parse",
    Kind.VMSNAPSHOT_LOG: "vmsnapshot:parse",
    Kind.VMSNAPSHOT_SHELL_LOG: "shell_log:parse",
    Kind.HANDLER_LOGFMT: "logfmt:parse",
    Kind.EXTENSION_EVENTS: "extension_events:parse",
    Kind.EXTENSION_LOG: "generic:parse",
    Kind.OTHER_TEXT: "generic:parse",
    Kind.OTHER_DOCUMENT: "documents:parse",
    Kind.COLLECTOR_RESULTS: "collector_results:parse",
    Kind.GOAL_STATE: "goal_state:parse_goal_state",
    Kind.EXTENSIONS_CONFIG: "goal_state:parse_extensions_config",
    Kind.HOSTING_ENV: "goal_state:parse_hosting_env",
    Kind.SHARED_CONFIG: "goal_state:parse_shared_config",
    Kind.CERTIFICATES: "goal_state:parse_certificates",
    Kind.MANIFEST: "goal_state:parse_manifest",
    Kind.REMOTE_ACCESS: "goal_state:parse_remote_access",
    Kind.VM_SETTINGS: "vm_settings:parse",
    Kind.HANDLER_STATUS: "handler_files:parse_status",
    Kind.HANDLER_STATE: "handler_files:parse_handler_state",
    Kind.HANDLER_STATUS_FILE: "handler_files:parse_handler_status",
    Kind.HANDLER_SETTINGS: "handler_files:parse_settings",
    Kind.HANDLER_MANIFEST: "handler_files:parse_handler_manifest",
    Kind.HANDLER_ENVIRONMENT: "handler_files:parse_handler_environment",
    Kind.HEARTBEAT: "handler_files:parse_heartbeat",
    Kind.MRSEQ: "handler_files:parse_mrseq",
    Kind.STATUS_BLOB: "agent_files:parse_status_blob",
    Kind.AGENT_ERROR: "agent_files:parse_agent_error",
    Kind.INCARNATION: "agent_files:parse_incarnation",
    Kind.WIRESERVER_ENDPOINT: "agent_files:parse_wireserver_endpoint",
    Kind.PROVISIONED: "agent_files:parse_provisioned",
    Kind.OVF_ENV: "agent_files:parse_ovf_env",
    Kind.DHCP_LEASE: "agent_files:parse_dhcp_lease",
    Kind.WAAGENT_CONF: "conf:parse",
}


class _LazyParsers(Mapping[Kind, Parser]):
    def __init__(self) -> None:
        self._cache: dict[Kind, Parser] = {}

    def __getitem__(self, kind: Kind) -> Parser:
        if kind not in self._cache:
            module, func = PARSER_PATHS[kind].split(":")
            self._cache[kind] = getattr(importlib.import_module(f"{__package__}.{module}"), func)
        return self._cache[kind]

    def __iter__(self):
        return iter(PARSER_PATHS)

    def __len__(self) -> int:
        return len(PARSER_PATHS)


PARSERS: Mapping[Kind, Parser] = _LazyParsers()
