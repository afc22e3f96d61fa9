"""Records become signals by structure and by keywords when no catalog template knows the words,
and the rules over signals turn them into findings: lines of the kinds the message-catalog issue
lists as missed, written in each agent generation's format."""
from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.analysis import analyze
from loganalyzer.catalog.classify import by_keyword, by_structure, endpoint_of, error_class_of, template_of
from loganalyzer.catalog.signals import Signal, cause_of, family
from loganalyzer.model import Event, TimeKind
from loganalyzer.parsers.payloads import extract_fields
from loganalyzer.result import AnalysisOptions

REPORTED = {"critical", "error", "warning"}


def event(message: str, level: str | None = "ERROR", kind: str = "waagent_log",
          source: str | None = None) -> Event:
    return Event(None, TimeKind.NONE, level, message, "var/log/waagent.log", 1, 1, kind, source=source,
                 fields=extract_fields(message))


def causes_of(tmp_path: Path, rel: str, text: str) -> set[str]:
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    result = analyze(str(tmp_path), AnalysisOptions())
    return {str(f.cause) for f in result.findings if str(f.severity) in REPORTED}


@pytest.mark.parametrize("text, endpoint, error", [
    ("GET http://168.63.129.16/machine/?comp=goalstate -- IOError [Errno 110] Connection timed out",
     "wireserver", "timeout"),
    ("HostGAPlugin: Exception Put VM status: [Errno 111] Connection refused", "hostgaplugin", "refused"),
    ("curl: (6) Could not resolve host: md-abc.blob.core.windows.net", "storage", "dns"),
    ("https://169.254.169.254/metadata/instance: [SSL: CERTIFICATE_VERIFY_FAILED]", "imds", "ssl"),
    ("Tunnel connection failed: 407 Proxy Authentication Required", "other", "proxy"),
])
def test_endpoints_and_error_classes_are_named_from_the_text(text: str, endpoint: str, error: str):
    assert (endpoint_of(text), error_class_of(text)) == (endpoint, error)


def test_an_old_agent_event_with_op_none_is_an_extension_failure():
    ev = event("Event: name=Microsoft.OSTCExtensions.LinuxDiagnostic, op=None, message=Failed to "
               "launch the extension process, duration=0", level="INFO")
    [sig] = by_structure(ev, ev.message)
    assert sig.name == "extension_op_failed"
    assert sig.attrs["extension"] == "Microsoft.OSTCExtensions.LinuxDiagnostic"


def test_an_extension_error_tag_is_an_extension_failure_whatever_the_words():
    ev = event("[ExtensionError] Failed to run the handler command: 'handle.sh' (something new)",
               level="WARNING")
    [sig] = by_structure(ev, ev.message)
    assert cause_of(sig).startswith("extension_")


def test_a_wireserver_http_5xx_is_a_wireserver_failure():
    ev = event("[ProtocolError] [HTTP Failed] [503: Service Unavailable] GET "
               "http://168.63.129.16/machine/?comp=goalstate", level="WARNING")
    [sig] = by_structure(ev, ev.message)
    assert (sig.name, sig.get("endpoint"), sig.get("error_class")) == \
        ("http_failure", "wireserver", "http_5xx")


def test_a_traceback_of_the_agent_itself_is_a_crash():
    ev = event("Unexpected error in the extension handler\nTraceback (most recent call last):\n"
               '  File "/usr/lib/python3/dist-packages/azurelinuxagent/ga/update.py", line 1, in run\n'
               "KeyError: 'x'", source="ExtHandler")
    [sig] = by_structure(ev, ev.message)
    assert cause_of(sig) == "agent_crash_loop"


@pytest.mark.parametrize("message, cause", [
    ("Unable to freeze /mnt/data: Operation not supported", "snapshot_failed"),
    ("The memory controller is not mounted; cannot enable resource limits", "cgroup_limits"),
    ("openssl pkcs12 failed: error:0308010C:digital envelope routines::unsupported", "certificates"),
    ("mount of the provisioning DVD /dev/sr0 failed, retrying", "provisioning_failed"),
    ("write failed: No space left on device", "disk_full"),
])
def test_keywords_give_a_low_confidence_signal_to_failure_wording(message: str, cause: str):
    [sig] = by_keyword(event(message, level="WARNING"), message)
    assert cause_of(sig) == cause and sig.via.value == "keyword"


def test_keywords_stay_quiet_on_success_wording_at_info():
    msg = "T:S freeze result , timedout :False"
    assert by_keyword(event(msg, level=None, kind="vmsnapshot_log"), msg) == []


def test_templates_mask_the_variable_parts():
    assert template_of("Timeout after 300 s waiting for /var/lib/waagent/x.status") == \
        "Timeout after <*> s waiting for <*>"


def test_families_group_causes():
    assert family(cause_of(Signal("dhcp_problem"))) == "network"


def test_a_2_0_agent_wireserver_outage_is_found_end_to_end(tmp_path: Path):
    lines = [f"2016/03/01 10:{m:02d}:00 ERROR:Http request failed to http://168.63.129.16/machine/"
             f"?comp=versions : [Errno 110] Connection timed out" for m in range(0, 40, 5)]
    assert "wireserver_unreachable" in causes_of(tmp_path, "var/log/waagent.log", "\n".join(lines) + "\n")


def test_an_unknown_backup_error_is_reported_not_silent(tmp_path: Path):
    text = ("2024-05-14 21:00:00.000000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"
            "Zorblax quantum widget failed to cooperate with code 77\n")
    target = tmp_path / "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log"
    target.parent.mkdir(parents=True)
    target.write_text(text)
    result = analyze(str(tmp_path), AnalysisOptions())
    groups = [f for f in result.findings if f.cause == "unexplained_error"]
    assert groups and str(groups[0].severity) == "warning" and groups[0].evidence


def test_an_unknown_agent_error_is_listed_at_info(tmp_path: Path):
    text = "2024-05-14T21:00:00.000000Z ERROR ExtHandler ExtHandler Zorblax widget refused 3 times\n"
    target = tmp_path / "var/log/waagent.log"
    target.parent.mkdir(parents=True)
    target.write_text(text)
    result = analyze(str(tmp_path), AnalysisOptions())
    [group] = [f for f in result.findings if f.cause == "unexplained_error"]
    assert "Zorblax widget refused <*> times" in group.summary
