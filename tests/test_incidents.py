"""One answer per failure: findings that are one failure form one incident, root cause first, and
the checklist never rules a cause out without evidence."""
from __future__ import annotations

import json

import pytest
from test_cli import SAMPLES, run


def report(name: str) -> dict:
    data = json.loads(run(SAMPLES / name, "--format", "json", "--fail-on", "never").stdout)
    return data[0] if isinstance(data, list) else data


def test_the_collect_logs_sample_is_one_incident_rooted_in_no_network():
    r = report("collect-logs-backup-failure.zip")
    loud = [f for f in r["findings"] if f["severity"] in ("critical", "error", "warning")]
    assert {f["incident"] for f in loud} == {1}
    assert {f["cause"] for f in loud if f["role"] == "root"} == {"no_network"}
    consequences = {f["cause"] for f in loud if f["role"] == "consequence"}
    assert {"snapshot_failed", "extension_enable_failed"} <= consequences


def test_the_dhcp_sample_roots_its_consequences_in_dhcp():
    r = report("folder-dhcp-failure")
    first = [f for f in r["findings"] if f["incident"] == 1]
    assert {f["cause"] for f in first if f["role"] == "root"} == {"dhcp_or_endpoint"}
    assert "agent_not_running" in {f["cause"] for f in first if f["role"] == "consequence"}
    verdicts = {v["cause"]: v for v in r["causes"]}
    assert verdicts["wireserver_unreachable"]["verdict"] != "ruled_out"
    assert verdicts["agent_not_running"]["reason"].startswith("A consequence of dhcp_or_endpoint")


def test_one_customscript_status_does_not_rule_out_a_snapshot_failure():
    r = report("adhoc-extension-stuck.tar.gz")
    verdicts = {v["cause"]: v["verdict"] for v in r["causes"]}
    assert verdicts["snapshot_failed"] == "not_seen"


@pytest.mark.parametrize("name", ["collect-logs-backup-failure.zip", "adhoc-extension-stuck.tar.gz",
                                  "adhoc-healthy.tar.gz", "folder-dhcp-failure",
                                  "sosreport-agent-outdated.tar.xz"])
def test_no_cause_is_ruled_out_without_cited_evidence(name: str):
    r = report(name)
    assert [v["cause"] for v in r["causes"] if v["verdict"] == "ruled_out" and not v["evidence"]] == []


def test_info_findings_belong_to_no_incident():
    r = report("adhoc-healthy.tar.gz")
    assert all(f["incident"] is None and f["role"] is None for f in r["findings"] if f["severity"] == "info")
