"""The event-field vocabulary: every key a parser writes into ``Event.fields``, declared once.

Parsers, facts and rule conditions (``field.<name>``) share these names; the rule loader rejects a
condition naming one not declared here (or not written by the kind the rule is limited to), and
``tests/test_fields.py`` parses every sample bundle and the dev corpus and checks that every key
emitted is declared.  The handler logfmt parser writes every ``key=value`` pair as
``handler_<key>``: that family is open (:data:`OPEN_PREFIXES`).

>>> FIELDS["vms_event"].kinds
('vmsnapshot_log', 'vmsnapshot_shell_log')
>>> "vms_event" in field_names_for("vmsnapshot_log"), "vms_event" in field_names_for("syslog")
(True, False)
>>> is_declared("handler_event", "handler_logfmt"), is_declared("vms_evnt")
(True, False)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One event field: its name, value type, the kinds whose parsers write it, what it means."""

    name: str
    type: str
    kinds: tuple[str, ...]
    meaning: str
    #: False: written only by rarer formats of ``kinds`` that no sample bundle or corpus case holds
    in_corpus: bool = True


def _f(name: str, type_: str, kinds: tuple[str, ...], meaning: str, in_corpus: bool = True) -> FieldSpec:
    return FieldSpec(name, type_, kinds, meaning, in_corpus)


_ALL: tuple[FieldSpec, ...] = (
    _f("agent_role", "str", ("syslog", "waagent_log"),
       "which agent process logged the version (daemon / exthandler / …)"),
    _f("agent_service", "str", ("waagent_log",), "the agent's service name as it logs it"),
    _f("agent_version", "str", ("syslog", "waagent_log"), "the WALinuxAgent version a line states"),
    _f("arch", "str", ("waagent_log",), "the machine architecture the agent reports at start"),
    _f("collector_action", "str", ("collector_results",),
       "what the collect-logs run did with a file (results.txt)"),
    _f("collector_file", "str", ("collector_results",), "the file a results.txt line names"),
    _f("collector_size", "int", ("collector_results",), "that file's size in bytes"),
    _f("distro", "str", ("waagent_log",), "the distribution the agent reports at start"),
    _f("event_duration", "int", ("waagent_log",), "an agent Event: payload's duration (ms)"),
    _f("event_encoded", "bool", ("waagent_log",), "the Event: message was base64/zlib encoded and decoded"),
    _f("event_message", "str", ("waagent_log",), "an agent Event: payload's message, decoded"),
    _f("event_name", "str", ("waagent_log",), "an agent Event: payload's name (usually an extension)"),
    _f("event_op", "str", ("waagent_log",),
       "an agent Event: payload's operation (Enable, Install, Download…)"),
    _f("exception_tags", "list", ("other_text", "syslog", "waagent_log"), "the [SomeError] tags in a record"),
    _f("exit_code", "int", ("other_text", "waagent_log"), "a process exit code a record states"),
    _f("handler_code", "str", ("status_blob",), "a handler's status code in the agent's status blob"),
    _f("handler_status", "str", ("status_blob",),
       "a handler's status (status blob) or a HandlerUtil status echo"),
    _f("hb_auto_update", "int", ("syslog", "waagent_log"), "[HEARTBEAT] auto-update flag"),
    _f("hb_counter", "int", ("syslog", "waagent_log"), "[HEARTBEAT] counter"),
    _f("hb_dropped_packets", "int", ("syslog", "waagent_log"),
       "[HEARTBEAT] dropped packets to the WireServer"),
    _f("hb_id", "str", ("syslog", "waagent_log"), "[HEARTBEAT] heartbeat id"),
    _f("hb_update_gs_errors", "int", ("syslog", "waagent_log"), "[HEARTBEAT] goal-state update errors"),
    _f("hb_update_mode", "str", ("waagent_log",), "[HEARTBEAT] update mode"),
    _f("host", "str", ("syslog",), "the syslog host name"),
    _f("http_attempts", "int", ("serial_console", "syslog", "waagent_log"),
       "attempts a failed HTTP request made"),
    _f("http_errno", "int", ("serial_console",), "the errno of a failed request"),
    _f("http_error", "str", ("serial_console", "syslog", "waagent_log"),
       "the error text of a failed request"),
    _f("http_host", "str", ("syslog", "waagent_log"), "the host a request went to"),
    _f("http_method", "str", ("serial_console", "syslog", "waagent_log"), "the HTTP method of a request"),
    _f("http_status", "int", ("waagent_log",), "the HTTP status a request got"),
    _f("http_url", "str", ("syslog", "waagent_log"), "the URL of a request"),
    _f("incarnation", "str", ("extensions_config", "goal_state", "syslog", "waagent_log"),
       "the goal-state incarnation"),
    _f("level_inferred", "bool", ("vmsnapshot_log",),
       "the level was inferred from the message (no level word on the line)"),
    _f("lis_drivers", "str", ("waagent_log",), "the LIS drivers the agent reports at start"),
    _f("logrotate", "str", ("waagent_log",), "the logrotate state the agent reports at start"),
    _f("operation", "str", ("handler_status", "status_blob"),
       "an extension status's operation (Enable, Install…)"),
    _f("os_util", "str", ("waagent_log",), "the OS util class the agent picked"),
    _f("pid", "int", ("syslog",), "the syslog process id"),
    _f("program", "str", ("syslog",), "the syslog program name"),
    _f("python_version", "str", ("waagent_log",), "the Python version the agent reports at start"),
    _f("requested_state", "str", ("extensions_config",),
       "the state an extensions config asks for (enabled / disabled)"),
    _f("requested_version", "str", ("extensions_config",),
       "the extension version an extensions config asks for"),
    _f("seq_no", "int", ("extensions_config", "handler_status", "status_blob"),
       "an extension settings sequence number"),
    _f("status", "str", ("handler_status", "status_blob"),
       "an extension status (success / error / transitioning / warning)"),
    _f("status_code", "str", ("handler_status", "status_blob"), "an extension status code"),
    _f("systemd", "str", ("waagent_log",), "whether the agent runs under systemd (start banner)"),
    _f("systemd_version", "str", ("waagent_log",), "the systemd version (start banner)"),
    _f("version_how", "str", ("syslog", "waagent_log"), "how the agent version was learned (banner, path…)"),
    _f("vms_command", "str", ("vmsnapshot_shell_log",), "VMSnapshot shell.log: the command run"),
    _f("vms_event", "str", ("vmsnapshot_log", "vmsnapshot_shell_log"),
       "what a VMSnapshot line reports (freeze_start, thaw_result, status_report…)"),
    _f("vms_ext_error_code", "str", ("handler_status",), "VMSnapshot status: the extension error code"),
    _f("vms_freeze_result", "str", ("vmsnapshot_log",), "VMSnapshot: the freeze result text"),
    _f("vms_freeze_timed_out", "bool", ("vmsnapshot_log",), "VMSnapshot: the freeze timed out"),
    _f("vms_freeze_timeout", "int", ("vmsnapshot_log",), "VMSnapshot: the freeze timeout (s)"),
    _f("vms_health_code", "int", ("handler_status",), "VMSnapshot status: health code"),
    _f("vms_health_state", "int", ("handler_status",), "VMSnapshot status: health state"),
    _f("vms_http_status", "int", ("vmsnapshot_log",),
       "VMSnapshot: pre-snapshot / host snapshot / HTTP status"),
    _f("vms_operation", "str", ("vmsnapshot_log",), "VMSnapshot status echo: the operation"),
    _f("vms_phase", "str", ("vmsnapshot_log",), "VMSnapshot: the phase (enable, freeze, snapshot, thaw…)"),
    _f("vms_python", "str", ("vmsnapshot_shell_log",), "VMSnapshot shell.log: the Python chosen"),
    _f("vms_rc", "int", ("vmsnapshot_shell_log",), "VMSnapshot shell.log: a return code"),
    _f("vms_seq_no", "int", ("vmsnapshot_shell_log",), "VMSnapshot: the sequence number"),
    _f("vms_snapshot_error", "str", ("handler_status", "vmsnapshot_log"),
       "VMSnapshot: the snapshot's ErrorMessage"),
    _f("vms_snapshot_ok", "bool", ("vmsnapshot_log",), "VMSnapshot: IsSuccessful"),
    _f("vms_snapshots", "int", ("handler_status",), "VMSnapshot status: snapshots taken"),
    _f("vms_snapshots_failed", "int", ("handler_status",), "VMSnapshot status: snapshots failed"),
    _f("vms_status", "str", ("vmsnapshot_log",),
       "VMSnapshot status echo: success / error / transitioning / warning"),
    _f("vms_status_code", "int", ("vmsnapshot_log",), "VMSnapshot: the status code (StatusCode.<Name>)"),
    _f("vms_status_message", "str", ("vmsnapshot_log",), "VMSnapshot status echo: the message"),
    _f("vms_status_name", "str", ("vmsnapshot_log",), "VMSnapshot: the status code's name"),
    _f("vms_task_id", "str", ("handler_status",), "VMSnapshot: the task id"),
    _f("handler_operation", "str", ("handler_logfmt", "extension_log", "other_text"),
       "a handler's operation (logfmt operation=, HandlerUtil echo)", in_corpus=False),
    _f("handler_status_code", "int", ("extension_log", "other_text"),
       "HandlerUtil status echo: the code", in_corpus=False),
    _f("handler_status_message", "str", ("extension_log", "other_text"),
       "HandlerUtil status echo: the message", in_corpus=False),
    _f("du_bytes", "int", ("other_text",),
       "a du output line's size in bytes (unit from the du command: -b, -k, -m, -B, -h / --si)",
       in_corpus=False),
    _f("du_path", "str", ("other_text",), "the path a du output line sizes", in_corpus=False),
    _f("uptime_seconds", "float", ("other_text", "extension_log", "syslog", "serial_console"),
       "seconds since boot of a kernel-style [ 12.3] line", in_corpus=False),
    _f("vms_buffered", "bool", ("vmsnapshot_log",),
       "VMSnapshot: a buffered (replayed) line", in_corpus=False),
    _f("vms_plugin", "str", ("vmsnapshot_log",), "VMSnapshot: the pre/post script plugin", in_corpus=False),
    _f("vms_thaw_result", "str", ("vmsnapshot_log",), "VMSnapshot: the thaw result text", in_corpus=False),
)

#: Every declared field by name.
FIELDS: Mapping[str, FieldSpec] = {f.name: f for f in _ALL}
#: Open field families: prefix -> the kinds that write any ``<prefix><key>`` (logfmt pairs).
#: every logfmt key=value pair of a Go handler's log becomes handler_<key> (parsers.logfmt.record_fields)
OPEN_PREFIXES: Mapping[str, tuple[str, ...]] = {"handler_": ("handler_logfmt", "apphealth_handler_log")}


@cache
def field_names_for(kind: str) -> frozenset[str]:
    """The declared fields the parser of ``kind`` writes (open families not included)."""
    return frozenset(f.name for f in _ALL if kind in f.kinds)


def is_declared(name: str, kind: str | None = None) -> bool:
    """Whether ``name`` is a declared field (written by ``kind`` when one is given)."""
    spec = FIELDS.get(name)
    if spec is not None and (kind is None or kind in spec.kinds):
        return True
    return any(name.startswith(p) and (kind is None or kind in ks) for p, ks in OPEN_PREFIXES.items())
