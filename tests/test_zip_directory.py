"""A zip's central directory is parsed no further than the member limit can use (``sources.zipdir``).

Zips are written here with :mod:`zipfile` (tiny members; the zip64 one lists 70,000 entries).
"""
from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from loganalyzer.limits import Limits
from loganalyzer.sources import open_source
from loganalyzer.sources.zipdir import open_zip


def _zip(count: int, prefix: bytes = b"", folders: int = 0) -> bytes:
    buf = io.BytesIO()
    buf.write(prefix)
    with zipfile.ZipFile(buf, "w") as archive:
        for i in range(folders):
            archive.writestr(f"d{i}/", b"")
        for i in range(count):
            archive.writestr(f"var/log/azure/Ext.A.B/f{i}.log", f"line {i}\n".encode())
    return buf.getvalue()


@pytest.mark.parametrize(("count", "prefix"), [(40, b""), (40, b"#!/bin/sh\nexit 0\n" * 10),
                                               (70_000, b"")])
def test_the_cut_directory_reads_the_same_first_entries_and_bytes(count: int, prefix: bytes) -> None:
    data = _zip(count, prefix)
    keep = count - 3 if count < 0xFFFF else 66_000          # the zip64 end records are written too
    archive, listed = open_zip(io.BytesIO(data), keep - 1)
    whole = zipfile.ZipFile(io.BytesIO(data))
    assert listed == count
    assert [i.filename for i in archive.infolist()] == [i.filename for i in whole.infolist()[:keep]]
    for info in (archive.infolist()[0], archive.infolist()[-1]):
        assert archive.read(info.filename) == whole.read(info.filename)


def test_a_zip_within_the_limit_is_opened_whole() -> None:
    archive, listed = open_zip(io.BytesIO(_zip(5)), 5)
    assert (len(archive.infolist()), listed) == (5, 5)


def test_opening_a_zip_of_200k_entries_keeps_only_what_the_limit_uses(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(_zip(200_000))
    tracemalloc.start()
    try:
        with open(path, "rb") as handle:
            archive, listed = open_zip(handle, 1_000)
            held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (len(archive.infolist()), listed) == (1_001, 200_000)
    assert held < 8 << 20          # the whole directory as ZipInfo objects is ~100 MiB


def test_the_member_limit_is_still_reported_for_a_cut_directory(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(_zip(30))
    source = open_source(path, limits=Limits(max_members=10))
    assert len(list(source.members())) == 10
    assert [e.reason for e in source.entries] == [
        "member limit reached: more than 10 entries; the rest was not read"]


def test_folders_filling_the_cut_directory_do_not_hide_the_files_after_them(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(_zip(5, folders=20))
    source = open_source(path, limits=Limits(max_members=10))
    assert list(source.members()) == []
    [entry] = source.entries
    assert entry.reason == ("member limit reached: the central directory lists 25 entries, the first 11 "
                            "were looked at (max_members 10); the rest was not read")
