"""Agent state and configuration files: /etc/waagent.conf and the small files in /var/lib/waagent.

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("mrseq").log
False
"""
from __future__ import annotations

from . import Field, MemberPath, Priority, Sample, define, feeds, names

define("waagent_conf", "the agent's configuration, /etc/waagent.conf",
       claim=names(r"^waagent[\w.-]*\.conf$"), parser="conf:parse",
       facts=(feeds("conf:WaagentConf", "waagent_conf", "config"),),
       evidence="agent_conf",
       samples=(Sample("etc/waagent.conf", "Extensions.Enabled=y\nAutoUpdate.Enabled=n\n"),))

#: Event.fields keys only the status_blob parser writes.
_STATUS_BLOB_FIELDS = (
    Field("handler_code", "str", "a handler's status code in the agent's status blob"),
    Field("handler_status", "str", "a handler's status (status blob) or a HandlerUtil status echo"),
)

define("status_blob", "waagent_status.json: the status the agent reported",
       claim=names(r"^waagent_status(?:\.\d+)?\.json$"), parser="agent_files:parse_status_blob",
       facts=(feeds("agent_files:StatusBlob", "status_blob", "agent_versions", "extensions",
                    "state.status_blob_time", "state.status_blob_era", "state.agent_status",
                    "state.agent_status_message", "state.agent_update_status", "state.agent_update_message",
                    "state.goal_state_status", "state.goal_state_message"),),
       evidence="extension_status",
       fields=_STATUS_BLOB_FIELDS,
       samples=(Sample("var/lib/waagent/waagent_status.5.json"),))


def _agent_error(path: MemberPath) -> bool:
    agent_folder = not path.dirs or path.parent == "waagent" or path.parent.startswith("WALinuxAgent-")
    return path.basename == "error.json" and agent_folder


define("agent_error", "WALinuxAgent-<ver>/error.json: why an agent version was blacklisted",
       claim=_agent_error, priority=Priority.SPECIFIC, parser="agent_files:parse_agent_error",
       facts=(feeds("agent_files:AgentError", "agent_error", "state.agent_errors"),),
       samples=(Sample("var/lib/waagent/WALinuxAgent-2.9.1.1/error.json",
                       '{"last_failure": 1714557600.0, "failure_count": 1, "was_fatal": true, '
                       '"reason": "crashed"}'),))

define("incarnation", "the Incarnation file: the goal state's number",
       claim=names(r"^Incarnation$"), parser="agent_files:parse_incarnation",
       facts=(feeds("agent_files:Incarnation", "incarnation", "state.incarnation", "goal_states"),),
       samples=(Sample("var/lib/waagent/Incarnation", "3"),))

define("wireserver_endpoint", "WireServerEndpoint: the wireserver address the agent uses",
       claim=names(r"^WireServerEndpoint$"), parser="agent_files:parse_wireserver_endpoint",
       facts=(feeds("agent_files:WireServerEndpoint", "wireserver_endpoint", "state.wireserver_endpoint",
                    "state.wireserver_endpoint_default", "state.wireserver_endpoint_path"),),
       samples=(Sample("var/lib/waagent/WireServerEndpoint", "168.63.129.16"),))

define("provisioned", "the provisioned marker file",
       claim=names(r"^provisioned$"), parser="agent_files:parse_provisioned",
       facts=(feeds("agent_files:Provisioned", "provisioned", "state.provisioned"),),
       samples=(Sample("var/lib/waagent/provisioned", ""),))

define("ovf_env", "ovf-env.xml (only non-secret facts are read)",
       claim=names(r"^ovf-env\.xml$"), parser="agent_files:parse_ovf_env",
       facts=(feeds("agent_files:OvfEnv", "ovf_env", "state.provision_guest_agent", "state.hostname"),),
       samples=(Sample("var/lib/waagent/ovf-env.xml"),))

define("dhcp_lease", "dhclient and networkd leases (option 245: the wireserver address)",
       claim=names(r"^dhclient[\w.-]*\.leases?$|^lease-[\w.-]+-dhcp-ipv[46]\.xml$|\.leases$"),
       parser="agent_files:parse_dhcp_lease",
       facts=(feeds("agent_files:DhcpLeases", "dhcp_lease", "state.dhcp_option_245", "state.dhcp_endpoint",
                    "state.dhcp_lease_paths"),),
       samples=(Sample("var/lib/dhcp/dhclient.eth0.leases",
                       "lease {\n  interface \"eth0\";\n  option unknown-245 a8:3f:81:10;\n}\n"),))
