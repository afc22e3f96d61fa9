"""Names from a bundle reach each medium neutralised: terminal lines, text report, fleet Markdown.

A file name may hold ESC/BEL (a terminal title change: ``ESC ] 0 ; … BEL``), bidi overrides
(U+202E shows ``gol.exe`` as ``exe.log``), line separators (U+2028) and raw HTML.  Every
name is made in a temp dir here; nothing is committed.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hostile_inputs import WAAGENT_LINES, cli_path

from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.fleet import run as fleet_run

EVIL = "vm\x1b]0;pwned\x07<script>alert(1)\u202egol\u2028x"
RAW = ("\x1b]", "\x07", "\u202e", "\u2028")


def assert_neutral(text: str, allowed_escapes: int = 0) -> None:
    assert text.count("\x1b") <= allowed_escapes
    for raw in RAW[1:]:
        assert raw not in text, repr(raw)
    assert "\x1b]" not in text


def test_the_fleet_progress_line_shows_names_without_control_characters(
        capsys: pytest.CaptureFixture) -> None:
    progress = fleet_cli._Progress(enabled=True)
    progress(1, 2, f"/data/{EVIL}.tar.gz")
    progress.close()
    err = capsys.readouterr().err
    assert_neutral(err.replace("\r\x1b[2K", ""))


def test_fleet_markdown_has_no_control_character_or_raw_html_from_a_name(tmp_path: Path) -> None:
    bundles = tmp_path / "in"
    bundles.mkdir()
    (bundles / f"{EVIL}.tar.gz").write_bytes(os.urandom(2048))     # corrupt: listed with its name
    (bundles / "vm2").mkdir()
    (bundles / "vm2" / "waagent.log").write_bytes(WAAGENT_LINES)
    out = tmp_path / "out"
    fleet_cli.main([str(bundles), "--out", str(out), "--jobs", "1", "--fail-on", "never"])
    markdown = (out / "fleet-report.md").read_text(encoding="utf-8")
    assert "could not be analysed" in markdown and "gol" in markdown
    assert_neutral(markdown)
    assert "<script" not in markdown
    assert "<script" not in (out / "fleet-report.html").read_text(encoding="utf-8")


def test_the_text_report_and_stderr_show_names_without_control_or_bidi_characters(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "var" / "log").mkdir(parents=True)
    (bundle / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    (bundle / "var" / "log" / f"{EVIL}.log").write_bytes(WAAGENT_LINES)
    proc = subprocess.run([str(cli_path()), str(bundle), "--format", "text", "-v"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "gol" in proc.stdout
    assert_neutral(proc.stdout)
    assert_neutral(proc.stderr)
    missing = subprocess.run([str(cli_path()), str(tmp_path / f"{EVIL}.zip")], capture_output=True, text=True,
                             timeout=120, check=False)
    assert missing.returncode == 2 and "gol" in missing.stderr
    assert_neutral(missing.stderr)


def test_the_dask_cluster_the_fleet_starts_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    seen: dict[str, object] = {}

    class Started(Exception):
        pass

    def fake_cluster(**kwargs: object) -> None:
        seen.update(kwargs)
        raise Started

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    task = fleet_run.Task(frozenset(), None, False, 0)
    with pytest.raises(Started):
        list(fleet_run._run_dask(["x"], task, None, 1))
    assert seen["host"] == "127.0.0.1"
    assert str(seen["dashboard_address"]).startswith("127.0.0.1:")
