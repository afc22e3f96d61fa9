"""HostGAPlugin ``vmSettings`` (FastTrack goal state, agent 2.5+): ``VmSettings[.N].json`` (formats.md §4.4).

The document is :class:`VmSettings`; its extensions reuse
:class:`~loganalyzer.parsers.goal_state.ExtensionRequest`.  The status upload
blob URL (a SAS) and ``protectedSettings`` are never kept.  The goal-state id is
``etag_<eTag>`` (from the history folder ``…__N-<etag>`` or a ``…etag-<n>`` name).

>>> etag_from_path("history/2024-05-01T10-00-00__3-5410594052969431317/VmSettings.json")
'5410594052969431317'
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import CoverageStatus, Event
from ..sources.base import Member
from .base import ParseContext
from .goal_state import ExtensionRequest, GAFamily, HistoryInfo, history_info, settings_summary, state_event
from .jsonsafe import read_json

_ETAG_NAME = re.compile(r"etag[-_](\d+)", re.IGNORECASE)
_IN_VM_METADATA_KEYS = ("vmName", "location", "vmSize", "osType", "vmId")


def etag_from_path(path: str) -> str | None:
    """The eTag a history folder or file name carries, if any."""
    hist = history_info(path)
    if hist and hist.etag:
        return hist.etag
    m = _ETAG_NAME.search(path.rsplit("/", 1)[-1])
    return m.group(1) if m else None


@dataclass(slots=True)
class VmSettings:
    etag: str | None
    host_ga_plugin_version: str | None = None
    schema_version: str | None = None
    activity_id: str | None = None
    correlation_id: str | None = None
    in_svd_seq_no: str | None = None
    source: str | None = None                 # FastTrack | Fabric
    on_hold: bool | None = None
    status_blob_type: str | None = None
    has_status_upload_blob: bool = False
    in_vm_metadata: dict[str, str] = field(default_factory=dict)
    required_features: list[str] = field(default_factory=list)
    ga_families: list[GAFamily] = field(default_factory=list)
    extensions: list[ExtensionRequest] = field(default_factory=list)
    history: HistoryInfo | None = None


def _s(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _b(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _extension(item: dict[str, Any]) -> ExtensionRequest:
    settings = _list(item.get("settings"))
    req = ExtensionRequest(
        name=str(item.get("name", "")), version=_s(item.get("version")), state=_s(item.get("state")),
        auto_upgrade=_b(item.get("autoUpgrade")), use_exact_version=_b(item.get("useExactVersion")),
        is_multi_config=bool(item.get("isMultiConfig")),
        settings=settings_summary({"runtimeSettings": [{"handlerSettings": s} for s in settings]}))
    seq = item.get("settingsSeqNo")
    seqs = [s.get("seqNo") for s in settings if isinstance(s, dict) and isinstance(s.get("seqNo"), int)]
    req.seq_no = seq if isinstance(seq, int) else max(seqs, default=None)
    req.extension_names = [str(s["extensionName"]) for s in settings
                           if isinstance(s, dict) and s.get("extensionName")]
    for dep in _list(item.get("dependsOn")):
        exts = _list(dep.get("dependsOnExtension") or dep.get("DependsOnExtension")) \
            if isinstance(dep, dict) else []
        for ext in exts:
            if isinstance(ext, dict) and ext.get("handler"):
                req.depends_on.append(str(ext["handler"]))
    return req


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``VmSettings.json``: source, HostGAPlugin version, requested extensions, GA families."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    if not isinstance(data, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "vmSettings is not a JSON object")
        return
    hist = history_info(member.path)
    blob = data.get("statusUploadBlob")
    meta = data.get("inVMMetadata")
    doc = VmSettings(
        etag=etag_from_path(member.path), host_ga_plugin_version=_s(data.get("hostGAPluginVersion")),
        schema_version=_s(data.get("vmSettingsSchemaVersion")), activity_id=_s(data.get("activityId")),
        correlation_id=_s(data.get("correlationId")), in_svd_seq_no=_s(data.get("inSvdSeqNo")),
        source=_s(data.get("extensionGoalStatesSource")), on_hold=_b(data.get("onHold")),
        status_blob_type=_s(blob.get("statusBlobType")) if isinstance(blob, dict) else None,
        has_status_upload_blob=isinstance(blob, dict) and bool(blob.get("value")),
        in_vm_metadata={k: str(meta[k]) for k in _IN_VM_METADATA_KEYS
                        if isinstance(meta, dict) and meta.get(k) is not None},
        required_features=[str(f["name"]) for f in _list(data.get("requiredFeatures"))
                           if isinstance(f, dict) and f.get("name")],
        ga_families=[GAFamily(name=_s(f.get("name")), version=_s(f.get("version")),
                              is_version_from_rsm=_b(f.get("isVersionFromRSM")),
                              is_vm_enabled_for_rsm_upgrades=_b(f.get("isVMEnabledForRSMUpgrades")),
                              uri_count=len(_list(f.get("uris"))))
                     for f in _list(data.get("gaFamilies")) if isinstance(f, dict)],
        extensions=[_extension(e) for e in _list(data.get("extensionGoalStates")) if isinstance(e, dict)],
        history=hist)
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1 + len(doc.extensions)
    if hist and hist.timestamp:
        for req in doc.extensions:
            yield state_event(
                member, ctx, hist.timestamp, "INFO",
                f"Requested extension {req.name} version {req.version} state {req.state} "
                f"seqNo {req.seq_no} in vmSettings etag {doc.etag} ({doc.source})",
                {"incarnation": hist.incarnation, "etag": doc.etag, "requested_version": req.version,
                 "requested_state": req.state, "seq_no": req.seq_no},
                extension=req.name, extension_version=req.version)
