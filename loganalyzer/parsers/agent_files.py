"""The agent's own single-purpose state files (formats.md §4.1, §4.6, §4.7, §4.11, §3.5).

* ``waagent_status.json`` in three eras (:class:`StatusBlob` ``era``):
  ``agent_info`` (2.2.38–2.3, ``{"agent_name","current_version",…,"extensions_status"}``),
  ``blob_with_metadata`` (2.4–2.7, the status blob plus ``_metadataNotSentToCRP``),
  ``status_blob`` (2.8+, ``history/<dir>/waagent_status.json``, the blob as uploaded).
  Events: one per handler status (fields ``status``, ``status_code``, ``operation``,
  ``seq_no``, ``handler_status``, ``handler_code``) and one for a failed goal state
  (fields ``status``, ``status_code``, ``in_svd_seq_no``).
* ``WALinuxAgent-<ver>/error.json`` — the agent's failure record; Event at ``last_failure``
  with fields ``agent_version``, ``failure_count``, ``was_fatal``, ``blacklisted``.
* ``Incarnation``, ``WireServerEndpoint``, ``provisioned`` — one value each.
* ``ovf-env.xml`` — only host name, ``ProvisionGuestAgent`` and provisioning flags;
  passwords, custom data and keys are never read into anything.
* DHCP leases (dhclient, systemd-networkd) — whether option 245 (the WireServer
  address) was offered, and which address it encodes.

>>> endpoint_from_option_245("a8:3f:81:10")
'168.63.129.16'
>>> endpoint_from_option_245("A83F8110")
'168.63.129.16'
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import CoverageStatus, Event
from ..sources.base import Member
from .base import ParseContext
from .goal_state import state_event
from .handler_files import parse_utc
from .jsonsafe import read_json
from .xmlsafe import as_bool, read_bytes, read_xml, text

DEFAULT_WIRESERVER = "168.63.129.16"
_AGENT_DIR = re.compile(r"(?:^|/)WALinuxAgent-(\d+(?:\.\d+)+)/")
_MAX_MESSAGE = 4000


def _s(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _msg(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    fm = obj.get("formattedMessage")
    msg = fm.get("message") if isinstance(fm, dict) else obj.get("message")
    return msg[:_MAX_MESSAGE] if isinstance(msg, str) else None


# ----------------------------------------------------------------------------- status blob


@dataclass(slots=True)
class HandlerReport:
    """One handler as the agent reported it in the status blob."""

    name: str | None
    version: str | None
    handler_status: str | None            # Ready | NotReady | Installing | Unresponsive
    handler_code: str | None
    handler_message: str | None
    status: str | None = None             # extension status: transitioning | warning | error | success
    code: str | None = None
    operation: str | None = None
    message: str | None = None
    seq_no: int | None = None
    extension_name: str | None = None     # multi-config instance
    timestamp: datetime | None = None


@dataclass(slots=True)
class StatusBlob:
    era: str                               # agent_info | blob_with_metadata | status_blob
    timestamp: datetime | None = None
    agent_version: str | None = None       # goal-state agent
    agent_status: str | None = None
    agent_message: str | None = None
    daemon_version: str | None = None      # 2.4–2.7 metadata only
    update_expected_version: str | None = None
    update_status: str | None = None
    update_message: str | None = None
    goal_state_status: str | None = None
    goal_state_code: str | None = None
    goal_state_message: str | None = None
    in_svd_seq_no: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    supported_features: list[str] = field(default_factory=list)
    handlers: list[HandlerReport] = field(default_factory=list)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _handler_reports(entry: dict[str, Any], blob_time: datetime | None) -> list[HandlerReport]:
    base = dict(name=_s(entry.get("handlerName")), version=_s(entry.get("handlerVersion")),
                handler_status=_s(entry.get("status")), handler_code=_s(entry.get("code")),
                handler_message=_msg(entry))
    rss = entry.get("runtimeSettingsStatus")
    items = rss if isinstance(rss, list) else [rss] if isinstance(rss, dict) else []
    reports = []
    for item in items:
        if not isinstance(item, dict):
            continue
        ss = item.get("settingsStatus") if isinstance(item.get("settingsStatus"), dict) else {}
        st = ss.get("status") if isinstance(ss.get("status"), dict) else {}
        reports.append(HandlerReport(
            **base, status=_s(st.get("status")), code=_s(st.get("code")), operation=_s(st.get("operation")),
            message=_msg(st), seq_no=_int(item.get("sequenceNumber")),
            extension_name=_s(item.get("extensionName")),
            timestamp=parse_utc(ss.get("timestampUTC")) or blob_time))
    return reports or [HandlerReport(**base, timestamp=blob_time)]


def _obj(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _from_blob(data: dict[str, Any], era: str) -> StatusBlob:
    agg = _obj(data, "aggregateStatus")
    ga = _obj(agg, "guestAgentStatus")
    upd = _obj(ga, "updateStatus")
    gs = _obj(_obj(agg, "vmArtifactsAggregateStatus"), "goalStateAggregateStatus")
    os_info = _obj(data, "guestOSInfo")
    meta = _obj(data, "_metadataNotSentToCRP")
    ts = parse_utc(data.get("timestampUTC"))
    blob = StatusBlob(
        era=era, timestamp=ts, agent_version=_s(ga.get("version")) or _s(os_info.get("version")),
        agent_status=_s(ga.get("status")), agent_message=_msg(ga),
        daemon_version=_s(meta.get("daemonVersion")),
        update_expected_version=_s(upd.get("expectedVersion")), update_status=_s(upd.get("status")),
        update_message=_msg(upd), goal_state_status=_s(gs.get("status")), goal_state_code=_s(gs.get("code")),
        goal_state_message=_msg(gs), in_svd_seq_no=_s(gs.get("inSvdSeqNo")),
        os_name=_s(os_info.get("osName")), os_version=_s(os_info.get("osVersion")),
        supported_features=[str(f.get("Key")) for f in _list(data.get("supportedFeatures"))
                            if isinstance(f, dict) and f.get("Key")])
    for entry in _list(agg.get("handlerAggregateStatus")):
        if isinstance(entry, dict):
            blob.handlers.extend(_handler_reports(entry, ts))
    return blob


def _from_agent_info(data: dict[str, Any]) -> StatusBlob:
    ts = parse_utc(data.get("last_successful_status_upload_time"))
    blob = StatusBlob(era="agent_info", timestamp=ts,
                      agent_version=_s(data.get("current_version")) or _s(data.get("goal_state_version")),
                      os_name=_s(data.get("distro_details")))
    for ext in _list(data.get("extensions_status")):
        if isinstance(ext, dict):
            blob.handlers.append(HandlerReport(
                name=_s(ext.get("name")), version=_s(ext.get("version")),
                handler_status=_s(ext.get("status")), handler_code=_s(ext.get("code")),
                handler_message=_msg(ext), timestamp=ts))
    return blob


_BAD_HANDLER = {"NotReady", "Unresponsive"}


def parse_status_blob(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``waagent_status[.N].json`` of any era: document :class:`StatusBlob`, Events per handler."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    if not isinstance(data, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "status blob is not a JSON object")
        return
    if "extensions_status" in data or "current_version" in data:
        blob = _from_agent_info(data)
    elif "aggregateStatus" in data:
        blob = _from_blob(data, "blob_with_metadata" if "_metadataNotSentToCRP" in data else "status_blob")
    else:
        ctx.coverage.mark(CoverageStatus.PARTIAL, "unknown waagent_status.json layout")
        return
    ctx.add_document(str(member.kind), member.path, blob)
    ctx.coverage.records = 1 + len(blob.handlers)
    for h in blob.handlers:
        bad = (h.status or "").lower() == "error" or h.handler_status in _BAD_HANDLER
        level = "ERROR" if bad else "WARNING" if (h.status or "").lower() == "warning" else "INFO"
        message = h.message or h.handler_message or f"{h.name} {h.handler_status}"
        yield state_event(member, ctx, h.timestamp, level, message,
                          {"status": h.status, "status_code": h.code, "operation": h.operation,
                           "seq_no": h.seq_no, "handler_status": h.handler_status,
                           "handler_code": h.handler_code},
                          extension=h.name, extension_version=h.version)
    if blob.goal_state_status and blob.goal_state_status.lower() not in ("success", "ready"):
        yield state_event(member, ctx, blob.timestamp, "ERROR",
                          blob.goal_state_message or f"goal state {blob.goal_state_status}",
                          {"status": blob.goal_state_status, "status_code": blob.goal_state_code,
                           "in_svd_seq_no": blob.in_svd_seq_no})


# ----------------------------------------------------------------------------- error.json


@dataclass(slots=True)
class AgentError:
    """``WALinuxAgent-<ver>/error.json``: the agent's record of failures of that version."""

    agent_version: str | None
    last_failure: datetime | None
    failure_count: int | None
    was_fatal: bool | None
    reason: str | None

    @property
    def blacklisted(self) -> bool:
        """Disabled for good: fatal, or failed at least 3 times (``MAX_FAILURE``)."""
        return bool(self.was_fatal) or (self.failure_count or 0) >= 3


def parse_agent_error(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``error.json``: ``{"last_failure","failure_count","was_fatal","reason"}``."""
    ok, data = read_json(member, ctx)
    if not ok:
        return
    if not isinstance(data, dict):
        ctx.coverage.mark(CoverageStatus.PARTIAL, "error.json is not a JSON object")
        return
    m = _AGENT_DIR.search(member.path)
    last = data.get("last_failure")
    reason = data.get("reason")
    doc = AgentError(agent_version=m.group(1) if m else None,
                     last_failure=parse_utc(last) if isinstance(last, int | float) and last > 0 else None,
                     failure_count=_int(data.get("failure_count")),
                     was_fatal=data.get("was_fatal") if isinstance(data.get("was_fatal"), bool) else None,
                     reason=reason[:_MAX_MESSAGE] if isinstance(reason, str) and reason else None)
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = 1
    if doc.failure_count or doc.was_fatal:
        name = f"WALinuxAgent-{doc.agent_version}" if doc.agent_version else "agent"
        yield state_event(
            member, ctx, doc.last_failure, "ERROR" if doc.blacklisted else "WARNING",
            f"Agent {name} error state: Last Failure: {last}, Total Failures: {doc.failure_count}, "
            f"Fatal: {doc.was_fatal}, Reason: {doc.reason}",
            {"agent_version": doc.agent_version, "failure_count": doc.failure_count,
             "was_fatal": doc.was_fatal, "blacklisted": doc.blacklisted})


# ----------------------------------------------------------------------------- one-value files


@dataclass(slots=True)
class Incarnation:
    value: str | None


@dataclass(slots=True)
class WireServerEndpoint:
    address: str | None

    @property
    def is_default(self) -> bool:
        return self.address == DEFAULT_WIRESERVER


@dataclass(slots=True)
class Provisioned:
    """The ``provisioned`` marker exists ⇒ provisioning completed."""

    present: bool = True


def _first_line(member: Member, ctx: ParseContext, limit: int = 4096) -> str | None:
    data = read_bytes(member, ctx, limit)
    if data is None:
        return None
    return data.decode("utf-8", "backslashreplace").replace("\x00", "").strip()


_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def parse_incarnation(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``Incarnation`` (2.1–2.7): the current incarnation number as text."""
    content = _first_line(member, ctx)
    if content is None:
        return
    if not content.isdigit():
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"not an incarnation number: {content[:40]!r}")
    ctx.add_document(str(member.kind), member.path, Incarnation(content if content.isdigit() else None))
    ctx.coverage.records = 1
    yield from ()


def parse_wireserver_endpoint(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``WireServerEndpoint``: the address endpoint discovery settled on."""
    content = _first_line(member, ctx)
    if content is None:
        return
    if not _IPV4.match(content):
        ctx.coverage.mark(CoverageStatus.PARTIAL, f"not an IPv4 address: {content[:40]!r}")
    ctx.add_document(str(member.kind), member.path, WireServerEndpoint(content[:64] or None))
    ctx.coverage.records = 1
    yield from ()


def parse_provisioned(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``provisioned``: only its presence matters (content is not kept)."""
    if _first_line(member, ctx) is None:
        return
    ctx.add_document(str(member.kind), member.path, Provisioned())
    ctx.coverage.records = 1
    yield from ()


# ----------------------------------------------------------------------------- ovf-env.xml


@dataclass(slots=True)
class OvfEnv:
    """Non-secret provisioning facts (no user name, password, custom data or keys)."""

    hostname: str | None
    provision_guest_agent: bool | None
    preprovisioned_vm: bool | None
    disable_ssh_password_authentication: bool | None
    has_custom_data: bool
    has_user_password: bool


def parse_ovf_env(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``ovf-env.xml``: ``ProvisionGuestAgent=false`` ⇒ the agent disables itself."""
    root = read_xml(member, ctx)
    if root is None:
        return
    conf = root.find("ProvisioningSection/LinuxProvisioningConfigurationSet")
    platform = root.find("PlatformSettingsSection/PlatformSettings")
    ctx.add_document(str(member.kind), member.path, OvfEnv(
        hostname=text(conf, "HostName"),
        provision_guest_agent=as_bool(text(platform, "ProvisionGuestAgent")),
        preprovisioned_vm=as_bool(text(platform, "PreprovisionedVm")),
        disable_ssh_password_authentication=as_bool(text(conf, "DisableSshPasswordAuthentication")),
        has_custom_data=text(conf, "CustomData") is not None,
        has_user_password=text(conf, "UserPassword") is not None))
    if conf is None:
        ctx.coverage.mark(CoverageStatus.PARTIAL, "no LinuxProvisioningConfigurationSet")
    ctx.coverage.records = 1
    yield from ()


# ----------------------------------------------------------------------------- DHCP leases

_DHCLIENT_245 = re.compile(r"option\s+unknown-245\s+([0-9a-fA-F:]+)\s*;")
_DHCLIENT_SERVER = re.compile(r"option\s+dhcp-server-identifier\s+([\d.]+)\s*;")
_DHCLIENT_IFACE = re.compile(r'interface\s+"([^"]+)"\s*;')
_DHCLIENT_EXPIRE = re.compile(r"expire\s+(.+?)\s*;")
_NETWORKD_245 = re.compile(r"^OPTION_245=([0-9a-fA-F]+)\s*$", re.MULTILINE)
_NETWORKD_SERVER = re.compile(r"^SERVER_ADDRESS=([\d.]+)\s*$", re.MULTILINE)


def endpoint_from_option_245(value: str) -> str | None:
    """Decode option 245 (four bytes as ``a8:3f:81:10`` or ``A83F8110``) into dotted IPv4."""
    parts = value.split(":") if ":" in value else [value[i:i + 2] for i in range(0, len(value), 2)]
    if len(parts) != 4:
        return None
    try:
        return ".".join(str(int(p, 16)) for p in parts)
    except ValueError:
        return None


@dataclass(slots=True)
class Lease:
    interface: str | None
    server_identifier: str | None
    option_245: str | None
    endpoint: str | None
    expire: str | None
    line: int


@dataclass(slots=True)
class DhcpLeases:
    """All leases of one lease file; the last one is the most recent."""

    leases: list[Lease] = field(default_factory=list)

    @property
    def option_245_seen(self) -> bool:
        return any(lease.option_245 for lease in self.leases)

    @property
    def endpoint(self) -> str | None:
        """Option-245 address of the lease that expires last (the last such one on a tie)."""
        offered = [lease for lease in self.leases if lease.endpoint]
        if not offered:
            return None
        latest = max(_expiry(lease.expire) for lease in offered)
        return [lease for lease in offered if _expiry(lease.expire) == latest][-1].endpoint


def _expiry(expire: str | None) -> str:
    """Sortable expiry: ``never`` sorts last, unreadable first (``4 2015/06/16 16:58:54`` → date)."""
    if expire is None:
        return ""
    if expire.strip() == "never":
        return "~"
    parts = expire.split(maxsplit=1)
    return parts[-1] if len(parts) == 2 else ""


def parse_dhcp_lease(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """dhclient ``lease { … }`` blocks or a systemd-networkd lease (``OPTION_245=``)."""
    data = read_bytes(member, ctx, ctx.limits.max_json_bytes)
    if data is None:
        return
    content = data.decode("utf-8", "backslashreplace")
    doc = DhcpLeases()
    if "lease {" in content or "lease{" in content:
        line = 1
        for block in re.split(r"(?=\blease\s*\{)", content):
            if re.match(r"lease\s*\{", block):
                opt = _DHCLIENT_245.search(block)
                doc.leases.append(Lease(
                    interface=_group(_DHCLIENT_IFACE, block),
                    server_identifier=_group(_DHCLIENT_SERVER, block),
                    option_245=opt.group(1) if opt else None,
                    endpoint=endpoint_from_option_245(opt.group(1)) if opt else None,
                    expire=_group(_DHCLIENT_EXPIRE, block), line=line))
            line += block.count("\n")
    elif re.search(r"^[A-Z_0-9]+=", content, re.MULTILINE):
        opt = _NETWORKD_245.search(content)
        doc.leases.append(Lease(interface=None, server_identifier=_group(_NETWORKD_SERVER, content),
                                option_245=opt.group(1) if opt else None,
                                endpoint=endpoint_from_option_245(opt.group(1)) if opt else None,
                                expire=None, line=1))
    else:
        ctx.coverage.mark(CoverageStatus.PARTIAL, "lease format not recognised (dhclient and "
                                                  "systemd-networkd leases are read)")
    ctx.add_document(str(member.kind), member.path, doc)
    ctx.coverage.records = len(doc.leases)
    yield from ()


def _group(pattern: re.Pattern[str], content: str) -> str | None:
    m = pattern.search(content)
    return m.group(1) if m else None
