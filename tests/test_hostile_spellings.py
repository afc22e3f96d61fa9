"""One file name in its NFC and NFD spellings inside one bundle: read once when the content is the
same, read as two distinguishable files (never two identical-looking rows) when it differs."""
from __future__ import annotations

import io
import tarfile
import unicodedata
import zipfile
from pathlib import Path

import pytest

from loganalyzer.analysis import analyze
from loganalyzer.sources import open_source

NFC = "var/log/azure/Ext.A.B/" + unicodedata.normalize("NFC", "café.log")
NFD = "var/log/azure/Ext.A.B/" + unicodedata.normalize("NFD", "café.log")
LINE = b"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler Dhcp client is not running.\n"
OTHER = b"2024-05-01T11:00:00.000000Z ERROR ExtHandler ExtHandler something else failed.\n"


def _bundle(tmp_path: Path, container: str, second: bytes) -> Path:
    files = {NFC: LINE, NFD: second}
    if container == "zip":
        path = tmp_path / "b.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return path
    if container == "tar":
        path = tmp_path / "b.tar"
        with tarfile.open(path, "w") as archive:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return path
    folder = tmp_path / "f"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _read(path: Path) -> tuple[dict[str, bytes], dict[str, str], dict[str, list[str]]]:
    source = open_source(path)
    got, notes = {}, {}
    for member in source.members():
        with member.open() as stream:
            got[member.path] = stream.read()
        notes[member.path] = member.notes
    return got, {e.path: e.reason or "" for e in source.entries}, notes


@pytest.mark.parametrize("container", ["zip", "folder"])
def test_the_same_file_under_both_spellings_is_read_once(tmp_path: Path, container: str) -> None:
    got, skipped, _ = _read(_bundle(tmp_path, container, LINE))
    assert list(got.values()) == [LINE]
    [(path, reason)] = skipped.items()
    assert unicodedata.normalize("NFC", path) == NFC
    assert "another Unicode spelling" in reason and "not read twice" in reason


@pytest.mark.parametrize("container", ["zip", "folder", "tar"])
def test_different_content_is_read_under_names_that_look_different(tmp_path: Path, container: str) -> None:
    got, skipped, notes = _read(_bundle(tmp_path, container, OTHER))
    assert sorted(got.values()) == sorted([LINE, OTHER]) and not skipped
    shown = list(got)
    assert len({unicodedata.normalize("NFC", p) for p in shown}) == 2     # not merely byte-different
    later = [p for p in shown if "\\u" in p]
    assert len(later) == 1 and "another Unicode spelling" in " ".join(notes[later[0]])


def test_a_tar_member_that_cannot_be_compared_is_kept_and_says_so(tmp_path: Path) -> None:
    got, _, notes = _read(_bundle(tmp_path, "tar", LINE))
    assert len(got) == 2
    assert any("not compared" in n for ns in notes.values() for n in ns)


def test_one_record_in_both_spellings_is_one_finding_not_two(tmp_path: Path) -> None:
    result = analyze(_bundle(tmp_path, "zip", LINE))
    paths = [c.path for c in result.coverage if unicodedata.normalize("NFC", c.path) == NFC]
    assert len(paths) == 2 and sorted(c.status.value for c in result.coverage if c.path in paths) == [
        "parsed", "skipped"]
    for finding in result.findings:
        assert len({(e.path, e.line_start) for e in finding.evidence}) == len(finding.evidence)
        assert all(unicodedata.normalize("NFC", e.path) == e.path for e in finding.evidence)
