"""SARIF 2.1.0 and JUnit XML shapes for pipelines."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from report_fixtures import TAXONOMY, failing_backup_result, healthy_result

from loganalyzer.report.junit import SUITE_NAME, render_junit
from loganalyzer.report.sarif import render_sarif


def _sarif(result):
    return json.loads(render_sarif(result))


def test_sarif_header_and_driver():
    doc = _sarif(failing_backup_result())
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "loganalyzer" and driver["informationUri"].startswith("https://")
    for rule in driver["rules"]:
        assert set(rule) == {"id", "name", "shortDescription", "fullDescription", "help", "helpUri",
                             "properties"}
        assert set(rule["help"]) == {"text", "markdown"}
        assert rule["properties"]["cause"] in rule["properties"]["tags"]


def test_sarif_results_point_at_their_rules_with_mapped_levels():
    run = _sarif(failing_backup_result())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"vmsnapshot.freeze_without_thaw": "error", "vmsnapshot.enable_failed": "error",
                      "agent.crash_loop": "warning", "conf.autoupdate_disabled": "note"}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        assert set(res["properties"]) >= {"cause", "confidence", "count"}


def test_sarif_locations_are_bundle_members_with_line_regions():
    run = _sarif(failing_backup_result())["runs"][0]
    enable = next(r for r in run["results"] if r["ruleId"] == "vmsnapshot.enable_failed")
    location = enable["locations"][1]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "var/log/waagent.log"
    assert location["region"]["startLine"] == 812 and location["region"]["endLine"] == 814
    assert "op=Enable" in location["region"]["snippet"]["text"]


def test_sarif_of_a_healthy_bundle_has_no_results():
    run = _sarif(healthy_result())["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def _cases(result):
    root = ET.fromstring(render_junit(result))
    suites = root.findall("testsuite")
    assert len(suites) == 1 and suites[0].get("name") == f"{SUITE_NAME}: logs.zip"   # named by bundle
    return suites[0], {case.get("name"): case for case in suites[0].findall("testcase")}


def test_junit_has_one_testcase_per_documented_cause():
    suite, cases = _cases(failing_backup_result())
    assert list(cases) == list(TAXONOMY)
    assert suite.get("tests") == str(len(TAXONOMY))
    assert suite.get("failures") == "4" and suite.get("skipped") == "2"


def test_junit_detected_cause_fails_with_the_finding_title_and_evidence():
    _, cases = _cases(failing_backup_result())
    failure = cases["extension_enable_failed"].find("failure")
    assert failure.get("message") == "VMSnapshotLinux enable failed"
    assert "var/log/waagent.log:812-814" in failure.text and "op=Enable" in failure.text


def test_junit_not_evaluable_is_skipped_with_what_is_missing_and_ruled_out_passes():
    _, cases = _cases(failing_backup_result())
    skipped = cases["guest_shutdown"].find("skipped")
    assert skipped.get("message") == "needs the Azure activity log, not in a guest bundle"
    passed = cases["disk_full"]
    assert passed.find("failure") is None and passed.find("skipped") is None


def test_junit_properties_name_the_bundle():
    suite, _ = _cases(failing_backup_result())
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["bundle.path"] == "/tmp/tickets/123/logs.zip" and props["bundle.type"] == "collect_logs"


def test_junit_survives_markup_and_control_characters_in_logs():
    result = failing_backup_result()
    result.findings[0].title = 'enable <never> "worked" & \x00\x1b done'
    result.findings[0].evidence[0].excerpt = "]]></failure><x>\x0c"
    _, cases = _cases(result)
    failure = cases["extension_enable_failed"].find("failure")
    assert failure.get("message") == 'enable <never> "worked" & \ufffd\ufffd done'
    assert "]]></failure><x>" in failure.text
