"""Payload fields inside agent messages, on real message text (formats.md §2–§3, excerpts, dev corpus)."""
from __future__ import annotations

import base64
import zlib

import pytest

from loganalyzer.parsers.payloads import decode_event_message, event_fields, extract_fields


def _encode(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode())).decode()


# ---------------------------------------------------------------- Event: lines

def test_event_line_with_duration():
    f = extract_fields("Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 1, duration=1374")
    assert f["event_name"] == "WALinuxAgent" and f["event_op"] == "ProcessGoalState"
    assert f["event_message"] == "Incarnation 1" and f["event_duration"] == 1374
    assert f["event_encoded"] is False and f["incarnation"] == "1"


def test_event_message_spans_lines_and_duration_sits_on_the_last_one():
    message = ("Event: name=Microsoft.Azure.Extensions.CustomScript, op=Disable, "
               "message=[ExtensionOperationError] "
               "Non-zero exit code: 2, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.0.7/bin/"
               "custom-script-shim disablefailed\n[stdout]\nIncorrect command: "
               "\"disablefailed\"\n\n\n[stderr]\n"
               "Running scope as unit: disable_3dc6fbcb.scope\n; ContinueOnUpdate: False, duration=0")
    f = extract_fields(message)
    assert f["event_duration"] == 0
    assert f["event_message"].endswith("; ContinueOnUpdate: False")
    assert "[stdout]" in f["event_message"]
    assert f["exit_code"] == 2 and f["exception_tags"] == ["ExtensionOperationError"]


def test_event_of_2_1_agents_has_no_duration_and_may_have_an_empty_message():
    f = event_fields("Event: name=WALinuxAgent, op=ProcessGoalState, message=")
    assert f == {"event_name": "WALinuxAgent", "event_op": "ProcessGoalState", "event_message": "",
                 "event_encoded": False}


def test_event_cut_after_the_operation_still_names_it():
    # dev-corpus 040: the post ends after "op=Enable"
    f = event_fields("Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable")
    assert f["event_op"] == "Enable" and f["event_message"] == ""


def test_encoded_enable_message_is_decoded():
    blob = _encode("[ExtensionOperationError] Non-zero exit code: 1, bin/custom-script-shim enable")
    f = extract_fields(f"Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message={blob}, "
                       "duration=0")
    assert f["event_encoded"] is True
    assert f["event_message"].startswith("[ExtensionOperationError] Non-zero exit code: 1")
    assert f["exit_code"] == 1 and f["exception_tags"] == ["ExtensionOperationError"]


def test_encoded_looking_message_of_an_op_that_is_never_encoded_stays_as_is():
    blob = _encode("hello")
    f = event_fields(f"Event: name=WALinuxAgent, op=Download, message={blob}, duration=0")
    assert f["event_message"] == blob and f["event_encoded"] is False


@pytest.mark.parametrize("text", ["eJust a plain message", "eJy1k29r2zAQxt", "eJ" + "A" * 40, "eJ%%%"])
def test_message_that_only_looks_encoded_stays_as_is(text):
    assert decode_event_message(text) is None
    f = event_fields(f"Event: name=X, op=Install, message={text}, duration=0")
    assert f["event_message"] == text and f["event_encoded"] is False


def test_real_encoded_event_of_dev_corpus_044(dev_corpus):
    path = dev_corpus / "044-omsagent-debian10-base64-compressed-event" / "waagent.log"
    line = path.read_text().splitlines()[2]
    message = line.split(" ExtHandler ", 1)[1]
    f = extract_fields(message)
    assert f["event_encoded"] is True and f["event_op"] == "Install"
    assert "Unsupported operating system: debian 10.10" in f["event_message"]
    assert f["exit_code"] == 51


# ---------------------------------------------------------------- agent versions

@pytest.mark.parametrize("message, version, role, how", [
    ("Azure Linux Agent Version:2.2.45", "2.2.45", "daemon", "banner"),
    ("Azure Linux Agent Version: 2.9.1.1", "2.9.1.1", "daemon", "banner"),
    ("Azure Linux Agent Version: WALinuxAgent-2.0.16", "2.0.16", "daemon", "banner"),
    ("Agent WALinuxAgent-2.2.53 is running as the goal state agent", "2.2.53", "goal_state", "banner"),
    ("Azure Linux Agent (Goal State Agent version 9.9.9.9)", "9.9.9.9", "goal_state", "banner"),
    ("[HEARTBEAT] Agent WALinuxAgent-2.11.1.4 is running as the goal state agent [DEBUG HeartbeatCounter: "
     "1317;HeartbeatId: 0F278542;UpdateGSErrors: 0;AutoUpdate: 1;UpdateMode: SelfUpdate;]", "2.11.1.4",
     "goal_state", "heartbeat"),
    ("Determined Agent WALinuxAgent-2.1.5.6 to be the latest agent", "2.1.5.6", "goal_state", "determined"),
    ("Installed Agent WALinuxAgent-2.2.12 is the most current agent", "2.2.12", "goal_state", "installed"),
])
def test_agent_version_banners_of_every_generation(message, version, role, how):
    f = extract_fields(message)
    assert (f["agent_version"], f["agent_role"], f["version_how"]) == (version, role, how)


# ---------------------------------------------------------------- heartbeats

@pytest.mark.parametrize("debug, expected", [
    ("[DEBUG HeartbeatCounter: 4;HeartbeatId: A-B;DroppedPackets: 0;UpdateGSErrors: 2;AutoUpdate: 0]",
     {"hb_counter": 4, "hb_update_gs_errors": 2, "hb_auto_update": 0, "hb_dropped_packets": 0}),
    ("[DEBUG HeartbeatCounter: 7;HeartbeatId: A-B;DroppedPackets: 1;UpdateGSErrors: 0;AutoUpdate: 1;"
     "UpdateMode: RSM;]", {"hb_counter": 7, "hb_auto_update": 1, "hb_update_mode": "RSM"}),
    ("[DEBUG HeartbeatCounter: 1317;HeartbeatId: 0F278542-19ED;UpdateGSErrors: 0;AutoUpdate: 1;"
     "UpdateMode: SelfUpdate;]",
     {"hb_counter": 1317, "hb_update_gs_errors": 0, "hb_update_mode": "SelfUpdate"}),
], ids=["2.2.49-2.11", "2.12", "2.13+"])
def test_heartbeat_counters_of_all_three_shapes(debug, expected):
    f = extract_fields(f"[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent {debug}")
    assert expected.items() <= f.items()


# ---------------------------------------------------------------- distro

def test_distro_line_becomes_lower_snake_fields():
    f = extract_fields("Distro: ubuntu-24.04; OSUtil: UbuntuOSUtil; AgentService: walinuxagent; Python: "
                       "3.12.3; "
                       "Arch: x86_64; systemd: True; systemd_version: systemd 255; LISDrivers: Absent; "
                       "logrotate: logrotate 3.21.0;")
    assert f == {"distro": "ubuntu-24.04", "os_util": "UbuntuOSUtil", "agent_service": "walinuxagent",
                 "python_version": "3.12.3", "arch": "x86_64", "systemd": "True",
                 "systemd_version": "systemd 255",
                 "lis_drivers": "Absent", "logrotate": "logrotate 3.21.0"}


# ---------------------------------------------------------------- incarnation

@pytest.mark.parametrize("message, incarnation", [
    ("Target handler state: enabled [incarnation 3]", "3"),
    ("Target handler state: enabled [incarnation_2]", "2"),
    ("Incarnation 1 failed to get Prod package list", "1"),
    ("ProcessExtensionsInGoalState started [Incarnation: 5; Activity Id: x]", "5"),
    ('<GoalState goalStateIncarnation="12">', "12"),
])
def test_incarnation_ids(message, incarnation):
    assert extract_fields(message)["incarnation"] == incarnation


# ---------------------------------------------------------------- HTTP failures

def test_http_failed_ioerror_with_errno():
    f = extract_fields("Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] "
                       "[HTTP Failed] "
                       "GET http://168.63.129.16/machine/ -- IOError [Errno 101] Network is unreachable "
                       "-- 6 attempts made")
    assert f["http_method"] == "GET" and f["http_url"] == "http://168.63.129.16/machine/"
    assert f["http_host"] == "168.63.129.16" and f["http_errno"] == 101
    assert f["http_error"] == "Network is unreachable" and f["http_attempts"] == 6
    assert f["exception_tags"] == ["ProtocolError", "Wireserver Exception", "HttpError"]


def test_http_failed_timeout_to_the_host_plugin_has_a_port():
    f = extract_fields("Error in SendHostPluginHeartbeat: [HttpError] [HTTP Failed] GET "
                       "http://168.63.129.16:32526/health "
                       "-- IOError timed out -- 1 attempts made --- [NOTE: Will not log the same error "
                       "for the next hour]")
    assert (f["http_port"], f["http_error"], f["http_attempts"]) == (32526, "timed out", 1)


def test_http_retry_with_status_code():
    f = extract_fields("Fetch failed: [HttpError] [HTTP Retry] GET "
                       "http://168.63.129.16:32526/extensionArtifact -- "
                       "Status Code 502 -- 1 attempts made")
    assert (f["http_status"], f["http_attempts"]) == (502, 1)


def test_http_failed_with_status_and_reason():
    f = extract_fields("Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: "
                       "2bed9b62 eTag: 7031]: "
                       "[Internal error in HostGAPlugin] [HTTP Failed] [502: Bad Gateway] b'{}'")
    assert (f["http_method"], f["http_status"], f["http_error"]) == ("GET", 502, "Bad Gateway")
    assert "Internal error in HostGAPlugin" in f["exception_tags"]


def test_2_2_retry_line_with_io_error():
    # dev-corpus 012
    f = extract_fields("Retry [1/1 - IO error: HTTP GET [Errno 101] Network is unreachable]")
    assert (f["http_method"], f["http_errno"], f["http_error"], f["http_attempts"]) == (
        "GET", 101, "Network is unreachable", 1)


def test_2017_retry_variant_with_ioerror_timed_out():
    # dev-corpus 059
    f = extract_fields("[HTTP Retry] Attempt 2 of 3: [HTTP Failed] HTTP PUT IOError timed out")
    assert (f["http_method"], f["http_error"], f["http_attempts"]) == ("PUT", "timed out", 2)


def test_a_failed_url_is_kept_as_logged_and_redacted_where_it_leaves():
    """Redaction is not the parser's: the field holds the URL as logged, the frame hides its SAS."""
    from loganalyzer.model import Event, TimeKind
    from loganalyzer.parsers.frame import events_frame
    f = extract_fields("Fetch failed: [HttpError] [HTTP Failed] GET "
                       "https://md-x.blob.core.windows.net/$system/a.vmSettings"
                       "?sv=2018-03-28&sr=b&sk=system-1&sig=abc%2Bd&se=9999 -- IOError timed out -- 6 "
                       "attempts made")
    assert f["http_url"].endswith("&sig=abc%2Bd&se=9999")
    assert f["http_host"] == "md-x.blob.core.windows.net"
    event = Event(None, TimeKind.NONE, "ERROR", "Fetch failed", "var/log/waagent.log", 1, 1, "waagent_log",
                  fields=f)
    shown = events_frame([event]).loc[0, "fields"]
    assert "abc%2Bd" not in str(shown) and str(shown).count("<redacted>") == 1
    assert "abc%2Bd" in str(events_frame([event], redact=False).loc[0, "fields"])


def test_successful_http_lines_are_not_failures():
    assert extract_fields("[HTTP Response] Status Code 200") is None
    assert extract_fields("HTTP connection [GET] [/machine?comp=goalstate] [None] [{}]") is None


def test_disk_errno_is_not_an_http_error():
    f = extract_fields("Failed to save the goal state: [Errno 28] No space left on device")
    assert f is None or "http_errno" not in f


# ---------------------------------------------------------------- tags and exit codes

def test_exception_tags_in_order_without_duplicates():
    f = extract_fields("Fetching the goal state failed: [ResourceGoneError] [HTTP Failed] [410: Gone] "
                       "Inner error: [ResourceGoneError] gone")
    assert f["exception_tags"] == ["ResourceGoneError"]


def test_exit_code_of_an_extension_command():
    f = extract_fields("[ExtensionOperationError] Non-zero exit code: 126, /var/lib/waagent/x/bin/shim "
                       "install")
    assert f["exit_code"] == 126


def test_plain_message_has_no_fields():
    assert extract_fields("Wire server endpoint:168.63.129.16") is None
    assert extract_fields("") is None


# -- a message read again (the Event and HTTP readers remember what they read) ------------------

REPEATED = (
    "Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message=[ExtensionOperationError] "
    "Non-zero exit code: 1, /var/lib/waagent/x/bin/custom-script-shim enable, duration=1204",
    "Fetch failed: [HttpError] [HTTP Retry] GET http://168.63.129.16:32526/extensionArtifact "
    "-- Status Code 502 -- 1 attempts made",
)


@pytest.mark.parametrize("message", REPEATED)
def test_a_repeated_message_gives_the_same_fields_each_in_dicts_of_its_own(message):
    first = extract_fields(message)
    assert first
    expected = {k: (list(v) if isinstance(v, list) else v) for k, v in first.items()}
    for _ in range(3):
        got = extract_fields(message)
        assert got == expected
        # what parsers do to a record's fields (add their own), and a caller to a nested list
        got["vms_buffered"] = True
        for value in got.values():
            if isinstance(value, list):
                value.append("changed")
    assert extract_fields(message + " ") == {**expected}   # a new text is read, not looked up


def test_remembered_texts_stay_bounded(monkeypatch):
    from loganalyzer.parsers import payloads
    monkeypatch.setattr(payloads._Remembered, "MAX_ENTRIES", 50)
    monkeypatch.setattr(payloads._http_found_once, "_known", {})
    for n in range(500):
        fields = extract_fields(f"Fetch failed: [HttpError] GET http://10.0.0.{n % 250}/x -- {n} attempts")
        assert fields is not None and fields["http_host"] == f"10.0.0.{n % 250}"
        assert len(payloads._http_found_once._known) <= 50
    long = "Fetch failed: [HttpError] GET http://10.0.0.1/x " + "y" * payloads._Remembered.MAX_CHARS
    assert extract_fields(long)["http_host"] == "10.0.0.1"
    assert long not in payloads._http_found_once._known
