"""Issue 16: the installed ``analyze-logs`` as a support engineer uses it at 2 a.m. —
windows relative to the bundle, verdicts that are not findings, exit codes, bundle header."""
from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

from test_cli import DHCP, FAILING, HEALTHY, OUTDATED, REPO, SAMPLES, _exe

STUCK = SAMPLES / "adhoc-extension-stuck.tar.gz"


def run(*args: str | Path, env: dict[str, str] | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([_exe(), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=env, input=stdin)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def body(text: str) -> str:
    """The text report after its bundle header."""
    return text.split("\n\n", 1)[1]


def as_json(*args: str | Path) -> dict:
    proc = run(*args, "--format", "json")
    return json.loads(proc.stdout)


# -- 1. --since/--until relative to the bundle ----------------------------------------------------
def test_since_duration_counts_back_from_the_last_record_not_the_wall_clock() -> None:
    proc = run(FAILING, "--since", "7d")
    assert proc.returncode == 1, proc.stdout
    assert body(proc.stdout).startswith("Most likely cause: the VM has no outbound network access")
    doc = as_json(FAILING, "--since", "7d")
    assert doc["summary"]["top_cause"] == "no_network"
    window = doc["options"]["window"]
    assert window["requested"] == "--since 7d"
    assert window["reference"] == "2024-05-14T23:20:02Z"
    assert window["since"] == "2024-05-07T23:20:02Z"
    assert doc["options"]["since"] == "2024-05-07T23:20:02Z"


def test_the_applied_window_is_stated_in_every_format(tmp_path: Path) -> None:
    for fmt in ("text", "markdown", "html", "json", "sarif", "junit"):
        out = run(FAILING, "--since", "7d", "--format", fmt).stdout
        assert "Time window 2024-05-07T23:20:02Z to the last record" in out, fmt
    # one time style: the sosreport's last record has microseconds, the sentence shows seconds
    note = " ".join(run(OUTDATED, "--since", "10d", "--fail-on", "never").stdout.split())
    assert "Time window 2024-05-24T21:00:20Z to the last record" in note
    assert "the bundle's last record, 2024-06-03T21:00:20Z)" in note


def test_verdict_reasons_describe_the_window_not_the_whole_bundle() -> None:
    doc = as_json(FAILING, "--since", "2024-05-14T22:00Z")
    reasons = {v["cause"]: v["reason"] for v in doc["causes"]}
    assert "in the time window" in reasons["proxy_or_firewall"]
    assert "2024-05-09" not in reasons["proxy_or_firewall"]
    full = {v["cause"]: v["reason"] for v in as_json(FAILING)["causes"]}
    assert "2024-05-09" in full["proxy_or_firewall"]


def test_causes_with_no_records_left_in_the_window_are_not_evaluable() -> None:
    doc = as_json(FAILING, "--until", "2020-01-01")
    verdicts = {v["cause"]: v["verdict"] for v in doc["causes"]}
    assert set(verdicts.values()) == {"not_evaluable"}
    assert "records left in the time window" in \
        next(v["reason"] for v in doc["causes"] if v["cause"] == "no_network")


# -- 3. exit codes --------------------------------------------------------------------------------
def test_nothing_could_be_checked_exits_3(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    note = tmp_path / "notes.txt"
    note.write_text("hello world\n")
    for target in (empty, note):
        proc = run(target)
        assert proc.returncode == 3, (target, proc.stdout[:200])
        assert body(proc.stdout).startswith("Nothing could be checked")
    one_line = tmp_path / "waagent.log"          # agent content, too little to rule out: checked
    one_line.write_text("2018/11/11 23:52:07 Command: [pidof systemd-networkd], return code: [1]\n")
    assert run(one_line).returncode == 0
    assert run(FAILING, "--until", "2000-01-01").returncode == 3
    assert run(empty, "--fail-on", "never").returncode == 0
    assert run(HEALTHY).returncode == 0
    help_text = run("--help").stdout
    assert "3 nothing could be checked" in " ".join(help_text.split())
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "3 — nothing could be checked" in readme


def test_an_unwritable_output_path_is_one_line_and_exit_2() -> None:
    proc = run(HEALTHY, "-o", "/missing/dir/r.txt")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "internal error" not in proc.stderr and "/missing/dir" in proc.stderr


def test_a_fleet_run_where_some_bundles_failed_exits_4(tmp_path: Path) -> None:
    import pytest
    pytest.importorskip("pyarrow")
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    shutil.copy(HEALTHY, bundles / "vm1.tar.gz")
    (bundles / "vm2.tar.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip" * 50)
    (bundles / "vm3.zip").write_bytes(b"PK\x03\x04garbage")
    proc = run("fleet", bundles, "--out", tmp_path / "out", "--jobs", "1")
    assert proc.returncode == 4, proc.stderr
    assert "2 of 3 bundles could not be analysed" in proc.stderr
    assert "4 some bundles could not be analysed" in " ".join(run("fleet", "--help").stdout.split())


# -- 4. the bundle header everywhere --------------------------------------------------------------
def test_the_bundle_header_is_in_every_format() -> None:
    text = run(FAILING).stdout.splitlines()
    head = " ".join(text[:text.index("")])
    # the header wraps at the terminal width, so a long checkout path pushes words onto line 2
    assert text[0].startswith("Bundle: ") and "collect-logs-backup-failure.zip (collect_logs)" in head
    assert "host vm-backup01, Ubuntu 22.04.4 LTS" in head
    assert "goal-state 2.11.1.4, daemon 2.9.1.1; logs 2024-05-09T21:00:02Z to 2024-05-14T23:20:02Z" in head
    doc = as_json(FAILING)["input"]
    assert (doc["hostname"], doc["os"], doc["agent"], doc["clock"]) == \
        ("vm-backup01", "Ubuntu 22.04.4 LTS", {"goal_state": "2.11.1.4", "daemon": "2.9.1.1"}, "UTC")
    assert doc["last_record"] == "2024-05-14T23:20:02Z"
    markdown = run(FAILING, "--format", "markdown").stdout
    assert "| vm-backup01 | Ubuntu 22.04.4 LTS | goal-state 2.11.1.4, daemon 2.9.1.1 |" in markdown
    html = run(FAILING, "--format", "html").stdout
    assert "<dd>vm-backup01</dd>" in html and "<dd>Ubuntu 22.04.4 LTS</dd>" in html
    assert "cannot contain" not in html.split("</header>")[0]


def test_host_and_os_come_from_sosreports_and_agent_banners_and_local_clocks_are_named() -> None:
    sos = as_json(OUTDATED)["input"]
    assert sos["hostname"] == "vm-erp-db01"
    assert sos["os"] == "Red Hat Enterprise Linux Server release 7.9 (Maipo)"
    assert "VM local clock" in sos["clock"]
    assert as_json(DHCP)["input"]["os"] == "ubuntu 20.04"


def test_an_adhoc_bundle_without_a_host_name_gets_one_from_its_name_marked_as_derived(tmp_path: Path) -> None:
    """The ad-hoc samples hold one folder per VM (vm-app07/var/log/…) and no file naming the host:
    every format names that folder as the host, saying it was derived; a folder bundle is named
    after the folder; a name that says nothing of a VM (var/, waagent.log) is not used."""
    stuck = SAMPLES / "adhoc-extension-stuck.tar.gz"
    doc = as_json(stuck)["input"]
    assert (doc["hostname"], doc["hostname_source"]) == ("vm-app07", "bundle_name")
    assert as_json(FAILING)["input"]["hostname_source"] == "logs"
    head = " ".join(run(stuck, "--fail-on", "never").stdout.split("\n\n")[0].split())
    assert "host vm-app07 (derived from the archive's top folder; no host name in the logs)" in head
    assert "| vm-app07 (derived from the archive's top folder" in run(stuck, "--format", "markdown").stdout
    html = run(stuck, "--format", "html").stdout
    assert "<dd>vm-app07 (derived from the archive&#x27;s top folder; no host name in the logs)</dd>" in html
    healthy = as_json(SAMPLES / "adhoc-healthy.tar.gz")["input"]
    assert healthy["hostname"] == "vm-web02"                      # vm-web02-logs/ without "-logs"
    vm = tmp_path / "vm-db3"
    shutil.copytree(DHCP, vm)
    assert (as_json(vm)["input"]["hostname"], as_json(vm)["input"]["hostname_source"]) == \
        ("vm-db3", "bundle_name")
    lone = tmp_path / "logs" / "var" / "log" / "waagent.log"
    lone.parent.mkdir(parents=True)
    shutil.copy(DHCP / "var" / "log" / "waagent.log", lone)
    assert (as_json(lone)["input"]["hostname"], as_json(lone)["input"]["hostname_source"]) == (None, None)


def test_an_input_packing_several_vms_says_so_instead_of_naming_one_host(tmp_path: Path) -> None:
    """Two ad-hoc samples (vm-app07/, vm-web02-logs/) in one archive are read as one bundle: the
    header names both VM folders and says how to read them apart; no host is derived from the
    archive's name ("two-vms")."""
    import tarfile
    packed = tmp_path / "two-vms.tar.gz"
    with tarfile.open(packed, "w:gz") as out:
        for name in ("adhoc-extension-stuck.tar.gz", "adhoc-healthy.tar.gz"):
            with tarfile.open(SAMPLES / name) as sample:
                for member in sample.getmembers():
                    out.addfile(member, sample.extractfile(member) if member.isfile() else None)
    doc = as_json(packed)["input"]
    assert doc["vm_folders"] == ["vm-app07", "vm-web02-logs"] and doc["hostname"] is None
    assert as_json(SAMPLES / "adhoc-healthy.tar.gz")["input"]["vm_folders"] == []
    head = " ".join(run(packed, "--fail-on", "never").stdout.split("\n\n")[0].split())
    assert "— 2 VM folders in one input (vm-app07, vm-web02-logs), read as one bundle: analyse each " \
        "folder alone, or run analyze-logs fleet on them" in head
    assert "2 VM folders in one input" in run(packed, "--format", "markdown", "--fail-on", "never").stdout


def test_fleet_tables_carry_hostname_and_os(tmp_path: Path) -> None:
    import pytest
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    bundles = tmp_path / "b"
    bundles.mkdir()
    shutil.copy(FAILING, bundles)
    shutil.copy(OUTDATED, bundles)
    shutil.copy(SAMPLES / "adhoc-extension-stuck.tar.gz", bundles)
    run("fleet", bundles, "--out", tmp_path / "out", "--jobs", "1")
    table = pd.read_parquet(tmp_path / "out" / "bundles.parquet").set_index("hostname")
    assert table.loc["vm-backup01", "os"] == "Ubuntu 22.04.4 LTS"
    assert table.loc["vm-backup01", "hostname_source"] == "logs"
    assert table.loc["vm-app07", "hostname_source"] == "bundle_name"      # derived, and says so
    report = (tmp_path / "out" / "fleet-report.md").read_text()
    assert "adhoc-extension-stuck.tar.gz (vm-app07, derived)" in report
    assert table.loc["vm-erp-db01", "os"].startswith("Red Hat Enterprise Linux Server release 7.9")


# -- 5. one time style, terminal width, tokens never split ------------------------------------------
def test_one_time_style_and_local_times_have_no_z() -> None:
    import re
    text = run(OUTDATED).stdout
    # waagent.log of a 2.2.45 agent: local (the answer is auto-update off, the root of the outdated agent)
    assert "2024-05-29T03:12:05 (VM local time)" in text
    assert "2024-05-07T07:58:40 (VM local time)" in text
    assert not re.search(r"\d\d:\d\d:\d\d UTC", text)              # no second style ("… UTC")
    converted = run(OUTDATED, "--tz", "+02:00").stdout
    assert "2024-05-29T01:12:05Z" in converted and "(VM local time)" not in converted
    ev = as_json(OUTDATED)["findings"][0]["evidence"][0]
    assert ev["local_clock"] is True
    stuck = run(STUCK).stdout
    assert "3 h 34 min 57 s before the newest record" in " ".join(stuck.split())


def test_summaries_and_reasons_never_put_a_z_on_a_local_clock_time() -> None:
    # the sosreport's waagent.log has no zone (shown as is); its VMSnapshot log is UTC
    for fmt in ("text", "markdown", "html"):
        out = " ".join(run(OUTDATED, "--format", fmt).stdout.split())
        for local in ("2024-05-29T03:12:05", "2024-05-29T03:14:41", "2024-05-29T03:14:42",
                      "2024-05-07T07:58:40", "2024-06-03T21:00:06"):
            assert f"{local}Z" not in out, (fmt, local)
            assert f"{local} (VM local time)" in out, (fmt, local)
        assert "2024-06-03T21:00:20Z" in out, fmt        # the UTC log's last record keeps its Z
    summary = next(f["summary"] for f in as_json(OUTDATED)["findings"] if f["cause"] == "guest_shutdown")
    assert "SIGTERM at 2024-05-29T03:12:05 (VM local time)" in summary
    converted = " ".join(run(OUTDATED, "--tz", "+02:00").stdout.split())
    assert "SIGTERM at 2024-05-29T01:12:05Z" in converted and "(VM local time)" not in converted


def test_a_windowed_mixed_clock_bundle_puts_no_z_on_a_local_time_a_verdict_names() -> None:
    """The sosreport is mixed: waagent.log has the VM's local clock, the VMSnapshot log is UTC.
    With --since, a "no signature" verdict names the window's first waagent_log record, which is
    no bundle edge and no evidence: it kept its Z (2024-05-25T21:00:03Z).  A verdict over
    waagent_log alone now says local time; one spanning both clocks says it cannot tell."""
    import re
    for fmt in ("text", "markdown", "html", "json"):
        out = " ".join(run(OUTDATED, "--since", "10d", "--format", fmt, "--fail-on", "never").stdout.split())
        assert "2024-05-25T21:00:03Z" not in out, fmt
        assert "2024-05-25T21:00:03 (VM local time)" in out, fmt
        assert "2024-05-25T21:00:03 (UTC or VM local time)" in out, fmt
        assert "2024-06-03T21:00:20Z" in out, fmt                   # the UTC log's last record
    reasons = {v["cause"]: v["reason"] for v in as_json(OUTDATED, "--since", "10d")["causes"]}
    assert "86 waagent_log records in the time window (2024-05-25T21:00:03 (VM local time) to " \
        "2024-06-03T21:00:06 (VM local time))" in reasons["agent_not_running"]
    for sample in (FAILING, DHCP, HEALTHY):                          # one clock: nothing is ambiguous
        assert not re.search(r"UTC or VM local time", run(sample, "--since", "10d").stdout)


def test_text_follows_the_terminal_width_and_never_splits_a_token() -> None:
    import os
    import re
    for columns in (60, 100, 160):
        env = {**os.environ, "COLUMNS": str(columns)}
        out = run(FAILING, "-v", env=env).stdout
        lines = out.splitlines()
        assert max(map(len, lines)) <= columns, columns
        assert max(map(len, lines)) > columns - 15, columns        # it uses the width it has
        for line in lines:                                          # no timestamp cut at a line end
            assert not re.search(r"\d{4}-\d\d-\d\d$", line), line
            assert not line.rstrip().endswith(("<redact", "<redacted", "redacted>")) or \
                line.rstrip().endswith("<redacted>"), line
        assert "<redacted>" in out


# -- 7. command-line conventions --------------------------------------------------------------------
def test_several_formats_from_one_run(tmp_path: Path) -> None:
    proc = run(FAILING, "--format", "json,html,sarif", "-o", tmp_path)
    assert proc.returncode == 1, proc.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"collect-logs-backup-failure.zip.{ext}" for ext in ("html", "json", "sarif")]
    assert json.loads((tmp_path / names[1]).read_text())["summary"]["top_cause"] == "no_network"
    assert run(FAILING, "--format", "json,html").returncode == 2          # needs -o DIR
    bad = run(FAILING, "--format", "jsn")
    assert bad.returncode == 2 and "did you mean json" in bad.stderr


def test_standard_input_is_read(tmp_path: Path) -> None:
    data = FAILING.read_bytes()
    done = subprocess.run([_exe(), "-", "--format", "json"], input=data, capture_output=True, timeout=300)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["input"]["path"] == "-" and doc["summary"]["top_cause"] == "no_network"


def test_color_option(tmp_path: Path) -> None:
    assert "\x1b[" in run(FAILING, "--color", "always").stdout
    assert "\x1b[" not in run(FAILING, "--color", "never").stdout
    assert "\x1b[" not in run(FAILING).stdout                          # auto: not a terminal


def test_explain_list_rules_json_and_error_code_suggestions() -> None:
    explained = run("--explain", "vmsnapshot.no_network")
    assert explained.returncode == 0 and "cause: no_network" in explained.stdout
    assert "What to do:" in explained.stdout
    typo = run("--explain", "vmsnapshot.no_netwrk")
    assert typo.returncode == 2 and "did you mean vmsnapshot.no_network" in typo.stderr
    rules = json.loads(run("--list-rules", "--format", "json").stdout)
    assert {"id", "cause", "severity", "title"} <= set(rules[0]) and len(rules) > 50
    bogus = run(FAILING, "--error-code", "UserErrorGuestAgentStatusUnavailabel")
    assert bogus.returncode == 2 and "did you mean UserErrorGuestAgentStatusUnavailable" in bogus.stderr
    assert run(FAILING, "--error-code", "Bogus").returncode == 2
    assert run(FAILING, "--error-code", "UserErrorGuestAgentStatusUnavailable").returncode == 1


def test_one_json_shape_for_one_or_many_paths() -> None:
    import jsonschema
    schema = json.loads(run("--schema").stdout)
    one = as_json(FAILING)
    many = json.loads(run(FAILING, HEALTHY, "--format", "json").stdout)
    assert isinstance(one, dict) and isinstance(many, dict)
    assert one["schema_version"] == many["schema_version"] and len(many["reports"]) == 2
    jsonschema.validate(one, schema)
    jsonschema.validate(many, {"$defs": schema["$defs"], "$ref": "#/$defs/collection"})
    for report in many["reports"]:
        jsonschema.validate(report, schema)


def test_junit_suites_are_named_by_bundle_and_sarif_has_invocations_and_fingerprints() -> None:
    import xml.etree.ElementTree as ET
    junit = ET.fromstring(run(FAILING, HEALTHY, "--format", "junit").stdout)
    names = [s.get("name") for s in junit.findall("testsuite")]
    assert names == ["loganalyzer causes: vm-backup01 (collect-logs-backup-failure.zip)",
                     "loganalyzer causes: vm-web02 (adhoc-healthy.tar.gz)"]   # derived: vm-web02-logs/
    sarif = json.loads(run(FAILING, "--format", "sarif").stdout)
    run_ = sarif["runs"][0]
    assert run_["invocations"][0]["exitCode"] == 1 and run_["invocations"][0]["executionSuccessful"]
    assert all(r["partialFingerprints"]["loganalyzerFinding/v1"] for r in run_["results"])
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    enable = rules["extension.reported_enable_failure"]
    described = json.dumps([enable["shortDescription"], enable["fullDescription"]])
    assert "Microsoft.Azure.RecoveryServices" not in described          # no per-bundle text in rule help
    again = json.loads(run(FAILING, "--since", "7d", "--format", "sarif").stdout)["runs"][0]
    assert [r["partialFingerprints"] for r in again["results"]] == [r["partialFingerprints"]
                                                                     for r in run_["results"]]


def test_fleet_is_in_the_main_usage_line_and_benchmark_without_shared() -> None:
    usage = run("--help").stdout.split("\n\n")[0]
    assert "analyze-logs fleet INPUTS" in usage
    bench_dir = Path(__import__("tempfile").mkdtemp()) / "repo" / "tests"
    shutil.copytree(REPO / "tests", bench_dir)  # benchmark.py imports its sibling modules
    for command in (["parse", "--lines", "10"], ["rules", "--lines", "10"], ["fleet"]):
        done = subprocess.run([sys.executable, str(bench_dir / "benchmark.py"), *command],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "../shared is not next to the repository" in done.stderr


# -- 8. the HTML report ---------------------------------------------------------------------------
def _svg(path: Path) -> str:
    html = run(path, "--format", "html").stdout
    return html[html.find('<svg class="timeline"'):html.find("</svg>")]


def test_the_timeline_axis_is_linear_counted_labelled_and_legible() -> None:
    import re
    stuck = _svg(STUCK)
    assert 'class="break"' not in stuck                       # 3.5 stuck hours are drawn as hours
    ticks = [float(x) for x in re.findall(r'<line class="tick" x1="([\d.]+)"', stuck)]
    gaps = [b - a for a, b in __import__("itertools").pairwise(ticks)]
    assert len(ticks) >= 4 and max(gaps) - min(gaps) < 2         # evenly spaced: a linear axis
    assert min(gaps) >= 170                                      # labels (~130 px) never overlap
    assert "linear time axis" in stuck and 'class="legend"' in stuck
    dhcp = _svg(DHCP)
    assert "163×" in dhcp                                       # 163 failures look like 163
    assert re.search(r'<rect class="span sev-error"', dhcp)     # incidents drawn as spans
    html = run(FAILING, "--format", "html").stdout
    assert "details::details-content" in html and "@media print" in html   # collapsed parts print
    assert "overflow-wrap: anywhere" in html                    # wide tables wrap instead of overflowing


# -- shell completion ---------------------------------------------------------------------------
def _complete(script: Path, *words: str) -> list[str]:
    """What the bash completion offers for the last of ``words`` (as if Tab were pressed)."""
    line = " ".join(f"'{w}'" for w in words)
    probe = (f"source {script}; COMP_WORDS=(analyze-logs {line}); COMP_CWORD={len(words)}; "
             f"cd {REPO}; _analyze_logs; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    proc = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_bash_completion_is_valid_bash_and_completes_options_values_and_paths(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        import pytest
        pytest.skip("bash is not installed")
    proc = run("--completion", "bash")
    assert proc.returncode == 0 and proc.stdout.startswith("# bash completion for analyze-logs")
    script = tmp_path / "analyze-logs.bash"
    script.write_text(proc.stdout)
    check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert _complete(script, "--fail") == ["--fail-on"]
    assert _complete(script, "--format", "json,ma") == ["json,markdown"]
    assert _complete(script, "--color", "") == ["auto", "always", "never"]
    assert "vmsnapshot.enable_failed" in _complete(script, "--explain", "vmsnapshot.")
    assert _complete(script, "sample_logs/collect") == ["sample_logs/collect-logs-backup-failure.zip"]
    assert _complete(script, "fle") == ["fleet"]
    assert _complete(script, "fleet", "x", "--eng") == ["--engine"]


def test_zsh_completion_loads_and_an_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    proc = run("--completion", "zsh")
    assert proc.returncode == 0 and proc.stdout.startswith("#compdef analyze-logs")
    assert "--fail-on" in proc.stdout and "(critical error warning info never)" in proc.stdout
    bad = run("--completion", "fish")
    assert bad.returncode == 2 and "invalid choice: 'fish'" in bad.stderr
    if shutil.which("zsh") is None:
        return                                       # the script text is checked above; no zsh to load it
    script = tmp_path / "_analyze-logs"
    script.write_text(proc.stdout)
    load = subprocess.run(["zsh", "-f", "-c", f"autoload -U compinit && compinit -u -d {tmp_path}/zcd; "
                           f"source {script}; print ${{_comps[analyze-logs]}}"],
                          capture_output=True, text=True, timeout=60)
    assert load.returncode == 0 and load.stdout.strip() == "_analyze_logs", load.stderr


# -- reading the samples at 2 a.m.: said once ------------------------------------------------------
def test_the_answer_does_not_say_its_cause_twice() -> None:
    text = " ".join(run(OUTDATED, "--fail-on", "never").stdout.split())
    assert "Most likely cause: guest agent auto-update is disabled (warning, high confidence)." in text
    assert "Agent auto-update is disabled (warning" not in text


def test_the_checklist_points_at_the_answer_instead_of_repeating_it() -> None:
    for fmt in ("text", "markdown", "html"):
        out = " ".join(html.unescape(run(STUCK, "--format", fmt, "--fail-on", "never").stdout).split())
        assert out.count("last reported 'transitioning' at 2024-10-08T09:58:06Z") == 1, fmt
        assert "CustomScript — the answer above." in out, fmt
    data = as_json(STUCK, "--fail-on", "never")
    reason = next(v["reason"] for v in data["causes"] if v["cause"] == "extension_timeout")
    assert "last reported 'transitioning'" in reason           # JSON keeps the rule's full reason
