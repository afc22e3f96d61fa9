"""Logic rules (version policy, restarts, shutdown, liveness, state files) and verdicts, through
the public engine API with synthetic events built from real line shapes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loganalyzer.facts.model import BackupRun, ConfigValue, ExtensionFact, Facts, Ref
from loganalyzer.model import Event, Severity, TimeKind, Verdict
from loganalyzer.result import AnalysisOptions
from loganalyzer.rules import RuleEngine, load_rules
from loganalyzer.rules.model import TAXONOMY
from loganalyzer.sources.base import BundleInfo

RULES, _ = load_rules()
T0 = datetime(2023, 3, 8, 15, 0, 0, tzinfo=UTC)


def ev(msg: str, minutes: float = 0, level: str = "INFO", kind: str = "waagent_log",
       path: str = "var/log/waagent.log", line: int = 1, **fields: object) -> Event:
    return Event(T0 + timedelta(minutes=minutes), TimeKind.UTC, level, msg, path, line, line, kind,
                 fields=fields or None)


def run(events: list[Event], facts: Facts | None = None, **opts: object):
    engine = RuleEngine(RULES, AnalysisOptions(**opts))
    for n, e in enumerate(events, 1):
        e.line_start = e.line_end = n
        engine.observe(e)
    facts = facts or Facts(kinds_present={"waagent_log"})
    return engine.finish(facts, BundleInfo("test"), [])


def loud(findings, cause: str):
    return [f for f in findings if f.cause == cause and Severity(f.severity) != Severity.INFO]


def test_old_goal_state_agent_is_outdated_after_july_2022():
    findings, _ = run([ev("Azure Linux Agent Version:2.2.45"),
                       ev("Agent WALinuxAgent-2.2.45 is running as the goal state agent", 1)])
    [f] = loud(findings, "agent_outdated")
    assert f.severity == "error" and "2.2.45" in f.summary and "2.2.53.1" in f.summary


def test_old_daemon_with_updated_goal_state_agent_is_not_outdated():
    findings, verdicts = run([ev("Azure Linux Agent Version:2.2.45"),
                              ev("Azure Linux Agent (Goal State Agent version 2.9.1.1)", 1)])
    assert loud(findings, "agent_outdated") == []
    assert next(v for v in verdicts if v.cause == "agent_outdated").verdict == Verdict.RULED_OUT


def test_version_policy_is_applied_by_the_date_of_the_logs():
    old = [ev("Agent WALinuxAgent-2.2.14 is running as the goal state agent")]
    old[0].timestamp = datetime(2017, 8, 2, tzinfo=UTC)
    assert loud(run(old)[0], "agent_outdated") == []


def test_min_agent_version_option_overrides_the_policy():
    events = [ev("Azure Linux Agent (Goal State Agent version 2.9.1.1)")]
    findings, _ = run(events, min_agent_version="2.10.0.8")
    assert "--min-agent-version" in loud(findings, "agent_outdated")[0].summary


def test_single_process_legacy_agent_from_its_traceback_shape():
    events = [Event(None, TimeKind.NONE, "ERROR",
                    'Error Traceback (most recent call last):\n  File "/usr/sbin/waagent", '
                    'line 5659, in AddExtensionEvent', "waagent.log", 1, 2, "waagent_log")]
    assert loud(run(events)[0], "agent_outdated")


def test_three_goal_state_agent_starts_in_five_minutes_is_a_crash_loop():
    events = [ev("Azure Linux Agent (Goal State Agent version 2.9.1.1)", m) for m in (0, 1, 2)]
    assert any(f.rule_id == "agent.crash_loop_frequency" for f in loud(run(events)[0], "agent_crash_loop"))
    spaced = [ev("Azure Linux Agent (Goal State Agent version 2.9.1.1)", m) for m in (0, 30, 60)]
    assert not any(f.rule_id == "agent.crash_loop_frequency" for f in run(spaced)[0])


def test_sigterm_then_a_gap_then_a_new_daemon_is_a_guest_shutdown():
    events = [ev("Agent WALinuxAgent-2.9.1.1 forwarding signal 15 to WALinuxAgent-2.9.1.1"),
              ev("Azure Linux Agent Version: 2.9.1.1", 12)]
    [f] = loud(run(events)[0], "guest_shutdown")
    assert "(12 min later;" in f.summary          # the one duration style (fmt_duration), not 0:12:00
    quick = [ev("Agent WALinuxAgent-2.2.0 forwarding signal 15 to WALinuxAgent-2.2.0"),
             ev("Azure Linux Agent Version:2.2.0", 0.01)]
    assert loud(run(quick)[0], "guest_shutdown") == []


def test_heartbeats_are_no_starts_and_name_the_goal_state_version_by_their_capture():
    # the start banner's words stand in every heartbeat; the catalog names the heartbeat, so
    # three heartbeats in five minutes are no crash loop, and their {agent} capture dates the agent
    beats = [ev("[HEARTBEAT] Agent WALinuxAgent-2.2.45 is running as the goal state agent", m)
             for m in (0, 1, 2)]
    findings, _ = run(beats)
    assert not any(f.rule_id == "agent.crash_loop_frequency" for f in findings)
    assert "2.2.45" in loud(findings, "agent_outdated")[0].summary
    starts = [ev("Agent WALinuxAgent-2.2.45 is running as the goal state agent", m) for m in (0, 1, 2)]
    assert any(f.rule_id == "agent.crash_loop_frequency" for f in run(starts)[0])


def test_a_signal_other_than_sigterm_is_no_stop_and_systemd_lines_are_stops_and_starts():
    usr1 = [ev("Agent WALinuxAgent-2.9.1.1 forwarding signal 10 to WALinuxAgent-2.9.1.1"),
            ev("Azure Linux Agent Version: 2.9.1.1", 12)]
    assert loud(run(usr1)[0], "guest_shutdown") == []
    syslog = dict(kind="syslog", path="var/log/syslog")
    events = [ev("Stopping Azure Linux Agent...", 0, **syslog),
              ev("Reached target Power-Off.", 0.5, **syslog), ev("Started Azure Linux Agent.", 20, **syslog)]
    [f] = loud(run(events)[0], "guest_shutdown")
    assert "(19 min 30 s later; 2 such stop/start episode(s))" in f.summary


def test_extension_handler_that_died_and_never_came_back_is_not_running():
    died = [ev("Agent WALinuxAgent-2.2.2 failed with exception: syntax error: line 1, column 49",
               level="WARNING")]
    assert loud(run(died)[0], "agent_not_running")
    recovered = [*died, ev("Agent WALinuxAgent-2.2.2 is running as the goal state agent", 1)]
    assert loud(run(recovered)[0], "agent_not_running") == []


def test_a_daemon_that_never_found_the_wireserver_is_told_as_such_not_as_a_dead_handler():
    events = [ev("Failed to send DHCP request: [DhcpError] Failed to receive dhcp response.", 0, "WARNING"),
              ev("Daemon ended with exception -- Sleep 15 seconds and restart daemon", 1, "ERROR"),
              ev("Failed to send DHCP request: [DhcpError] Failed to receive dhcp response.", 2, "WARNING")]
    [f] = loud(run(events)[0], "agent_not_running")
    assert "never reached the WireServer" in f.summary and "DHCP" in f.remediation[0]
    died = [ev("Daemon ended with exception -- Sleep 15 seconds and restart daemon", 0, "ERROR"),
            ev("Agent WALinuxAgent-2.2.53 is running as the goal state agent", 1),
            ev("Daemon ended with exception -- Sleep 15 seconds and restart daemon", 2, "ERROR")]
    [f] = loud(run(died)[0], "agent_not_running")
    assert "the agent daemon ended with an exception" in f.summary


def test_agent_log_silent_while_syslog_goes_on():
    facts = Facts(kinds_present={"waagent_log", "syslog"},
                  last_seen={"waagent_log": T0, "syslog": T0 + timedelta(days=2)})
    assert loud(run([], facts)[0], "agent_not_running")


def test_transient_network_failure_that_recovers_is_info_only():
    fail = "Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] " \
           "[HTTP Failed] " \
           "GET http://168.63.129.16/machine/ -- IOError timed out -- 6 attempts made"
    blip = [ev(fail, 0, "ERROR"),
            ev("Fetched a new incarnation for the WireServer goal state [incarnation 2]", 3)]
    findings, verdicts = run(blip)
    assert loud(findings, "wireserver_unreachable") == []
    assert next(v for v in verdicts if v.cause == "wireserver_unreachable").verdict == Verdict.RULED_OUT
    outage = [ev(fail, m, "ERROR") for m in (0, 10, 20, 30)]
    assert loud(run(outage)[0], "wireserver_unreachable")


def test_a_wireserver_outage_names_its_window_and_heartbeats_do_not_end_it():
    fail = "Error fetching the goal state: [ProtocolError] [HttpError] [HTTP Failed] GET " \
           "http://168.63.129.16/machine/ -- IOError timed out -- 6 attempts made"
    heartbeat = "[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent"
    events = [ev(fail, 0, "ERROR"), ev("ProcessExtensionsGoalState completed [incarnation_2 340 ms]", 3),
              ev(fail, 100, "ERROR"), ev(fail, 110, "ERROR"), ev(heartbeat, 115), ev(fail, 120, "ERROR")]
    [f] = [f for f in loud(run(events)[0], "wireserver_unreachable")
           if f.rule_id == "network.wireserver_http_failed"]
    assert "the longest outage: 3 failures in a row with no recovery, 2023-03-08T16:40:00Z to " \
           "2023-03-08T17:00:00Z" in f.summary


def test_findings_group_matches_per_extension_with_bounded_evidence():
    msg = ("Event: name={}, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, x enable, "
           "duration=0")
    backup = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    events = [ev(msg.format(backup), m, "ERROR") for m in range(12)]
    events.append(ev(msg.format("Microsoft.Azure.Extensions.CustomScript"), 20, "ERROR"))
    findings = [f for f in run(events)[0] if f.rule_id == "extension.enable_failed"]
    by_ext = {f.extension: f for f in findings}
    backup = by_ext["Microsoft.Azure.RecoveryServices.VMSnapshotLinux"]
    assert backup.count == 12 and len(backup.evidence) <= 5 and "Azure Backup" in backup.summary
    assert by_ext["Microsoft.Azure.Extensions.CustomScript"].count == 1


def _enable_failure(ext: str, minutes: float) -> Event:
    return ev(f"Event: name={ext}, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, "
              "bin/custom-script-shim enable, duration=0", minutes, "ERROR")


def _enable_success(ext: str, minutes: float) -> Event:
    """A 2.2.45-style record the agent writes only after an enable command exited 0."""
    e = ev("Command: bin/custom-script-shim enable\n[stdout]\nWriting a placeholder status file", minutes)
    e.source = f"[{ext}-2.1.10]"
    e.extension, e.extension_version = ext, "2.1.10"
    return e


def test_isolated_enable_failures_that_recover_are_info_and_a_burst_stays_a_warning():
    script, other = "Microsoft.Azure.Extensions.CustomScript", "Microsoft.OSTCExtensions.VMAccessForLinux"
    isolated = [_enable_failure(script, 0), _enable_success(script, 30),
                _enable_failure(script, 600), _enable_success(script, 630)]
    [f] = [f for f in run(isolated)[0] if f.rule_id == "extension.enable_failed"]
    assert f.severity == "info" and "transient" in f.summary
    burst = [_enable_failure(script, m) for m in (0, 14, 24)] + [_enable_success(script, 51)]
    [f] = [f for f in run(burst)[0] if f.rule_id == "extension.enable_failed"]
    assert f.severity == "warning" and "3 failures in a row before it recovered" in f.summary
    # Another extension's success recovers nothing.
    unrecovered = [_enable_failure(script, 0), _enable_success(other, 30)]
    [f] = [f for f in run(unrecovered)[0] if f.rule_id == "extension.enable_failed"]
    assert f.severity == "error"


def test_the_same_failure_in_waagent_log_and_syslog_counts_once():
    fail = ("Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, "
            "message=[ExtensionOperationError] Non-zero exit code: 1, bin/custom-script-shim enable, "
            "duration=0")
    copies = [ev(fail, 0, "ERROR"), ev(fail, 0, "ERROR", kind="syslog", path="var/log/syslog"),
              ev(fail, 5, "ERROR", kind="syslog", path="var/log/syslog")]
    [f] = [f for f in run(copies)[0] if f.rule_id == "extension.enable_failed"]
    assert f.count == 2      # the copy at minute 0 is the same failure; minute 5 is another one


def test_config_switches_from_facts():
    facts = Facts(kinds_present={"waagent_conf"}, config={
        "Extensions.Enabled": ConfigValue("Extensions.Enabled", "n", False, Ref("etc/waagent.conf", 3, 3)),
        "AutoUpdate.Enabled": ConfigValue("AutoUpdate.Enabled", "n", False, Ref("etc/waagent.conf", 4, 4)),
        "Provisioning.Agent": ConfigValue("Provisioning.Agent", "auto", True)})
    findings, _ = run([], facts)
    assert loud(findings, "extension_update_or_load_failed")[0].evidence[0].line_start == 3
    [autoupdate] = loud(findings, "autoupdate_disabled")
    # Each switch says how to fix itself, and only itself.
    assert autoupdate.remediation[0].startswith("Set AutoUpdate.Enabled=y in /etc/waagent.conf (line 4)")
    assert "Extensions.Enabled" not in " ".join(autoupdate.remediation)


def test_extension_status_error_and_stuck_transitioning():
    facts = Facts(kinds_present={"handler_status"}, last_seen={"waagent_log": T0 + timedelta(hours=5)},
                  extensions={
        "Microsoft.Azure.RecoveryServices.VMSnapshotLinux": ExtensionFact(
            "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", status="error", status_code="76",
            operation="Enable", refs=[Ref("x/status/3.status")]),
        "Microsoft.Azure.Extensions.CustomScript": ExtensionFact(
            "Microsoft.Azure.Extensions.CustomScript", status="transitioning", status_time=T0)})
    findings, _ = run([], facts)
    assert loud(findings, "extension_enable_failed") and loud(findings, "snapshot_failed")
    assert loud(findings, "extension_timeout")[0].extension == "Microsoft.Azure.Extensions.CustomScript"


def test_backup_run_codes_map_to_causes():
    runs = [BackupRun("t1", 1, T0, outcome="error", error_code=76,
                      error_name="FailedRetryableSnapshotFailedNoNetwork",
                      ref=Ref("extension.log", 10, 10)),
            BackupRun("t2", 2, T0, outcome="error", error_code=85, error_name="FailedSnapshotLimitReached",
                      ref=Ref("extension.log", 20, 20)),
            BackupRun("t3", 3, T0, outcome="error", error_code=402, ref=Ref("extension.log", 30, 30))]
    findings, _ = run([], Facts(kinds_present={"vmsnapshot_log"}, backups=runs))
    causes = {f.cause for f in findings if f.rule_id == "backup.failed_runs"}
    assert causes == {"no_network", "snapshot_failed", "agent_not_running"}


def test_backup_findings_cite_the_latest_run_first_and_its_status_file():
    status = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/13.status"
    runs = [BackupRun(f"t{n}", n, T0 + timedelta(hours=n), end=T0 + timedelta(hours=n), outcome="error",
                      error_code=76, error_name="FailedRetryableSnapshotFailedNoNetwork",
                      ref=Ref("extension.log", 10 * n, 10 * n + 5), status_path=status if n == 2 else None)
            for n in (1, 2)]
    [f] = [f for f in run([], Facts(kinds_present={"vmsnapshot_log"}, backups=runs))[0]
           if f.rule_id == "backup.failed_runs"]
    assert "task t2" in f.summary
    latest, status_file, earlier = f.evidence
    assert (latest.line_start, earlier.line_start) == (20, 10)
    assert latest.excerpt.startswith("[run summary] task t2, seqNo 2: code 76 (FailedRetryable")
    assert status_file.path == status and status_file.excerpt.startswith("[status file]")


def test_a_few_log_lines_do_not_rule_a_cause_out_but_a_real_log_does():
    from loganalyzer.model import FileCoverage

    def verdict(records: int, cause: str = "disk_full") -> Verdict:
        engine = RuleEngine(RULES, AnalysisOptions())
        coverage = [FileCoverage("var/log/waagent.log", "waagent_log", lines=records, records=records)]
        _, verdicts = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("test"), coverage)
        return next(v for v in verdicts if v.cause == cause).verdict

    assert verdict(3) == Verdict.NOT_EVALUABLE
    assert verdict(500) == Verdict.RULED_OUT


def test_silence_does_not_rule_out_a_cause_only_contact_could_rule_out():
    from loganalyzer.model import FileCoverage
    engine = RuleEngine(RULES, AnalysisOptions())
    coverage = [FileCoverage("var/log/waagent.log", "waagent_log", lines=500, records=500)]
    _, verdicts = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("test"), coverage)
    by_cause = {v.cause: v for v in verdicts}
    assert by_cause["wireserver_unreachable"].verdict == Verdict.NOT_SEEN
    assert by_cause["disk_full"].verdict == Verdict.RULED_OUT and by_cause["disk_full"].evidence
    assert all(v.evidence for v in verdicts if v.verdict == Verdict.RULED_OUT)


def test_a_cause_downstream_of_a_detected_one_is_not_ruled_out():
    from loganalyzer.model import FileCoverage
    engine = RuleEngine(RULES, AnalysisOptions())
    for n in range(6):
        engine.observe(Event(T0 + timedelta(minutes=5 * n), TimeKind.UTC, "ERROR",
                             "Provisioning failed: [ProtocolError] boom (116.92s)", "var/log/waagent.log",
                             n + 1, n + 1, "waagent_log", source="Daemon"))
    coverage = [FileCoverage("var/log/waagent.log", "waagent_log", lines=500, records=500)]
    _, verdicts = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("test"), coverage)
    by_cause = {v.cause: v for v in verdicts}
    assert by_cause["provisioning_failed"].verdict == Verdict.DETECTED
    assert by_cause["agent_not_running"].verdict != Verdict.RULED_OUT


def test_error_json_blacklist_record():
    facts = Facts(state={"agent_errors": [{"agent_version": "2.2.53", "failure_count": 3, "was_fatal": False,
                                           "blacklisted": True,
                                           "path": "var/lib/waagent/WALinuxAgent-2.2.53/error.json"}]})
    assert "2.2.53" in loud(run([], facts)[0], "agent_crash_loop")[0].summary


def test_every_cause_gets_one_verdict_with_a_reason():
    _, verdicts = run([ev("Provisioning failed: boom (3s)", level="ERROR")])
    assert [v.cause for v in verdicts] == list(TAXONOMY)
    assert all(v.reason for v in verdicts)
    by = {v.cause: v for v in verdicts}
    assert by["provisioning_failed"].verdict == Verdict.DETECTED and by["provisioning_failed"].evidence
    assert by["restore_point_limit_or_lock"].verdict == Verdict.NOT_EVALUABLE
    assert by["snapshot_failed"].verdict == Verdict.NOT_EVALUABLE
    assert "VMSnapshotLinux" in by["snapshot_failed"].reason


def test_restore_point_limit_is_detected_from_the_portal_error_code():
    _, verdicts = run([], error_code="UserErrorRpCollectionLimitReached")
    assert verdicts[0].cause == "restore_point_limit_or_lock"
    assert verdicts[0].verdict == Verdict.DETECTED and "lock" in verdicts[0].reason


def test_verdicts_follow_the_documented_order_for_the_portal_message():
    _, verdicts = run([], error_code="Could not communicate with the VM agent for snapshot status")
    order = [v.cause for v in verdicts]
    assert order[:2] == ["agent_not_running", "agent_crash_loop"] and sorted(order) == sorted(TAXONOMY)
    assert order.index("agent_outdated") < order.index("snapshot_failed")


def test_health_records_give_counter_evidence():
    _, verdicts = run([ev("[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG "
                          "HeartbeatCounter: 3;HeartbeatId: 1;DroppedPackets: 0;UpdateGSErrors: 0;"
                          "AutoUpdate: 1]", 30)])
    v = next(v for v in verdicts if v.cause == "agent_not_running")
    assert v.verdict == Verdict.RULED_OUT and "heartbeats" in v.reason and v.evidence


def test_goal_state_agent_dated_by_its_old_line_format():
    line = ev("[Microsoft.Azure.Extensions.CustomScript-2.1.6] Target handler state: enabled [incarnation 3]")
    line.generation, line.source = "2.2.31-2.2.45", "ExtHandler"
    [f] = loud(run([line])[0], "agent_outdated")
    assert "2.2.45" in f.summary and "log format" in f.summary


def test_wireserver_endpoint_file_with_another_address():
    facts = Facts(kinds_present={"wireserver_endpoint"}, state={"wireserver_endpoint": "10.0.0.4"})
    [f] = loud(run([], facts)[0], "dhcp_or_endpoint")
    assert "10.0.0.4" in f.summary


def test_process_listing_without_the_extension_handler():
    daemon = "root  57954  1  1 10:29 pts/0  00:00:00 python /usr/sbin/waagent -daemon"
    alone = [ev(daemon, kind="other_text", path="ps.txt")]
    rule = "agent.exthandler_process_missing"
    assert any(f.rule_id == rule for f in loud(run(alone)[0], "agent_not_running"))
    handler = "root 57979 57954 0 10:30 ? 00:00:01 python3 -u bin/WALinuxAgent.egg -run-exthandlers"
    both = [*alone, ev(handler, kind="other_text", path="ps.txt")]
    assert not any(f.rule_id == rule for f in run(both)[0])


def test_syslog_stop_and_start_of_the_agent_service_minutes_apart():
    events = [ev("Stopping Azure Linux Agent...", kind="syslog", path="var/log/syslog"),
              ev("Started Azure Linux Agent.", 15, kind="syslog", path="var/log/syslog")]
    assert loud(run(events)[0], "guest_shutdown")


def test_every_statement_of_a_dead_or_blocked_agent_is_heard_in_every_wording_the_catalog_holds():
    # the lifecycle rule names catalog statements, so each wording of each era reaches it
    from loganalyzer.catalog.render import fill
    from loganalyzer.rules.logic.lifecycle import AgentNotRunning
    def lifecycle(findings):
        return [f for f in loud(findings, "agent_not_running") if f.rule_id == "agent.not_running"]
    for group in (AgentNotRunning.DEATH, AgentNotRunning.BLOCKED):
        for entry in group.entries:
            line = fill(entry)
            assert lifecycle(run([ev(line, 0, "ERROR")])[0]), entry.id
            alive = [ev(line, 0, "ERROR"),
                     ev("Agent WALinuxAgent-2.2.53 is running as the goal state agent", 1)]
            assert lifecycle(run(alive)[0]) == [], entry.id
    # a line that only shares some words is not one of them
    assert lifecycle(run([ev("Agent WALinuxAgent-2.2.53 exited with return code 0", 0, "ERROR")])[0]) == []


def test_a_logic_rule_asks_which_statement_a_record_is_as_the_classifier_ranks_them():
    # Statements.named tries only a match's rivals (templates holding its anchor); on every
    # catalog entry's own line it must give the classifier's answer
    from loganalyzer.catalog import load_catalog
    from loganalyzer.catalog.classify import Classifier
    from loganalyzer.catalog.render import fill
    from loganalyzer.rules.logic import agent_version, lifecycle
    groups = [lifecycle.DAEMON_BANNERS, lifecycle.GS_BANNERS, lifecycle.DAEMON_STARTS, lifecycle.STOPS,
              agent_version.VERSIONS]
    classifier = Classifier.default()
    for entry in load_catalog().entries:
        text = fill(entry)
        for kind in ("waagent_log", "syslog"):
            best = classifier.by_catalog(text, kind=kind)
            truth = best[0].entry if best else None
            for group in groups:
                got = group.named(text, kind)
                assert (got[0].id if got else None) == (truth if truth in group else None), (entry.id, kind)
