"""The agent's own logs and the system logs that carry agent lines.

Unit modules import only :mod:`loganalyzer.filekinds` at the top: a unit names its kind by
value, and :class:`~loganalyzer.kinds.Kind` is built from the units, so a unit module must not
need it to load; parsers (and ``Kind``, inside functions) are imported lazily.

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("syslog").parser
'syslog:parse'
"""
from __future__ import annotations

from . import RECORDS, Field, MemberPath, Priority, Sample, define, feeds, names

#: Agent lines, wherever they were written, tell versions, restarts, goal states and the host.
_AGENT_RECORDS = feeds(RECORDS, "agent_records", "agent_versions", "restarts", "goal_states",
                       "state.hostname", "state.hostname_from", "state.os", "state.os_from")

#: Event.fields keys only the waagent_log parser writes.
_WAAGENT_LOG_FIELDS = (
    Field("agent_service", "str", "the agent's service name as it logs it"),
    Field("arch", "str", "the machine architecture the agent reports at start"),
    Field("distro", "str", "the distribution the agent reports at start"),
    Field("event_duration", "int", "an agent Event: payload's duration (ms)"),
    Field("event_encoded", "bool", "the Event: message was base64/zlib encoded and decoded"),
    Field("event_message", "str", "an agent Event: payload's message, decoded"),
    Field("event_name", "str", "an agent Event: payload's name (usually an extension)"),
    Field("event_op", "str", "an agent Event: payload's operation (Enable, Install, Download…)"),
    Field("hb_update_mode", "str", "[HEARTBEAT] update mode"),
    Field("http_status", "int", "the HTTP status a request got"),
    Field("lis_drivers", "str", "the LIS drivers the agent reports at start"),
    Field("logrotate", "str", "the logrotate state the agent reports at start"),
    Field("os_util", "str", "the OS util class the agent picked"),
    Field("python_version", "str", "the Python version the agent reports at start"),
    Field("systemd", "str", "whether the agent runs under systemd (start banner)"),
    Field("systemd_version", "str", "the systemd version (start banner)"),
)

define("waagent_log", "the guest agent's log, /var/log/waagent.log and its rotations",
       claim=names(r"^waagent\.log(?:[.-][\w.-]*)?$"), parser="generic:parse_agent_log", log=True,
       cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="agent_log",
       fields=_WAAGENT_LOG_FIELDS,
       samples=(Sample("var/log/waagent.log-2023-05-01-1682899200.gz",
                       "2024-05-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: "
                       "2.9.1.1\n"),))

#: Event.fields keys only the syslog parser writes.
_SYSLOG_FIELDS = (
    Field("host", "str", "the syslog host name"),
    Field("pid", "int", "the syslog process id"),
    Field("program", "str", "the syslog program name"),
)

define("syslog", "syslog, messages, kern/daemon logs and journal exports",
       claim=names(r"^(?:syslog|messages|kern(?:\.log)?|daemon(?:\.log)?|user\.log)(?:[.-][\w.-]*)?(?<!\.conf)$",
                   r"^journal(?:ctl)?(?:[\w.-]*\.(?:txt|log)|_--no-pager[\w.-]*)?$"),
       parser="syslog:parse", log=True, cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="system_log",
       fields=_SYSLOG_FIELDS,
       samples=(Sample("var/log/messages-20240501",
                       "May  1 10:00:00 vm1 python3[901]: 2024-05-01T10:00:00.000000Z INFO Daemon hello\n"),
                Sample("journalctl.txt")))

#: Event.fields keys only the serial_console parser writes.
_SERIAL_CONSOLE_FIELDS = (
    Field("http_errno", "int", "the errno of a failed request"),
)

define("serial_console", "boot diagnostics / serial console captures",
       claim=names(r"^(?:serial[-_ ]?console|serial[-_]log|boot[-_]?diagnostics|bootdiag)[\w.-]*$",
                   r"^console\.log$"),
       parser="syslog:parse", log=True, cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="system_log",
       fields=_SERIAL_CONSOLE_FIELDS,
       samples=(Sample("serial-console.log",
                       "[   12.345678] cloud-init[900]: 2024-05-01T10:00:00.000000Z INFO Daemon hello\n"),))

define("command_execution_log", "CommandExecution*.log the agent writes per extension command",
       claim=names(r"^CommandExecution(?:_[\w.-]+)?\.log(?:[.-][\w.-]*)?$"),
       parser="generic:parse_agent_log", log=True, cacheable=True,
       samples=(Sample("var/log/azure/Microsoft.Azure.Extensions.CustomScript/CommandExecution.log",
                       "2024-05-01T10:00:00.000000Z INFO ExtHandler Command: bin/custom-script-shim "
                       "enable\n"),))


def _collector_results(path: MemberPath) -> bool:
    return path.basename == "results.txt" and (len(path.dirs) <= 1 or path.parent == "logcollector")


#: Event.fields keys only the collector_results parser writes.
_COLLECTOR_RESULTS_FIELDS = (
    Field("collector_action", "str", "what the collect-logs run did with a file (results.txt)"),
    Field("collector_file", "str", "the file a results.txt line names"),
    Field("collector_size", "int", "that file's size in bytes"),
)

define("collector_results", "results.txt at the root of a waagent -collect-logs zip",
       claim=_collector_results, priority=Priority.SPECIFIC, parser="collector_results:parse", log=True,
       facts=(feeds("collector_results:CollectorResults", "collector_results", "state.collector",
                    "state.waagent_lib_listing", "agent_versions", "extensions"),),
       fields=_COLLECTOR_RESULTS_FIELDS,
       samples=(Sample("results.txt", "2024-01-15T08:00:00Z INFO Using log collection mode full\n"),))
