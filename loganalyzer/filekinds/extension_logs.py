"""Logs extensions write under /var/log/azure/<Extension>/ (and their loose copies).

The backup extension (VMSnapshotLinux) and the Go handlers have their own formats; any other
file there is read as generic extension text.

>>> from loganalyzer.filekinds import MemberPath, kind_of
>>> kind_of(MemberPath(("var", "log", "azure", "x"), "shell.log", "Microsoft.OSTCExtensions.VMAccess"))
<Kind.EXTENSION_LOG: 'extension_log'>
"""
from __future__ import annotations

from . import Field, MemberPath, Priority, Sample, Sniffed, define, names

BACKUP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
#: The Go handlers writing go-kit logfmt ``handler.log``, by their log folder.
GO_HANDLERS = {
    "custom-script": "Microsoft.Azure.Extensions.CustomScript",
    "run-command": "Microsoft.CPlat.Core.RunCommandLinux",
    "run-command-handler": "Microsoft.CPlat.Core.RunCommandHandlerLinux",
}
_GO_NAMES = frozenset(GO_HANDLERS.values())
_EXTENSION_LOG = r"^extension\.log(?:[.-][\w.-]*)?$"
_SHELL_LOG = r"^shell\.log(?:[.-][\w.-]*)?$"
_HANDLER_LOG = r"^handler\.log(?:[.-][\w.-]*)?$"


def _backup(path: MemberPath) -> bool:
    return path.extension is not None and path.extension.endswith("VMSnapshotLinux")


def _backup_or_loose(path: MemberPath) -> bool:
    return path.extension is None or _backup(path)


def _go_or_loose(path: MemberPath) -> bool:
    return path.extension is None or path.extension in _GO_NAMES


def _events_folder(path: MemberPath) -> bool:
    return path.parent == "events" and path.basename.endswith(".json") and path.extension is not None


#: Event.fields keys only the vmsnapshot_log parser writes.
_VMSNAPSHOT_LOG_FIELDS = (
    Field("level_inferred", "bool", "the level was inferred from the message (no level word on the line)"),
    Field("vms_buffered", "bool", "VMSnapshot: a buffered (replayed) line", in_corpus=False),
    Field("vms_freeze_result", "str", "VMSnapshot: the freeze result text"),
    Field("vms_freeze_timed_out", "bool", "VMSnapshot: the freeze timed out"),
    Field("vms_freeze_timeout", "int", "VMSnapshot: the freeze timeout (s)"),
    Field("vms_http_status", "int", "VMSnapshot: pre-snapshot / host snapshot / HTTP status"),
    Field("vms_operation", "str", "VMSnapshot status echo: the operation"),
    Field("vms_phase", "str", "VMSnapshot: the phase (enable, freeze, snapshot, thaw…)"),
    Field("vms_plugin", "str", "VMSnapshot: the pre/post script plugin", in_corpus=False),
    Field("vms_snapshot_ok", "bool", "VMSnapshot: IsSuccessful"),
    Field("vms_status", "str", "VMSnapshot status echo: success / error / transitioning / warning"),
    Field("vms_status_code", "int", "VMSnapshot: the status code (StatusCode.<Name>)"),
    Field("vms_status_message", "str", "VMSnapshot status echo: the message"),
    Field("vms_status_name", "str", "VMSnapshot: the status code's name"),
    Field("vms_thaw_result", "str", "VMSnapshot: the thaw result text", in_corpus=False),
)

define("vmsnapshot_log", "the backup extension's extension.log",
       claim=names(_EXTENSION_LOG, when=_backup), priority=Priority.SPECIFIC,
       parser="vmsnapshot:parse", log=True, cacheable=True,
       evidence="backup_log",
       fields=_VMSNAPSHOT_LOG_FIELDS,
       samples=(Sample(f"var/log/azure/{BACKUP}/extension.log",
                       f"2024/05/01 10:00:00 [{BACKUP}-1.0.9224.0] Enable,success,0,Enable succeeded\n"),))

#: Event.fields keys only the vmsnapshot_shell_log parser writes.
_VMSNAPSHOT_SHELL_LOG_FIELDS = (
    Field("vms_command", "str", "VMSnapshot shell.log: the command run"),
    Field("vms_python", "str", "VMSnapshot shell.log: the Python chosen"),
    Field("vms_rc", "int", "VMSnapshot shell.log: a return code"),
    Field("vms_seq_no", "int", "VMSnapshot: the sequence number"),
)

define("vmsnapshot_shell_log", "the backup extension's shell.log (handle.sh)",
       claim=names(_SHELL_LOG, when=_backup_or_loose), priority=Priority.SPECIFIC,
       parser="shell_log:parse", log=True, cacheable=True,
       fields=_VMSNAPSHOT_SHELL_LOG_FIELDS,
       samples=(Sample(f"var/log/azure/{BACKUP}/shell.log",
                       "Tue Nov  5 00:05:10 UTC 2019- /usr/bin/python3 path exists\n"),))

define("handler_logfmt", "the Go handlers' handler.log (go-kit logfmt): CustomScript v2, Run Command",
       claim=names(_HANDLER_LOG, when=_go_or_loose), priority=Priority.SPECIFIC,
       parser="logfmt:parse", log=True, cacheable=True, log_folders=GO_HANDLERS, field_prefixes=("handler_",),
       samples=(Sample("var/log/azure/custom-script/handler.log",
                       "time=2018-04-26T17:47:23Z version=v2.0.6/git@1008306-clean operation=enable seq=0 "
                       "event=start\n"),
                Sample("var/log/azure/run-command-handler/handler.log",
                       "time=2023-01-10T08:00:00Z version=1.3.2 operation=enable seq=1 event=start\n")))

define("extension_events", "events/*.json an extension leaves for the agent's telemetry",
       claim=_events_folder, priority=Priority.SPECIFIC, parser="extension_events:parse",
       samples=(Sample(f"var/log/azure/{BACKUP}/events/1714557600000000.json"),))


def _sniff_extension(head: bytes, path: MemberPath) -> Sniffed | None:
    """A loose ``extension.log`` names its handler in every line: ``[<Name>-<Version>]``."""
    if path.extension is not None:
        return None
    from .identity import named_in_text
    name = named_in_text(head.decode("latin-1"))
    return Sniffed(extension=name) if name else None


_EXTENSION_LOG_NAMES = names(_EXTENSION_LOG, _SHELL_LOG, _HANDLER_LOG)


def _extension_folder(path: MemberPath) -> bool:
    return _EXTENSION_LOG_NAMES(path) or path.under_azure_logs


define("extension_log", "any other file under /var/log/azure/<Extension>/, read as generic text",
       claim=_extension_folder,
       priority=Priority.GENERIC, parser="generic:parse", log=True, cacheable=True, sniff=_sniff_extension,
       samples=(Sample("var/log/azure/Microsoft.OSTCExtensions.VMAccessForLinux/extension.log",
                       "2024/05/01 10:00:00 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.18] "
                       "Enable,success,0,Enable succeeded\n"),
                Sample("var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/telegraf.log")))
