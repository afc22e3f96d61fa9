"""Fleet faults: inputs that are not regular files, an output folder that cannot be written, torn writes.

Each case is a few bundles made here from bytes; each run is bounded by a timeout so a hang
fails the test instead of the suite.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hostile_inputs import WAAGENT_LINES

from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.fleet.tables import atomic_path


def _fleet(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    code = "import sys; from loganalyzer.fleet.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def _good_bundle(folder: Path, name: str = "vm1") -> Path:
    (folder / name / "var" / "log").mkdir(parents=True)
    (folder / name / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    return folder / name


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_link_to_dev_zero_named_like_a_bundle_does_not_hang_the_run(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    _good_bundle(inputs)
    os.mkfifo(inputs / "vm2.tar.gz")
    (inputs / "vm3.tar.gz").symlink_to("/dev/zero")
    out = tmp_path / "out"
    proc = _fleet([str(inputs), "--out", str(out), "--jobs", "1", "--fail-on", "never"], timeout=90)
    assert proc.returncode == 4, proc.stderr        # finished, with bundles it could not analyse
    rows = pq.read_table(out / "bundles.parquet").to_pandas().set_index("path")
    assert len(rows) == 3
    for name in ("vm2.tar.gz", "vm3.tar.gz"):
        row = rows.loc[str(inputs / name)]
        assert row["status"] == "unreadable" and "not a regular file" in row["error"]
    assert rows.loc[str(inputs / "vm1"), "status"] == "analyzed"


def test_an_unwritable_out_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    _good_bundle(inputs)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    from loganalyzer.fleet import run as fleet_run

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("bundles were analysed before --out was checked")

    monkeypatch.setattr(fleet_run, "analyze_many", no_work)
    assert fleet_cli.main([str(inputs), "--out", str(blocker / "out"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "cannot write there" in err and "Traceback" not in err


def test_a_table_write_that_fails_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "bundles.parquet"
    target.write_bytes(b"previous run")
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError("disk full")
    assert target.read_bytes() == b"previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundles.parquet"]
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new run")
    assert target.read_bytes() == b"new run"


def _bundles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"vm{i:02d}" / "var" / "log").mkdir(parents=True)
        (folder / f"vm{i:02d}" / "var" / "log" / "waagent.log").write_bytes(
            WAAGENT_LINES + f"2022-12-02T05:46:{i:02d}.000000Z INFO ExtHandler ExtHandler vm {i}\n".encode())
    return folder


def test_a_second_run_on_the_same_out_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    from loganalyzer.fleet.journal import out_lock
    inputs = _bundles(tmp_path / "in", 1)
    out = tmp_path / "out"
    with out_lock(out):
        proc = _fleet([str(inputs), "--out", str(out), "--jobs", "1"])
    assert proc.returncode == 2
    assert f"another fleet run is writing there (pid {os.getpid()})" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "bundles.parquet").exists()
    assert _fleet([str(inputs), "--out", str(out), "--jobs", "1"]).returncode == 0   # free again


def test_two_runs_at_once_lose_no_row(tmp_path: Path) -> None:
    inputs = _bundles(tmp_path / "in", 3)
    out = tmp_path / "out"
    code = "import sys; from loganalyzer.fleet.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, str(inputs), "--out", str(out), "--jobs", "1"]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in runs]
    for p in runs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _ in results)
    # either the second waited for nothing and was refused, or they ran one after the other
    assert codes in ([0, 0], [0, 2]), results
    assert all("Traceback" not in err for _, err in results)
    if codes == [0, 2]:
        assert any("another fleet run is writing there" in err for _, err in results)
    rows = pq.read_table(out / "bundles.parquet").to_pandas()
    assert len(rows) == 3 and rows["bundle_id"].is_unique


def test_ctrl_c_keeps_the_finished_bundles_and_the_next_run_resumes_after_them(tmp_path: Path) -> None:
    import signal
    import time
    inputs = _bundles(tmp_path / "in", 12)
    out = tmp_path / "out"
    code = "import sys; from loganalyzer.fleet.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, str(inputs), "--out", str(out), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 90
    while not list((out / ".journal").glob("*.bundle.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no bundle finished"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)                # what Ctrl-C sends: the whole process group
    _, err = proc.communicate(timeout=90)
    assert "Traceback" not in err, err
    if proc.returncode == 130:                        # (the run may have ended just before the signal)
        assert "interrupted;" in err and "run the same command again to resume" in err
    kept = pq.read_table(out / "bundles.parquet").to_pandas()
    assert len(kept) >= 1 and kept["bundle_id"].is_unique
    again = _fleet([str(inputs), "--out", str(out), "--jobs", "1"])
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} skipped" in again.stderr
    rows = pq.read_table(out / "bundles.parquet").to_pandas()
    assert len(rows) == 12 and rows["bundle_id"].is_unique and set(rows["status"]) == {"analyzed"}
    assert not (out / ".journal").exists()


def test_bundles_finished_before_a_crash_are_in_the_journal_and_resumed(tmp_path: Path) -> None:
    from loganalyzer.fleet import run as fleet_run
    inputs = _bundles(tmp_path / "in", 3)
    out = tmp_path / "out"
    real = fleet_run._collect

    def crash_after_two(outcomes, total, progress, started, on_outcome=None):  # type: ignore[no-untyped-def]
        def two():
            for n, outcome in enumerate(outcomes):
                if n == 2:
                    raise MemoryError("the driver died")
                yield outcome
        return real(two(), total, progress, started, on_outcome)

    import pytest as _pytest
    with _pytest.MonkeyPatch.context() as patch:
        patch.setattr(fleet_run, "_collect", crash_after_two)
        assert fleet_cli.main([str(inputs), "--out", str(out), "--jobs", "1"]) == 2
    assert not (out / "bundles.parquet").exists()
    assert len(list((out / ".journal").glob("*.bundle.parquet"))) == 2
    assert fleet_cli.main([str(inputs), "--out", str(out), "--jobs", "1"]) == 0
    rows = pq.read_table(out / "bundles.parquet").to_pandas()
    assert len(rows) == 3 and rows["bundle_id"].is_unique


def test_a_dask_run_ends_without_a_traceback_or_leaked_resource_warning(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    inputs = _bundles(tmp_path / "in", 2)
    proc = _fleet([str(inputs), "--out", str(tmp_path / "out"), "--engine", "dask", "--jobs", "1"],
                  timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "resource_tracker" not in proc.stderr, proc.stderr


_KILL_TRACKER = """
import logging, os, signal, sys, time
from multiprocessing import resource_tracker
from loganalyzer.fleet.tracker import quiet_restarts
logging.basicConfig(format="%(message)s")
resource_tracker.ensure_running()
resource_tracker.register("/mp-planted", "semaphore")
os.kill(resource_tracker._resource_tracker._pid, signal.SIGKILL)
time.sleep(0.5)
if sys.argv[1] == "quiet":
    with quiet_restarts(logging.getLogger("t").warning):
        resource_tracker.unregister("/mp-planted", "semaphore")
else:
    resource_tracker.unregister("/mp-planted", "semaphore")
time.sleep(1.0)    # the new tracker reads the message and prints what it prints
"""


@pytest.mark.parametrize("quiet", [False, True])
def test_a_killed_resource_tracker_is_restarted_with_one_line_not_tracebacks(quiet: bool) -> None:
    proc = subprocess.run([sys.executable, "-c", _KILL_TRACKER, "quiet" if quiet else "plain"],
                          capture_output=True, text=True, timeout=60, check=False)
    if not quiet:     # what multiprocessing itself does: the case the fleet run guards against
        assert "Traceback" in proc.stderr and "KeyError: '/mp-planted'" in proc.stderr, proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "relaunching" not in proc.stderr, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("the multiprocessing resource tracker (pid ") and line.endswith(
        "died during the run and was restarted; semaphores it held may stay until the machine restarts")


def _set_of_bundles(folder: Path, tag: str, count: int) -> Path:
    for i in range(count):
        (folder / f"{tag}{i:02d}" / "var" / "log").mkdir(parents=True)
        line = f"2022-12-02T05:47:{i:02d}.000000Z INFO ExtHandler ExtHandler {tag} {i}\n"
        (folder / f"{tag}{i:02d}" / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES + line.encode())
    return folder


def test_two_runs_at_once_on_different_inputs_keep_the_rows_of_every_run_that_says_it_succeeded(
        tmp_path: Path) -> None:
    """Both runs start together into one --out, each with its own bundles: a run that exits 0 must
    find its rows in the table afterwards (at 1b21862 both exited 0 and the last writer's table won)."""
    sets = {tag: _set_of_bundles(tmp_path / tag, tag, 4) for tag in ("a", "b")}
    out = tmp_path / "out"
    code = "import sys; from loganalyzer.fleet.cli import main; sys.exit(main(sys.argv[1:]))"
    runs = {tag: subprocess.Popen([sys.executable, "-c", code, str(folder), "--out", str(out), "--jobs", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for tag, folder in sets.items()}
    results = {tag: (p.wait(timeout=180), p.stderr.read()) for tag, p in runs.items()}
    for p in runs.values():
        p.stderr.close()
    assert all("Traceback" not in err for _, err in results.values()), results
    rows = pq.read_table(out / "bundles.parquet").to_pandas()
    assert rows["bundle_id"].is_unique
    for tag, (returncode, err) in results.items():
        assert returncode in (0, 2), (tag, err)
        mine = rows["path"].str.startswith(str(sets[tag]))
        if returncode == 0:
            assert mine.sum() == 4, f"run {tag} exited 0 but {4 - mine.sum()} of its 4 rows are missing"
        else:
            assert "another fleet run is writing there" in err
    assert any(code == 0 for code, _ in results.values())


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return kids + [g for k in kids for g in _children(k)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_killing_the_resource_tracker_of_a_dask_run_prints_no_traceback(tmp_path: Path) -> None:
    """The command itself, not the helper: kill -9 the resource tracker while a Dask fleet run is
    going; the run ends with every row and at most one line about it (at 1b21862: tracebacks)."""
    import signal
    import time
    pytest.importorskip("distributed")
    inputs = _bundles(tmp_path / "in", 6)
    code = "import sys; from loganalyzer.fleet.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, str(inputs), "--out", str(tmp_path / "out"),
                             "--engine", "dask", "--jobs", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    killed, deadline = False, time.monotonic() + 120
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        for pid in _children(proc.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" in cmdline:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
        time.sleep(0.05)
    _, err = proc.communicate(timeout=240)
    if not killed:
        pytest.skip("the run ended before a resource tracker was seen")
    assert "Traceback" not in err, err
    assert proc.returncode == 0, err
    rows = pq.read_table(tmp_path / "out" / "bundles.parquet").to_pandas()
    assert len(rows) == 6 and set(rows["status"]) == {"analyzed"}
