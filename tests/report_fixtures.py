"""Hand-built analysis results for the report tests: a failing backup, a healthy bundle,
one full of secrets, and a crowded one (many findings, thousands of timeline points).

The log lines quoted in evidence are real agent / VMSnapshot lines from the dev corpus
(``040-vmsnapshot-ubuntu2404-enable-failed-2.11``, ``036-safefreeze-never-thaws-ubuntu-2024``,
``008-agent-2.2.6-hostplugin-400-exthandler-exit1``).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from loganalyzer.facts.model import (
    AgentRestart,
    AgentVersionSighting,
    BackupRun,
    ConfigValue,
    ExtensionFact,
    Facts,
    GoalStateFact,
    Ref,
)
from loganalyzer.model import (
    CauseVerdict,
    Confidence,
    CoverageStatus,
    Evidence,
    FileCoverage,
    Finding,
    Severity,
    Verdict,
)
from loganalyzer.result import AnalysisOptions, AnalysisResult
from loganalyzer.rules.causes import TAXONOMY
from loganalyzer.sources.base import BundleInfo, BundleType

VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
WAAGENT_LOG = "var/log/waagent.log"
VMSNAPSHOT_LOG = f"var/log/azure/{VMSNAPSHOT}/extension.log"
STATUS_FILE = f"var/lib/waagent/{VMSNAPSHOT}-1.0.9218.0/status/12.status"

ENABLE_FAILED_LINE = ("2024-05-30T13:15:47.339279Z ERROR ExtHandler ExtHandler Event: "
                      f"name={VMSNAPSHOT}, op=Enable")
ENABLE_STARTED_LINE = (f"2024-05-30T13:15:45.331589Z INFO ExtHandler [{VMSNAPSHOT}-1.0.9218.0] "
                       "Enable extension: [main/handle.sh enable]")
FREEZE_LINE = f"2024-01-14 22:16:48.796446 [{VMSNAPSHOT}-1.0]T:S freeze, timeout value 60"
RESTART_LINE = ("2017/03/27 14:00:45.765942 ERROR Event: name=WALinuxAgent, op=Restart, "
                "message=WALinuxAgent-2.2.6 did not terminate cleanly")

#: Secret values planted in :func:`secrets_result`; none may appear in a redacted report.
SAS_SIGNATURE = "Zm9vYmFyU0FTc2lnbmF0dXJlMTIz"
PROTECTED_SETTINGS = "MIIB9wYJKoZIhvcNAQcDoIIB6DCCAeQCAQAxggFpMIIBZQIBADBNMDkxNzA1BgoJ"
USER_PASSWORD = "Hunter2Secret99"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
CUSTOM_DATA = "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogaHVudGVyMg"
SECRETS = (SAS_SIGNATURE, PROTECTED_SETTINGS, USER_PASSWORD, PEM_BODY, CUSTOM_DATA)


def at(text: str) -> datetime:
    """``2024-05-30T13:15:47`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _coverage() -> list[FileCoverage]:
    partial = FileCoverage(f"var/log/azure/{VMSNAPSHOT}/shell.log", "vmsnapshot_shell_log", size=90_112,
                           status=CoverageStatus.PARTIAL, parser="parsers.vmsnapshot", lines=1_200,
                           records=1_150, reason="member cut at 64 MiB")
    unparsed = FileCoverage("var/log/syslog", "syslog", size=1_048_576, parser="parsers.syslog",
                            lines=9_000, records=8_990)
    for number in range(1, 11):
        unparsed.add_unparsed(number * 7, f"kernel: odd line {number}")
    return [
        FileCoverage(WAAGENT_LOG, "waagent_log", size=5_242_880, parser="parsers.waagent_log",
                     lines=40_000, records=38_500),
        FileCoverage(VMSNAPSHOT_LOG, "vmsnapshot_log", size=204_800, parser="parsers.vmsnapshot",
                     lines=2_500, records=2_500),
        FileCoverage(STATUS_FILE, "handler_status", size=812, parser="parsers.status", lines=1, records=1),
        partial,
        unparsed,
        FileCoverage("../etc/shadow", "other_text", status=CoverageStatus.SKIPPED,
                     reason="path leaves the bundle"),
        FileCoverage("var/lib/waagent/history/broken.zip", "history_archive", size=4096,
                     status=CoverageStatus.UNREADABLE, reason="not a zip file"),
    ]


def _facts() -> Facts:
    facts = Facts()
    facts.agent_versions = [
        AgentVersionSighting("daemon", "2.9.1.1", "installed", at("2024-05-30T13:00:01"),
                             Ref(WAAGENT_LOG, 3, 3)),
        AgentVersionSighting("goal_state", "2.11.1.4", "banner", at("2024-05-30T13:00:05"),
                             Ref(WAAGENT_LOG, 9, 9)),
        AgentVersionSighting("goal_state", "2.11.1.4", "heartbeat", at("2024-05-30T13:30:05"),
                             Ref(WAAGENT_LOG, 400, 400)),
    ]
    facts.restarts = [
        AgentRestart("daemon", at("2024-05-30T13:00:01"), "2.9.1.1", None, Ref(WAAGENT_LOG, 1, 1)),
        AgentRestart("goal_state", at("2024-05-30T13:00:05"), "2.11.1.4", "did not terminate cleanly",
                     Ref(WAAGENT_LOG, 8, 8)),
    ]
    facts.goal_states = [
        GoalStateFact(str(n), at("2024-05-30T13:00:10") + timedelta(minutes=5 * n), "log",
                      Ref(WAAGENT_LOG, 20 + n, 20 + n)) for n in range(1, 4)
    ]
    facts.extensions = {VMSNAPSHOT: ExtensionFact(
        VMSNAPSHOT, requested_version="1.0.9218.0", requested_state="enabled", auto_upgrade=True,
        versions_on_disk=["1.0.9218.0"], handler_state="Enabled", handler_status="NotReady",
        status="error", status_code="1", status_message="Enable failed: ImportError: No module named imp",
        operation="Enable", status_time=at("2024-05-30T13:15:47"), seq_no=12, mrseq=12,
        log_folder=f"var/log/azure/{VMSNAPSHOT}", refs=[Ref(STATUS_FILE), Ref(WAAGENT_LOG, 812, 812)])}
    facts.backups = [
        BackupRun("task-0a1b", 11, at("2024-05-29T22:00:00"), at("2024-05-29T22:04:10"),
                  ["freeze", "snapshot", "thaw"], "success", ref=Ref(VMSNAPSHOT_LOG, 10, 200)),
        BackupRun("task-9f8e", 12, at("2024-05-30T13:15:45"), None, ["freeze"], "error", 1,
                  "ExtensionEnableFailed", "enable exited with code 1", Ref(VMSNAPSHOT_LOG, 2300, 2500)),
    ]
    facts.config = {"AutoUpdate.Enabled": ConfigValue("AutoUpdate.Enabled", "n", False,
                                                      Ref("etc/waagent.conf", 42, 42))}
    facts.kinds_present = {"waagent_log", "vmsnapshot_log", "handler_status", "syslog"}
    facts.first_seen = {"waagent_log": at("2024-05-30T13:00:01")}
    facts.last_seen = {"waagent_log": at("2024-05-30T13:31:00")}
    facts.state = {"wireserver_endpoint": "168.63.129.16"}
    return facts


def _findings() -> list[Finding]:
    enable = [Evidence(WAAGENT_LOG, 810, 810, at("2024-05-30T13:15:45.331589"), ENABLE_STARTED_LINE),
              Evidence(WAAGENT_LOG, 812, 814, at("2024-05-30T13:15:47.339279"), ENABLE_FAILED_LINE)]
    return [
        Finding("vmsnapshot.enable_failed", "extension_enable_failed", Severity.ERROR, Confidence.HIGH,
                "VMSnapshotLinux enable failed", "The backup extension's enable command failed 3 times; "
                "Azure Backup cannot take a snapshot while it does.", enable, 3,
                at("2024-05-30T13:15:47"), at("2024-05-30T13:45:47"),
                ["Update the VMSnapshotLinux extension (1.0.9220.0 or later supports Python 3.12).",
                 "Retry the backup job from the portal."],
                ["https://github.com/Azure/azure-linux-extensions/issues/1922"], VMSNAPSHOT),
        Finding("vmsnapshot.freeze_without_thaw", "snapshot_failed", Severity.CRITICAL, Confidence.MEDIUM,
                "File systems were frozen and never thawed",
                "safefreeze started and the log stops before any thaw: the VM may hang until restarted.",
                [Evidence(VMSNAPSHOT_LOG, 2310, 2310, at("2024-01-14T22:16:48.796446"), FREEZE_LINE)], 1,
                at("2024-01-14T22:16:48"), at("2024-01-14T22:16:48"),
                ["Restart the VM to thaw the file systems.",
                 "Look for processes that need /var while it is frozen (fapolicyd)."],
                ["https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout"],
                VMSNAPSHOT),
        Finding("agent.crash_loop", "agent_crash_loop", Severity.WARNING, Confidence.LOW,
                "The agent restarted after not terminating cleanly", "One unclean restart.",
                [Evidence(WAAGENT_LOG, 8, 8, at("2017-03-27T14:00:45.765942"), RESTART_LINE)], 1,
                at("2017-03-27T14:00:45"), at("2017-03-27T14:00:45")),
        Finding("conf.autoupdate_disabled", "autoupdate_disabled", Severity.INFO, Confidence.HIGH,
                "Agent auto-update is disabled", "AutoUpdate.Enabled=n in /etc/waagent.conf.",
                [Evidence("etc/waagent.conf", 42, 42, None, "AutoUpdate.Enabled=n")], 1,
                remediation=["Set AutoUpdate.Enabled=y and restart the agent."]),
    ]


def _verdicts(findings: list[Finding]) -> list[CauseVerdict]:
    detected = {f.cause for f in findings}
    verdicts = []
    for cause in TAXONOMY:
        if cause in detected:
            verdicts.append(CauseVerdict(cause, Verdict.DETECTED, "see finding"))
        elif cause in ("restore_point_limit_or_lock", "guest_shutdown"):
            verdicts.append(CauseVerdict(cause, Verdict.NOT_EVALUABLE,
                                         "needs the Azure activity log, not in a guest bundle"))
        else:
            verdicts.append(CauseVerdict(cause, Verdict.RULED_OUT, "the agent reported status normally",
                                         [Evidence(WAAGENT_LOG, 400, 400, at("2024-05-30T13:30:05"),
                                                   "[HEARTBEAT] Agent WALinuxAgent-2.11.1.4 is running")]))
    return verdicts


def failing_backup_result(redact: bool = True) -> AnalysisResult:
    """A collect-logs bundle whose backup fails: four findings, one skipped and one unreadable member."""
    findings = _findings()
    return AnalysisResult(
        input=BundleInfo("/tmp/tickets/123/logs.zip", BundleType.COLLECT_LOGS,
                         cannot_contain=["serial console output"], notes=["2 nested archives opened"]),
        coverage=_coverage(), facts=_facts(), findings=findings, causes=_verdicts(findings),
        options=AnalysisOptions(redact=redact), missing_evidence=["serial_console", "dhcp_lease"],
        rule_errors=["rules/catalog/broken.toml: line 3: unknown field 'levle'"],
        stats={"seconds": 1.25, "events": 51_141, "by_level": {"ERROR": 12, "INFO": 51_000}})


def healthy_result() -> AnalysisResult:
    """A folder whose logs show nothing wrong: no findings, every cause ruled out or not evaluable."""
    return AnalysisResult(
        input=BundleInfo("/var/tmp/healthy", BundleType.ADHOC), coverage=_coverage()[:3], facts=_facts(),
        findings=[], causes=_verdicts([]), options=AnalysisOptions())


def secrets_result(redact: bool = True) -> AnalysisResult:
    """A result with a secret in every kind of free text a report may show."""
    sas_url = (f"https://md-abc.blob.core.windows.net/vhds/x.status?sv=2018-03-28&sr=b"
               f"&sig={SAS_SIGNATURE}&se=2024-06-01")
    excerpt = (f"2024-05-30T13:15:47.339279Z ERROR ExtHandler ExtHandler HTTP GET {sas_url} failed\n"
               f"<UserPassword>{USER_PASSWORD}</UserPassword>\n"
               f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----")
    settings = f'{{"protectedSettings": "{PROTECTED_SETTINGS}", "publicSettings": {{}}}}'
    finding = Finding(
        "ext.enable_failed", "extension_enable_failed", Severity.ERROR, Confidence.HIGH,
        "Extension enable failed", f"The handler was given settings {settings}.",
        [Evidence(f"var/lib/waagent/x.status?sv=1&sig={SAS_SIGNATURE}", 5, 7, at("2024-05-30T13:15:47"),
                  excerpt)], 1, at("2024-05-30T13:15:47"), at("2024-05-30T13:15:47"),
        [f"Check CustomData={CUSTOM_DATA} is valid."], [], VMSNAPSHOT)
    facts = _facts()
    facts.extensions[VMSNAPSHOT].status_message = f"settings were {settings}"
    facts.config["OS.RootPassword"] = ConfigValue("OS.RootPassword", USER_PASSWORD, False,
                                                  Ref("etc/waagent.conf", 7, 7))
    facts.state["ovf"] = {"CustomData": CUSTOM_DATA}
    coverage = _coverage()
    coverage[0].add_unparsed(99, f"<CustomData>{CUSTOM_DATA}</CustomData>")
    coverage[5].reason = f"unsafe entry ?sv=2020&sig={SAS_SIGNATURE}"
    causes = _verdicts([finding])
    causes[0].reason = f"CustomData={CUSTOM_DATA}"
    return AnalysisResult(
        input=BundleInfo("/tmp/logs.zip", BundleType.COLLECT_LOGS, notes=[f"password={USER_PASSWORD}"]),
        coverage=coverage, facts=facts, findings=[finding], causes=causes,
        options=AnalysisOptions(redact=redact),
        rule_errors=[f"rule x: cannot parse {settings}"], stats={"password": USER_PASSWORD})


def crowded_result(findings: int = 300, points: int = 10_000) -> AnalysisResult:
    """Many findings with long evidence and ``points`` goal states: for size caps and timeline buckets."""
    result = failing_backup_result()
    start = at("2024-05-01T00:00:00")
    result.facts.goal_states = [GoalStateFact(str(n), start + timedelta(minutes=n), "log",
                                              Ref(WAAGENT_LOG, n + 1, n + 1)) for n in range(points)]
    long_line = ENABLE_FAILED_LINE + " ```not a fence``` " + "x" * 3000
    result.findings = [
        Finding(f"rule.{n}", TAXONOMY[n % len(TAXONOMY)], Severity.ERROR, Confidence.MEDIUM,
                f"Finding number {n}", "A long finding. " * 20,
                [Evidence(WAAGENT_LOG, n * 10 + k, n * 10 + k, start + timedelta(seconds=n),
                          long_line) for k in range(15)], 15, start, start + timedelta(days=1),
                ["Do something about it."])
        for n in range(findings)
    ]
    return result


def markdown_outside_fences(markdown: str) -> tuple[bool, str]:
    """Whether every fenced block of ``markdown`` is closed, and the text outside the fences."""
    open_fence: str | None = None
    outside: list[str] = []
    for line in markdown.splitlines():
        marks = re.match(r"^(`{3,})", line)
        if open_fence is None and marks:
            open_fence = marks.group(1)
        elif open_fence is not None and line.strip() == open_fence:
            open_fence = None
        elif open_fence is None:
            outside.append(line)
    return open_fence is None, "\n".join(outside)


def all_results() -> dict[str, AnalysisResult]:
    """Every fixture by name, for tests that check a property of all of them."""
    return {"failing": failing_backup_result(), "failing_unredacted": failing_backup_result(False),
            "healthy": healthy_result(), "secrets": secrets_result(),
            "secrets_unredacted": secrets_result(False), "crowded": crowded_result(20, 500)}
