"""The installed ``analyze-logs`` command, run as a subprocess on the team's sample bundles."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
FAILING = SAMPLES / "collect-logs-backup-failure.zip"
HEALTHY = SAMPLES / "adhoc-healthy.tar.gz"
OUTDATED = SAMPLES / "sosreport-agent-outdated.tar.xz"
DHCP = SAMPLES / "folder-dhcp-failure"


def _exe() -> str:
    found = Path(sys.executable).with_name("analyze-logs")
    return str(found) if found.exists() else (shutil.which("analyze-logs") or "analyze-logs")


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([_exe(), *map(str, args)], capture_output=True, text=True, timeout=300,
                          cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def schema() -> dict:
    proc = run("--schema")
    assert proc.returncode == 0
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def failing_json() -> dict:
    proc = run(FAILING, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


def test_json_report_validates_against_the_printed_schema(failing_json: dict, schema: dict) -> None:
    jsonschema.validate(failing_json, schema)
    assert failing_json["input"]["bundle_type"] == "collect_logs"
    causes = {f["cause"] for f in failing_json["findings"] if f["severity"] in ("critical", "error")}
    assert {"no_network", "snapshot_failed"} <= causes


def test_every_documented_cause_has_a_verdict(failing_json: dict) -> None:
    verdicts = {c["cause"]: c["verdict"] for c in failing_json["causes"]}
    assert verdicts["no_network"] == "detected"
    assert verdicts["restore_point_limit_or_lock"] == "not_evaluable"
    assert {"detected", "ruled_out", "not_seen", "not_evaluable"} >= set(verdicts.values())


def test_findings_point_at_real_lines_of_the_bundle(failing_json: dict) -> None:
    paths = {c["path"] for c in failing_json["coverage"]["files"]}
    for finding in failing_json["findings"]:
        for ev in finding["evidence"]:
            assert ev["path"] in paths
            assert 1 <= ev["line_start"] <= ev["line_end"] or ev["line_start"] == 0


SECRET_SIG = "sig=Zm9vYmFyU0VDUkVUc2ln"
SECRET_LOG = "".join(
    f"2024-05-14T21:0{i}:00.000000Z WARNING ExtHandler ExtHandler Fetch failed: [HttpError] [HTTP Failed] "
    f"GET https://acct.blob.core.windows.net/c/status?sv=2018-03-28&sr=b&{SECRET_SIG}&se=2024 "
    f"-- IOError timed out -- 6 attempts made\n" for i in range(6))


@pytest.mark.parametrize("fmt", ["json", "text", "markdown", "html", "sarif", "junit"])
def test_secrets_are_redacted_unless_asked(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / "var" / "log" / "waagent.log"
    log.parent.mkdir(parents=True)
    log.write_text(SECRET_LOG)
    hidden = run(tmp_path, "--format", fmt, "--fail-on", "never")
    assert hidden.returncode == 0 and hidden.stdout
    assert "Zm9vYmFyU0VDUkVUc2ln" not in hidden.stdout
    shown = run(tmp_path, "--format", fmt, "--fail-on", "never", "--no-redact")
    assert "Zm9vYmFyU0VDUkVUc2ln" in shown.stdout


def test_text_report_starts_with_the_answer() -> None:
    proc = run(FAILING)
    assert proc.returncode == 1
    first = proc.stdout.split("\n\n", 1)[1].splitlines()[0]     # after the bundle header
    assert first.startswith("Most likely cause")
    assert "read " in proc.stdout and " lines" in proc.stdout      # one-line coverage


def test_verbose_text_lists_every_file() -> None:
    proc = run(FAILING, "-v")
    assert "var/log/waagent.log" in proc.stdout
    assert "results.txt" in proc.stdout


def test_healthy_bundle_exits_zero_and_says_so() -> None:
    proc = run(HEALTHY)
    assert proc.returncode == 0, proc.stdout
    report = json.loads(run(HEALTHY, "--format", "json").stdout)
    assert not [f for f in report["findings"] if f["severity"] in ("critical", "error")]


@pytest.mark.parametrize(("fail_on", "expected"), [("never", 0), ("error", 1), ("warning", 1)])
def test_fail_on_sets_the_exit_status(fail_on: str, expected: int) -> None:
    assert run(FAILING, "--format", "json", "--fail-on", fail_on).returncode == expected


def test_markdown_is_ticket_ready() -> None:
    out = run(FAILING, "--format", "markdown").stdout
    assert out.startswith("#")
    assert out.count("```") % 2 == 0
    assert "<details>" in out
    assert len(out) <= 60_000


def test_html_is_one_self_contained_file(tmp_path: Path) -> None:
    from lxml import html as lxml_html
    target = tmp_path / "report.html"
    proc = run(FAILING, "--format", "html", "-o", target)
    assert proc.returncode == 1 and proc.stdout == ""
    text = target.read_text()
    doc = lxml_html.fromstring(text)
    assert doc.xpath("//svg") or "<svg" in text
    assert not doc.xpath("//script[@src]") and not doc.xpath("//link[@href]")
    assert "no_network" in text or "network" in text.lower()


def test_sarif_has_one_result_per_finding(failing_json: dict) -> None:
    sarif = json.loads(run(FAILING, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(failing_json["findings"])
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] and loc["region"]["startLine"] >= 1


def test_junit_has_one_case_per_documented_cause(failing_json: dict) -> None:
    root = ET.fromstring(run(FAILING, "--format", "junit").stdout)
    cases = root.iter("testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(failing_json["causes"])
    failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert any("no_network" in n for n in failed)


def test_several_paths_give_one_report_each() -> None:
    docs = json.loads(run(FAILING, HEALTHY, "--format", "json").stdout)["reports"]   # an object (issue 16)
    assert [d["input"]["bundle_type"] for d in docs] == ["collect_logs", "adhoc"]
    lines = run(FAILING, HEALTHY, "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(x)["schema_version"] for x in lines)
    sarif = json.loads(run(FAILING, HEALTHY, "--format", "sarif").stdout)
    assert len(sarif["runs"]) == 2
    junit = ET.fromstring(run(FAILING, HEALTHY, "--format", "junit").stdout)
    assert len(junit.findall("testsuite")) == 2


def test_several_html_reports_go_to_a_folder(tmp_path: Path) -> None:
    assert run(FAILING, HEALTHY, "--format", "html").returncode == 2
    run(FAILING, HEALTHY, "--format", "html", "-o", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adhoc-healthy.tar.gz.html",
                                                          "collect-logs-backup-failure.zip.html"]


def test_missing_path_is_one_line_and_exit_two(tmp_path: Path) -> None:
    proc = run(tmp_path / "nope.zip")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "nope.zip" in proc.stderr


def test_no_path_without_agent_files_points_at_the_samples(tmp_path: Path) -> None:
    proc = run("--root", tmp_path)
    assert proc.returncode == 2
    assert "guest-agent files" in proc.stderr


def test_bad_option_values_exit_two() -> None:
    assert run(FAILING, "--tz", "Mars/Olympus").returncode == 2
    assert run(FAILING, "--since", "last tuesday-ish").returncode == 2
    assert run(FAILING, "--min-agent-version", "latest").returncode == 2
    assert run(FAILING, "--format", "pdf").returncode == 2


def test_since_in_the_future_leaves_nothing_to_find() -> None:
    report = json.loads(run(FAILING, "--format", "json", "--since", "2099-01-01").stdout)
    assert not [f for f in report["findings"] if f["severity"] in ("critical", "error")]


def test_error_code_orders_the_checklist_and_names_the_lock() -> None:
    report = json.loads(run(HEALTHY, "--format", "json", "--error-code",
                            "UserErrorRpCollectionLimitReached").stdout)
    assert report["causes"][0]["cause"] == "restore_point_limit_or_lock"
    assert report["causes"][0]["verdict"] == "detected"


def test_min_agent_version_is_a_policy_override() -> None:
    lenient = json.loads(run(OUTDATED, "--format", "json", "--min-agent-version", "2.2.40").stdout)
    assert "agent_outdated" not in {f["cause"] for f in lenient["findings"]
                                    if f["severity"] in ("critical", "error")}
    strict = json.loads(run(OUTDATED, "--format", "json").stdout)
    assert "agent_outdated" in {f["cause"] for f in strict["findings"]}


def test_list_rules_and_version() -> None:
    listed = run("--list-rules")
    assert listed.returncode == 0 and "no_network" in listed.stdout
    assert run("--version").stdout.startswith("analyze-logs ")


def test_a_broken_user_rule_is_reported_and_the_rest_still_run(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('[rule]\nid = "x"\ncause = \n')
    proc = run(FAILING, "--format", "json", "--rules", tmp_path)
    assert proc.returncode == 2          # a broken rule file is bad usage (GUIDE's exit codes) …
    assert "mine.toml:3" in proc.stderr
    report = json.loads(proc.stdout)     # … and the report of the other rules is still written
    assert report["rule_errors"] and "mine.toml" in report["rule_errors"][0]
    assert report["findings"]


def test_until_before_the_logs_leaves_nothing_to_find() -> None:
    report = json.loads(run(FAILING, "--format", "json", "--until", "2001-01-01").stdout)
    assert not [f for f in report["findings"] if f["severity"] in ("critical", "error")]


def test_quiet_prints_nothing_but_keeps_the_exit_status(tmp_path: Path) -> None:
    proc = run(FAILING, "-q")
    assert proc.returncode == 1 and proc.stdout == ""
    target = tmp_path / "r.json"
    run(FAILING, "-q", "--format", "json", "-o", target)
    assert json.loads(target.read_text())["schema_version"]


def test_tz_shifts_local_time_formats(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text("2018/09/21 00:01:14.649882 INFO Daemon Azure Linux Agent Version:2.2.31\n")
    utc = json.loads(run(log, "--format", "json").stdout)
    shifted = json.loads(run(log, "--format", "json", "--tz", "+02:00").stdout)
    seen = [s["timestamp"] for s in utc["agent"]["daemon"]["sightings"]]
    moved = [s["timestamp"] for s in shifted["agent"]["daemon"]["sightings"]]
    assert seen == ["2018-09-21T00:01:14.649882Z"]
    assert moved == ["2018-09-20T22:01:14.649882Z"]


@pytest.mark.parametrize(("sample", "expected", "exit_status"), [
    ("collect-logs-backup-failure.zip", {"no_network", "snapshot_failed"}, 1),
    ("adhoc-healthy.tar.gz", set(), 0),
    ("sosreport-agent-outdated.tar.xz", {"agent_outdated", "autoupdate_disabled"}, 1),
    ("folder-dhcp-failure", {"dhcp_or_endpoint"}, 1),
    ("adhoc-extension-stuck.tar.gz", {"extension_timeout"}, 0),
])
def test_each_sample_is_diagnosed_as_its_readme_says(sample: str, expected: set[str],
                                                     exit_status: int) -> None:
    proc = run(SAMPLES / sample, "--format", "json")
    assert proc.returncode == exit_status
    report = json.loads(proc.stdout)
    reported = {f["cause"] for f in report["findings"] if f["severity"] in ("critical", "error", "warning")}
    assert expected <= reported
    top = report["findings"][0] if report["findings"] else None
    if expected:
        assert top is not None and top["cause"] in expected
    else:
        assert not [f for f in report["findings"] if f["severity"] in ("critical", "error")]


def test_a_stuck_status_is_shown_from_its_status_file_with_its_time() -> None:
    report = json.loads(run(SAMPLES / "adhoc-extension-stuck.tar.gz", "--format", "json").stdout)
    [evidence] = report["findings"][0]["evidence"]
    assert evidence["path"].endswith("Microsoft.Azure.Extensions.CustomScript-2.1.10/status/4.status")
    assert evidence["timestamp"] == "2024-10-08T09:58:06Z"


def test_a_healthy_bundle_names_no_cause_even_with_info_findings(tmp_path: Path) -> None:
    report = json.loads(run(SAMPLES / "adhoc-healthy.tar.gz", "--format", "json").stdout)
    # the agent version note is a verdict since issue 16, so no finding at all remains
    assert {f["severity"] for f in report["findings"]} <= {"info"}
    assert report["summary"]["top_cause"] is None
    text = run(SAMPLES / "adhoc-healthy.tar.gz").stdout.split("\n\n", 1)[1]
    assert text.startswith("No problem found:") and "Most likely cause" not in text
    (tmp_path / "notes.txt").write_text("nothing from the agent here\n")
    assert run(tmp_path).stdout.split("\n\n", 1)[1].startswith("Nothing could be checked: no Azure")


def test_local_clock_times_are_flagged_and_tz_is_named() -> None:
    sample = SAMPLES / "sosreport-agent-outdated.tar.xz"
    default = json.loads(run(sample, "--format", "json").stdout)["input"]["notes"]
    assert any("waagent.log are the VM's local clock (the file gives no zone) and are shown as if UTC" in note
               for note in default)
    assert "Note: Times from" in run(sample).stdout
    shifted = json.loads(run(sample, "--tz", "+02:00", "--format", "json").stdout)
    assert any("converted to UTC with --tz UTC+02:00" in note for note in shifted["input"]["notes"])
    healthy = json.loads(run(SAMPLES / "adhoc-healthy.tar.gz", "--format", "json").stdout)
    assert not any("local clock" in note for note in healthy["input"]["notes"])
