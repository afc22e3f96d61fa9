"""Every hostile input, end to end through the installed ``analyze-logs`` (``--format json``).

For each shape of :mod:`hostile_inputs`: the exit status is 0, 1 or 2; no traceback;
exit 2 comes with exactly one line on stderr; otherwise the JSON coverage says what
was skipped or cut and why; nothing is written to disk (the bundle's folder, the
CWD and ``TMPDIR`` keep their listings); nothing from outside the bundle and no
expanded entity text is printed; wall time and peak RSS stay bounded with the
default limits.
"""
from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_inputs import (
    BUILDERS,
    NETWORK_DTD,
    HostileCase,
    Snapshot,
    built_case,
    coverage_problems,
    run_cli,
)

MAX_SECONDS = 60.0
MAX_RSS_MIB = 1024.0


@pytest.fixture(scope="session")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture
def discard_port() -> Iterator[socket.socket | None]:
    """Listen on the DTD's address (127.0.0.1:9) to prove nothing connects; None if it cannot bind."""
    host, port = NETWORK_DTD.split("/")[2].split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, int(port)))
    except OSError:
        sock.close()
        yield None
        return
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _assert_one_line_refusal(run_stderr: str, stdout: str) -> None:
    lines = [line for line in run_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"exit 2 must print exactly one line, got: {run_stderr!r}"
    assert lines[0].startswith("analyze-logs: "), lines[0]
    assert "internal error" not in lines[0], lines[0]
    assert stdout == ""


def _assert_expected_report(case: HostileCase, stdout: str) -> None:
    report = json.loads(stdout)
    files = report["coverage"]["files"]
    problems = coverage_problems(report)
    if case.expect in ("reason", "exit2_or_reason"):
        matching = [p for p in problems if re.search(case.reason, p, re.IGNORECASE)]
        assert matching, f"no coverage entry says what was skipped/cut and why: {problems or files}"
    if case.expect == "clean":
        assert not [f for f in files if f["status"] not in ("parsed", "skipped")], problems
    if case.lines is not None:
        assert sum(f["lines"] for f in files) == case.lines, [(f["path"], f["lines"]) for f in files]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_installed_cli_survives_hostile_input(name: str, hostile_base: Path, tmp_path: Path,
                                              discard_port: socket.socket | None) -> None:
    case = built_case(name, hostile_base)
    watched = (hostile_base / name, *case.watch)
    before = Snapshot.of(*watched)

    run = run_cli([str(case.path), "--format", "json"], tmp_path)

    assert not run.timed_out, f"{name}: still running after the timeout"
    assert run.returncode in (0, 1, 2, 3), (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    if case.expect == "exit2":
        assert run.returncode == 2, run.stdout[-2000:]
    if run.returncode == 2:
        assert case.expect in ("exit2", "exit2_or_reason"), f"{name} refused: {run.stderr.strip()}"
        _assert_one_line_refusal(run.stderr, run.stdout)
    else:
        assert run.stderr.strip() == "", run.stderr[-2000:]
        _assert_expected_report(case, run.stdout)
    for text in (run.stdout, run.stderr):
        for forbidden in case.forbidden + case.report_only:
            assert forbidden not in text, f"{forbidden!r} reached the output"
    assert Snapshot.of(*watched) == before, "the bundle or files next to it changed"
    assert list((tmp_path / "cwd").iterdir()) == [], "something was written to the CWD"
    assert list((tmp_path / "tmp").iterdir()) == [], "something was written to TMPDIR"
    assert run.seconds < MAX_SECONDS, f"{name}: {run.seconds:.1f} s"
    assert run.peak_rss_mib < MAX_RSS_MIB, f"{name}: peak RSS {run.peak_rss_mib:.0f} MiB"
    if discard_port is not None:
        with pytest.raises(BlockingIOError):
            discard_port.accept()
