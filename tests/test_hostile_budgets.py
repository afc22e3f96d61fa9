"""Budgets that must hold while nobody reads: tar skipping, extended headers, lying zips, bad headers.

Every input is generated here from bytes (big ones as repeated deflate blocks, a few MB on
disk); nothing is committed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from hostile_inputs import (
    TAR_END,
    WAAGENT_LINES,
    GiB,
    MiB,
    ZipEntry,
    gzip_of,
    tar_header,
    tar_member,
    write_zip,
    zeros_parts,
)

from loganalyzer.limits import Limits
from loganalyzer.sources import open_source
from loganalyzer.sources.guard import POOL_GRACES
from loganalyzer.sources.walker import READ_ERRORS


def drain(path: Path, limits: Limits) -> tuple[dict[str, int], dict[str, str | None]]:
    """Bytes read per member, and the reasons of entries; a member stopped by an error gets its
    partial byte count and the error as its reason."""
    source = open_source(path, limits=limits)
    got: dict[str, int] = {}
    stopped: dict[str, str | None] = {}
    for member in source.members():
        got[member.path] = 0
        try:
            with member.open() as stream:
                while chunk := stream.read(1 << 16):
                    got[member.path] += len(chunk)
        except READ_ERRORS as error:
            stopped[member.path] = str(error)
    return got, {**{e.path: e.reason for e in source.entries}, **stopped}


def tar_gz_with(path: Path, header: bytes, zeros: int) -> Path:
    """``header`` then ``zeros`` zero bytes (padded), then a real waagent.log, as one gzip stream."""
    parts = [(header, 1), *zeros_parts(zeros), (tar_member("var/log/waagent.log", WAAGENT_LINES), 1),
             (TAR_END, 1)]
    path.write_bytes(gzip_of(parts))
    return path


def test_max_seconds_stops_tarfile_skipping_a_member_nobody_reads(tmp_path: Path) -> None:
    bundle = tar_gz_with(tmp_path / "skip.tar.gz", tar_header("../outside.log", 4 * GiB), 4 * GiB)
    assert bundle.stat().st_size < 8 * MiB
    started = time.monotonic()
    _, entries = drain(bundle, Limits(max_seconds=1, max_ratio=1e9))
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    assert any("time limit" in (r or "") for r in entries.values()), entries


def _peak_rss_mib(path: Path) -> tuple[float, str]:
    code = ("import resource, sys\n"
            "from loganalyzer.sources import open_source\n"
            "from loganalyzer.sources.walker import READ_ERRORS\n"
            "src = open_source(sys.argv[1])\n"
            "for m in src.members():\n"
            "    try:\n"
            "        with m.open() as s:\n"
            "            while s.read(1 << 16): pass\n"
            "    except READ_ERRORS: pass\n"
            "def peak():  # VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's peak\n"
            "    try:\n"
            "        for line in open('/proc/self/status'):\n"
            "            if line.startswith('VmHWM:'): return int(line.split()[1]) / 1024\n"
            "    except OSError: pass\n"
            "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "print(peak())\n"
            "print(repr([e.reason for e in src.entries]))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=300, check=True)
    peak, reasons = proc.stdout.splitlines()[:2]
    return float(peak), reasons


def test_a_2_gib_pax_header_or_gnu_long_name_is_refused_without_reading_it(tmp_path: Path) -> None:
    for kind, name in ((tarfile.XHDTYPE, "pax"), (tarfile.GNUTYPE_LONGNAME, "longname")):
        bundle = tar_gz_with(tmp_path / f"{name}.tar.gz", tar_header("././@LongLink", 2 * GiB, kind), 2 * GiB)
        peak, reasons = _peak_rss_mib(bundle)
        assert peak < 300, (name, peak)
        assert "extended tar header" in reasons, reasons


def test_a_garbage_tar_header_is_noted_not_taken_for_the_end(tmp_path: Path) -> None:
    garbage = bytes(range(1, 256)) * 2 + b"\x01\x02"
    bundle = tmp_path / "damaged.tar"
    bundle.write_bytes(tar_member("var/log/waagent.log", WAAGENT_LINES) + garbage
                       + tar_member("var/log/waagent.log.1", WAAGENT_LINES) + TAR_END)
    got, entries = drain(bundle, Limits())
    assert got["var/log/waagent.log"] == len(WAAGENT_LINES)
    assert any("damaged tar header" in (r or "") for r in entries.values()), entries


def test_the_zip_ratio_check_measures_inflated_bytes_not_declared_sizes(tmp_path: Path) -> None:
    block = WAAGENT_LINES * (MiB // len(WAAGENT_LINES))
    entry = ZipEntry.deflated("var/log/waagent.log", [(block, 64)])
    bundle = write_zip(tmp_path / "liar.zip", [entry])
    data = bytearray(bundle.read_bytes())
    central = data.index(b"PK\x01\x02")
    declared = entry.size // 2                      # claims 2:1, is more than 100:1
    data[central + 20:central + 24] = declared.to_bytes(4, "little")
    bundle.write_bytes(bytes(data))
    assert zipfile.ZipFile(bundle).infolist()[0].compress_size == declared
    got, entries = drain(bundle, Limits(ratio_grace_bytes=1 * MiB, max_ratio=100))
    # stopped at the grace allowance: compressed bytes zipfile read ahead but did not inflate yet
    # are not counted as used (they were, and the member ran to 12 MiB of its 64)
    assert got["var/log/waagent.log"] < 2 * MiB
    assert any("compression ratio" in (r or "") for r in entries.values()), entries


def test_the_hostile_budget_inputs_stay_small_on_disk(tmp_path: Path) -> None:
    bundle = tar_gz_with(tmp_path / "x.tar.gz", tar_header("a", 2 * GiB, tarfile.XHDTYPE), 2 * GiB)
    assert os.path.getsize(bundle) < 4 * MiB


# -- evidence kept from damaged gzip ------------------------------------------------------------
def _line(i: int) -> bytes:
    return f"2024-05-01T10:00:{i % 60:02d}.000000Z INFO ExtHandler ExtHandler line {i}\n".encode()


def test_a_gz_with_two_members_and_trailing_garbage_keeps_every_line_and_notes_the_garbage(
        tmp_path: Path) -> None:
    import gzip

    from loganalyzer.api import open_bundle
    path = tmp_path / "waagent.log.1.gz"
    path.write_bytes(gzip.compress(_line(1)) + gzip.compress(_line(2) + _line(3)) + b"garbage!garbage")
    bundle = open_bundle(path)
    assert len(bundle.events) == 3
    row = bundle.coverage.iloc[0]
    assert row["lines"] == 3 and row["status"] == "partial" and "trailing garbage" in row["reason"]


def test_a_truncated_small_gz_keeps_the_lines_decoded_before_the_cut(tmp_path: Path) -> None:
    import gzip

    from loganalyzer.api import open_bundle
    whole = gzip.compress(b"".join(_line(i) for i in range(1800)))
    path = tmp_path / "waagent.log.2.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    bundle = open_bundle(path)
    assert len(bundle.events) > 1000
    row = bundle.coverage.iloc[0]
    assert row["status"] == "partial" and "cut short" in row["reason"]


# -- a member that claims more than the archive holds ---------------------------------------------
def _pax_size_tar(size: int, compress: bool) -> bytes:
    """A PAX header giving the next member ``size`` bytes, then that member with a few real lines."""
    payload = f" size={size}\n"
    length = len(payload) + len(str(len(payload)))
    record = f"{len(payload) + len(str(length))}{payload}".encode()
    pax = tar_header("././@PaxHeader", len(record), tarfile.XHDTYPE) + record + bytes(-len(record) % 512)
    body = pax + tar_member("var/log/waagent.log", WAAGENT_LINES) + TAR_END
    return gzip_of([(body, 1)]) if compress else body


@pytest.mark.parametrize("compress", [True, False], ids=["tar.gz", "tar"])
@pytest.mark.parametrize("size", [10**11, 10**15], ids=["1e11", "1e15"])
def test_a_member_claiming_more_bytes_than_the_archive_holds_ends_it_at_once(
        tmp_path: Path, size: int, compress: bool) -> None:
    bundle = tmp_path / ("pax.tar.gz" if compress else "pax.tar")
    bundle.write_bytes(_pax_size_tar(size, compress))
    with tarfile.open(bundle) as archive:
        assert archive.next().size == size
    started = time.monotonic()
    got, entries = drain(bundle, Limits())
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{elapsed:.1f} s to find the end of a {bundle.stat().st_size}-byte archive"
    held = len(WAAGENT_LINES) + -len(WAAGENT_LINES) % 512 + len(TAR_END)   # its bytes, padding, end marker
    assert got["var/log/waagent.log"] == held, "every byte the archive holds is read"
    assert "end of data" in (entries.get("var/log/waagent.log") or ""), entries   # cut short, and says so
    assert "claims more bytes than the archive holds" in (entries[bundle.name] or ""), entries


# -- bzip2: one tiny stream can stand for hundreds of MiB -----------------------------------------
def _bz2_streams(parts: list[tuple[bytes, int]]) -> bytes:
    """Each ``(chunk, times)`` as ``times`` copies of one bz2 stream of ``chunk`` (multi-stream bz2,
    which bzip2 and Python both read as one): 1 GiB of zeros costs 64 × ~100 bytes to make."""
    import bz2
    return b"".join(bz2.compress(chunk, 9) * times for chunk, times in parts)


def _zeros_16m() -> tuple[bytes, int]:
    return bytes(16 * MiB), 1


def test_max_seconds_stops_a_tar_bz2_skipping_a_1_gib_member(tmp_path: Path) -> None:
    zeros, _ = _zeros_16m()
    bundle = tmp_path / "skip.tar.bz2"
    bundle.write_bytes(_bz2_streams([(tar_header("../outside.log", GiB), 1), (zeros, 64),
                                     (tar_member("var/log/waagent.log", WAAGENT_LINES) + TAR_END, 1)]))
    assert bundle.stat().st_size < 64 * 1024
    started = time.monotonic()
    _, entries = drain(bundle, Limits(max_seconds=1, max_ratio=1e9))
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed
    assert any("time limit" in (r or "") for r in entries.values()), entries


def test_a_tar_bz2_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    zeros, _ = _zeros_16m()
    bundle = tmp_path / "bomb.tar.bz2"
    bundle.write_bytes(_bz2_streams([(tar_member("var/log/waagent.log.1", WAAGENT_LINES), 1),
                                     (tar_header("var/log/waagent.log", 2 * GiB), 1), (zeros, 128),
                                     (TAR_END, 1)]))
    started = time.monotonic()
    got, entries = drain(bundle, Limits())
    elapsed = time.monotonic() - started
    assert got["var/log/waagent.log.1"] == len(WAAGENT_LINES)
    assert got.get("var/log/waagent.log", 0) < 64 * MiB, "stopped long before its 2 GiB"
    assert elapsed < 15, elapsed
    assert any("ratio" in (r or "") for r in entries.values()), entries


def nested_liars(tmp_path: Path, count: int) -> Path:
    """``count`` zips whose central directory halves the compressed size of a 64 MiB log that
    inflates from 1 MiB, each stored in one outer zip (the issue's nested lying zips)."""
    block = WAAGENT_LINES * (MiB // len(WAAGENT_LINES))
    entry = ZipEntry.deflated("var/log/waagent.log", [(block, 64)])
    liar = write_zip(tmp_path / "liar.zip", [entry])
    data = bytearray(liar.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 20:central + 24] = (entry.size // 2).to_bytes(4, "little")
    inner = bytes(data)
    return write_zip(tmp_path / "nested.zip", [
        ZipEntry.stored(f"var/lib/waagent/history/2024-05-{n:02d}T10-00-00.zip", inner)
        for n in range(1, count + 1)])


def test_nested_lying_zips_share_one_allowance_of_the_bundle(tmp_path: Path) -> None:
    bundle = nested_liars(tmp_path, 8)
    assert bundle.stat().st_size < 8 * MiB
    grace = 1 * MiB
    got, entries = drain(bundle, Limits(ratio_grace_bytes=grace, max_ratio=100))
    logs = {p: n for p, n in got.items() if p.endswith("waagent.log")}
    assert sum(logs.values()) <= POOL_GRACES * grace, logs    # was 8 graces: one each
    assert all(n <= grace for n in logs.values()), logs
    listed = {p: r for p, r in entries.items() if p.endswith("waagent.log")}
    assert len(listed) == 8, entries                         # each log read or listed, none lost
    assert all("compression ratio above 100:1" in (r or "") for r in listed.values()), listed
    refused = [p for p, r in listed.items() if "allows such streams in all are spent" in (r or "")]
    assert refused, "the streams after the shared allowance is spent are refused at once"


def test_a_hundred_nested_lying_zips_inflate_no_more_than_one_allowance(tmp_path: Path) -> None:
    started = time.monotonic()
    got, _ = drain(nested_liars(tmp_path, 100), Limits())       # default limits: 16 MiB grace
    inflated = sum(n for p, n in got.items() if p.endswith("waagent.log"))
    assert inflated <= POOL_GRACES * Limits().ratio_grace_bytes, inflated   # was 100 graces
    assert time.monotonic() - started < 30


def test_honest_compressed_logs_never_draw_on_the_shared_allowance(tmp_path: Path) -> None:
    import gzip
    import random
    rng = random.Random(7)
    body = b"".join(b"2024-05-01T10:00:00.000000Z INFO ExtHandler id=%032x\n" % rng.getrandbits(128)
                    for _ in range(40_000))                  # ~2.3 MiB each, about 2:1
    tar = tmp_path / "rotated.tar"
    with tarfile.open(tar, "w") as archive:
        for n in range(12):
            member = tmp_path / f"waagent.log.{n}.gz"
            member.write_bytes(gzip.compress(body))
            archive.add(member, arcname=f"var/log/waagent.log.{n}.gz")
    got, entries = drain(tar, Limits(ratio_grace_bytes=1 * MiB, max_ratio=100))
    logs = {p: n for p, n in got.items() if ".gz" in p}
    assert len(logs) == 12 and all(n == len(body) for n in logs.values()), (logs, entries)


def test_the_ratio_limit_holds_while_tarfile_skips_a_member_nobody_reads(tmp_path: Path) -> None:
    bundle = tar_gz_with(tmp_path / "skip.tar.gz", tar_header("../outside.log", 4 * GiB), 4 * GiB)
    started = time.monotonic()
    _, entries = drain(bundle, Limits())              # default limits: no time limit near
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{elapsed:.1f} s: the 4 GiB of zeros were inflated to be passed over"
    assert "compression ratio above 100:1" in (entries["skip.tar.gz"] or ""), entries


def test_members_not_reached_by_the_time_limit_are_listed_without_being_opened(tmp_path: Path) -> None:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES)]
    entries += [ZipEntry.stored(f"var/log/azure/Ext.A.B/f{i}.log", b"x\n") for i in range(40_000)]
    bundle = write_zip(tmp_path / "many.zip", entries)
    started = time.monotonic()
    got, reasons = drain(bundle, Limits(max_seconds=0.5))
    elapsed = time.monotonic() - started
    late = [p for p, r in reasons.items() if "time limit" in (r or "")]
    assert len(got) + len(late) >= 40_000, "every member is read or listed"
    assert len(late) > 1000, "the limit was reached early in the walk"
    assert elapsed < 6, f"{elapsed:.1f} s: members past the limit cost as much as reading them"
