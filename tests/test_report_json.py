"""The JSON report: schema validity, round trip, key order, timestamps."""
from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from report_fixtures import all_results, failing_backup_result, healthy_result

from loganalyzer.report.json_report import SCHEMA_VERSION, render_json, schema, to_dict
from loganalyzer.rules.causes import TAXONOMY

TOP_LEVEL = ["schema_version", "tool", "input", "summary", "options", "coverage", "agent", "extensions",
             "findings", "causes", "backups", "stats", "rule_errors", "omitted"]


def test_schema_itself_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("name", list(all_results()))
def test_every_fixture_validates_against_the_schema(name):
    document = json.loads(render_json(all_results()[name]))
    errors = sorted(Draft202012Validator(schema(), format_checker=FormatChecker()).iter_errors(document),
                    key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("name", list(all_results()))
def test_text_round_trips_to_the_same_data(name):
    result = all_results()[name]
    assert json.loads(render_json(result)) == to_dict(result)


def test_top_level_keys_come_in_a_stable_order():
    assert list(to_dict(failing_backup_result())) == TOP_LEVEL
    assert schema()["required"] == TOP_LEVEL


def test_schema_rejects_a_wrong_severity():
    document = to_dict(failing_backup_result())
    document["findings"][0]["severity"] = "fatal"
    assert not Draft202012Validator(schema()).is_valid(document)


def test_header_names_tool_and_version():
    document = to_dict(failing_backup_result())
    # 1.1: header keys, options.window; 1.2: input.hostname_source; 1.3: omitted, summary rows' files
    assert document["schema_version"] == SCHEMA_VERSION == "1.3"
    assert document["tool"]["name"] == "loganalyzer"
    header = {k: document["input"].pop(k) for k in ("hostname", "hostname_source", "vm_folders", "os",
                                                     "agent", "first_record", "last_record", "clock")}
    assert header["agent"] == {"daemon": "2.9.1.1", "goal_state": "2.11.1.4"} and header["clock"] == "UTC"
    assert document["input"] == {"path": "/tmp/tickets/123/logs.zip", "bundle_type": "collect_logs",
                                 "cannot_contain": ["serial console output"],
                                 "notes": ["2 nested archives opened"]}


def test_findings_come_most_likely_first_with_evidence_and_z_timestamps():
    document = to_dict(failing_backup_result())
    first = document["findings"][0]
    assert first["rule_id"] == "vmsnapshot.freeze_without_thaw"
    assert document["summary"]["top_cause"] == "snapshot_failed"
    assert document["summary"]["worst_severity"] == "critical"
    assert first["evidence"][0]["timestamp"] == "2024-01-14T22:16:48.796446Z"
    keys = r'"(?:timestamp|first_seen|last_seen|start|end|status_time)": "([^"]*)"'
    stamps = re.findall(keys, render_json(failing_backup_result()))
    assert len(stamps) > 10 and all(s.endswith("Z") for s in stamps)


def test_agent_versions_are_grouped_by_role_with_latest_and_sightings():
    agent = to_dict(failing_backup_result())["agent"]
    assert agent["daemon"]["latest"] == "2.9.1.1"
    assert agent["goal_state"]["latest"] == "2.11.1.4"
    assert [s["how"] for s in agent["goal_state"]["sightings"]] == ["banner", "heartbeat"]
    assert agent["goal_state"]["sightings"][0] == {"version": "2.11.1.4", "how": "banner",
                                                   "timestamp": "2024-05-30T13:00:05Z",
                                                   "path": "var/log/waagent.log", "line": 9}


def test_coverage_lists_every_file_with_totals_and_missing_evidence():
    coverage = to_dict(failing_backup_result())["coverage"]
    assert len(coverage["files"]) == 7
    assert coverage["totals"]["skipped"] == 1 and coverage["totals"]["unreadable"] == 1
    assert coverage["totals"]["lines"] == sum(f["lines"] for f in coverage["files"])
    assert coverage["missing_evidence"] == ["serial_console", "dhcp_lease"]
    syslog = next(f for f in coverage["files"] if f["kind"] == "syslog")
    assert syslog["unparsed_lines"] == 10 and len(syslog["unparsed_samples"]) == 5


def test_extensions_and_backups_are_plain_data():
    document = to_dict(failing_backup_result())
    extension = document["extensions"][0]
    assert extension["status"] == "error" and extension["processed"] is True
    assert extension["refs"][0] == {"path": extension["refs"][0]["path"], "line_start": 0, "line_end": 0}
    assert [b["outcome"] for b in document["backups"]] == ["success", "error"]


def test_healthy_bundle_has_no_findings_and_every_cause():
    document = to_dict(healthy_result())
    assert document["findings"] == [] and document["summary"]["worst_severity"] is None
    assert sorted(c["cause"] for c in document["causes"]) == sorted(TAXONOMY)  # one verdict per cause
    assert {c["verdict"] for c in document["causes"]} == {"ruled_out", "not_evaluable"}
