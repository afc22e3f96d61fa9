"""Extension handler directory files: status, settings, HandlerState/Status, manifests, heartbeat, mrseq."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.model import CoverageStatus, FileCoverage, TimeKind
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.handler_files import handler_from_path, parse_utc, seq_from_path
from loganalyzer.parsers.jsonsafe import JsonRefused, loads_bounded, nesting_depth
from loganalyzer.parsers.registry import PARSERS
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"
VMS = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0"


def run(kind: Kind, data: bytes, path: str, limits: Limits | None = None):
    member = Member(path, kind, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path=path, kind=str(kind)), limits=limits or Limits())
    events = list(PARSERS[kind](member, ctx))
    return events, ctx


def test_real_vmsnapshot_status_file_gives_status_and_nested_snapshot_details(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/ext/sample-status.json").read_bytes()
    events, ctx = run(Kind.HANDLER_STATUS, raw, f"{VMS}/status/3.status")
    doc = ctx.documents[0].data
    assert (doc.extension, doc.extension_version, doc.seq_no) == (
        "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "1.0.9225.0", 3)
    assert (doc.operation, doc.status, doc.code) == ("Enable", "success", "1")
    vms = doc.vmsnapshot
    assert vms.task_id == "e5e5602b-48a6-4c35-9f96-752043777af1"
    assert (vms.health_status_code, vms.health_state) == (1, 0)
    assert len(vms.snapshots) == 6 and not vms.failed_snapshots
    assert vms.snapshots[0].blob == "https://md-rvr1sst1m0s0.blob.core.windows.net/p3w4cdkggwwl/abcd"
    assert vms.telemetry["guestAgentVersion"] == "2.2.32.2"
    assert vms.telemetry["extErrorCode"] == "success"
    [event] = events
    assert event.level == "INFO" and event.time_kind == TimeKind.UTC
    assert event.timestamp.isoformat() == "2019-06-06T23:52:59+00:00"
    assert event.fields["vms_health_code"] == 1 and event.fields["vms_snapshots"] == 6


def test_very_large_real_status_files_parse_with_message_cut(reference_data):
    for name in ("sample-status-very-large.json", "sample-status-very-large-multiple-substatuses.json"):
        raw = (reference_data / "WALinuxAgent/tests/data/ext" / name).read_bytes()
        _, ctx = run(Kind.HANDLER_STATUS, raw, f"{VMS}/status/3.status")
        assert ctx.coverage.status == CoverageStatus.PARSED
        assert len(ctx.documents[0].data.message) <= 4000


@pytest.mark.parametrize(("name", "status", "reason"), [
    ("sample-status-invalid-json-format.json", CoverageStatus.UNREADABLE, "invalid JSON"),
    ("sample-status-invalid-format-emptykey-line7.json", CoverageStatus.UNREADABLE, "line 8"),
    ("sample-status-invalid-status-no-status-status-key.json", CoverageStatus.PARTIAL, "status.status"),
])
def test_malformed_real_status_files_are_marked_with_a_reason(reference_data, name, status, reason):
    raw = (reference_data / "WALinuxAgent/tests/data/ext" / name).read_bytes()
    _, ctx = run(Kind.HANDLER_STATUS, raw, f"{VMS}/status/3.status")
    assert ctx.coverage.status == status
    assert reason in ctx.coverage.reason


def test_status_template_from_dsc_reads_capitalised_substatus_keys(reference_data):
    raw = (reference_data / "azure-linux-extensions/DSC/test/status/0.status").read_bytes()
    _, ctx = run(Kind.HANDLER_STATUS, raw, "var/lib/waagent/Microsoft.OSTCExtensions.DSCForLinux-2.71.1.0/"
                                           "status/0.status")
    doc = ctx.documents[0].data
    assert doc.message == "formatted user message" and doc.substatus[0].message == "formatted user message"
    assert doc.timestamp is None and doc.vmsnapshot is None


def test_failed_backup_status_becomes_an_error_event_with_snapshot_fields():
    events, ctx = run(Kind.HANDLER_STATUS, (FIXTURES / "12.status").read_bytes(), f"{VMS}/status/12.status")
    [event] = events
    assert event.level == "ERROR"
    assert event.message == "Enable failed with exception in safe freeze or snapshot "
    assert event.timestamp.isoformat() == "2024-01-14T22:16:50+00:00"
    assert event.extension == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    assert event.fields == {
        "status": "error", "status_code": "2", "operation": "Enable", "seq_no": 12,
        "vms_task_id": "6a1b2c3d-0000-4000-8000-000000000001", "vms_health_code": 76, "vms_health_state": 2,
        "vms_snapshots": 2, "vms_snapshots_failed": 1,
        "vms_snapshot_error": "Snapshot failed: [Errno 101] Network is unreachable",
        "vms_ext_error_code": "FailedRetryableSnapshotFailedNoNetwork"}
    assert ctx.documents[0].data.vmsnapshot.inner_code == "76"


def test_settings_keep_seqno_thumbprint_and_public_settings_as_written_only():
    """Protected settings are never read (a flag); public settings are kept as written and
    redacted where text leaves the tool (tests/test_redaction_boundary.py), not here."""
    from loganalyzer.report.redaction import scrub
    raw = (FIXTURES / "12.settings").read_bytes()
    _, ctx = run(Kind.HANDLER_SETTINGS, raw, f"{VMS}/config/12.settings")
    doc = ctx.documents[0].data
    assert (doc.extension, doc.seq_no) == ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", 12)
    s = doc.settings[0]
    assert s.has_protected_settings and s.cert_thumbprint == "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
    assert s.public_settings["taskId"] == "6a1b2c3d-0000-4000-8000-000000000001"
    assert s.public_settings["objectStr"].endswith("characters>")
    held = repr(ctx.documents)
    assert "MIIBPROTECTEDSECRETBLOB" not in held and "STATUSBLOBSIGSECRET" in held
    assert "STATUSBLOBSIGSECRET" not in repr(scrub(doc))


def test_real_extension_settings_file_drops_protected_settings(reference_data):
    raw = (reference_data / "azure-linux-extensions/OSPatching/test/config/0.settings").read_bytes()
    _, ctx = run(Kind.HANDLER_SETTINGS, raw,
                 "var/lib/waagent/Microsoft.OSTCExtensions.OSPatchingForLinux-2.3.0/config/0.settings")
    assert ctx.documents[0].data.settings[0].has_protected_settings
    protected = json.loads(raw)["runtimeSettings"][0]["handlerSettings"]["protectedSettings"]
    assert protected[:40] not in repr(ctx.documents)


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-14T22:16:50Z", "2024-01-14T22:16:50+00:00"),
    ("2024-01-14T22:16:50.123456Z", "2024-01-14T22:16:50.123456+00:00"),
    ("/Date(1705270609000)/", "2024-01-14T22:16:49+00:00"),
    (1705270608.0, "2024-01-14T22:16:48+00:00"),
])
def test_status_times_of_every_shape_become_utc(value, expected):
    assert parse_utc(value).isoformat() == expected


@pytest.mark.parametrize("value", ["<current utc time>", "", None, True, "9999-99-99", 1e300])
def test_unreadable_status_times_are_none(value):
    assert parse_utc(value) is None


def test_multi_config_file_names_give_extension_name_and_seqno():
    assert seq_from_path(f"{VMS}/status/MCExt1.4.status") == (4, "MCExt1")
    assert seq_from_path(f"{VMS}/config/0.settings") == (0, None)
    assert handler_from_path("var/lib/waagent/history/x") == (None, None)


def test_handler_state_status_mrseq_and_heartbeat_files():
    _, ctx = run(Kind.HANDLER_STATE, (FIXTURES / "HandlerState").read_bytes(), f"{VMS}/config/HandlerState")
    assert ctx.documents[0].data.state == "Enabled"
    _, ctx = run(Kind.HANDLER_STATE, b"Installed", f"{VMS}/config/MCExt1.HandlerState")
    assert ctx.documents[0].data.extension_name == "MCExt1"
    _, ctx = run(Kind.HANDLER_STATUS_FILE, (FIXTURES / "HandlerStatus").read_bytes(),
                 f"{VMS}/config/HandlerStatus")
    hs = ctx.documents[0].data
    assert (hs.status, hs.code) == ("NotReady", "1009") and "Non-zero exit code: 1" in hs.message
    _, ctx = run(Kind.MRSEQ, (FIXTURES / "mrseq").read_bytes(), f"{VMS}/mrseq")
    assert ctx.documents[0].data.value == 11
    events, ctx = run(Kind.HEARTBEAT, (FIXTURES / "heartbeat.log").read_bytes(), f"{VMS}/heartbeat.log")
    assert ctx.documents[0].data.status == "notready"
    assert [(e.level, e.message) for e in events] == [("WARNING", "daemon not responding")]


def test_unknown_handler_state_and_bad_mrseq_are_partial():
    _, ctx = run(Kind.HANDLER_STATE, (FIXTURES / "HandlerState-unknown").read_bytes(),
                 f"{VMS}/config/HandlerState")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and "unknown handler state" in ctx.coverage.reason
    _, ctx = run(Kind.MRSEQ, (FIXTURES / "mrseq-bad").read_bytes(), f"{VMS}/mrseq")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and ctx.documents[0].data.value is None


def test_every_real_handler_manifest_parses(reference_data):
    files = sorted((reference_data / "WALinuxAgent/tests/data/ext").rglob("HandlerManifest.json"))
    files += sorted((reference_data / "WALinuxAgent/tests/data/ext/handler_manifest").glob("*.json"))
    files += sorted((reference_data / "azure-linux-extensions").rglob("HandlerManifest.json"))
    assert len(files) >= 15
    for path in files:
        _, ctx = run(Kind.HANDLER_MANIFEST, path.read_bytes(), "var/lib/waagent/X-1.0/HandlerManifest.json")
        assert ctx.coverage.status == CoverageStatus.PARSED, (path, ctx.coverage.reason)
        assert ctx.documents[0].data.commands, path


def test_vmbackup_handler_manifest_gives_commands(reference_data):
    raw = (reference_data / "azure-linux-extensions/VMBackup/HandlerManifest.json").read_bytes()
    _, ctx = run(Kind.HANDLER_MANIFEST, raw, f"{VMS}/HandlerManifest.json")
    hm = ctx.documents[0].data
    assert hm.name
    assert "enableCommand" in hm.commands


def test_invalid_manifest_booleans_are_kept_as_written(reference_data):
    manifests = reference_data / "WALinuxAgent/tests/data/ext/handler_manifest"
    raw = (manifests / "manifest_boolean_fields_invalid.json").read_bytes()
    _, ctx = run(Kind.HANDLER_MANIFEST, raw, "var/lib/waagent/X-1.0/HandlerManifest.json")
    hm = ctx.documents[0].data
    assert (hm.report_heartbeat, hm.supports_multiple_extensions) == ("invalid", 1)


def test_real_handler_environment_files_give_folders(reference_data):
    for path in sorted((reference_data / "azure-linux-extensions").rglob("HandlerEnvironment.json")):
        _, ctx = run(Kind.HANDLER_ENVIRONMENT, path.read_bytes(),
                     "var/lib/waagent/X-1.0/HandlerEnvironment.json")
        env = ctx.documents[0].data
        assert env.log_folder and env.status_folder and env.schema_version == "1.0", path


def test_manifest_without_handler_manifest_object_is_partial():
    _, ctx = run(Kind.HANDLER_MANIFEST, b'[{"name": "x"}]', "var/lib/waagent/X-1.0/HandlerManifest.json")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and ctx.documents == []


# ----------------------------------------------------------------------------- bounded JSON


def test_json_nested_100000_levels_gives_a_clean_refusal_not_recursion_error():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(JsonRefused, match="nested deeper"):
        loads_bounded(deep)
    for kind in (Kind.HANDLER_STATUS, Kind.STATUS_BLOB, Kind.VM_SETTINGS, Kind.HANDLER_SETTINGS):
        _, ctx = run(kind, deep, f"{VMS}/status/1.status")
        assert ctx.coverage.status == CoverageStatus.UNREADABLE
        assert "nested deeper" in ctx.coverage.reason


def test_deep_json_inside_a_string_does_not_count_as_nesting():
    text = json.dumps({"a": "[" * 1000})
    assert nesting_depth(text) == 1
    assert loads_bounded(text) == {"a": "[" * 1000}


def test_json_over_the_size_limit_is_not_parsed():
    _, ctx = run(Kind.HANDLER_STATUS, (FIXTURES / "12.status").read_bytes(), f"{VMS}/status/12.status",
                 limits=Limits(max_json_bytes=100))
    assert ctx.coverage.status == CoverageStatus.SKIPPED and ctx.documents == []


def test_utf16_and_bom_json_decode():
    assert loads_bounded('{"a": 1}'.encode("utf-16")) == {"a": 1}
    assert loads_bounded(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_handler_file_parsers_never_raise_on_arbitrary_bytes(data):
    for kind in (Kind.HANDLER_STATUS, Kind.HANDLER_STATE, Kind.HANDLER_STATUS_FILE, Kind.HANDLER_SETTINGS,
                 Kind.HANDLER_MANIFEST, Kind.HANDLER_ENVIRONMENT, Kind.HEARTBEAT, Kind.MRSEQ):
        run(kind, data, f"{VMS}/status/1.status")


_KEYS = ["status", "name", "code", "substatus", "formattedMessage", "timestampUTC", "message", "heartbeat",
         "snapshotInfo", "vmHealthInfo", "telemetryData", "taskId", "runtimeSettings", "handlerSettings"]


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(_KEYS), children, max_size=5), max_leaves=30))
def test_status_parser_never_raises_on_arbitrary_json_shapes(value):
    data = json.dumps(value).encode()
    for kind in (Kind.HANDLER_STATUS, Kind.HEARTBEAT, Kind.HANDLER_STATUS_FILE, Kind.HANDLER_SETTINGS):
        run(kind, data, f"{VMS}/status/1.status")
        run(kind, json.dumps([{"status": value}]).encode(), f"{VMS}/status/1.status")
