"""The agent's own logs and the system logs that carry agent lines.

Unit modules import only :mod:`loganalyzer.filekinds` at the top: a unit names its kind by
value, and :class:`~loganalyzer.kinds.Kind` is built from the units, so a unit module must not
need it to load; parsers (and ``Kind``, inside functions) are imported lazily.

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("syslog").parser
'syslog:parse'
"""
from __future__ import annotations

from . import RECORDS, MemberPath, Priority, Sample, define, feeds, names

#: Agent lines, wherever they were written, tell versions, restarts, goal states and the host.
_AGENT_RECORDS = feeds(RECORDS, "agent_records", "agent_versions", "restarts", "goal_states",
                       "state.hostname", "state.hostname_from", "state.os", "state.os_from")

define("waagent_log", "the guest agent's log, /var/log/waagent.log and its rotations",
       claim=names(r"^waagent\.log(?:[.-][\w.-]*)?$"), parser="generic:parse_agent_log", log=True,
       cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="agent_log",
       samples=(Sample("var/log/waagent.log-2023-05-01-1682899200.gz",
                       "2024-05-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: "
                       "2.9.1.1\n"),))

define("syslog", "syslog, messages, kern/daemon logs and journal exports",
       claim=names(r"^(?:syslog|messages|kern(?:\.log)?|daemon(?:\.log)?|user\.log)(?:[.-][\w.-]*)?(?<!\.conf)$",
                   r"^journal(?:ctl)?(?:[\w.-]*\.(?:txt|log)|_--no-pager[\w.-]*)?$"),
       parser="syslog:parse", log=True, cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="system_log",
       samples=(Sample("var/log/messages-20240501",
                       "May  1 10:00:00 vm1 python3[901]: 2024-05-01T10:00:00.000000Z INFO Daemon hello\n"),
                Sample("journalctl.txt")))

define("serial_console", "boot diagnostics / serial console captures",
       claim=names(r"^(?:serial[-_ ]?console|serial[-_]log|boot[-_]?diagnostics|bootdiag)[\w.-]*$",
                   r"^console\.log$"),
       parser="syslog:parse", log=True, cacheable=True, facts=(_AGENT_RECORDS,),
       evidence="system_log",
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


define("collector_results", "results.txt at the root of a waagent -collect-logs zip",
       claim=_collector_results, priority=Priority.SPECIFIC, parser="collector_results:parse", log=True,
       facts=(feeds("collector_results:CollectorResults", "collector_results", "state.collector",
                    "state.waagent_lib_listing", "agent_versions", "extensions"),),
       samples=(Sample("results.txt", "2024-01-15T08:00:00Z INFO Using log collection mode full\n"),))
