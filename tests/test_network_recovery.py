"""The network, DHCP and WireServer rules recover on the catalog's marks of progress, read from real
log lines: a failure followed by a mark drops to the rule's transient severity, the same failure
followed by a line that only looks alike (a failing heartbeat, the Direct channel) keeps it."""
from __future__ import annotations

import pytest

from loganalyzer.facts.model import Facts
from loganalyzer.model import Severity
from loganalyzer.rules import RuleEngine, load_rules
from loganalyzer.rules.model import Sample
from loganalyzer.rules.selftest import sample_events
from loganalyzer.sources.base import BundleInfo

RULES, _ = load_rules()
BY_ID = {r.id: r for r in RULES}

NEW = "2023-02-01T10:{:02d}:00.000000Z {} ExtHandler ExtHandler {}"
OLD = "2017/05/24 00:{:02d}:40.306105 {} {}"


def _severity(rule_id: str, lines: list[str]) -> Severity | None:
    """The severity of ``rule_id``'s finding after the engine read ``lines`` (waagent.log), or None."""
    engine = RuleEngine(RULES)
    for n, raw in enumerate(lines, 1):
        for event in sample_events(Sample(message="", kind="waagent_log", raw=raw), n):
            engine.observe(event)
    findings, _ = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("t"), [])
    got = [f.severity for f in findings if f.rule_id == rule_id]
    return got[0] if got else None


HB = ("[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG "
      "HeartbeatCounter: 5;HeartbeatId: 8e2f;DroppedPackets: 0;UpdateGSErrors: {};AutoUpdate: 1]")
GS_ERR = ("Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] "
          "[HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError [Errno 113] "
          "No route to host -- 6 attempts made")
VMS_ERR = ("Error fetching the goal state: [ProtocolError] GET vmSettings "
           "[correlation ID: e162 eTag: 9757]: Timeout")
STORAGE_ERR = ("Fetch failed: [HttpError] [HTTP Failed] GET https://x.blob.core.windows.net/c/m.xml "
               "-- IOError timed out -- 6 attempts made")
EVENT = "Event: name=Microsoft.Azure.Extensions.CustomScript, op=Download, message=Download {}, duration=0"
HTTP_GET_FAILED = "Protocol endpoint not found: WireProtocol, [000008] [000009] HTTP GET failed"
PROD_LIST = "Incarnation 1 failed to get Prod package list"
NO_PRIMARY = "Could not determine primary interface, please ensure /proc/net/route is correct"

#: (rule, failure, its level, how many, line format, a mark that recovers it, a line that must not)
CASES = [
    ("network.wireserver_http_failed", GS_ERR, "ERROR", 3, NEW, HB.format(0), HB.format(3)),
    ("network.wireserver_http_failed", GS_ERR, "ERROR", 3, NEW,
     "Fetching the goal state recovered from previous errors. Fetched incarnation 7 (certificates: [])",
     "Fetch goal state from WireServer completed"),
    ("network.goal_state_fetch_failing", GS_ERR, "ERROR", 3, NEW, HB.format(0), HB.format(1)),
    ("network.vmsettings_failing", VMS_ERR, "ERROR", 3, NEW,
     "Fetched new vmSettings [HostGAPlugin correlation ID: 2bed eTag: 7031 source: FastTrack]", HB.format(2)),
    ("network.unreachable", "Retry [1/1 - IO error: HTTP GET [Errno 101] Network is unreachable]", "INFO",
     1, OLD, "ProcessGoalState completed [incarnation 3; 1532 ms]", PROD_LIST),
    ("network.legacy_http_get_failed", HTTP_GET_FAILED, "INFO", 1, OLD,
     "Incarnation is out of date. Update goalstate.", PROD_LIST),
    ("network.storage_unreachable", STORAGE_ERR, "WARNING", 3, NEW, EVENT.format("succeeded"),
     EVENT.format("failed")),
    ("dhcp.no_route_to_wireserver", "No route exists to 168.63.129.16", "WARNING", 1, OLD,
     "Route to 168.63.129.16 exists", "Test for route to 168.63.129.16"),
    ("dhcp.request_failed", "Failed to send DHCP request: [DhcpError] timed out", "WARNING", 1, OLD,
     "found endpoint [168.63.129.16]", "Send dhcp request"),
    ("dhcp.primary_interface_unknown", NO_PRIMARY, "WARNING", 1, OLD, "Primary interface is [eth0]",
     "Examine /proc/net/route for primary interface"),
    ("dhcp.protocol_detection_failing", "Retry detect protocols: retry=0", "INFO", 1, OLD,
     "Wire protocol version:2012-11-30", HTTP_GET_FAILED),
    ("network.wireserver_not_responding", "WireServer is not responding. Reset endpoint", "INFO", 1, OLD,
     "Fabric preferred wire protocol version:2015-04-05", "Wire server endpoint:168.63.129.16"),
]


@pytest.mark.parametrize("rule_id, failure, level, count, fmt, mark, other", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_mark_of_progress_recovers_the_rule_and_a_look_alike_does_not(
        rule_id: str, failure: str, level: str, count: int, fmt: str, mark: str, other: str):
    rule = BY_ID[rule_id]
    assert rule.transient is not None
    failures = [fmt.format(i, level, failure) for i in range(count)]
    recovered = _severity(rule_id, [*failures, fmt.format(count, "INFO", mark)])
    kept = _severity(rule_id, [*failures, fmt.format(count, "INFO", other)])
    assert kept == rule.severity, f"{rule_id}: {other!r} must not count as recovery"
    assert recovered == rule.transient.downgrade_to, f"{rule_id}: {mark!r} is a sign of recovery"


def test_direct_storage_blocked_is_the_hostgaplugin_channel_not_the_direct_one():
    def found(message: str) -> bool:
        return _severity("network.direct_storage_blocked", [NEW.format(0, "INFO", message)]) is not None
    assert found("Default channel changed to HostGAPlugin channel.")
    assert found("Setting host plugin as default channel from now on. "
                 "Restart the agent to reset the default channel.")
    assert not found("Default channel changed to Direct channel.")


def test_the_wireserver_endpoint_rule_reads_the_address_not_the_words():
    def found(message: str) -> bool:
        return _severity("dhcp.wrong_wireserver_endpoint", [OLD.format(0, "INFO", message)]) is not None
    assert found("Wire server endpoint:208.67.220.220,208.67.222.222")
    assert found("Protocol endpoint (10.0.0.4) is not known wireserver ip: 168.63.129.16")
    assert not found("Wire server endpoint:168.63.129.16")
