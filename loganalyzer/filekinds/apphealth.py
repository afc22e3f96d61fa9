"""The Application Health extension's ``handler.log`` (``Microsoft.ManagedServices.ApplicationHealthLinux``).

The handler (Go, Azure/applicationhealth-extension-linux) logs through ``log/slog``'s text
handler with the message moved into an ``event`` key, after a ``version``/``pid``/``operation``/
``seq`` prefix; telemetry events add ``task``.  Its shell shim runs first and ``tee``s its own
``echo`` lines into the same file, untimed::

    Writing a placeholder status file indicating progress before forking: /var/lib/waagent/…/0.status
    time=2024-05-01T10:00:00.123Z level=INFO version=v2.0.29/git@7301ada-clean pid=4242 operation=enable \
        seq=0 event="Health state changed to unhealthy" task=AppHealth          (one line in the file)

Each line is one record: a ``key=value`` line becomes a timed record with ``handler_<key>``
fields (as the other Go handlers' logs) and slog's level (``WARN`` read as ``WARNING``); a shim
line becomes an untimed record of its own.

>>> from loganalyzer.filekinds import unit_for
>>> unit_for("apphealth_handler_log").log_folders["applicationhealth-extension"]
'Microsoft.ManagedServices.ApplicationHealthLinux'
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import MemberPath, Priority, Sample, define, names

HANDLER = "Microsoft.ManagedServices.ApplicationHealthLinux"
_LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR"}


def parse(member: Any, ctx: Any) -> Iterator[Any]:
    """One record per line: slog ``key=value`` lines timed, shim lines untimed."""
    from ..model import Event, TimeKind
    from ..parsers.handler_files import parse_utc
    from ..parsers.logfmt import pairs, record_fields
    from ..textio import iter_lines

    line_no = 0
    with member.open() as stream:
        for line_no, line in enumerate(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage), 1):
            if not line.strip():
                continue
            found = pairs(line) if "=" in line.split(" ", 1)[0] else {}
            ts = parse_utc(found.get("time")) if found else None
            level = found.get("level", "").upper()
            ctx.coverage.records += 1
            yield Event(ts, TimeKind.UTC if ts else TimeKind.NONE, _LEVELS.get(level, level or None), line,
                        member.path, line_no, line_no, str(member.kind),
                        generation="slog" if found else "shim",
                        extension=member.extension, extension_version=member.extension_version,
                        fields=record_fields(found) or None)
    ctx.coverage.lines = line_no


def _app_health(path: MemberPath) -> bool:
    return path.extension == HANDLER


define("apphealth_handler_log", "the Application Health extension's handler.log (Go slog + shim lines)",
       claim=names(r"^handler\.log(?:[.-][\w.-]*)?$", when=_app_health), priority=Priority.SPECIFIC,
       parser=parse, log=True, cacheable=True, log_folders={"applicationhealth-extension": HANDLER},
       field_prefixes=("handler_",),
       samples=(Sample("var/log/azure/applicationhealth-extension/handler.log",
                       "Writing a placeholder status file indicating progress before forking: "
                       "/var/lib/waagent/Microsoft.ManagedServices.ApplicationHealthLinux-2.0.29/status/0.status\n"
                       "time=2024-05-01T10:00:00.123Z level=INFO version=v2.0.29/git@7301ada-clean pid=4242 "
                       "operation=enable seq=0 event=pre-check\n"),))
