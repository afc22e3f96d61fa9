"""Goal-state documents the agent fetched from the wireserver or the host plugin (and history/).

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("extensions_config").parser
'goal_state:parse_extensions_config'
"""
from __future__ import annotations

from . import Field, Sample, define, feeds, names

define("goal_state", "GoalState.N.xml and history/*/GoalState.xml",
       claim=names(r"^GoalState(?:\.\d+)?\.xml$"), parser="goal_state:parse_goal_state",
       facts=(feeds("goal_state:GoalState", "goal_state", "goal_states", "state.goal_state_placeholder"),),
       evidence="goal_state",
       samples=(Sample("var/lib/waagent/GoalState.1.xml",
                       "<GoalState><Incarnation>1</Incarnation><Machine><ExpectedState>Started"
                       "</ExpectedState></Machine></GoalState>"),))

#: Event.fields keys only the extensions_config parser writes.
_EXTENSIONS_CONFIG_FIELDS = (
    Field("requested_state", "str", "the state an extensions config asks for (enabled / disabled)"),
    Field("requested_version", "str", "the extension version an extensions config asks for"),
)

define("extensions_config", "ExtensionsConfig.N.xml: the extensions requested",
       claim=names(r"^ExtensionsConfig(?:\.\d+)?\.xml$"), parser="goal_state:parse_extensions_config",
       facts=(feeds("goal_state:ExtensionsConfig", "extensions_config", "goal_states", "extensions",
                    "state.extensions_config_problems"),),
       evidence="goal_state",
       fields=_EXTENSIONS_CONFIG_FIELDS,
       samples=(Sample("var/lib/waagent/ExtensionsConfig.12.xml"),))

define("hosting_env", "HostingEnvironmentConfig.xml",
       claim=names(r"^HostingEnvironmentConfig(?:\.\d+)?\.xml$"), parser="goal_state:parse_hosting_env",
       samples=(Sample("var/lib/waagent/HostingEnvironmentConfig.xml"),))

define("shared_config", "SharedConfig.xml",
       claim=names(r"^SharedConfig(?:\.\d+)?\.xml$"), parser="goal_state:parse_shared_config",
       samples=(Sample("var/lib/waagent/SharedConfig.xml"),))

define("certificates", "Certificates.xml / Certificates.json (summary only)",
       claim=names(r"^Certificates(?:\.\d+)?\.(?:xml|json)$"), parser="goal_state:parse_certificates",
       samples=(Sample("var/lib/waagent/Certificates.xml"),))

define("manifest", "extension and agent manifests (*.manifest.xml, *.agentsManifest)",
       claim=names(r"\.manifest(?:\.\d+)?\.xml$|\.agentsManifest$"), parser="goal_state:parse_manifest",
       samples=(Sample("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript.1.manifest.xml"),
                Sample("var/lib/waagent/Prod.1.agentsManifest")))

define("vm_settings", "VmSettings*.json: the FastTrack goal state from the host plugin",
       claim=names(r"^VmSettings(?:\.\d+)?\.json$"), parser="vm_settings:parse",
       facts=(feeds("vm_settings:VmSettings", "vm_settings", "goal_states", "extensions",
                    "state.vm_settings_source", "state.host_ga_plugin_version"),),
       evidence="goal_state",
       samples=(Sample("var/lib/waagent/history/2024-05-01T10-00-00__3/VmSettings.json"),))

define("remote_access", "RemoteAccess*.xml",
       claim=names(r"^RemoteAccess(?:\.\d+)?\.xml$"), parser="goal_state:parse_remote_access",
       samples=(Sample("var/lib/waagent/RemoteAccess.xml"),))
