"""The message catalog: every failure statement of the programs that write the logs we read.

One :class:`Entry` per log statement (program, versions, level, template, meaning as a signal),
loaded from the TOML files in ``loganalyzer/catalog/data/`` (format: ``data/README.md``).  The
catalog is the one place where a message string lives; :mod:`loganalyzer.catalog.classify`
turns records into signals with it.

>>> cat = load_catalog()
>>> len(cat.entries) > 0
True
>>> e = cat.by_id[next(iter(cat.by_id))]
>>> e.program in PROGRAMS
True
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .signals import VOCABULARY, validate
from .templates import CompiledTemplate, TemplateError, check_version_keys, compile_template

#: ``system``: the operating system's own lines (systemd, the kernel) that agent rules read
PROGRAMS = ("walinuxagent", "vmbackup", "handlerutil", "customscript", "runcommand", "system")
LEVELS = ("ERROR", "WARNING", "INFO", "VERBOSE", "EVENT")
_ENTRY_KEYS = {"id", "versions", "level", "template", "source", "signal", "args", "example", "process",
               "note", "benign", "wrapper", "mark", "vms_event", "vms_phase", "vms_code", "restart_cause",
               "names_version", "version_how"}
_VMS_KEYS = ("vms_event", "vms_phase", "vms_code")


@dataclass(frozen=True, slots=True)
class Entry:
    """One failure statement of one program."""

    id: str
    program: str
    versions: tuple[str, str]
    level: str
    template: str
    source: str
    signal: str                     # a VOCABULARY name, or "none" for a benign entry
    args: dict[str, Any]
    compiled: CompiledTemplate
    path: str
    example: dict[str, str] = field(default_factory=dict)
    process: str = "ExtHandler"
    note: str = ""
    benign: str = ""
    #: a line that only introduces the lines after it (a traceback's header): when the record
    #: also matches another entry, that one says what happened
    wrapper: bool = False
    #: a statement of progress or success (a goal state fetched, a heartbeat, a download done):
    #: not a failure; recovery and health conditions name it (``entry in [...]``)
    mark: str = ""
    #: vmbackup only: what the backup extension's parser reports for a record holding this
    #: statement's anchor, ``(vms_event or None, vms_phase, status code or None)`` — a route of
    #: :data:`loganalyzer.parsers.vmsnapshot_events.ROUTES`
    vms: tuple[str | None, str, int | None] | None = None
    #: walinuxagent only: why the agent restarts after this statement, a name of
    #: :data:`loganalyzer.facts.restart_causes.CAUSES` (the facts collector's vocabulary)
    restart_cause: str = ""
    #: walinuxagent only: the statement names the version of this agent (``daemon`` /
    #: ``goal_state``) in its ``{version}`` capture or the tail of its ``{agent}`` capture
    names_version: str = ""
    #: and, for a statement the agent logs at the start of a record, how the parser reports that
    #: version (``Event.fields["version_how"]``: ``banner`` / ``heartbeat`` / ``determined`` /
    #: ``installed``); "" for one only the rules read (``waagent -version`` output)
    version_how: str = ""

    @property
    def failure(self) -> bool:
        return self.signal != "none"


@dataclass(slots=True)
class Catalog:
    entries: list[Entry]
    errors: list[str]

    @property
    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


class CatalogError(ValueError):
    pass


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 0


def parse_file(path: str, text: str, seen: set[str] | None = None) -> tuple[list[Entry], list[str]]:
    """Entries of one catalog file and the problems found (``file:line: message``)."""
    seen = set() if seen is None else seen
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{path}: {exc}"]
    program = doc.get("program")
    errors: list[str] = []
    if program not in PROGRAMS:
        errors.append(f"{path}:1: program {program!r} is not one of {', '.join(PROGRAMS)}")
        return [], errors
    entries = []
    for raw in doc.get("entry", []):
        eid = str(raw.get("id", "?"))
        problems = []
        unknown = set(raw) - _ENTRY_KEYS
        if unknown:
            problems.append(f"unknown keys {sorted(unknown)}")
        if eid in seen:
            problems.append(f"duplicate id {eid!r}")
        versions = raw.get("versions")
        if not (isinstance(versions, list) and len(versions) == 2
                and all(isinstance(v, str) for v in versions)):
            problems.append("versions must be [first, last]")
            versions = ["", ""]
        level = raw.get("level")
        if level not in LEVELS:
            problems.append(f"level {level!r} is not one of {', '.join(LEVELS)}")
        signal = raw.get("signal")
        args = raw.get("args", {})
        if raw.get("mark") and raw.get("benign"):
            problems.append("an entry is a mark of progress or a benign failure, not both")
        if signal == "none":
            if not raw.get("benign") and not raw.get("mark"):
                problems.append("signal 'none' needs benign = '<why it is harmless>' "
                                "or mark = '<what progress it shows>'")
        elif raw.get("mark"):
            problems.append("a mark of progress has signal = 'none'")
        elif signal not in VOCABULARY:
            problems.append(f"unknown signal {signal!r}")
        else:
            problems.extend(validate(signal, args))
        vms = None
        if any(k in raw for k in _VMS_KEYS):
            from ..parsers.vmsnapshot_events import check_route
            vms = (raw.get("vms_event"), raw.get("vms_phase"), raw.get("vms_code"))
            if program != "vmbackup":
                problems.append("vms_event / vms_phase / vms_code belong to vmbackup entries only")
            else:
                problems.extend(check_route(*vms))
        if "restart_cause" in raw:
            from ..facts.restart_causes import check_cause
            if program != "walinuxagent":
                problems.append("restart_cause belongs to walinuxagent entries only")
            else:
                problems.extend(check_cause(raw["restart_cause"]))
        template = raw.get("template", "")
        if "names_version" in raw or "version_how" in raw:
            problems.extend(check_version_keys(program, template, raw.get("names_version"),
                                               raw.get("version_how"), path))
        compiled = None
        try:
            compiled = compile_template(template)
        except TemplateError as exc:
            problems.append(str(exc))
        if problems:
            needle = 'id = "' + eid + '"'      # the line is worked out only for a broken entry
            where = f"{path}:{_line_of(text, needle)}"
            errors.extend(f"{where}: {eid}: {p}" for p in problems)
            continue
        seen.add(eid)
        assert compiled is not None
        entries.append(Entry(
            id=eid, program=program, versions=(versions[0], versions[1]), level=level,
            template=template, source=str(raw.get("source", "")), signal=signal, args=dict(args),
            compiled=compiled, path=path, example={k: str(v) for k, v in raw.get("example", {}).items()},
            process=str(raw.get("process", "ExtHandler")), note=str(raw.get("note", "")),
            benign=str(raw.get("benign", "")), wrapper=bool(raw.get("wrapper", False)),
            mark=str(raw.get("mark", "")), vms=vms, restart_cause=str(raw.get("restart_cause", "")),
            names_version=str(raw.get("names_version", "")), version_how=str(raw.get("version_how", ""))))
    return entries, errors


def _data_files() -> list[tuple[str, str]]:
    root = resources.files("loganalyzer.catalog") / "data"
    return sorted((f"catalog/data/{p.name}", p.read_text(encoding="utf-8"))
                  for p in root.iterdir() if p.name.endswith(".toml"))


@cache
def load_catalog() -> Catalog:
    """The packaged catalog (cached).  Broken entries are left out and listed in ``errors``."""
    entries: list[Entry] = []
    errors: list[str] = []
    seen: set[str] = set()
    for path, text in _data_files():
        got, errs = parse_file(path, text, seen)
        entries.extend(got)
        errors.extend(errs)
    return Catalog(entries, errors)


@cache
def load_data_file(name: str) -> tuple[Entry, ...]:
    """The entries of one packaged data file (``vmbackup.toml``), for a parser that needs only
    those: taken from the whole catalog when it is loaded already, else read alone (about a
    tenth of the whole catalog's load time)."""
    path = f"catalog/data/{name}"
    if load_catalog.cache_info().currsize:
        return tuple(e for e in load_catalog().entries if e.path == path)
    text = (resources.files("loganalyzer.catalog") / "data" / name).read_text(encoding="utf-8")
    return tuple(parse_file(path, text)[0])


def check_files(paths: list[str]) -> list[str]:
    """Problems in the given catalog files (for ``python -m loganalyzer.catalog check``)."""
    errors: list[str] = []
    seen: set[str] = set()
    for p in paths:
        _, errs = parse_file(p, Path(p).read_text(encoding="utf-8"), seen)
        errors.extend(errs)
    return errors
