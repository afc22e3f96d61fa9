"""FactsCollector on a small bundle built from team and real fixtures, and the DataFrames built from it."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.facts import collector as collector_module
from loganalyzer.facts.collector import FactsCollector
from loganalyzer.facts.frames import (
    agent_frame,
    backups_frame,
    config_mapping,
    extensions_frame,
    goal_states_frame,
)
from loganalyzer.facts.model import BackupRun, Facts
from loganalyzer.kinds import Kind
from loganalyzer.model import Event, FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.registry import PARSERS
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
LIB = "var/lib/waagent"
LOG = "var/log/waagent.log"

#: (fixture file, kind, member path)
STATE_FILES = [
    ("ExtensionsConfig.12.xml", Kind.EXTENSIONS_CONFIG,
     f"{LIB}/history/2024-01-14T22-16-00__12.zip/ExtensionsConfig.xml"),
    ("waagent_status-2.9.json", Kind.STATUS_BLOB,
     f"{LIB}/history/2024-01-14T22-20-00__12/waagent_status.json"),
    ("12.status", Kind.HANDLER_STATUS, f"{LIB}/{VMS}-1.0.9225.0/status/12.status"),
    ("12.settings", Kind.HANDLER_SETTINGS, f"{LIB}/{VMS}-1.0.9225.0/config/12.settings"),
    ("HandlerState", Kind.HANDLER_STATE, f"{LIB}/{VMS}-1.0.9225.0/config/HandlerState"),
    ("HandlerStatus", Kind.HANDLER_STATUS_FILE, f"{LIB}/{VMS}-1.0.9225.0/config/HandlerStatus"),
    ("mrseq", Kind.MRSEQ, f"{LIB}/{VMS}-1.0.9225.0/mrseq"),
    ("error.json", Kind.AGENT_ERROR, f"{LIB}/WALinuxAgent-2.10.0.8/error.json"),
    ("GoalState.1.xml", Kind.GOAL_STATE, f"{LIB}/GoalState.1.xml"),
    ("waagent.conf", Kind.WAAGENT_CONF, "etc/waagent.conf"),
    ("results.txt", Kind.COLLECTOR_RESULTS, "results.txt"),
    ("WireServerEndpoint", Kind.WIRESERVER_ENDPOINT, f"{LIB}/WireServerEndpoint"),
    ("provisioned", Kind.PROVISIONED, f"{LIB}/provisioned"),
    ("networkd-lease", Kind.DHCP_LEASE, "run/systemd/netif/leases/2"),
]


def t(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2024, 1, 14, hh, mm, ss, tzinfo=UTC)


def log_event(when: datetime, message: str, line: int, **fields: Any) -> Event:
    return Event(when, TimeKind.UTC, "INFO", message, LOG, line, line, "waagent_log", fields=fields or None)


#: waagent.log records as the log parser hands them over (fields per the Event conventions)
LOG_EVENTS = [
    log_event(t(10, 0), "Azure Linux Agent Version: 2.2.45", 1,
              agent_version="2.2.45", agent_role="daemon", version_how="banner"),
    log_event(t(10, 0, 5), "Azure Linux Agent (Goal State Agent version 2.9.1.1)", 2,
              agent_version="2.9.1.1", agent_role="goal_state", version_how="banner"),
    log_event(t(10, 0, 6), "Fetched a new incarnation for the WireServer goal state [incarnation 11]", 3,
              incarnation="11"),
    log_event(t(10, 0, 7), "ProcessExtensionsGoalState started [incarnation_11 channel: WireServer]", 4,
              incarnation="11"),
    log_event(t(10, 5), "Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-"
              "2.9.1.1-py3.8.egg -run-exthandlers' failed with return code: 1", 5),
    log_event(t(10, 5, 1), "Azure Linux Agent (Goal State Agent version 2.9.1.1)", 6,
              agent_version="2.9.1.1", agent_role="goal_state", version_how="banner"),
    log_event(t(10, 30), "[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG "
              "HeartbeatCounter: 1;HeartbeatId: x;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 0]", 7,
              agent_version="2.9.1.1", agent_role="goal_state", version_how="heartbeat", hb_auto_update=0),
    log_event(t(11, 0), "Agent WALinuxAgent-2.9.1.1 forwarding signal 15 to WALinuxAgent-2.9.1.1\n", 8),
    log_event(t(11, 1), "Azure Linux Agent Version: 2.2.45", 9,
              agent_version="2.2.45", agent_role="daemon", version_how="banner"),
    log_event(t(11, 1, 5), "Azure Linux Agent (Goal State Agent version 2.9.1.1)", 10,
              agent_version="2.9.1.1", agent_role="goal_state", version_how="banner"),
    log_event(t(11, 1, 6), "Agent did not terminate cleanly: 2.9.1.1", 11),
    log_event(t(22, 16), "Fetched a new incarnation for the WireServer goal state [incarnation 12]", 12,
              incarnation="12"),
]


def parse_member(collector: FactsCollector, data: bytes, kind: Kind, path: str) -> list[Event]:
    """What the pipeline does for one member: note it, parse it, observe events, hand over documents."""
    collector.note_member(path, str(kind))
    member = Member(path, kind, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path=path, kind=str(kind)))
    events = list(PARSERS[kind](member, ctx))
    for event in events:
        collector.observe(event)
    for doc in ctx.documents:
        collector.add_document(doc)
    return events


def build(reference_data: Path | None = None, with_conf: bool = True) -> tuple[Facts, list[Event]]:
    collector = FactsCollector()
    collector.note_member(LOG, "waagent_log")
    for event in LOG_EVENTS:
        collector.observe(event)
    events = list(LOG_EVENTS)
    for name, kind, path in STATE_FILES:
        if kind == Kind.WAAGENT_CONF and not with_conf:
            continue
        events += parse_member(collector, (FIXTURES / name).read_bytes(), kind, path)
    collector.note_member(f"{LIB}/{VMS}-1.0.9221.0/config/HandlerState", "handler_state")
    parse_member(collector, b"Installed", Kind.HANDLER_STATE, f"{LIB}/{VMS}-1.0.9221.0/config/HandlerState")
    collector.note_member(f"var/log/azure/{VMS}/extension.log", "vmsnapshot_log")
    collector.note_member("var/log/azure/custom-script/handler.log", "handler_logfmt")
    if reference_data is not None:
        data = reference_data / "WALinuxAgent/tests/data"
        events += parse_member(collector, (data / "ovf-env.xml").read_bytes(), Kind.OVF_ENV,
                               f"{LIB}/ovf-env.xml")
        for name in ("GoalState.xml", "ExtensionsConfig.xml", "VmSettings.json"):
            kind = {"GoalState.xml": Kind.GOAL_STATE, "ExtensionsConfig.xml": Kind.EXTENSIONS_CONFIG,
                    "VmSettings.json": Kind.VM_SETTINGS}[name]
            events += parse_member(collector, (data / "hibernate/goal_state_1" / name).read_bytes(), kind,
                                   f"{LIB}/history/2024-01-01T09-00-00__1-1234/{name}")
    return collector.finish(), events


@pytest.fixture(scope="module")
def facts() -> Facts:
    return build()[0]


def test_agent_versions_by_role_from_banners_heartbeats_status_blob_and_folders(facts):
    assert facts.latest_version("daemon") == "2.2.45"
    assert facts.latest_version("goal_state") == "2.9.1.1"
    hows = {(s.role, s.how) for s in facts.agent_versions}
    assert {("daemon", "banner"), ("goal_state", "banner"), ("goal_state", "heartbeat"),
            ("goal_state", "status_blob"), ("goal_state", "folder")} <= hows
    folders = sorted(s.version for s in facts.agent_versions if s.how == "folder")
    assert folders == ["2.10.0.8", "2.9.1.1"]    # error.json path and the results.txt listing


def test_restarts_carry_their_reasons(facts):
    got = [(r.role, r.timestamp.strftime("%H:%M:%S"), r.reason) for r in facts.restarts]
    assert got == [
        ("daemon", "10:00:00", None),
        ("goal_state", "10:00:05", None),
        ("goal_state", "10:05:01", "goal-state agent exited with an error"),
        ("daemon", "11:01:00", "service stopped (SIGTERM forwarded)"),
        ("goal_state", "11:01:05", "service stopped (SIGTERM forwarded); previous agent did not terminate "
                                   "cleanly: 2.9.1.1"),
    ]
    assert facts.restarts[2].ref.line_start == 6


def test_goal_states_from_log_changes_and_history_folders(facts):
    got = [(g.incarnation, g.source, g.timestamp.strftime("%H:%M") if g.timestamp else None)
           for g in facts.goal_states]
    assert got == [("11", "log", "10:00"), ("12", "log", "22:16"), ("12", "history", "22:16"),
                   ("12", "history", "22:20")]
    history = facts.goal_states[2]
    assert history.details["extensions"] == [VMS] and history.details["in_svd_seq_no"] == "12"
    assert facts.state["goal_state_placeholder"] == f"{LIB}/GoalState.1.xml"


def test_backup_extension_is_joined_across_every_file(facts):
    ext = facts.extensions[VMS]
    assert (ext.requested_version, ext.requested_state, ext.auto_upgrade) == ("1.0.9225.0", "enabled", False)
    assert ext.versions_on_disk == ["1.0.9221.0", "1.0.9225.0"]
    assert ext.handler_state == "Enabled"                      # from the newest version directory
    assert ext.handler_status == "NotReady"
    assert (ext.status, ext.status_code, ext.operation) == ("error", "2", "Enable")
    assert ext.status_message == "Enable failed with exception in safe freeze or snapshot "
    assert ext.status_time.isoformat() == "2024-01-14T22:16:50+00:00"
    assert (ext.seq_no, ext.mrseq, ext.processed) == (12, 11, False)
    assert ext.log_folder == f"var/log/azure/{VMS}"
    assert {r.path for r in ext.refs} >= {f"{LIB}/{VMS}-1.0.9225.0/status/12.status",
                                          f"{LIB}/{VMS}-1.0.9225.0/config/12.settings"}


def test_extensions_seen_only_in_the_status_blob_or_a_log_folder(facts):
    cse = facts.extensions["Microsoft.Azure.Extensions.CustomScript"]
    assert (cse.handler_status, cse.status, cse.seq_no) == ("Ready", "success", 3)
    assert cse.log_folder == "var/log/azure/custom-script"


def test_config_values_with_refs_and_defaults(facts):
    verbose = facts.config["Logs.Verbose"]
    assert (verbose.value, verbose.is_default, verbose.ref.path, verbose.ref.line_start) == (
        "y", False, "etc/waagent.conf", 5)
    assert facts.config["OS.EnableFIPS"].is_default and facts.config["OS.EnableFIPS"].value == "n"
    latest = facts.config["AutoUpdate.UpdateToLatestVersion"]
    assert (latest.value, latest.is_default, latest.ref) == ("n", True, None)
    assert facts.config["HttpProxy.Host"].value.endswith("@proxy.corp.example")   # as written


def test_no_config_without_a_waagent_conf():
    facts, _ = build(with_conf=False)
    assert facts.config == {}


def test_state_values(facts):
    state = facts.state
    assert (state["wireserver_endpoint"], state["wireserver_endpoint_default"]) == ("168.63.129.16", True)
    assert state["provisioned"] is True
    assert (state["dhcp_option_245"], state["dhcp_endpoint"]) == (True, "168.63.129.16")
    assert state["status_blob_time"].isoformat() == "2024-01-14T22:20:00+00:00"
    assert (state["status_blob_era"], state["agent_update_status"]) == ("status_blob", "Error")
    [err] = state["agent_errors"]
    assert (err["agent_version"], err["blacklisted"]) == ("2.10.0.8", True)
    collector = state["collector"]
    assert collector["archive_full"] and collector["truncated"] == ["/var/log/syslog"]
    assert "GoalState.1.xml" in state["waagent_lib_listing"]


def test_first_and_last_record_time_per_kind_and_kinds_present(facts):
    assert facts.first_seen["waagent_log"] == t(10, 0) and facts.last_seen["waagent_log"] == t(22, 16)
    assert facts.first_seen["collector_results"].isoformat() == "2024-01-15T08:00:00+00:00"
    assert {"waagent_log", "status_blob", "handler_status", "waagent_conf",
            "vmsnapshot_log"} <= facts.kinds_present
    assert facts.last_record_time.isoformat() == "2024-01-15T08:00:05+00:00"


def test_real_hibernate_goal_state_and_ovf_env_join(reference_data):
    facts, _ = build(reference_data)
    assert facts.state["provision_guest_agent"] is False and facts.state["hostname"] == "HostName"
    gs = next(g for g in facts.goal_states if g.ref.path.startswith(f"{LIB}/history/2024-01-01T09-00-00__1"))
    assert gs.incarnation == "1" and gs.details["etag"] == "1234"
    assert gs.details["container_id"] and gs.details["vm_settings_source"]
    assert "Microsoft.Azure.Extensions.CustomScript" in facts.extensions


def test_observe_ignores_plain_events_of_other_kinds():
    c = FactsCollector()
    c.observe(Event(None, TimeKind.NONE, None, "Agent x forwarding signal 15", "a.log", 1, 1,
                    "extension_log"))
    facts = c.finish()
    assert facts.restarts == [] and facts.first_seen == {}


def test_backup_tracker_gets_every_event_and_document(monkeypatch):
    seen: dict[str, int] = {"events": 0, "docs": 0}

    class FakeTracker:
        def observe(self, event: Event) -> None:
            seen["events"] += 1

        def add_document(self, doc: Any) -> None:
            seen["docs"] += 1

        def finish(self) -> list[BackupRun]:
            return [BackupRun(task_id="t1", seq_no=12, start=t(22, 16), end=t(22, 17), outcome="error",
                              error_code=76, phases=["freeze", "snapshot"])]

    monkeypatch.setattr(collector_module, "_backup_tracker", FakeTracker)
    facts, events = build()
    assert seen["events"] == len(events) and seen["docs"] > 10
    frame = backups_frame(facts)
    assert frame.loc[0, "duration_s"] == 60.0 and frame.loc[0, "phases"] == "freeze, snapshot"
    assert str(frame["start"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(frame["start"].dtype)


# ----------------------------------------------------------------------------- frames


def test_extensions_frame_one_row_per_handler(facts):
    frame = extensions_frame(facts)
    row = frame.set_index("name").loc[VMS]
    assert (row["requested_version"], row["status"], row["seq_no"], row["mrseq"], row["processed"]) == (
        "1.0.9225.0", "error", 12, 11, False)
    assert row["versions_on_disk"] == "1.0.9221.0, 1.0.9225.0"
    assert "UTC" in str(frame["status_time"].dtype) and str(frame["seq_no"].dtype) == "Int64"


def test_agent_and_goal_state_frames_are_time_ordered(facts):
    agents = agent_frame(facts)
    assert list(agents.columns[:4]) == ["timestamp", "role", "version", "how"]
    assert str(agents["role"].dtype) == "category"
    timed = agents["timestamp"].dropna()
    assert timed.is_monotonic_increasing and agents["timestamp"].isna().sum() == 2   # folder sightings last
    goals = goal_states_frame(facts)
    assert list(goals["incarnation"]) == ["11", "12", "12", "12"]


def test_empty_facts_give_empty_frames_with_columns():
    empty = Facts()
    assert list(extensions_frame(empty).columns)[:3] == ["name", "requested_version", "requested_state"]
    assert agent_frame(empty).empty and goal_states_frame(empty).empty and backups_frame(empty).empty
    assert config_mapping(empty) == {}


def test_config_mapping(facts):
    mapping = config_mapping(facts)
    assert mapping["Logs.Verbose"] == {"value": "y", "is_default": False, "path": "etc/waagent.conf",
                                       "line": 5}
    assert mapping["Extensions.Enabled"]["is_default"] is False


# ----------------------------------------------------------------------------- secrets


def _secrets(reference_data: Path) -> list[str]:
    texts = [(FIXTURES / name).read_text(errors="replace") for name, _, _ in STATE_FILES]
    texts.append((reference_data / "WALinuxAgent/tests/data/ovf-env.xml").read_text())
    texts += [(reference_data / "WALinuxAgent/tests/data/hibernate/goal_state_1" / n).read_text()
              for n in ("ExtensionsConfig.xml", "VmSettings.json")]
    found = ["Pa55word"]
    for text in texts:
        found += re.findall(r'protectedSettings(?:"|&quot;)\s*:\s*(?:"|&quot;)([^"&]{8,})', text)
        found += re.findall(r"sig=([^&\"<\s]{6,})", text)
        found += re.findall(r"<(?:UserPassword|CustomData)>([^<]+)<", text)
    return found


def test_no_secret_reaches_events_facts_or_the_frames_shown(reference_data):
    """Secrets of goal states, settings and ovf-env are never read into events or facts; what
    waagent.conf says is held as written (``Pa55word``) and hidden in what is shown — the frames
    of the facts as the notebook API shows them (:func:`scrub`, unless ``redact=False``)."""
    from loganalyzer.report.redaction import scrub
    facts, events = build(reference_data)
    secrets = _secrets(reference_data)
    assert len(secrets) >= 8
    held = repr(facts) + repr(events)
    assert "Pa55word" in repr(facts.config)
    for secret in secrets:
        assert secret == "Pa55word" or secret not in held, secret
    view = scrub(facts)
    shown = "\n".join([extensions_frame(view).to_csv(), agent_frame(view).to_csv(),
                       goal_states_frame(view).to_csv(), backups_frame(view).to_csv(),
                       repr(config_mapping(view)), repr(view)])
    for secret in secrets:
        assert secret not in shown, secret


def _restarts_of(messages: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str | None, str | None]]:
    c = FactsCollector()
    for line, (message, fields) in enumerate(messages, start=1):
        c.observe(log_event(t(12, 0, line), message, line, **fields))
    return [(r.role, r.version, r.reason) for r in c.finish().restarts]


def test_older_agent_restart_lines_from_real_logs():
    # Real 2.2.12 lines (dev corpus 010): failure, then the generic exit line, then the new agent's banner.
    cmd = "Agent WALinuxAgent-2.2.12 launched with command 'python3 -u /usr/sbin/waagent -run-exthandlers'"
    assert _restarts_of([
        (f"{cmd} failed with return code: 1", {}),
        (f"{cmd} returned code: 1", {}),
        ("Agent WALinuxAgent-2.2.12 is running as the goal state agent",
         {"agent_version": "2.2.12", "agent_role": "goal_state", "version_how": "banner"}),
        ("WALinuxAgent-2.2.12 did not terminate cleanly", {}),
    ]) == [("goal_state", "2.2.12", "goal-state agent exited with an error; previous agent did not terminate "
                                    "cleanly: WALinuxAgent-2.2.12")]


def test_a_relaunch_without_its_start_line_is_still_a_restart():
    # Real 2.2.6 line (dev corpus 008); the excerpt ends before the next banner.
    assert _restarts_of([("Agent WALinuxAgent-2.2.6 launched with command 'python -u /usr/sbin/waagent "
                          "-run-exthandlers' failed with return code: 1", {})]) == [
        ("goal_state", "2.2.6", "goal-state agent exited with an error (start line not in the bundle)")]


def test_a_final_sigterm_is_a_stop_not_a_restart():
    assert _restarts_of([("Agent WALinuxAgent-2.2.0 forwarding signal 15 to WALinuxAgent-2.2.0", {})]) == []


def test_a_run_of_heartbeats_keeps_only_its_first_and_last_sighting() -> None:
    from datetime import datetime, timedelta, timezone

    from loganalyzer.facts.collector import FactsCollector
    from loganalyzer.model import Event, TimeKind

    collector = FactsCollector()
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i in range(1000):
        version = "2.11.1.4" if i < 999 else "2.12.0.4"
        collector.observe(Event(start + timedelta(minutes=30 * i), TimeKind.UTC, "INFO",
                                f"[HEARTBEAT] Agent WALinuxAgent-{version} is running as the goal "
                                "state agent",
                                "var/log/waagent.log", i + 1, i + 1, "waagent_log",
                                fields={"agent_version": version, "agent_role": "goal_state",
                                        "version_how": "heartbeat"}))
    facts = collector.finish()
    seen = [(s.version, s.ref.line_start) for s in facts.agent_versions]
    assert seen == [("2.11.1.4", 1), ("2.11.1.4", 999), ("2.12.0.4", 1000)]
    assert facts.latest_version("goal_state") == "2.12.0.4"


def test_log_goal_states_keep_the_first_and_newest_and_count_the_rest() -> None:
    from datetime import datetime, timedelta, timezone

    from loganalyzer.facts import collector as module
    from loganalyzer.model import Event, TimeKind

    collector = module.FactsCollector()
    total = module.LOG_GOAL_STATES_HEAD + module.LOG_GOAL_STATES_TAIL + 500
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i in range(total):
        collector.observe(Event(start + timedelta(minutes=5 * i), TimeKind.UTC, "INFO",
                                f"Fetched a new incarnation for the WireServer goal state [incarnation {i}]",
                                "var/log/waagent.log", i + 1, i + 1, "waagent_log",
                                fields={"incarnation": str(i)}))
    facts = collector.finish()
    kept = [g.incarnation for g in facts.goal_states]
    assert len(kept) == module.LOG_GOAL_STATES_HEAD + module.LOG_GOAL_STATES_TAIL
    assert kept[0] == "0" and kept[-1] == str(total - 1)
    assert facts.state["goal_states_omitted"] == 500
