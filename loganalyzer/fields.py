"""The event-field vocabulary: every key a parser writes into ``Event.fields``, declared once —
here when several kinds' parsers write it, else by the one file-kind unit whose parser does.

Parsers, facts and rule conditions (``field.<name>``) share these names; the rule loader rejects a
condition naming one not declared here (or not written by the kind the rule is limited to), and
``tests/test_fields.py`` parses every sample bundle and the dev corpus and checks that every key
emitted is declared.  The handler logfmt parser writes every ``key=value`` pair as
``handler_<key>``: that family is open (``OPEN_PREFIXES``, from the units' ``field_prefixes``).

>>> from loganalyzer.fields import FIELDS
>>> FIELDS["vms_event"].kinds
('vmsnapshot_log', 'vmsnapshot_shell_log')
>>> "vms_event" in field_names_for("vmsnapshot_log"), "vms_event" in field_names_for("syslog")
(True, False)
>>> is_declared("handler_event", "handler_logfmt"), is_declared("vms_evnt")
(True, False)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One event field: its name, value type, the kinds whose parsers write it, what it means."""

    name: str
    type: str
    kinds: tuple[str, ...]
    meaning: str
    #: False: written only by rarer formats of ``kinds`` that no sample bundle or corpus case holds
    in_corpus: bool = True


def _f(name: str, type_: str, kinds: tuple[str, ...], meaning: str, in_corpus: bool = True) -> FieldSpec:
    return FieldSpec(name, type_, kinds, meaning, in_corpus)


#: Fields several kinds' parsers write (agent-line payloads, status documents, HandlerUtil echoes);
#: a field only one kind's parser writes is declared by that kind's unit (``Field`` in
#: :mod:`loganalyzer.filekinds`), and so is an open family (``field_prefixes``).
_ALL: tuple[FieldSpec, ...] = (
    _f("agent_role", "str", ("syslog", "waagent_log"),
       "which agent process logged the version (daemon / exthandler / …)"),
    _f("agent_version", "str", ("syslog", "waagent_log"), "the WALinuxAgent version a line states"),
    _f("exception_tags", "list", ("other_text", "syslog", "waagent_log"), "the [SomeError] tags in a record"),
    _f("exit_code", "int", ("other_text", "waagent_log"), "a process exit code a record states"),
    _f("hb_auto_update", "int", ("syslog", "waagent_log"), "[HEARTBEAT] auto-update flag"),
    _f("hb_counter", "int", ("syslog", "waagent_log"), "[HEARTBEAT] counter"),
    _f("hb_dropped_packets", "int", ("syslog", "waagent_log"),
       "[HEARTBEAT] dropped packets to the WireServer"),
    _f("hb_id", "str", ("syslog", "waagent_log"), "[HEARTBEAT] heartbeat id"),
    _f("hb_update_gs_errors", "int", ("syslog", "waagent_log"), "[HEARTBEAT] goal-state update errors"),
    _f("http_attempts", "int", ("serial_console", "syslog", "waagent_log"),
       "attempts a failed HTTP request made"),
    _f("http_error", "str", ("serial_console", "syslog", "waagent_log"),
       "the error text of a failed request"),
    _f("http_host", "str", ("syslog", "waagent_log"), "the host a request went to"),
    _f("http_method", "str", ("serial_console", "syslog", "waagent_log"), "the HTTP method of a request"),
    _f("http_url", "str", ("syslog", "waagent_log"), "the URL of a request"),
    _f("incarnation", "str", ("extensions_config", "goal_state", "syslog", "waagent_log"),
       "the goal-state incarnation"),
    _f("operation", "str", ("handler_status", "status_blob"),
       "an extension status's operation (Enable, Install…)"),
    _f("seq_no", "int", ("extensions_config", "handler_status", "status_blob"),
       "an extension settings sequence number"),
    _f("status", "str", ("handler_status", "status_blob"),
       "an extension status (success / error / transitioning / warning)"),
    _f("status_code", "str", ("handler_status", "status_blob"), "an extension status code"),
    _f("version_how", "str", ("syslog", "waagent_log"), "how the agent version was learned (banner, path…)"),
    _f("vms_event", "str", ("vmsnapshot_log", "vmsnapshot_shell_log"),
       "what a VMSnapshot line reports (freeze_start, thaw_result, status_report…)"),
    _f("vms_snapshot_error", "str", ("handler_status", "vmsnapshot_log"),
       "VMSnapshot: the snapshot's ErrorMessage"),
    _f("handler_operation", "str", ("handler_logfmt", "extension_log", "other_text"),
       "a handler's operation (logfmt operation=, HandlerUtil echo)", in_corpus=False),
    _f("handler_status_code", "int", ("extension_log", "other_text"),
       "HandlerUtil status echo: the code", in_corpus=False),
    _f("handler_status_message", "str", ("extension_log", "other_text"),
       "HandlerUtil status echo: the message", in_corpus=False),
    _f("uptime_seconds", "float", ("other_text", "extension_log", "syslog", "serial_console"),
       "seconds since boot of a kernel-style [ 12.3] line", in_corpus=False),
)


@cache
def _vocabulary() -> tuple[Mapping[str, FieldSpec], Mapping[str, tuple[str, ...]]]:
    """The shared fields above joined with every unit's own ``fields`` and ``field_prefixes``."""
    from .filekinds import units
    specs: dict[str, FieldSpec] = {f.name: f for f in _ALL}
    prefixes: dict[str, list[str]] = {}
    for unit in units():
        kind = unit.kind.value
        for own in unit.fields:
            if own.name in specs:
                raise ValueError(f"field {own.name!r} of {kind} is declared twice (a shared field is "
                                 f"declared in loganalyzer/fields.py, a field of one kind by its unit)")
            specs[own.name] = FieldSpec(own.name, own.type, (kind,), own.meaning, own.in_corpus)
        for prefix in unit.field_prefixes:
            prefixes.setdefault(prefix, []).append(kind)
    return dict(sorted(specs.items())), {p: tuple(ks) for p, ks in prefixes.items()}


def __getattr__(name: str) -> Any:
    """``FIELDS`` (every declared field by name) and ``OPEN_PREFIXES`` (open field families:
    prefix → the kinds that write any ``<prefix><key>``), read from this module and the units."""
    if name == "FIELDS":
        return _vocabulary()[0]
    if name == "OPEN_PREFIXES":
        return _vocabulary()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def field_names_for(kind: str) -> frozenset[str]:
    """The declared fields the parser of ``kind`` writes (open families not included)."""
    return frozenset(f.name for f in _vocabulary()[0].values() if kind in f.kinds)


def is_declared(name: str, kind: str | None = None) -> bool:
    """Whether ``name`` is a declared field (written by ``kind`` when one is given)."""
    specs, prefixes = _vocabulary()
    spec = specs.get(name)
    if spec is not None and (kind is None or kind in spec.kinds):
        return True
    return any(name.startswith(p) and (kind is None or kind in ks) for p, ks in prefixes.items())
