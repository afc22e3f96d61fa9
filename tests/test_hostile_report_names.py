"""Several bundles with one file name (or NFC/NFD spellings of it) get distinct, stable report names."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from hostile_inputs import WAAGENT_LINES, run_cli


def _bundle(path: Path) -> Path:
    (path / "var" / "log").mkdir(parents=True)
    (path / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES + path.as_posix().encode() + b"\n")
    return path


def test_same_named_bundles_in_two_folders_do_not_overwrite_each_others_report(tmp_path: Path) -> None:
    a, b = _bundle(tmp_path / "a" / "vm.zip"), _bundle(tmp_path / "b" / "vm.zip")
    out = tmp_path / "reports"
    out.mkdir()
    run = run_cli([str(a), str(b), "--format", "html", "-o", str(out), "--fail-on", "never"], tmp_path)
    assert run.returncode == 0, run.stderr
    first = sorted(p.name for p in out.iterdir())
    assert len(first) == 2 and all(n.startswith("vm.zip-") and n.endswith(".html") for n in first)
    assert str(a) in (out / first[0]).read_text() or str(a) in (out / first[1]).read_text()
    for p in out.iterdir():
        p.unlink()
    run_cli([str(b), str(a), "--format", "html", "-o", str(out), "--fail-on", "never"], tmp_path)
    assert sorted(p.name for p in out.iterdir()) == first          # stable: the order does not matter


def test_nfc_and_nfd_spellings_get_two_distinct_names(tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    a, b = _bundle(tmp_path / nfc), _bundle(tmp_path / nfd)
    out = tmp_path / "reports"
    out.mkdir()
    run = run_cli([str(a), str(b), "--format", "json,html", "-o", str(out), "--fail-on", "never"], tmp_path)
    assert run.returncode == 0, run.stderr
    html = sorted(p.name for p in out.iterdir() if p.suffix == ".html")
    assert len(html) == 2
    assert len({unicodedata.normalize("NFC", n) for n in html}) == 2   # not merely byte-different
