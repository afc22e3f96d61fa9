"""The files of one extension handler folder, /var/lib/waagent/<Handler>-<Version>/.

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("handler_status").parser
'handler_files:parse_status'
"""
from __future__ import annotations

from . import Field, Sample, define, feeds, names

_DIR = "var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10"

define("handler_state", "<Handler>/config/HandlerState",
       claim=names(r"^(?:[\w.-]+\.)?HandlerState$"), parser="handler_files:parse_handler_state",
       facts=(feeds("handler_files:HandlerState", "handler_state", "extensions"),),
       samples=(Sample(f"{_DIR}/config/HandlerState", "Enabled"),))

define("handler_status_file", "<Handler>/config/HandlerStatus",
       claim=names(r"^(?:[\w.-]+\.)?HandlerStatus$"), parser="handler_files:parse_handler_status",
       facts=(feeds("handler_files:HandlerStatus", "handler_status", "extensions"),),
       samples=(Sample(f"{_DIR}/config/HandlerStatus",
                       '{"handlerVersion": "2.1.10", "handlerName": '
                       '"Microsoft.Azure.Extensions.CustomScript", "status": "Ready", "code": 0, '
                       '"message": "Plugin enabled"}'),))

define("handler_settings", "<Handler>/config/N.settings",
       claim=names(r"^(?:[\w.-]+\.)?\d+\.settings$"), parser="handler_files:parse_settings",
       facts=(feeds("handler_files:HandlerSettings", "settings", "extensions"),),
       samples=(Sample(f"{_DIR}/config/3.settings",
                       '{"runtimeSettings": [{"handlerSettings": {"publicSettings": {}}}]}'),))

#: Event.fields keys only the handler_status parser writes.
_HANDLER_STATUS_FIELDS = (
    Field("vms_ext_error_code", "str", "VMSnapshot status: the extension error code"),
    Field("vms_health_code", "int", "VMSnapshot status: health code"),
    Field("vms_health_state", "int", "VMSnapshot status: health state"),
    Field("vms_snapshots", "int", "VMSnapshot status: snapshots taken"),
    Field("vms_snapshots_failed", "int", "VMSnapshot status: snapshots failed"),
    Field("vms_task_id", "str", "VMSnapshot: the task id"),
)

define("handler_status", "<Handler>/status/N.status: what the extension reported",
       claim=names(r"\.status$"), parser="handler_files:parse_status",
       facts=(feeds("handler_files:ExtensionStatus", "extension_status", "extensions"),),
       evidence="extension_status",
       fields=_HANDLER_STATUS_FIELDS,
       samples=(Sample(f"{_DIR}/status/3.status",
                       '[{"version": "1.0", "timestampUTC": "2024-05-01T10:00:00Z", "status": {"name": '
                       '"Microsoft.Azure.Extensions.CustomScript", "operation": "Enable", "status": "error", '
                       '"code": 1, "formattedMessage": {"lang": "en-US", "message": "Enable failed"}}}]'),))

define("handler_manifest", "<Handler>/HandlerManifest.json",
       claim=names(r"^HandlerManifest\.json$"), parser="handler_files:parse_handler_manifest",
       samples=(Sample(f"{_DIR}/HandlerManifest.json",
                       '[{"version": 1.0, "handlerManifest": {"installCommand": "bin/shim install", '
                       '"enableCommand": "bin/shim enable"}}]'),))

define("handler_environment", "<Handler>/HandlerEnvironment.json",
       claim=names(r"^HandlerEnvironment\.json$"), parser="handler_files:parse_handler_environment",
       facts=(feeds("handler_files:HandlerEnvironment", "handler_environment", "extensions"),),
       samples=(Sample(f"{_DIR}/HandlerEnvironment.json",
                       '[{"name": "Microsoft.Azure.Extensions.CustomScript", "version": 1.0, '
                       '"handlerEnvironment": {"logFolder": "/var/log/azure/custom-script", '
                       '"configFolder": "/var/lib/waagent/custom-script/config"}}]'),))

define("heartbeat", "<Handler>/heartbeat.log",
       claim=names(r"^heartbeat\.log$"), parser="handler_files:parse_heartbeat",
       samples=(Sample(f"{_DIR}/heartbeat.log",
                       '[{"version": "1.0", "heartbeat": {"status": "ready", "code": "0", '
                       '"Message": "ok"}}]'),))

define("mrseq", "<Handler>/mrseq: the most recent sequence number run",
       claim=names(r"^mrseq$"), parser="handler_files:parse_mrseq",
       facts=(feeds("handler_files:Mrseq", "mrseq", "extensions"),),
       samples=(Sample(f"{_DIR}/mrseq", "3"),))
