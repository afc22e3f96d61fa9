"""Files of one extension handler directory ``/var/lib/waagent/<Handler>-<Version>/`` (formats.md §4.8).

``status/N.status`` (written by the extension), ``config/N.settings``,
``config/HandlerState``, ``config/HandlerStatus``, ``HandlerManifest.json``,
``HandlerEnvironment.json``, ``heartbeat.log`` and ``mrseq``; multi-config
names (``<ExtName>.N.status``, ``<ExtName>.HandlerState``) too.  Each file gives
one typed document.  Protected settings are never kept (only "present" and the
certificate thumbprint); messages are kept as written (reports, frames and fleet tables redact
them where they leave the tool).

A status file also yields one Event (timestamp = its ``timestampUTC``; level
ERROR for ``error``, WARNING for ``warning``, else INFO; message = the formatted
message) with fields ``status``, ``status_code``, ``operation``, ``seq_no`` and,
for the backup extension (VMSnapshot, whose ``substatus[].name`` is itself a JSON
status), ``vms_task_id``, ``vms_health_code``, ``vms_health_state``,
``vms_snapshots``, ``vms_snapshots_failed``, ``vms_snapshot_error``,
``vms_ext_error_code``.  A heartbeat that is not ``ready`` yields a WARNING Event.

>>> handler_from_path("waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status")
('Microsoft.Azure.RecoveryServices.VMSnapshotLinux', '1.0.9225.0')
>>> parse_utc("/Date(1559865179380)/").isoformat()
'2019-06-06T23:52:59.380000+00:00'
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..model import CoverageStatus, Event
from ..sources.base import Member
from .base import ParseContext
from .goal_state import SettingsSummary, settings_summary, state_event
from .jsonsafe import JsonRefused, loads_bounded, read_json
from .xmlsafe import read_bytes

_HANDLER_DIR = re.compile(r"(?:^|/)(?P<name>[A-Za-z][\w.]*?)-(?P<ver>\d+(?:\.\d+)*)/")
_SEQ_FILE = re.compile(r"(?:^|/)(?:(?P<ext>[^/]+)\.)?(?P<seq>\d+)\.(?:status|settings)$")
_MULTI_CONFIG_STATE = re.compile(r"(?:^|/)(?P<ext>[^/]+)\.Handler(?:State|Status)$")
_MS_DATE = re.compile(r"/Date\((-?\d+)\)/")
_MAX_MESSAGE = 4000
HANDLER_STATES = frozenset({"NotInstalled", "Installed", "Enabled", "FailedUpgrade", "Disabled"})


def handler_from_path(path: str) -> tuple[str | None, str | None]:
    """``(handler name, version)`` from the last ``<Name>-<Version>/`` directory in ``path``."""
    found = list(_HANDLER_DIR.finditer(path))
    if not found:
        return None, None
    m = found[-1]
    return m.group("name"), m.group("ver")


def seq_from_path(path: str) -> tuple[int | None, str | None]:
    """``(seqNo, multi-config extension name)`` from ``N.status`` / ``<Ext>.N.settings``.

    >>> seq_from_path("x/config/MCExt1.4.settings")
    (4, 'MCExt1')
    """
    m = _SEQ_FILE.search(path)
    if not m:
        return None, None
    return int(m.group("seq")), m.group("ext")


def parse_utc(value: Any) -> datetime | None:
    """An ISO-8601 UTC time (``…Z``), a ``/Date(ms)/`` time or epoch seconds → aware UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    m = _MS_DATE.search(value)
    if m:
        try:
            return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    except OverflowError:       # an offset that moves year 1 or 9999 out of range
        return None


def _message(obj: Any) -> str | None:
    """``formattedMessage.message`` (any key case) or a plain ``message`` string, as written."""
    if not isinstance(obj, dict):
        return None
    for key in ("formattedMessage", "FormattedMessage"):
        fm = obj.get(key)
        if isinstance(fm, dict):
            msg = fm.get("message", fm.get("Message"))
            if isinstance(msg, str):
                return msg[:_MAX_MESSAGE]
    msg = obj.get("message", obj.get("Message"))
    return msg[:_MAX_MESSAGE] if isinstance(msg, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _code(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


# ----------------------------------------------------------------------------- status


@dataclass(slots=True)
class SubStatus:
    name: str | None
    status: str | None
    code: str | None
    message: str | None


@dataclass(slots=True)
class SnapshotResult:
    is_successful: bool | None
    error_message: str | None
    blob: str | None            # snapshot URI without its query string


@dataclass(slots=True)
class VmSnapshotDetails:
    """What the backup extension adds to its status (formats.md §5.2 "VMSnapshot status file")."""

    task_id: str | None = None
    command_start_ticks: str | None = None
    health_status_code: int | None = None
    health_state: int | None = None
    snapshots: list[SnapshotResult] = field(default_factory=list)
    telemetry: dict[str, str] = field(default_factory=dict)
    inner_status: str | None = None
    inner_code: str | None = None
    inner_message: str | None = None

    @property
    def failed_snapshots(self) -> list[SnapshotResult]:
        return [s for s in self.snapshots if s.is_successful is False]


@dataclass(slots=True)
class ExtensionStatus:
    """``status/N.status``: the extension's own report of its last operation."""

    extension: str | None
    extension_version: str | None
    seq_no: int | None
    extension_name: str | None       # multi-config instance
    timestamp: datetime | None
    name: str | None
    operation: str | None
    status: str | None
    code: str | None
    message: str | None
    substatus: list[SubStatus] = field(default_factory=list)
    vmsnapshot: VmSnapshotDetails | None = None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _strip_query(uri: Any) -> str | None:
    return uri.split("?", 1)[0] if isinstance(uri, str) and uri else None


def _inner_status(name: Any, ctx: ParseContext) -> dict[str, Any] | None:
    """VMSnapshot puts a whole status JSON into ``substatus[].name``; load it when it looks so."""
    if not isinstance(name, str) or not name.lstrip().startswith(("[", "{")):
        return None
    try:
        inner = loads_bounded(name, ctx.limits.max_json_bytes)
    except JsonRefused:
        return None
    if isinstance(inner, list) and inner and isinstance(inner[0], dict):
        inner = inner[0]
    if isinstance(inner, dict) and isinstance(inner.get("status"), dict):
        return inner["status"]
    return None


def _vmsnapshot(status: dict[str, Any], ctx: ParseContext) -> VmSnapshotDetails | None:
    inner = None
    for sub in _list(status.get("substatus")):
        if isinstance(sub, dict):
            inner = _inner_status(sub.get("name"), ctx)
            if inner is not None:
                break
    if inner is None and not any(k in status for k in ("taskId", "snapshotInfo", "vmHealthInfo")):
        return None
    both = [s for s in (status, inner) if s]

    def pick(key: str) -> Any:
        for source in both:
            if source.get(key) not in (None, "", []):
                return source[key]
        return None

    details = VmSnapshotDetails(task_id=_code(pick("taskId")),
                                command_start_ticks=_code(pick("commandStartTimeUTCTicks")))
    health = pick("vmHealthInfo")
    if isinstance(health, dict):
        code = health.get("vmHealthStatusCode")
        state = health.get("vmHealthState")
        details.health_status_code = code if isinstance(code, int) else None
        details.health_state = state if isinstance(state, int) else None
    for snap in _list(pick("snapshotInfo")):
        if isinstance(snap, dict):
            err = snap.get("errorMessage")
            details.snapshots.append(SnapshotResult(
                is_successful=_as_bool(snap.get("isSuccessful")),
                error_message=err[:_MAX_MESSAGE] if isinstance(err, str) and err else None,
                blob=_strip_query(snap.get("snapshotUri"))))
    for item in _list(pick("telemetryData")):
        if isinstance(item, dict) and isinstance(item.get("Key"), str):
            details.telemetry[item["Key"]] = str(item.get("Value"))[:_MAX_MESSAGE]
    if inner is not None:
        details.inner_status = _code(inner.get("status"))
        details.inner_code = _code(inner.get("code"))
        details.inner_message = _message(inner)
    return details


_LEVELS = {"error": "ERROR", "warning": "WARNING"}


def parse_status(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``status/N.status``: document :class:`ExtensionStatus` and one timeline Event."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    name, version = (member.extension, member.extension_version)
    if name is None:
        name, version = handler_from_path(member.path)
    seq_no, ext_name = seq_from_path(member.path)
    item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else data
    status = item.get("status") if isinstance(item, dict) else None
    if not isinstance(status, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "status file has no 'status' object (the agent "
                                                  "reports it as an incorrect format)")
        return
    if "status" not in status:
        ctx.coverage.mark(CoverageStatus.PARTIAL, "status file has no status.status value (the agent "
                                                  "reports it as an incorrect format)")
    doc = ExtensionStatus(
        extension=name, extension_version=version, seq_no=seq_no, extension_name=ext_name,
        timestamp=parse_utc(item.get("timestampUTC")), name=_code(status.get("name")),
        operation=_code(status.get("operation")), status=_code(status.get("status")),
        code=_code(status.get("code")), message=_message(status),
        substatus=[SubStatus(name=None if _inner_status(s.get("name"), ctx) else _code(s.get("name")),
                             status=_code(s.get("status")), code=_code(s.get("code")),
                             message=_message(s))
                   for s in _list(status.get("substatus")) if isinstance(s, dict)],
        vmsnapshot=_vmsnapshot(status, ctx))
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1
    yield _status_event(member, ctx, doc, name, version)


def _status_event(member: Member, ctx: ParseContext, doc: ExtensionStatus, name: str | None,
                  version: str | None) -> Event:
    fields: dict[str, Any] = {"status": doc.status, "status_code": doc.code,
                              "operation": doc.operation, "seq_no": doc.seq_no}
    vms = doc.vmsnapshot
    if vms is not None:
        failed = vms.failed_snapshots
        fields.update(vms_task_id=vms.task_id, vms_health_code=vms.health_status_code,
                      vms_health_state=vms.health_state, vms_snapshots=len(vms.snapshots) or None,
                      vms_snapshots_failed=len(failed) if vms.snapshots else None,
                      vms_snapshot_error=next((s.error_message for s in failed if s.error_message), None),
                      vms_ext_error_code=vms.telemetry.get("extErrorCode"))
    message = doc.message or f"{doc.operation or 'Operation'} {doc.status} (code {doc.code})"
    return state_event(member, ctx, doc.timestamp, _LEVELS.get((doc.status or "").lower(), "INFO"),
                       message, fields, extension=name, extension_version=version)


# ----------------------------------------------------------------------------- config files


@dataclass(slots=True)
class HandlerState:
    """``config/HandlerState``: NotInstalled | Installed | Enabled | FailedUpgrade."""

    extension: str | None
    extension_version: str | None
    state: str | None
    extension_name: str | None = None


@dataclass(slots=True)
class HandlerStatus:
    """``config/HandlerStatus``: the agent's own view of the handler (Ready / NotReady)."""

    extension: str | None
    extension_version: str | None
    status: str | None
    code: str | None
    message: str | None
    extension_name: str | None = None


@dataclass(slots=True)
class HandlerSettings:
    """``config/N.settings``: which request the handler was given (no protected settings)."""

    extension: str | None
    extension_version: str | None
    seq_no: int | None
    extension_name: str | None
    settings: list[SettingsSummary] = field(default_factory=list)


def _handler(member: Member) -> tuple[str | None, str | None]:
    if member.extension is not None:
        return member.extension, member.extension_version
    return handler_from_path(member.path)


def _read_text(member: Member, ctx: ParseContext) -> str | None:
    data = read_bytes(member, ctx, ctx.limits.max_json_bytes)
    return None if data is None else data.decode("utf-8", "backslashreplace").replace("\x00", "").strip()


def parse_handler_state(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``config/HandlerState`` (plain text)."""
    content = _read_text(member, ctx)
    if content is None:
        return
    name, version = _handler(member)
    m = _MULTI_CONFIG_STATE.search(member.path)
    state = content or None
    if state not in HANDLER_STATES:
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"unknown handler state {content[:40]!r}")
        state = content[:80] or None
    ctx.add_document(str(member.kind), member.path,
                     HandlerState(name, version, state, m.group("ext") if m else None))
    ctx.coverage.records = 1
    yield from ()


def parse_handler_status(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``config/HandlerStatus`` (JSON written by the agent)."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    if not isinstance(data, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "HandlerStatus is not a JSON object")
        return
    name, version = _handler(member)
    m = _MULTI_CONFIG_STATE.search(member.path)
    message = data.get("message")
    ctx.add_document(str(member.kind), member.path, HandlerStatus(
        extension=name or _code(data.get("name")), extension_version=version or _code(data.get("version")),
        status=_code(data.get("status")), code=_code(data.get("code")),
        message=message[:_MAX_MESSAGE] if isinstance(message, str) else None,
        extension_name=m.group("ext") if m else None))
    ctx.coverage.records = 1
    yield from ()


def parse_settings(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``config/N.settings``: seqNo, certificate thumbprint, public settings (as written)."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    name, version = _handler(member)
    seq_no, ext_name = seq_from_path(member.path)
    summary = settings_summary(data)
    if not summary:
        ctx.coverage.mark(CoverageStatus.PARTIAL, "no runtimeSettings[].handlerSettings in the file")
    ctx.add_document(str(member.kind), member.path,
                     HandlerSettings(name, version, seq_no, ext_name, summary))
    ctx.coverage.records = len(summary)
    yield from ()


# ----------------------------------------------------------------------------- package files


@dataclass(slots=True)
class HandlerManifest:
    """``HandlerManifest.json``: the handler's commands and flags (values kept as written)."""

    name: str | None
    version: str | None
    commands: dict[str, str] = field(default_factory=dict)
    report_heartbeat: Any = None
    continue_on_update_failure: Any = None
    supports_multiple_extensions: Any = None
    update_mode: str | None = None


@dataclass(slots=True)
class HandlerEnvironment:
    """``HandlerEnvironment.json``: where the handler logs, keeps config, status and heartbeat."""

    name: str | None
    schema_version: str | None
    log_folder: str | None
    config_folder: str | None
    status_folder: str | None
    heartbeat_file: str | None
    events_folder: str | None


def _first_object(data: Any) -> dict[str, Any] | None:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return data if isinstance(data, dict) else None


def parse_handler_manifest(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``HandlerManifest.json``: ``[{"name","version","handlerManifest":{…}}]``."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    obj = _first_object(data)
    hm = obj.get("handlerManifest") if obj else None
    if not isinstance(hm, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "no handlerManifest object (the agent reports "
                                                  "a malformed manifest)")
        return
    ctx.add_document(str(member.kind), member.path, HandlerManifest(
        name=_code(obj.get("name")), version=_code(obj.get("version")),
        commands={k: str(v) for k, v in hm.items() if k.endswith("Command")},
        report_heartbeat=hm.get("reportHeartbeat"),
        continue_on_update_failure=hm.get("continueOnUpdateFailure"),
        supports_multiple_extensions=hm.get("supportsMultipleExtensions"),
        update_mode=_code(hm.get("updateMode"))))
    ctx.coverage.records = 1
    yield from ()


def parse_handler_environment(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``HandlerEnvironment.json``: log/config/status folders (schema ``version`` is 1.0)."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    obj = _first_object(data)
    env = obj.get("handlerEnvironment") if obj else None
    if not isinstance(env, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "no handlerEnvironment object")
        return
    ctx.add_document(str(member.kind), member.path, HandlerEnvironment(
        name=_code(obj.get("name")), schema_version=_code(obj.get("version")),
        log_folder=_code(env.get("logFolder")), config_folder=_code(env.get("configFolder")),
        status_folder=_code(env.get("statusFolder")), heartbeat_file=_code(env.get("heartbeatFile")),
        events_folder=_code(env.get("eventsFolder"))))
    ctx.coverage.records = 1
    yield from ()


@dataclass(slots=True)
class Heartbeat:
    """``heartbeat.log``: the handler's liveness report (stale > 600 s ⇒ unresponsive)."""

    extension: str | None
    status: str | None
    code: str | None
    message: str | None


def parse_heartbeat(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``heartbeat.log``: ``[{"version":"1.0","heartbeat":{"status","code","Message"}}]``."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    obj = _first_object(data)
    hb = obj.get("heartbeat") if obj else None
    if not isinstance(hb, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "no heartbeat object")
        return
    name, _ = _handler(member)
    doc = Heartbeat(name, _code(hb.get("status")), _code(hb.get("code")), _message(hb))
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1
    if (doc.status or "").lower() != "ready":
        yield state_event(member, ctx, None, "WARNING",
                          doc.message or f"heartbeat status {doc.status} (code {doc.code})",
                          {"status": doc.status, "status_code": doc.code})


@dataclass(slots=True)
class Mrseq:
    """``mrseq``: the most recently processed sequence number."""

    extension: str | None
    value: int | None


def parse_mrseq(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``mrseq``: a plain integer."""
    content = _read_text(member, ctx)
    if content is None:
        return
    name, _ = _handler(member)
    try:
        value: int | None = int(content)
    except ValueError:
        value = None
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"mrseq is not an integer: {content[:40]!r}")
    ctx.add_document(str(member.kind), member.path, Mrseq(name, value))
    ctx.coverage.records = 1 if value is not None else 0
    yield from ()
