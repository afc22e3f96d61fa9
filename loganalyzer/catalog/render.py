"""Render a catalog entry as the log lines its program writes, in the format of each era.

Used by the coverage command and the tests: a failure statement is written the way a real log
holds it (the line header of the agent generation, the backup extension's prefix, the Go
handlers' logfmt) so it travels through the real sources, parsers and rules.

>>> from loganalyzer.catalog import load_catalog
>>> line = render_line("2.2.31-2.2.45", "ERROR", "boom", 0, process="ExtHandler")
>>> line
'2024/05/14 21:00:00.000000 ERROR ExtHandler boom'
>>> render_line("2.0", "WARNING", "boom", 1)
'2024/05/14 21:05:00 WARNING:boom'
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from . import Entry

#: WALinuxAgent eras: name, first and last version (inclusive), line format
WALA_ERAS: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("2.0", (2, 0), (2, 0, 99)),
    ("2.1-2.2.30", (2, 1), (2, 2, 30)),
    ("2.2.31-2.2.45", (2, 2, 31), (2, 2, 45)),
    ("2.2.46-2.2.53", (2, 2, 46), (2, 2, 99)),
    ("2.3-2.8", (2, 3), (2, 8, 99)),
    ("2.9+", (2, 9), (99,)),
)
#: the era of every other program (one line format each)
PROGRAM_ERA = {"vmbackup": "vmbackup", "handlerutil": "handlerutil", "customscript": "go-logfmt",
               "runcommand": "go-logfmt", "system": "syslog"}
#: where each era's lines live in a bundle
ERA_PATH = {
    "vmbackup": "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
    "handlerutil": "var/log/waagent.log",
    "go-logfmt": "var/log/azure/custom-script/handler.log",
    "syslog": "var/log/syslog",
}
BACKUP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
_RUNCOMMAND_PATH = "var/log/azure/run-command-handler/handler.log"
START = datetime(2024, 5, 14, 21, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)

_FILLERS = {
    "extension": "Microsoft.Azure.Extensions.CustomScript", "name": "Microsoft.Azure.Extensions.CustomScript",
    "handler": "Microsoft.Azure.Extensions.CustomScript", "version": "2.1.10", "code": "1",
    "url": "http://168.63.129.16/machine/?comp=goalstate", "error": "[Errno 110] Connection timed out",
    "path": "/var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/0.status",
    "file": "/var/lib/waagent/GoalState.1.xml", "seconds": "300", "timeout": "300", "count": "3",
    "incarnation": "3", "pid": "1234", "exit_code": "1", "status": "500",
}


def version_tuple(text: str) -> tuple[int, ...] | None:
    parts = []
    for p in text.strip().lstrip("v").split("."):
        if not p.isdigit():
            return None
        parts.append(int(p))
    return tuple(parts) if parts else None


def eras_of(entry: Entry) -> list[str]:
    """The line-format eras an entry is written in (every era its versions touch).

    >>> from loganalyzer.catalog import Entry
    >>> from loganalyzer.catalog.templates import compile_template
    >>> e = Entry("x", "walinuxagent", ("2.2.14", "2.2.45"), "ERROR", "boom boom boom", "", "agent_crash",
    ...           {}, compile_template("boom boom boom"), "")
    >>> eras_of(e)
    ['2.1-2.2.30', '2.2.31-2.2.45']
    """
    if entry.program != "walinuxagent":
        return [PROGRAM_ERA[entry.program]]
    first, last = version_tuple(entry.versions[0]), version_tuple(entry.versions[1])
    if first is None or last is None:
        return [name for name, _, _ in WALA_ERAS if name != "2.0"]
    return [name for name, lo, hi in WALA_ERAS if not (last < lo or first > hi)]


def fill(entry: Entry, neutral: bool = False) -> str:
    """The entry's template with its example values (or plausible fillers) in place; ``neutral``
    puts a plain word in every placeholder (the statement's own words, nothing the values say)."""
    text = entry.template
    for name in entry.compiled.names:
        value = "value" if neutral else \
            entry.example.get(name) or _FILLERS.get(name) or _FILLERS.get(name.lower()) or "value"
        text = text.replace("{" + name + "}", value)
    return text


def render_line(era: str, level: str, message: str, n: int, process: str = "ExtHandler",
                extension: str = "Microsoft.Azure.Extensions.CustomScript-2.1.10") -> str:
    """Line ``n`` (five minutes apart) of ``message`` at ``level`` in the format of ``era``."""
    ts = START + n * STEP
    # the agent logs a failed telemetry event at ERROR (common/event.py::_log_event)
    lvl = "ERROR" if level == "EVENT" else "INFO" if level == "VERBOSE" else level
    if era == "2.0":
        glue = "" if lvl == "INFO" else f"{lvl}:"
        return f"{ts:%Y/%m/%d %H:%M:%S} {glue}{message}"
    if era == "2.1-2.2.30":
        return f"{ts:%Y/%m/%d %H:%M:%S.%f} {lvl} {message}"
    if era == "2.2.31-2.2.45":
        return f"{ts:%Y/%m/%d %H:%M:%S.%f} {lvl} {process} {message}"
    if era in ("2.2.46-2.2.53", "2.3-2.8", "2.9+"):
        return f"{ts:%Y-%m-%dT%H:%M:%S.%f}Z {lvl} {process} {process} {message}"
    if era == "vmbackup":     # the Python 3 logger writes no level
        return f"{ts:%Y-%m-%d %H:%M:%S.%f} [{BACKUP}-1.0]{message}"
    if era == "handlerutil":
        glue = "" if lvl == "INFO" else f"{lvl}:"
        return f"{ts:%Y/%m/%d %H:%M:%S} {glue}[{extension}] {message}"
    if era == "syslog":       # rsyslog's traditional format; ``process`` is the tag (``systemd[1]``)
        return f"{ts:%b %d %H:%M:%S} vm-host {process}: {message}"
    if era == "go-logfmt":
        quoted = message.replace("\\", "\\\\").replace('"', '\\"')
        return (f"time={ts:%Y-%m-%dT%H:%M:%S}Z version=v2.1.10/git@abc-clean operation=enable seq=0 "
                f'level={"error" if lvl == "ERROR" else "info"} event="{quoted}"')
    raise ValueError(f"unknown era {era!r}")


def render_entry(entry: Entry, era: str, repeats: int = 6, neutral: bool = False) -> tuple[str, str]:
    """``(bundle path, text)``: the entry as a failure that persists (``repeats`` lines five
    minutes apart, nothing after it), in ``era``'s format and file (``neutral``: see :func:`fill`)."""
    message = fill(entry, neutral)
    if entry.level == "EVENT":
        name = entry.example.get("extension", "WALinuxAgent")
        op = entry.example.get("op", "Enable")
        message = f"Event: name={name}, op={op}, message={message}, duration=0"
    lines = [render_line(era, entry.level, message, n, entry.process) for n in range(repeats)]
    path = ERA_PATH.get(era, "var/log/waagent.log")
    if entry.program == "runcommand":
        path = _RUNCOMMAND_PATH
    return path, "\n".join(lines) + "\n"
