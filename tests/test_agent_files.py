"""The agent's own state files: status blob (three eras), error.json, one-value files, ovf-env, leases."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.model import CoverageStatus, FileCoverage
from loganalyzer.parsers.agent_files import endpoint_from_option_245
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.registry import PARSERS
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"


def run(kind: Kind, data: bytes, path: str = "var/lib/waagent/x"):
    member = Member(path, kind, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path=path, kind=str(kind)), limits=Limits())
    events = list(PARSERS[kind](member, ctx))
    return events, ctx


def test_status_info_file_of_2_2_38_era_names_goal_state_agent_and_handlers():
    events, ctx = run(Kind.STATUS_BLOB, (FIXTURES / "waagent_status-2.2.38.json").read_bytes(),
                      "var/lib/waagent/waagent_status.json")
    blob = ctx.documents[0].data
    assert (blob.era, blob.agent_version, blob.timestamp.isoformat()) == (
        "agent_info", "2.2.45", "2019-10-01T08:15:02+00:00")
    assert [(h.name, h.handler_status) for h in blob.handlers] == [
        ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "NotReady"),
        ("Microsoft.OSTCExtensions.VMAccessForLinux", "Ready")]
    assert [e.level for e in events] == ["ERROR", "INFO"]


def test_status_blob_with_metadata_of_2_5_era_names_the_daemon():
    events, ctx = run(Kind.STATUS_BLOB, (FIXTURES / "waagent_status.5.json").read_bytes(),
                      "var/lib/waagent/waagent_status.5.json")
    blob = ctx.documents[0].data
    assert (blob.era, blob.agent_version, blob.daemon_version) == (
        "blob_with_metadata", "2.2.53.1", "2.2.31")
    [h] = blob.handlers
    assert (h.status, h.operation, h.seq_no, h.timestamp.isoformat()) == (
        "transitioning", "Enable", 7, "2021-06-02T10:10:00+00:00")
    assert events[0].fields["seq_no"] == 7 and events[0].level == "INFO"


def test_status_blob_of_2_8_era_gives_handlers_update_and_goal_state_status():
    events, ctx = run(Kind.STATUS_BLOB, (FIXTURES / "waagent_status-2.9.json").read_bytes(),
                      "var/lib/waagent/history/2024-01-14T22-20-00__12/waagent_status.json")
    blob = ctx.documents[0].data
    assert (blob.era, blob.agent_version, blob.agent_status) == ("status_blob", "2.9.1.1", "Ready")
    assert (blob.update_status, blob.update_message) == (
        "Error", "Auto update is disabled, skipping agent update")
    assert (blob.goal_state_status, blob.in_svd_seq_no, blob.os_name) == ("Success", "12", "ubuntu")
    vms = blob.handlers[0]
    assert (vms.handler_status, vms.handler_code, vms.status, vms.code, vms.seq_no) == (
        "NotReady", "1009", "error", "2", 12)
    error = events[0]
    assert error.level == "ERROR" and error.extension == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    assert error.message == "Enable failed with exception in safe freeze or snapshot "
    assert error.fields == {"status": "error", "status_code": "2", "operation": "Enable", "seq_no": 12,
                            "handler_status": "NotReady", "handler_code": "1009"}
    assert events[1].level == "INFO" and len(events) == 2


def test_failed_goal_state_in_status_blob_is_an_error_event():
    blob = json.loads((FIXTURES / "waagent_status-2.9.json").read_text())
    gs = blob["aggregateStatus"]["vmArtifactsAggregateStatus"]["goalStateAggregateStatus"]
    gs.update(status="Failed", code=1, formattedMessage={"lang": "en-US", "message": "GoalState failed"})
    events, _ = run(Kind.STATUS_BLOB, json.dumps(blob).encode())
    assert (events[-1].level, events[-1].message, events[-1].fields["in_svd_seq_no"]) == (
        "ERROR", "GoalState failed", "12")


def test_unknown_or_truncated_status_blob_is_marked():
    _, ctx = run(Kind.STATUS_BLOB, b'{"something": "else"}')
    assert ctx.coverage.status == CoverageStatus.PARTIAL and "layout" in ctx.coverage.reason
    raw = (FIXTURES / "waagent_status-2.9.json").read_bytes()
    _, ctx = run(Kind.STATUS_BLOB, raw[: len(raw) // 2])
    assert ctx.coverage.status == CoverageStatus.UNREADABLE and ctx.documents == []


def test_agent_error_record_gives_failures_and_blacklisting():
    events, ctx = run(Kind.AGENT_ERROR, (FIXTURES / "error.json").read_bytes(),
                      "var/lib/waagent/WALinuxAgent-2.10.0.8/error.json")
    err = ctx.documents[0].data
    assert (err.agent_version, err.failure_count, err.was_fatal, err.blacklisted) == (
        "2.10.0.8", 3, False, True)
    assert err.last_failure.isoformat().startswith("2024-01-14T22:16:48")
    [event] = events
    assert event.level == "ERROR" and event.fields["agent_version"] == "2.10.0.8"
    assert event.message.startswith("Agent WALinuxAgent-2.10.0.8 error state: Last Failure: 1705270608.123, "
                                    "Total Failures: 3, Fatal: False, Reason: [AgentUpdateError]")


def test_clean_agent_error_record_gives_no_event():
    events, ctx = run(Kind.AGENT_ERROR, (FIXTURES / "error-clean.json").read_bytes(),
                      "var/lib/waagent/WALinuxAgent-2.9.1.1/error.json")
    err = ctx.documents[0].data
    assert events == [] and not err.blacklisted and err.last_failure is None


def test_one_value_files():
    _, ctx = run(Kind.INCARNATION, (FIXTURES / "Incarnation").read_bytes())
    assert ctx.documents[0].data.value == "3"
    _, ctx = run(Kind.WIRESERVER_ENDPOINT, (FIXTURES / "WireServerEndpoint").read_bytes())
    assert ctx.documents[0].data.is_default
    _, ctx = run(Kind.WIRESERVER_ENDPOINT, (FIXTURES / "WireServerEndpoint-custom").read_bytes())
    assert (ctx.documents[0].data.address, ctx.documents[0].data.is_default) == ("10.1.2.3", False)
    _, ctx = run(Kind.PROVISIONED, (FIXTURES / "provisioned").read_bytes())
    assert ctx.documents[0].data.present
    _, ctx = run(Kind.WIRESERVER_ENDPOINT, b"not an address\n")
    assert ctx.coverage.status == CoverageStatus.PARTIAL
    _, ctx = run(Kind.INCARNATION, b"abc")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and ctx.documents[0].data.value is None


def _ovf_files(reference_data: Path) -> list[Path]:
    return [*sorted((reference_data / "WALinuxAgent/tests/data").glob("ovf-env*.xml")),
            reference_data / "azure-linux-extensions/Utils/test/ovf-env.xml"]


def test_real_ovf_env_files_give_provisioning_flags_and_never_secrets(reference_data):
    seen = set()
    for path in _ovf_files(reference_data):
        raw = path.read_text()
        _, ctx = run(Kind.OVF_ENV, raw.encode(), "var/lib/waagent/ovf-env.xml")
        ovf = ctx.documents[0].data
        seen.add(ovf.provision_guest_agent)
        shown = repr(ctx.documents)
        for tag in ("UserPassword", "CustomData", "UserName"):
            for value in re.findall(rf"<{tag}>([^<]+)</{tag}>", raw):
                assert value not in shown.replace("has_user_password", "").replace("has_custom_data", ""), (
                    path, tag)
        assert "ssh-rsa" not in shown
    assert {True, False} <= seen


def test_ovf_env_disabling_the_agent(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/ovf-env.xml").read_bytes()
    _, ctx = run(Kind.OVF_ENV, raw)
    ovf = ctx.documents[0].data
    assert (ovf.provision_guest_agent, ovf.hostname, ovf.has_user_password, ovf.has_custom_data) == (
        False, "HostName", True, True)


def test_ovf_env_with_internal_dtd_is_refused(reference_data):
    raw = (reference_data / "azure-linux-extensions/Utils/test/ovf-env-empty.xml").read_bytes()
    _, ctx = run(Kind.OVF_ENV, raw)
    assert ctx.coverage.status == CoverageStatus.UNREADABLE and "DOCTYPE" in ctx.coverage.reason


@pytest.mark.parametrize(("name", "endpoint"), [
    ("dhcp.leases", "168.63.129.16"), ("dhcp.leases.custom.dns", "168.63.129.1"),
    ("dhcp.leases.multi", "168.63.129.2")])    # the last of the leases that expire last
def test_real_dhclient_leases_carry_option_245(reference_data, name, endpoint):
    raw = (reference_data / "WALinuxAgent/tests/data" / name).read_bytes()
    _, ctx = run(Kind.DHCP_LEASE, raw, "var/lib/dhcp/dhclient.eth0.leases")
    leases = ctx.documents[0].data
    assert leases.option_245_seen and leases.endpoint == endpoint
    assert ctx.coverage.records == len(leases.leases) >= 1


def test_lease_without_option_245_and_networkd_leases():
    _, ctx = run(Kind.DHCP_LEASE, (FIXTURES / "dhclient-no245.leases").read_bytes())
    assert not ctx.documents[0].data.option_245_seen and ctx.documents[0].data.endpoint is None
    _, ctx = run(Kind.DHCP_LEASE, (FIXTURES / "networkd-lease").read_bytes(), "run/systemd/netif/leases/2")
    assert ctx.documents[0].data.endpoint == "168.63.129.16"
    _, ctx = run(Kind.DHCP_LEASE, (FIXTURES / "networkd-lease-no245").read_bytes(),
                 "run/systemd/netif/leases/2")
    assert not ctx.documents[0].data.option_245_seen


def test_unrecognised_lease_format_is_partial():
    _, ctx = run(Kind.DHCP_LEASE, b"<lease><ipv4/></lease>")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and ctx.documents[0].data.leases == []


def test_option_245_decoding_rejects_garbage():
    assert endpoint_from_option_245("a8:3f:81") is None
    assert endpoint_from_option_245("zz:3f:81:10") is None


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from([
                        "aggregateStatus", "guestAgentStatus", "handlerAggregateStatus",
                        "runtimeSettingsStatus", "settingsStatus", "status", "extensions_status",
                        "timestampUTC", "updateStatus",
                        "vmArtifactsAggregateStatus", "goalStateAggregateStatus", "supportedFeatures",
                        "last_failure", "failure_count", "reason", "extensionGoalStates", "gaFamilies",
                        "statusUploadBlob", "settings", "dependsOn"]), c, max_size=4), max_leaves=25))
def test_agent_json_parsers_never_raise_on_arbitrary_shapes(value):
    data = json.dumps(value).encode()
    for kind in (Kind.STATUS_BLOB, Kind.AGENT_ERROR, Kind.VM_SETTINGS):
        run(kind, data, "var/lib/waagent/WALinuxAgent-2.9.1.1/error.json")
        run(kind, json.dumps({"aggregateStatus": value, "extensionGoalStates": [value]}).encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_agent_file_parsers_never_raise_on_arbitrary_bytes(data):
    for kind in (Kind.STATUS_BLOB, Kind.AGENT_ERROR, Kind.INCARNATION, Kind.WIRESERVER_ENDPOINT,
                 Kind.PROVISIONED, Kind.OVF_ENV, Kind.DHCP_LEASE):
        run(kind, data)
