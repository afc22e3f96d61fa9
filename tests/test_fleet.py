"""Fleet analysis: inputs, bundle ids, both engines, Parquet tables, resume, report, DuckDB query, CLI.

The bundles are generated with ../shared/bench/make_bench_bundle.py (tests skip without it)
plus one corrupt archive.  Tests of the fleet machinery itself run with a small stand-in
for the single-bundle pipeline (:func:`marker_analysis`, which "detects" the planted
causes by their marker strings) so they do not depend on rule tuning; the tests at the
end run the real pipeline.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from loganalyzer.facts.model import Facts
from loganalyzer.fleet import analyze_many, worker
from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.fleet.inputs import expand_inputs, local_bundle_id
from loganalyzer.fleet.tables import BUNDLE_COLUMNS, FINDING_COLUMNS, arrow_schema
from loganalyzer.model import Confidence, Finding, Severity
from loganalyzer.result import AnalysisOptions, AnalysisResult
from loganalyzer.sources.base import BundleInfo, BundleType

BACKUP_EXTENSION = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
def _readme_query() -> str:
    """The README's DuckDB query, exactly as written there, with ``fleet-out`` as ``{out}``."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    return block.replace("'fleet-out/", "'{out}/").rstrip().rstrip(";")


#: The README's DuckDB query (the test runs exactly that text, with the folder filled in).
OUTDATED_AND_FAILED_BACKUP = _readme_query()
#: bundle name → planted causes; the corrupt archive sits in the middle of the folder.
PLANTED = {"vm1": ["agent_outdated", "snapshot_failed"], "vm2": ["agent_outdated"],
           "vm4": ["snapshot_failed"], "vm5": []}
#: Generator seeds: with 8,000 lines these put a daily backup after the 90 % mark, where the
#: generator starts failing backups (seed 3 does not).
SEEDS = {"vm1": 1, "vm2": 2, "vm4": 4, "vm5": 5}
CORRUPT = "vm3-corrupt.tar.gz"
MARKERS = {"agent_outdated": b"AutoUpdate.Enabled=n",
           "snapshot_failed": b"FailedRetryableSnapshotFailedNoNetwork"}


# -- fixtures -----------------------------------------------------------------------------------
def make_bundle(shared: Path, out: Path, seed: int, causes: list[str], lines: int = 8000) -> Path:
    """A generated bundle; 8,000 lines is about the shortest log that still spans a daily backup."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(shared / "bench" / "make_bench_bundle.py"), "--lines", str(lines),
           "--seed", str(seed), "--out", str(out), "--quiet"]
    for cause in causes:
        cmd += ["--inject", cause]
    subprocess.run(cmd, check=True)
    return out


@pytest.fixture(scope="session")
def fleet_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """vm1..vm5 .tar.gz (with .truth.json sidecars, which are not bundles) and a corrupt archive."""
    folder = tmp_path_factory.mktemp("fleet")
    for name, causes in PLANTED.items():
        make_bundle(shared_dir, folder / f"{name}.tar.gz", SEEDS[name], causes)
    (folder / CORRUPT).write_bytes(os.urandom(4096))
    return folder


def marker_analysis(target: str | bytes, location: str, options: AnalysisOptions,
                    with_events: bool) -> tuple[AnalysisResult, pd.DataFrame | None]:
    """Stand-in pipeline: opens the tar (path or bytes) and reports the causes whose markers it holds."""
    raw = target if isinstance(target, bytes) else Path(target).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:*") as tar:
        content = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    stamp = datetime(2024, 5, 1, tzinfo=UTC)
    findings = [Finding(rule_id=f"test.{cause}", cause=cause, severity=Severity.ERROR,
                        confidence=Confidence.HIGH, title=cause, summary=cause, count=1, first_seen=stamp,
                        last_seen=stamp, extension=BACKUP_EXTENSION if cause == "snapshot_failed" else None)
                for cause, marker in MARKERS.items() if marker in content]
    result = AnalysisResult(input=BundleInfo(location, BundleType.ADHOC), coverage=[], facts=Facts(),
                            findings=findings, causes=[], options=options,
                            stats={"files": 3, "lines": content.count(b"\n")})
    events = pd.DataFrame({"timestamp": [stamp], "message": ["hello"]}) if with_events else None
    return result, events


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use :func:`marker_analysis` as the pipeline (forked pool workers and in-process Dask inherit it)."""
    monkeypatch.setattr(worker, "analyze_target", marker_analysis)
    monkeypatch.setattr(worker, "_nothing_read", lambda result: None)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def rows_by_name(bundles: pd.DataFrame) -> dict[str, pd.Series]:
    return {Path(p).name.split(".")[0]: row for p, (_, row) in zip(bundles["path"], bundles.iterrows(),
                                                                  strict=True)}


def causes_by_name(fleet) -> dict[str, list[str]]:
    names = {b: Path(p).name.split(".")[0] for b, p in zip(fleet.bundles["bundle_id"], fleet.bundles["path"],
                                                           strict=True)}
    out: dict[str, list[str]] = {}
    for bundle_id, cause in zip(fleet.findings["bundle_id"], fleet.findings["cause"].astype(object),
                                strict=True):
        out.setdefault(names[bundle_id], []).append(cause)
    return {k: sorted(v) for k, v in out.items()}


# -- inputs and ids -----------------------------------------------------------------------------
def test_a_folder_expands_to_its_archives_and_subfolders_not_sidecars(tmp_path: Path) -> None:
    for name in ("b.zip", "a.tar.gz", "a.tar.gz.truth.json", ".hidden.zip", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "vm-folder").mkdir()
    (tmp_path / "out").mkdir()
    found = expand_inputs([tmp_path], exclude=str(tmp_path / "out"))
    assert [Path(p).name for p in found] == ["a.tar.gz", "b.zip", "vm-folder"]


def test_a_folder_that_is_one_vm_tree_stays_one_bundle(tmp_path: Path) -> None:
    """The folder-dhcp-failure sample (etc/ and var/ of one VM) was read as two bundles, its etc/
    and its var/: a VM's tree, a sosreport or a folder of agent files is one bundle."""
    vm = tmp_path / "vm-dhcp"
    (vm / "var/log").mkdir(parents=True)
    (vm / "etc").mkdir()
    (vm / "var/log/waagent.log").write_text("x\n")
    (vm / "etc/waagent.conf").write_text("x\n")
    sos = tmp_path / "sosreport-vm2"
    (sos / "sos_commands").mkdir(parents=True)
    flat = tmp_path / "pasted"
    flat.mkdir()
    (flat / "waagent.log").write_text("x\n")
    assert expand_inputs([vm]) == [str(vm)]
    assert [Path(p).name for p in expand_inputs([tmp_path])] == ["pasted", "sosreport-vm2", "vm-dhcp"]
    assert expand_inputs([flat, sos]) == [str(flat), str(sos)]


def test_globs_and_repeated_inputs_give_each_bundle_once(tmp_path: Path) -> None:
    for name in ("x1.zip", "x2.zip", "y.zip"):
        (tmp_path / name).write_bytes(b"x")
    found = expand_inputs([str(tmp_path / "x*.zip"), str(tmp_path / "x1.zip"), str(tmp_path / "missing.zip")])
    assert [Path(p).name for p in found] == ["x1.zip", "x2.zip", "missing.zip"]


def test_bundle_id_is_the_content_hash_whatever_the_name(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"same bytes")
    (tmp_path / "b.zip").write_bytes(b"same bytes")
    assert local_bundle_id(str(tmp_path / "a.zip")) == hashlib.sha256(b"same bytes").hexdigest()
    assert local_bundle_id(str(tmp_path / "a.zip")) == local_bundle_id(str(tmp_path / "b.zip"))


def test_folder_bundle_id_changes_with_a_file_name_or_content(tmp_path: Path) -> None:
    bundle = tmp_path / "vm"
    (bundle / "var/log").mkdir(parents=True)
    (bundle / "var/log/waagent.log").write_text("one\n")
    first = local_bundle_id(str(bundle))
    (bundle / "var/log/waagent.log").write_text("two\n")
    second = local_bundle_id(str(bundle))
    (bundle / "var/log/waagent.log").rename(bundle / "var/log/waagent.log.1")
    assert len({first, second, local_bundle_id(str(bundle))}) == 3


# -- one bundle ---------------------------------------------------------------------------------
def test_a_missing_path_becomes_an_unreadable_row(tmp_path: Path) -> None:
    outcome = worker.analyze_location(str(tmp_path / "nope.zip"))
    assert outcome.bundle["status"] == "unreadable"
    assert "no such file" in outcome.bundle["error"]
    assert outcome.bundle["bundle_id"].startswith("location:")


def test_a_pipeline_exception_becomes_a_failed_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("parser bug\nsecond line")
    monkeypatch.setattr(worker, "analyze_target", explode)
    (tmp_path / "a.zip").write_bytes(b"abc")
    outcome = worker.analyze_location(str(tmp_path / "a.zip"))
    assert (outcome.bundle["status"], outcome.bundle["error"]) == ("failed", "RuntimeError: parser bug")
    assert outcome.bundle["bundle_id"] == hashlib.sha256(b"abc").hexdigest()


def test_a_known_bundle_is_hashed_but_not_analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "analyze_target", lambda *a: pytest.fail("analysed a known bundle"))
    (tmp_path / "a.zip").write_bytes(b"abc")
    outcome = worker.analyze_location(str(tmp_path / "a.zip"), {hashlib.sha256(b"abc").hexdigest()})
    assert outcome.skipped


def test_secrets_in_a_location_are_redacted(tmp_path: Path) -> None:
    outcome = worker.analyze_location("https://acct.blob.core.windows.net/c/vm.zip?sv=2020&sig=SECRET")
    assert "SECRET" not in outcome.bundle["path"]


# -- engines ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("stand_in")
def test_local_engine_gives_one_row_per_bundle_and_survives_a_corrupt_one(fleet_dir: Path) -> None:
    fleet = analyze_many(fleet_dir, engine="local", jobs=2)
    rows = rows_by_name(fleet.bundles)
    assert sorted(rows) == ["vm1", "vm2", "vm3-corrupt", "vm4", "vm5"]
    assert rows["vm3-corrupt"]["status"] == "failed" and rows["vm3-corrupt"]["error"]
    assert all(rows[n]["status"] == "analyzed" and rows[n]["error"] is None for n in PLANTED)
    assert causes_by_name(fleet) == {k: v for k, v in PLANTED.items() if v}
    assert rows["vm1"]["n_error"] == 2 and rows["vm1"]["top_severity"] == "error"
    assert rows["vm1"]["bundle_id"] == local_bundle_id(str(fleet_dir / "vm1.tar.gz"))
    assert len(fleet.worker_peak_rss) == 2 and min(fleet.worker_peak_rss.values()) > 0


@pytest.mark.usefixtures("stand_in")
def test_dask_engine_gives_the_same_tables(fleet_dir: Path, dask_client) -> None:
    local = analyze_many(fleet_dir, engine="local", jobs=2)
    dask = analyze_many(fleet_dir, engine="dask", client=dask_client)
    key = ["bundle_id"]
    columns = ["bundle_id", "path", "status", "top_cause", "n_error", "files", "error"]
    pd.testing.assert_frame_equal(local.bundles[columns].sort_values(key).reset_index(drop=True),
                                  dask.bundles[columns].sort_values(key).reset_index(drop=True))
    assert causes_by_name(local) == causes_by_name(dask)


@pytest.mark.usefixtures("stand_in")
def test_memory_urls_are_read_by_the_workers_through_fsspec(fleet_dir: Path, dask_client) -> None:
    import fsspec
    memory = fsspec.filesystem("memory")
    for name in ("vm1.tar.gz", "vm4.tar.gz", CORRUPT):
        memory.pipe(f"/fleet/{name}", (fleet_dir / name).read_bytes())
    fleet = analyze_many(["memory://fleet/"], engine="dask", client=dask_client, with_events=True)
    rows = rows_by_name(fleet.bundles)
    assert sorted(rows) == ["vm1", "vm3-corrupt", "vm4"]
    assert rows["vm1"]["path"] in ("memory://fleet/vm1.tar.gz", "memory:///fleet/vm1.tar.gz")
    assert rows["vm1"]["bundle_id"] == local_bundle_id(str(fleet_dir / "vm1.tar.gz"))
    assert causes_by_name(fleet) == {"vm1": PLANTED["vm1"], "vm4": PLANTED["vm4"]}
    assert set(fleet.events["bundle_id"]) == {rows["vm1"]["bundle_id"], rows["vm4"]["bundle_id"]}


def test_a_remote_bundle_over_the_size_cap_is_unreadable() -> None:
    import fsspec
    fsspec.filesystem("memory").pipe("/big/vm.tar.gz", b"x" * 4096)
    outcome = worker.analyze_location("memory://big/vm.tar.gz", max_remote_bytes=1024)
    assert outcome.bundle["status"] == "unreadable" and "in-memory limit" in outcome.bundle["error"]


def test_an_unknown_engine_is_a_usage_error() -> None:
    from loganalyzer.errors import UsageError
    with pytest.raises(UsageError):
        analyze_many([], engine="spark")


# -- tables, resume, report, query --------------------------------------------------------------
@pytest.fixture
def fleet_out(fleet_dir: Path, tmp_path: Path, stand_in: None) -> Path:
    out = tmp_path / "out"
    assert fleet_cli.main([str(fleet_dir), "--out", str(out), "--jobs", "2", "--with-events"]) == 4
    return out


def test_parquet_tables_carry_the_documented_schema(fleet_out: Path) -> None:
    for name, columns in (("bundles", BUNDLE_COLUMNS), ("findings", FINDING_COLUMNS)):
        schema = pq.read_schema(fleet_out / f"{name}.parquet")
        expected = arrow_schema(columns)
        assert [(f.name, f.type) for f in schema] == [(f.name, f.type) for f in expected]
    bundles = pd.read_parquet(fleet_out / "bundles.parquet")
    assert str(bundles["analyzed_at"].dtype) == "datetime64[us, UTC]"
    assert isinstance(bundles["bundle_type"].dtype, pd.CategoricalDtype)
    findings = pd.read_parquet(fleet_out / "findings.parquet")
    assert findings["severity"].cat.ordered and list(findings["severity"].cat.categories)[-1] == "critical"
    assert str(findings["first_seen"].dtype) == "datetime64[us, UTC]"
    events = pd.read_parquet(fleet_out / "events.parquet")
    assert len(events) == 4 and events.columns[0] == "bundle_id"


def test_a_second_run_skips_every_known_bundle_and_keeps_the_tables(fleet_dir: Path, fleet_out: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    before = pd.read_parquet(fleet_out / "bundles.parquet")
    assert fleet_cli.main([str(fleet_dir), "--out", str(fleet_out), "--jobs", "2"]) == 4
    assert "0 bundles analysed, 0 could not be, 5 skipped" in capsys.readouterr().err
    after = pd.read_parquet(fleet_out / "bundles.parquet")
    pd.testing.assert_frame_equal(before, after)
    assert len(pd.read_parquet(fleet_out / "events.parquet")) == 4


def test_resume_adds_new_bundles_to_the_tables(fleet_dir: Path, fleet_out: Path, shared_dir: Path,
                                               tmp_path: Path) -> None:
    extra = make_bundle(shared_dir, tmp_path / "more" / "vm6.tar.gz", 6, ["agent_outdated"])
    assert fleet_cli.main([str(fleet_dir), str(extra), "--out", str(fleet_out), "--jobs", "2"]) == 4
    bundles = pd.read_parquet(fleet_out / "bundles.parquet")
    assert len(bundles) == 6 and bundles["bundle_id"].is_unique
    assert bundles["path"].str.endswith("vm6.tar.gz").sum() == 1


def test_the_readme_duckdb_query_finds_outdated_agents_with_failed_backups(fleet_out: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(OUTDATED_AND_FAILED_BACKUP.format(out=fleet_out)).fetchall()
    assert [(Path(r[0]).name, r[3]) for r in rows] == [("vm1.tar.gz", ["agent_outdated", "snapshot_failed"])]


def test_fleet_reports_rank_causes_by_roots_and_are_self_contained(fleet_out: Path) -> None:
    markdown = (fleet_out / "fleet-report.md").read_text()
    causes = markdown.split("## Causes, ranked by incident roots")[1].split("##")[0]
    rows = {line.split("|")[1].strip(" `"): [c.strip() for c in line.split("|")[2:6]]
            for line in causes.splitlines() if line.startswith("| `")}
    # the stand-in's findings carry no incident: each is a root; each VM is the answer of one cause
    assert rows["agent_outdated"][2] == "2" and rows["snapshot_failed"][2] == "2"
    assert sum(int(r[0]) for r in rows.values()) == 3          # vm1, vm2, vm4 (vm5 has no finding)
    assert "vm3-corrupt.tar.gz" in markdown.split("could not be analysed")[1]
    page = (fleet_out / "fleet-report.html").read_text()
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "vm1.tar.gz" in page and "<style>" in page


def test_consequences_do_not_count_as_causes_of_the_fleet() -> None:
    """Three VMs whose network was down, each with the backup failure it brought about, and one
    with an outdated agent: no_network is the answer of 3 VMs; snapshot_failed, seen on the same
    3 VMs, is only a consequence and ranks last; the answers' shares add up to 100%."""
    from loganalyzer.fleet.report import summarize
    from loganalyzer.fleet.tables import bundles_frame, findings_frame
    bundles, findings = [], []
    for n in range(4):
        root = "agent_outdated" if n == 3 else "no_network"
        bundles.append({"bundle_id": f"b{n}", "path": f"vm{n}.zip", "status": "analyzed",
                        "top_cause": root, "top_severity": "error"})
        findings.append({"bundle_id": f"b{n}", "rule_id": f"r.{root}", "cause": root, "severity": "error",
                         "confidence": "high", "title": root, "count": 1, "incident": 1, "role": "root"})
        if root == "no_network":
            findings += [{"bundle_id": f"b{n}", "rule_id": f"r.s{k}", "cause": "snapshot_failed",
                          "severity": "critical", "confidence": "high", "title": "snapshot", "count": 1,
                          "incident": 1, "role": "consequence"} for k in range(2)]
    s = summarize(bundles_frame(bundles), findings_frame(findings))
    got = [(c.cause, c.answers, c.roots, c.consequence_only) for c in s.causes]
    assert got == [("no_network", 3, 3, 0), ("agent_outdated", 1, 1, 0), ("snapshot_failed", 0, 0, 3)]
    assert sum(c.share for c in s.causes) == 1.0


def test_the_fleet_report_of_the_samples_ranks_the_roots_first(tmp_path: Path) -> None:
    """Through the installed command: the collect-logs sample's backup and extension failures are
    consequences of no_network, so no_network is its answer and the others rank below it."""
    from test_cli import SAMPLES, run
    done = run("fleet", SAMPLES / "collect-logs-backup-failure.zip", "--out", tmp_path / "out", "--jobs", "1")
    assert done.returncode == 1, done.stderr
    report = (tmp_path / "out" / "fleet-report.md").read_text()
    causes = report.split("## Causes, ranked by incident roots")[1]
    rows = [line.split("|")[1:6] for line in causes.split("##")[0].splitlines() if line.startswith("| `")]
    assert [c.strip(" `") for c in rows[0]] == ["no_network", "1", "100%", "1", "0"]
    later = {r[0].strip(" `"): [c.strip() for c in r[1:]] for r in rows[1:]}
    assert later["snapshot_failed"] == ["0", "0%", "0", "1"]
    assert later["extension_enable_failed"] == ["0", "0%", "0", "1"]
    bundles = pd.read_parquet(tmp_path / "out" / "findings.parquet")
    assert set(bundles["role"].astype(object)) >= {"root", "consequence"}
    assert (bundles.loc[bundles["severity"].astype(object) == "info", "incident"] == 0).all()


# -- command line -------------------------------------------------------------------------------
def test_fail_on_sets_the_exit_status(fleet_dir: Path, tmp_path: Path, stand_in: None) -> None:
    assert fleet_cli.main([str(fleet_dir / "vm5.tar.gz"), "--out", str(tmp_path / "a"), "--jobs", "1"]) == 0
    assert fleet_cli.main([str(fleet_dir / "vm2.tar.gz"), "--out", str(tmp_path / "b"), "--jobs", "1",
                           "--fail-on", "critical"]) == 0
    assert fleet_cli.main([str(fleet_dir / "vm2.tar.gz"), "--out", str(tmp_path / "c"), "--jobs", "1"]) == 1


def test_nothing_to_read_and_bad_usage_exit_2_with_one_line(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    assert fleet_cli.main([str(tmp_path / "*.zip"), "--out", str(tmp_path / "o")]) == 2
    assert fleet_cli.main([str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "local",
                           "--scheduler", "tcp://x:1"]) == 2
    (tmp_path / "junk.zip").write_bytes(os.urandom(512))
    assert fleet_cli.main([str(tmp_path / "junk.zip"), "--out", str(tmp_path / "o2"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no bundle found" in err and "--scheduler needs --engine dask" in err


# -- the real pipeline --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_fleet(fleet_dir: Path):
    return analyze_many(fleet_dir, engine="local", jobs=2)


def test_the_real_pipeline_gives_one_analysed_row_per_bundle_and_an_error_for_the_corrupt_one(
        real_fleet) -> None:
    rows = rows_by_name(real_fleet.bundles)
    assert sorted(rows) == ["vm1", "vm2", "vm3-corrupt", "vm4", "vm5"]
    assert rows["vm3-corrupt"]["status"] == "failed" and rows["vm3-corrupt"]["error"]
    for name in PLANTED:
        row = rows[name]
        assert (row["status"], row["error"], row["bundle_type"]) == ("analyzed", None, "adhoc")
        assert row["files"] > 10 and row["lines"] > 8000 and row["goal_state_version"]
    assert set(real_fleet.findings["bundle_id"]) <= set(real_fleet.bundles["bundle_id"])


def test_the_real_pipeline_reads_memory_urls_like_local_files(fleet_dir: Path, real_fleet,
                                                               dask_client) -> None:
    import fsspec
    memory = fsspec.filesystem("memory")
    memory.pipe("/real/vm1.tar.gz", (fleet_dir / "vm1.tar.gz").read_bytes())
    remote = analyze_many(["memory://real/*.tar.gz"], engine="dask", client=dask_client, with_events=True)
    local = real_fleet.bundles.set_index("bundle_id").loc[remote.bundles["bundle_id"]]
    columns = ["status", "bundle_type", "goal_state_version", "top_cause", "n_warning", "files", "lines"]
    assert remote.bundles[columns].to_dict("records") == local[columns].to_dict("records")
    local_findings = real_fleet.findings[real_fleet.findings["bundle_id"].isin(remote.bundles["bundle_id"])]
    assert sorted(remote.findings["rule_id"]) == sorted(local_findings["rule_id"])
    events = remote.events
    assert set(events["bundle_id"]) == set(remote.bundles["bundle_id"]) and len(events) > 8000
    assert str(events["timestamp"].dtype).endswith("UTC]")


def test_the_real_pipeline_finds_the_planted_causes(real_fleet) -> None:
    found = causes_by_name(real_fleet)
    for name, planted in PLANTED.items():
        assert set(planted) <= set(found.get(name, [])), name


@pytest.fixture(scope="module")
def command_out(fleet_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("command") / "out"
    command = [str(Path(sys.executable).parent / "analyze-logs"), "fleet", str(fleet_dir), "--out", str(out),
               "--jobs", "2"]
    return out, command, subprocess.run(command, capture_output=True, text=True)


def test_the_command_writes_tables_and_reports(command_out) -> None:
    out, _, first = command_out
    assert first.returncode == 4, first.stderr   # vm3-corrupt failed (4 wins over the planted errors)
    assert {p.name for p in out.iterdir()} == {"bundles.parquet", "findings.parquet", "fleet-report.md",
                                              "fleet-report.html", ".fleet.lock"}   # the lock stays (flock)
    assert "Traceback" not in first.stderr


def test_the_readme_query_on_the_real_tables_names_the_vms_with_both_problems(command_out) -> None:
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(OUTDATED_AND_FAILED_BACKUP.format(out=command_out[0])).fetchall()
    assert "vm1.tar.gz" in [Path(r[0]).name for r in rows]      # the rules still flag some healthy agents
    assert all({"agent_outdated", "snapshot_failed"} <= set(r[3]) for r in rows)


def test_the_command_resumes_without_analysing_again(command_out) -> None:
    _, command, first = command_out
    second = subprocess.run(command, capture_output=True, text=True)
    assert second.returncode == first.returncode
    assert "0 bundles analysed, 0 could not be, 5 skipped" in second.stderr


def test_a_worker_that_dies_costs_only_its_own_bundle(fleet_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def die_on_vm2(target: str | bytes, location: str, options: AnalysisOptions, with_events: bool):
        if "vm2" in location:
            os._exit(3)
        return marker_analysis(target, location, options, with_events)
    monkeypatch.setattr(worker, "analyze_target", die_on_vm2)
    monkeypatch.setattr(worker, "_nothing_read", lambda result: None)
    fleet = analyze_many(fleet_dir, engine="local", jobs=1)
    rows = rows_by_name(fleet.bundles)
    assert sorted(rows) == ["vm1", "vm2", "vm3-corrupt", "vm4", "vm5"]
    assert rows["vm2"]["status"] == "unreadable" and "worker lost" in rows["vm2"]["error"]
    assert all(rows[n]["status"] == "analyzed" for n in ("vm1", "vm4", "vm5"))
