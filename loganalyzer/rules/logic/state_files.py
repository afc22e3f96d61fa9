"""Logic over merged state (``Facts``): waagent.conf switches, extension status files, error.json.

>>> from loganalyzer.rules.logic.state_files import conf_is_off
>>> conf_is_off("n"), conf_is_off("y"), conf_is_off(None)
(True, False, False)
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ...facts.model import ConfigValue, ExtensionFact, Ref
from ...model import Confidence, Evidence, Finding, Severity
from ..matches import BACKUP_EXTENSION, fmt_duration, fmt_time
from ..model import parse_duration
from .base import FinishContext, LogicRule


def conf_is_off(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("n", "no", "false", "0")


def _ref_evidence(ref: Ref | None, text: str, when: datetime | None = None) -> list[Evidence]:
    if ref is None:
        return []
    return [Evidence(path=ref.path, line_start=ref.line_start, line_end=ref.line_end, timestamp=when,
                     excerpt=text)]


def _conf(facts_config: dict[str, ConfigValue], key: str) -> ConfigValue | None:
    for k, v in facts_config.items():
        if k.lower() == key.lower():
            return v
    return None


RESTART = "restart the agent (systemctl restart walinuxagent on Ubuntu/Debian, waagent elsewhere)"


def _line(value: ConfigValue) -> str:
    """`` (line 51)`` when the setting's line is known."""
    return f" (line {value.ref.line_start})" if value.ref is not None and value.ref.line_start else ""


def _autoupdate_step(key: str, value: ConfigValue) -> str:
    """The fix for an auto-update switch: the key the agent in the logs reads (2.10+ reads
    ``AutoUpdate.UpdateToLatestVersion``; older agents only ``AutoUpdate.Enabled``).

    >>> _autoupdate_step("AutoUpdate.Enabled", ConfigValue("AutoUpdate.Enabled", "n", False))[:60]
    'Set AutoUpdate.Enabled=y in /etc/waagent.conf (or remove the'
    """
    return (f"Set {key}=y in /etc/waagent.conf{_line(value)} (or remove the line: the default is y) "
            f"and {RESTART}; or update the WALinuxAgent package from the distribution.")


def _stuck_step(name: str, ext: ExtensionFact) -> str:
    """Where to look when a (non-backup) extension never finished its operation.

    >>> "custom-script/download/4/stdout" in _stuck_step("Microsoft.Azure.Extensions.CustomScript",
    ...                                                  ExtensionFact("x", seq_no=4))
    True
    """
    where = f"its log under /var/log/azure/{name}/"
    if "CustomScript" in name:
        seq = ext.seq_no if ext.seq_no is not None else "<seq>"
        where += f" and the script's output in /var/lib/waagent/custom-script/download/{seq}/stdout, stderr"
    return (f"The extension is still running its command or died without a status: read {where}. A script "
            "that never ends keeps it transitioning (the agent waits up to 90 minutes for a final status).")


class ConfigSwitches(LogicRule):
    """``Extensions.Enabled=n``, ``AutoUpdate.*=n``, ``Provisioning.Agent`` not ``auto``, a proxy."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        config = ctx.facts.config
        out: list[Finding] = []
        ext = _conf(config, "Extensions.Enabled")
        if ext is not None and not ext.is_default and conf_is_off(ext.value):
            out.append(self.finding({}, _ref_evidence(ext.ref, f"Extensions.Enabled={ext.value}"),
                                    cause="extension_update_or_load_failed", severity=Severity.ERROR,
                                    confidence=Confidence.HIGH, title="Extension processing is disabled",
                                    summary="waagent.conf sets Extensions.Enabled=n: the agent runs no "
                                            "extension, "
                                            "including the Azure Backup extension (VMSnapshotLinux).",
                                    remediation=[f"Set Extensions.Enabled=y in /etc/waagent.conf{_line(ext)} "
                                                 f"and {RESTART}."]))
        for key in ("AutoUpdate.UpdateToLatestVersion", "AutoUpdate.Enabled"):
            v = _conf(config, key)
            if v is not None and not v.is_default and conf_is_off(v.value):
                out.append(self.finding({}, _ref_evidence(v.ref, f"{key}={v.value}"),
                                        cause="autoupdate_disabled",
                                        severity=Severity.WARNING, confidence=Confidence.HIGH,
                                        title="Agent auto-update is disabled",
                                        summary=f"waagent.conf sets {key}={v.value}: the goal-state "
                                                "agent stays at "
                                                "the installed version and can fall behind the "
                                                "supported minimum.",
                                        remediation=[_autoupdate_step(key, v)]))
                break
        prov = _conf(config, "Provisioning.Agent")
        if prov is not None and not prov.is_default and prov.value and prov.value.strip().lower() != "auto":
            out.append(self.finding({}, _ref_evidence(prov.ref, f"Provisioning.Agent={prov.value}"),
                                    cause="extension_update_or_load_failed", severity=Severity.WARNING,
                                    confidence=Confidence.LOW, title="Provisioning.Agent is not 'auto'",
                                    summary=f"waagent.conf sets Provisioning.Agent={prov.value}; "
                                            "Microsoft's backup "
                                            f"troubleshooting asks for 'auto'.",
                                    remediation=[f"Set Provisioning.Agent=auto in /etc/waagent.conf"
                                                 f"{_line(prov)} and {RESTART}."]))
        proxy = _conf(config, "HttpProxy.Host")
        if proxy is not None and proxy.value and proxy.value.lower() != "none":
            out.append(self.finding({}, _ref_evidence(proxy.ref, f"HttpProxy.Host={proxy.value}"),
                                    cause="proxy_or_firewall", severity=Severity.INFO,
                                    confidence=Confidence.LOW,
                                    title="An HTTP proxy is configured for the agent",
                                    summary="waagent.conf routes the agent's storage traffic through "
                                            "the proxy "
                                            f"{proxy.value}; network failures below may come from that "
                                            "proxy.",
                                    remediation=[
                                        f"Check that the proxy {proxy.value} lets the VM reach Azure Storage "
                                        "(*.blob.core.windows.net) over HTTPS; 168.63.129.16 must bypass "
                                        "it. If the proxy is not needed, remove HttpProxy.Host and "
                                        f"HttpProxy.Port from /etc/waagent.conf{_line(proxy)} and "
                                        f"{RESTART}."]))
        return out


_OP_CAUSE = {"install": "extension_install_failed", "enable": "extension_enable_failed",
             "update": "extension_update_or_load_failed", "download": "extension_download_failed"}


class ExtensionStatus(LogicRule):
    """Status files: ``error`` ⇒ operation failure; ``transitioning`` long before the end of the
    logs ⇒ ``extension_timeout``; handler ``FailedUpgrade``/``NotReady`` ⇒ update/load failure."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        stuck_after = timedelta(seconds=parse_duration(self.params.get("stuck_after", "90m")))
        end = ctx.last_record_time
        out: list[Finding] = []
        extensions = sorted(ctx.facts.extensions.items())
        for done, (name, ext) in enumerate(extensions):
            if ctx.out_of_time():
                ctx.notes.append(f"time limit ({ctx.budget.limits.max_seconds:g} s) reached while "
                                 f"extension status facts were examined: {len(extensions) - done:,} of "
                                 f"{len(extensions):,} extensions not examined")
                break
            if ctx.windowed and (ext.status_time is None or not ctx.in_window(ext.status_time)):
                continue
            out.extend(self._one(name, ext, end, stuck_after))
        return out

    def _one(self, name: str, ext: ExtensionFact, end: Any, stuck_after: timedelta) -> list[Finding]:
        evidence = _ref_evidence(ext.status_ref or (ext.refs[-1] if ext.refs else None),
                                 f"{name}: status={ext.status} code={ext.status_code} "
                                 f"operation={ext.operation} message={(ext.status_message or '')[:200]}",
                                 ext.status_time)
        out = []
        status = (ext.status or "").lower()
        backup = name == BACKUP_EXTENSION
        if status == "error":
            cause = _OP_CAUSE.get((ext.operation or "enable").lower(), "extension_enable_failed")
            # A handler still "Ready" ran its command and the command failed (a customer script, a
            # download it was given): worth a look, but not the platform failing.  The backup
            # extension's failure is the failed backup itself.
            ready = (ext.handler_status or "").lower() == "ready"
            severity = Severity.WARNING if ready and not backup else Severity.ERROR
            out.append(self.finding({}, evidence, cause=cause, severity=severity,
                                    confidence=Confidence.HIGH,
                                    extension=name, title=f"Extension reports an error: {name}",
                                    summary=f"{name} reports status 'error' (code {ext.status_code}) "
                                            "for operation "
                                            f"{ext.operation or 'unknown'}: "
                                            f"{(ext.status_message or '')[:300]}"))
            if backup:
                out.append(self.finding({}, evidence, cause="snapshot_failed", severity=Severity.ERROR,
                                        extension=name, title="The Azure Backup snapshot failed",
                                        summary=f"The backup extension's status file reports an error (code "
                                                f"{ext.status_code}): {(ext.status_message or '')[:300]}"))
        elif status == "transitioning" and ext.status_time and end and end - ext.status_time >= stuck_after:
            out.append(self.finding({}, evidence, cause="extension_timeout", severity=Severity.WARNING,
                                    extension=name, title=f"Extension status stuck in transitioning: {name}",
                                    summary=f"{name} last reported 'transitioning' at "
                                            f"{fmt_time(ext.status_time)}, "
                                            f"{fmt_duration(end - ext.status_time)} before the "
                                            "newest record.",
                                    remediation=None if backup else [_stuck_step(name, ext)]))
        state = (ext.handler_state or "").lower()
        if state == "failedupgrade" or (ext.handler_status or "").lower() == "notready":
            out.append(self.finding({}, evidence, cause="extension_update_or_load_failed",
                                    severity=Severity.ERROR if backup else Severity.WARNING, extension=name,
                                    title=f"Extension handler failed to update or load: {name}",
                                    summary=f"{name}: handler state {ext.handler_state}, handler status "
                                            f"{ext.handler_status}."))
        return out


class AgentErrorRecords(LogicRule):
    """``WALinuxAgent-<ver>/error.json``: a fatal or thrice-failed agent version is blacklisted."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        records = ctx.facts.state.get("agent_errors") or []
        if isinstance(records, dict):
            records = [dict(v, version=k) if isinstance(v, dict) else v for k, v in records.items()]
        bad = [r for r in records if isinstance(r, dict)
               and (r.get("blacklisted") or r.get("was_fatal") or int(r.get("failure_count") or 0) >= 3)]
        if not bad:
            return []
        evidence = []
        for r in bad[:5]:
            path = str(r.get("path") or "error.json")
            evidence.append(Evidence(path=path, line_start=1, line_end=1, timestamp=None,
                                     excerpt=f"failure_count={r.get('failure_count')} "
                                             f"was_fatal={r.get('was_fatal')} "
                                             f"reason={str(r.get('reason', ''))[:200]}"))
        versions = ", ".join(str(r.get("agent_version") or r.get("version") or "?") for r in bad)
        return [self.finding({"versions": versions}, evidence, count=len(bad))]


class EndpointState(LogicRule):
    """``WireServerEndpoint`` not 168.63.129.16, or DHCP leases without option 245."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        state = ctx.facts.state
        out = []
        endpoint = state.get("wireserver_endpoint")
        if endpoint and str(endpoint).strip() != WIRESERVER:
            path = state.get("wireserver_endpoint_path")
            evidence = [Evidence(path, 1, 1, None, str(endpoint))] if path else []
            out.append(self.finding({}, evidence,
                                    summary=f"The agent's cached WireServer endpoint is {endpoint}, not "
                                            f"{WIRESERVER}: DHCP (option 245) gave it a wrong address or the "
                                            f"file is stale."))
        if "dhcp_lease" in ctx.facts.kinds_present and state.get("dhcp_option_245") is False:
            leases = [Evidence(p, 1, 1, None, "no option 245 (unknown-245) in this lease file")
                      for p in state.get("dhcp_lease_paths", [])[:5]]
            out.append(self.finding({}, leases, severity=Severity.WARNING, confidence=Confidence.LOW,
                                    summary="The DHCP leases in the bundle carry no option 245 (the Azure "
                                            "fabric address): the DHCP server is not Azure's or DHCP is not "
                                            "used."))
        return out


WIRESERVER = "168.63.129.16"
