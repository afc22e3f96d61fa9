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
