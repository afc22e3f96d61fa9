"""Logs extensions write under /var/log/azure/<Extension>/ (and their loose copies).

The backup extension (VMSnapshotLinux) and the Go handlers have their own formats; any other
file there is read as generic extension text.

>>> from loganalyzer.filekinds import MemberPath, kind_of
>>> kind_of(MemberPath(("var", "log", "azure", "x"), "shell.log", "Microsoft.OSTCExtensions.VMAccess"))
<Kind.EXTENSION_LOG: 'extension_log'>
"""
from __future__ import annotations

from . import MemberPath, Priority, Sample, Sniffed, define, names

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


define("vmsnapshot_log", "the backup extension's extension.log",
       claim=names(_EXTENSION_LOG, when=_backup), priority=Priority.SPECIFIC,
       parser="vmsnapshot:parse", log=True, cacheable=True,
       evidence="backup_log",
       samples=(Sample(f"var/log/azure/{BACKUP}/extension.log",
                       f"2024/05/01 10:00:00 [{BACKUP}-1.0.9224.0] Enable,success,0,Enable succeeded\n"),))

define("vmsnapshot_shell_log", "the backup extension's shell.log (handle.sh)",
       claim=names(_SHELL_LOG, when=_backup_or_loose), priority=Priority.SPECIFIC,
       parser="shell_log:parse", log=True, cacheable=True,
       samples=(Sample(f"var/log/azure/{BACKUP}/shell.log",
                       "Tue Nov  5 00:05:10 UTC 2019- /usr/bin/python3 path exists\n"),))

define("handler_logfmt", "the Go handlers' handler.log (go-kit logfmt): CustomScript v2, Run Command",
       claim=names(_HANDLER_LOG, when=_go_or_loose), priority=Priority.SPECIFIC,
       parser="logfmt:parse", log=True, cacheable=True, log_folders=GO_HANDLERS,
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
