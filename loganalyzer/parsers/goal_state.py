"""WireServer goal-state documents kept in ``/var/lib/waagent`` and its ``history/``.

Reads ``GoalState``, ``ExtensionsConfig``, ``HostingEnvironmentConfig``,
``SharedConfig``, ``Certificates`` (XML, or the 2.8+ ``Certificates.json``
summary), extension / agent manifests and ``RemoteAccess`` (formats.md §4.2–4.5,
§4.10).  Each parser hands one typed document to ``ctx.add_document(kind, …)``
with ``kind`` = the member's :class:`~loganalyzer.kinds.Kind` value.  Nothing
secret is kept: status-upload-blob URLs, ``protectedSettings``, certificate data
and remote-access passwords are reduced to "present" flags (never read); public
settings are kept as written (redacted where text leaves the tool).

History folders of both naming eras give the incarnation and the UTC time the
agent stored the goal state:

>>> info = history_info("var/lib/waagent/history/2024-05-01T10-00-00__3-1234.zip/GoalState.xml")
>>> info.incarnation, info.etag, info.timestamp.isoformat()
('3', '1234', '2024-05-01T10:00:00+00:00')
>>> history_info("waagent/history/2018-04-06T08:21:37.142697_incarnation_7/GoalState.7.xml").incarnation
'7'

Timeline events (only when the history folder dates the document):
``Goal state incarnation N stored`` (fields ``incarnation``, ``etag``) and one
``Requested extension …`` record per ExtensionsConfig plugin (fields
``incarnation``, ``requested_version``, ``requested_state``, ``seq_no``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from ..model import CoverageStatus, Event, TimeKind
from ..sources.base import Member
from .base import ParseContext
from .jsonsafe import JsonRefused, loads_bounded, read_json
from .xmlsafe import as_bool, read_xml, text

# ----------------------------------------------------------------------------- paths

_HISTORY = re.compile(
    r"(?:^|/)history/(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}(?:\.\d+)?)"
    r"(?:(?:_incarnation)?_+(?P<tag>\d+|status)(?:-(?P<etag>\d+))?)?(?:\.zip)?/")
_FILE_INCARNATION = re.compile(r"\.(\d+)\.(?:xml|json|agentsManifest)$")


@dataclass(slots=True)
class HistoryInfo:
    """What a ``history/<dir>`` name says: when the goal state was stored, its incarnation/etag."""

    folder: str
    timestamp: datetime | None
    incarnation: str | None
    etag: str | None


def history_info(path: str) -> HistoryInfo | None:
    """Parse the history folder (or zip) a member path lies in; ``None`` outside ``history/``."""
    m = _HISTORY.search(path)
    if m is None:
        return None
    stamp = m.group("stamp")
    date, _, clock = stamp.partition("T")
    clock = clock.replace("-", ":")
    try:
        ts = datetime.fromisoformat(f"{date}T{clock}").replace(tzinfo=UTC)
    except ValueError:
        ts = None
    tag = m.group("tag")
    incarnation = tag if tag and tag != "status" else None
    return HistoryInfo(folder=m.group(0).strip("/"), timestamp=ts, incarnation=incarnation,
                       etag=m.group("etag"))


def file_incarnation(path: str) -> str | None:
    """Incarnation in a legacy file name (``GoalState.7.xml``, ``Prod.7.agentsManifest``).

    >>> file_incarnation("var/lib/waagent/ExtensionsConfig.12.xml")
    '12'
    """
    m = _FILE_INCARNATION.search(path)
    return m.group(1) if m else None


def state_event(member: Member, ctx: ParseContext, timestamp: datetime | None, level: str,
                message: str, fields: dict[str, Any], line: int = 1,
                extension: str | None = None, extension_version: str | None = None) -> Event:
    """An Event for a state file (``message`` as written; ``line`` 1-based, at least 1)."""
    line = max(1, line)
    return Event(timestamp=timestamp, time_kind=TimeKind.UTC if timestamp else TimeKind.NONE,
                 level=level, message=message, path=member.path,
                 line_start=line, line_end=line, kind=str(member.kind), generation="state",
                 extension=extension or member.extension,
                 extension_version=extension_version or member.extension_version,
                 fields={k: v for k, v in fields.items() if v is not None})


# ----------------------------------------------------------------------------- settings

_MAX_SETTING_CHARS = 256


def _trim(obj: Any, depth: int = 0) -> Any:
    if isinstance(obj, str):
        return obj if len(obj) <= _MAX_SETTING_CHARS else f"<{len(obj)} characters>"
    if depth >= 4:
        return "<nested value>"
    if isinstance(obj, dict):
        return {str(k): _trim(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_trim(v, depth + 1) for v in obj[:20]]
    return obj


@dataclass(slots=True)
class SettingsSummary:
    """One ``handlerSettings`` entry, without its secrets (protected settings stay a flag)."""

    cert_thumbprint: str | None
    has_protected_settings: bool
    public_settings: dict[str, Any] | None


def settings_summary(runtime_settings: Any) -> list[SettingsSummary]:
    """Summarise a ``{"runtimeSettings":[{"handlerSettings":…}]}`` object.

    >>> s = settings_summary({"runtimeSettings": [{"handlerSettings": {
    ...     "protectedSettingsCertThumbprint": "F6AB", "protectedSettings": "MIIC",
    ...     "publicSettings": {"foo": "bar"}}}]})
    >>> s[0].has_protected_settings, s[0].public_settings
    (True, {'foo': 'bar'})
    """
    out: list[SettingsSummary] = []
    entries = runtime_settings.get("runtimeSettings") if isinstance(runtime_settings, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        hs = entry.get("handlerSettings") if isinstance(entry, dict) else None
        if not isinstance(hs, dict):
            continue
        public = hs.get("publicSettings")
        if isinstance(public, str) and public.lstrip().startswith("{"):
            try:     # vmSettings carry the public settings as a JSON string
                public = loads_bounded(public)
            except JsonRefused:
                public = None
        out.append(SettingsSummary(
            cert_thumbprint=_str(hs.get("protectedSettingsCertThumbprint")),
            has_protected_settings=bool(hs.get("protectedSettings")),
            public_settings=_trim(public) if isinstance(public, dict) else None))
    return out


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------- documents


@dataclass(slots=True)
class GoalState:
    """``GoalState.xml``: ``placeholder`` is the 2.8+ ``<xml>empty placeholder file</xml>``."""

    incarnation: str | None
    version: str | None = None
    expected_state: str | None = None
    container_id: str | None = None
    role_instance_id: str | None = None
    role_state: str | None = None
    configs: list[str] = field(default_factory=list)   # which config documents it points to
    has_remote_access: bool = False
    placeholder: bool = False
    history: HistoryInfo | None = None


@dataclass(slots=True)
class GAFamily:
    name: str | None
    version: str | None
    is_version_from_rsm: bool | None
    is_vm_enabled_for_rsm_upgrades: bool | None
    uri_count: int


@dataclass(slots=True)
class ExtensionRequest:
    """One requested handler (``Plugin`` / ``extensionGoalStates`` entry) and its settings."""

    name: str
    version: str | None
    state: str | None
    auto_upgrade: bool | None
    use_exact_version: bool | None = None
    seq_no: int | None = None
    is_multi_config: bool = False
    depends_on: list[str] = field(default_factory=list)
    extension_names: list[str] = field(default_factory=list)   # multi-config instances
    settings: list[SettingsSummary] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class ExtensionsConfig:
    incarnation: str | None
    ga_families: list[GAFamily] = field(default_factory=list)
    location: str | None = None
    required_features: list[str] = field(default_factory=list)
    status_blob_type: str | None = None
    has_status_upload_blob: bool = False
    in_svd_seq_no: str | None = None
    activity_id: str | None = None
    correlation_id: str | None = None
    created_on_ticks: str | None = None
    extensions: list[ExtensionRequest] = field(default_factory=list)
    #: configuration errors the agent would refuse the goal state for (duplicate settings…)
    problems: list[str] = field(default_factory=list)
    history: HistoryInfo | None = None


@dataclass(slots=True)
class HostingEnv:
    incarnation: str | None
    deployment_name: str | None
    deployment_incarnation: str | None
    role_name: str | None
    instance: str | None
    history: HistoryInfo | None = None


@dataclass(slots=True)
class SharedConfig:
    incarnation: str | None
    deployment_name: str | None
    role_name: str | None
    instances: list[tuple[str | None, str | None]] = field(default_factory=list)  # (id, address)
    history: HistoryInfo | None = None


@dataclass(slots=True)
class Certificates:
    """``Certificates.xml`` (format, data size) or the 2.8+ ``Certificates.json`` thumbprints."""

    incarnation: str | None
    format: str | None = None
    data_chars: int = 0
    thumbprints: list[tuple[str, bool | None]] = field(default_factory=list)  # (thumbprint, has key)
    history: HistoryInfo | None = None


@dataclass(slots=True)
class Manifest:
    """An extension or agent package manifest: which versions the publisher offers."""

    name: str | None
    incarnation: str | None
    is_agent: bool
    versions: list[str] = field(default_factory=list)
    history: HistoryInfo | None = None


@dataclass(slots=True)
class RemoteAccess:
    """``RemoteAccess.xml``: account names and expirations only (passwords never read)."""

    incarnation: str | None
    users: list[tuple[str | None, str | None]] = field(default_factory=list)  # (name, expiration)
    history: HistoryInfo | None = None


# ----------------------------------------------------------------------------- parsers

_PLACEHOLDER = b"empty placeholder file"


def parse_goal_state(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``GoalState[.N].xml``: incarnation, expected state, role instance, config links."""
    hist = history_info(member.path)
    root = read_xml(member, ctx)
    if root is None:
        return
    if root.tag == "xml" and _PLACEHOLDER.decode() in (root.text or ""):
        ctx.add_document(str(member.kind), member.path, GoalState(None, placeholder=True, history=hist))
        ctx.coverage.notes.append("2.8+ placeholder file, not a goal state")
        return
    if root.tag != "GoalState":
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"root element <{root.tag}> is not <GoalState>")
        return
    ri = root.find("Container/RoleInstanceList/RoleInstance")
    config = ri.find("Configuration") if ri is not None else None
    doc = GoalState(
        incarnation=text(root, "Incarnation") or (hist.incarnation if hist else None)
        or file_incarnation(member.path),
        version=text(root, "Version"), expected_state=text(root, "Machine/ExpectedState"),
        container_id=text(root, "Container/ContainerId"), role_instance_id=text(ri, "InstanceId"),
        role_state=text(ri, "State"),
        configs=[c.tag for c in config if isinstance(c.tag, str) and (c.text or "").strip()]
        if config is not None else [],
        has_remote_access=root.find("Container/RemoteAccessInfo") is not None, history=hist)
    if ri is None:
        ctx.coverage.notes.append("goal state without a RoleInstance")
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1
    if hist and hist.timestamp:
        yield state_event(member, ctx, hist.timestamp, "INFO",
                          f"Goal state incarnation {doc.incarnation} stored in {hist.folder}",
                          {"incarnation": doc.incarnation, "etag": hist.etag})


def _ga_families(root: etree._Element) -> list[GAFamily]:
    out = []
    for fam in root.iterfind("GuestAgentExtension/GAFamilies/GAFamily"):
        out.append(GAFamily(name=text(fam, "Name"), version=text(fam, "Version"),
                            is_version_from_rsm=as_bool(text(fam, "IsVersionFromRSM")),
                            is_vm_enabled_for_rsm_upgrades=as_bool(text(fam, "IsVMEnabledForRSMUpgrades")),
                            uri_count=len(fam.findall("Uris/Uri"))))
    return out


def _plugin_settings(root: etree._Element, problems: list[str]) -> dict[str, etree._Element]:
    """``PluginSettings/Plugin`` by name; configurations the agent rejects go to ``problems``."""
    settings: dict[str, etree._Element] = {}
    versions = {p.get("name"): p.get("version") for p in root.iterfind("Plugins/Plugin")}
    for plugin in root.iterfind("PluginSettings/Plugin"):
        name = plugin.get("name")
        if not name:
            continue
        if name in settings:
            problems.append(f"{name}: more than one PluginSettings entry")
            continue
        settings[name] = plugin
        if name in versions and plugin.get("version") != versions[name]:
            problems.append(f"{name}: settings version {plugin.get('version')} differs from "
                            f"requested version {versions[name]}")
        if len(plugin.findall("RuntimeSettings")) > 1:
            problems.append(f"{name}: more than one RuntimeSettings")
        if plugin.find("RuntimeSettings") is not None and plugin.find("ExtensionRuntimeSettings") is not None:
            problems.append(f"{name}: both single- and multi-config settings")
        if len(plugin.findall("DependsOn")) > 1:
            problems.append(f"{name}: more than one DependsOn")
    return settings


def _runtime_settings(el: etree._Element, ctx: ParseContext) -> list[SettingsSummary]:
    raw = (el.text or "").strip()
    if not raw:
        return []
    try:
        return settings_summary(loads_bounded(raw, ctx.limits.max_json_bytes))
    except JsonRefused as exc:
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"settings of line {el.sourceline}: {exc}")
        return []


def _request_from_plugin(plugin: etree._Element, settings: etree._Element | None,
                         ctx: ParseContext) -> ExtensionRequest:
    req = ExtensionRequest(name=plugin.get("name", ""), version=plugin.get("version"),
                           state=plugin.get("state"), auto_upgrade=as_bool(plugin.get("autoUpgrade")),
                           use_exact_version=as_bool(plugin.get("useExactVersion")),
                           line=plugin.sourceline or 0)
    if settings is None:
        return req
    for rs in settings.iterfind("RuntimeSettings"):
        req.seq_no = _int(rs.get("seqNo"))
        req.settings.extend(_runtime_settings(rs, ctx))
    seqs = []
    for ers in settings.iterfind("ExtensionRuntimeSettings"):
        req.is_multi_config = True
        if ers.get("name"):
            req.extension_names.append(ers.get("name"))
        if _int(ers.get("seqNo")) is not None:
            seqs.append(_int(ers.get("seqNo")))
        req.settings.extend(_runtime_settings(ers, ctx))
    if seqs and req.seq_no is None:
        req.seq_no = max(seqs)
    for dep in settings.iterfind("DependsOn/DependsOnExtension"):
        if dep.get("handler"):
            req.depends_on.append(dep.get("handler"))
    return req


def parse_extensions_config(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``ExtensionsConfig[.N].xml``: requested handlers (version, state, seqNo), GA families."""
    hist = history_info(member.path)
    root = read_xml(member, ctx)
    if root is None:
        return
    if root.tag != "Extensions":
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"root element <{root.tag}> is not <Extensions>")
        return
    blob = root.find("StatusUploadBlob")
    meta = root.find("InVMGoalStateMetaData")
    problems: list[str] = []
    settings = _plugin_settings(root, problems)
    doc = ExtensionsConfig(
        incarnation=root.get("goalStateIncarnation") or (hist.incarnation if hist else None)
        or file_incarnation(member.path),
        ga_families=_ga_families(root), location=text(root, "GuestAgentExtension/Location"),
        required_features=[t for t in (text(f, "Name") for f in
                                       root.iterfind("RequiredFeatures/RequiredFeature")) if t],
        status_blob_type=blob.get("statusBlobType") if blob is not None else None,
        has_status_upload_blob=blob is not None and bool((blob.text or "").strip()),
        in_svd_seq_no=meta.get("inSvdSeqNo") if meta is not None else None,
        activity_id=meta.get("activityId") if meta is not None else None,
        correlation_id=meta.get("correlationId") if meta is not None else None,
        created_on_ticks=meta.get("createdOnTicks") if meta is not None else None,
        problems=problems, history=hist)
    ctx.coverage.notes.extend(problems)
    for plugin in root.iterfind("Plugins/Plugin"):
        doc.extensions.append(_request_from_plugin(plugin, settings.get(plugin.get("name", "")), ctx))
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1 + len(doc.extensions)
    if not (hist and hist.timestamp):
        return
    for req in doc.extensions:
        yield state_event(
            member, ctx, hist.timestamp, "INFO",
            f"Requested extension {req.name} version {req.version} state {req.state} "
            f"seqNo {req.seq_no} in incarnation {doc.incarnation}",
            {"incarnation": doc.incarnation, "requested_version": req.version,
             "requested_state": req.state, "seq_no": req.seq_no},
            line=req.line, extension=req.name, extension_version=req.version)


def parse_hosting_env(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``HostingEnvironmentConfig.xml``: deployment and role names (settings values not kept)."""
    root = read_xml(member, ctx)
    if root is None:
        return
    dep = root.find("Deployment")
    inc = root.find("Incarnation")
    ctx.add_document(str(member.kind), member.path, HostingEnv(
        incarnation=root.get("goalStateIncarnation"),
        deployment_name=dep.get("name") if dep is not None else None,
        deployment_incarnation=dep.get("incarnation") if dep is not None else None,
        role_name=root.find("Role").get("name") if root.find("Role") is not None else None,
        instance=inc.get("instance") if inc is not None else None,
        history=history_info(member.path)))
    ctx.coverage.records = 1
    yield from ()


def parse_shared_config(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``SharedConfig.xml``: deployment, role, instance ids and private addresses."""
    root = read_xml(member, ctx)
    if root is None:
        return
    dep = root.find("Deployment")
    role = root.find("Role")
    ctx.add_document(str(member.kind), member.path, SharedConfig(
        incarnation=root.get("goalStateIncarnation"),
        deployment_name=dep.get("name") if dep is not None else None,
        role_name=role.get("name") if role is not None else None,
        instances=[(i.get("id"), i.get("address")) for i in root.iterfind("Instances/Instance")],
        history=history_info(member.path)))
    ctx.coverage.records = 1
    yield from ()


def parse_certificates(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``Certificates.xml`` (format and size of the encrypted data only) or ``Certificates.json``."""
    hist = history_info(member.path)
    if member.path.lower().endswith(".json"):
        ok, data = read_json(member, ctx)
        if not ok:
            return
        prints = [(str(c.get("thumbprint")), c.get("hasPrivateKey"))
                  for c in (data if isinstance(data, list) else []) if isinstance(c, dict)]
        if not isinstance(data, list):
            ctx.coverage.mark(CoverageStatus.PARTIAL, "Certificates.json is not a list")
        ctx.add_document(str(member.kind), member.path,
                         Certificates(hist.incarnation if hist else None, thumbprints=prints, history=hist))
        ctx.coverage.records = len(prints)
        return
    root = read_xml(member, ctx)
    if root is None:
        return
    data_text = root.findtext("Data") or ""
    ctx.add_document(str(member.kind), member.path, Certificates(
        incarnation=text(root, "Incarnation") or file_incarnation(member.path),
        format=text(root, "Format"), data_chars=len(data_text.strip()), history=hist))
    ctx.coverage.records = 1
    yield from ()


_MANIFEST_NAME = re.compile(r"([^/]+?)(?:\.\d+)?\.(?:manifest\.xml|agentsManifest)$")


def parse_manifest(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``{Name}.{inc}.manifest.xml`` / ``{Family}.{inc}.agentsManifest``: offered versions."""
    root = read_xml(member, ctx)
    if root is None:
        return
    name_match = _MANIFEST_NAME.search(member.path)
    name = name_match.group(1) if name_match else None
    versions = [v for v in (text(p, "Version") for p in root.iterfind("Plugins/Plugin")) if v]
    is_agent = member.path.endswith(".agentsManifest") or bool(
        name and (name.startswith("waagent.") or "OSTCLinuxAgent" in name))
    if root.tag != "PluginVersionManifest":
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"root element <{root.tag}> is not <PluginVersionManifest>")
    ctx.add_document(str(member.kind), member.path, Manifest(
        name=name, incarnation=file_incarnation(member.path.replace(".manifest.xml", ".xml")),
        is_agent=is_agent, versions=versions, history=history_info(member.path)))
    ctx.coverage.records = len(versions)
    yield from ()


def parse_remote_access(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``RemoteAccess.xml``: account names and expirations (the password element is skipped)."""
    root = read_xml(member, ctx)
    if root is None:
        return
    users = [(text(u, "Name"), text(u, "Expiration")) for u in root.iterfind("Users/User")]
    ctx.add_document(str(member.kind), member.path, RemoteAccess(
        incarnation=text(root, "Incarnation") or file_incarnation(member.path), users=users,
        history=history_info(member.path)))
    ctx.coverage.records = len(users)
    yield from ()

