"""Hostile and damaged inputs: each ends with the members read plus entries with reasons, never a crash."""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import random
import socket
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer.errors import InputError
from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.sources import Source, open_source
from loganalyzer.sources.walker import READ_ERRORS

LOG = b"2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler hello\n"
MiB = 1 << 20
SMALL = Limits(ratio_grace_bytes=1 * MiB, max_ratio=100, max_nested_archive_bytes=4 * MiB)


def drain(source: Source) -> dict[str, bytes | str]:
    """Read every member as the pipeline does; an error that stops a member is recorded, not raised."""
    out: dict[str, bytes | str] = {}
    for member in source.members():
        if member.kind is Kind.BINARY:
            continue
        chunks: list[bytes] = []
        try:
            with member.open() as stream:
                while chunk := stream.readline(1 << 16):
                    chunks.append(chunk)
                # A damage found with good bytes before it is raised by the read after the first
                # end (the bytes come out first), as the pipeline's reader reads it.
                stream.read(1)
            out[member.path] = b"".join(chunks)
        except READ_ERRORS as error:
            out[member.path] = f"partial {sum(map(len, chunks))} bytes: {error}"
    return out


def reasons(source: Source) -> dict[str, str | None]:
    return {entry.path: entry.reason for entry in source.entries}


def tar_with(entries: list[tarfile.TarInfo], data: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for info in entries:
            payload = data.get(info.name)
            if payload is not None:
                info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, link, 1714557600
    return info


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, payload in files.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


@pytest.fixture()
def no_disk_writes(tmp_path: Path):
    """Fail when reading a bundle leaves anything new in the temp dir or next to the input."""
    def listing() -> set[str]:
        return set(os.listdir(tempfile.gettempdir())) | {str(p) for p in tmp_path.rglob("*")}
    yield listing
    # the check is done by each test calling listing() before and after


# -- names and entry types ----------------------------------------------------------------------
def test_tar_traversal_absolute_links_devices_and_fifos_are_skipped_with_reasons(tmp_path: Path) -> None:
    entries = [entry("bundle/var/log/waagent.log"), entry("../../etc/cron.d/evil"), entry("/etc/passwd"),
               entry("bundle/var/log/link", tarfile.SYMTYPE, "/etc/shadow"),
               entry("bundle/var/log/hard", tarfile.LNKTYPE, "/etc/shadow"),
               entry("bundle/dev/sda", tarfile.BLKTYPE), entry("bundle/dev/tty", tarfile.CHRTYPE),
               entry("bundle/run/pipe", tarfile.FIFOTYPE)]
    data = {"bundle/var/log/waagent.log": LOG, "../../etc/cron.d/evil": b"* * * * * root x",
            "/etc/passwd": b"root:x:0:0"}
    (tmp_path / "b.tgz").write_bytes(tar_with(entries, data))
    source = open_source(tmp_path / "b.tgz")
    assert drain(source) == {"bundle/var/log/waagent.log": LOG}
    assert reasons(source) == {
        "../../etc/cron.d/evil": "path leaves the bundle ('..'); not read",
        "/etc/passwd": "absolute path in archive; not read",
        "bundle/var/log/link": "symbolic link to /etc/shadow; not followed",
        "bundle/var/log/hard": "hard link to /etc/shadow; not followed",
        "bundle/dev/sda": "device file; not read",
        "bundle/dev/tty": "device file; not read",
        "bundle/run/pipe": "FIFO (named pipe); not read",
    }


def test_zip_traversal_absolute_and_symlink_entries_are_skipped(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("var/log/waagent.log", LOG)
        archive.writestr("..\\..\\evil.sh", b"x")
        archive.writestr("/etc/passwd", b"x")
        link = zipfile.ZipInfo("var/log/azure")
        link.create_system, link.external_attr = 3, (0o120777 << 16)
        archive.writestr(link, "/etc")
    (tmp_path / "b.zip").write_bytes(buffer.getvalue())
    source = open_source(tmp_path / "b.zip")
    assert drain(source) == {"var/log/waagent.log": LOG}
    assert reasons(source) == {"..\\..\\evil.sh": "path leaves the bundle ('..'); not read",
                               "/etc/passwd": "absolute path in archive; not read",
                               "var/log/azure": "symbolic link; not followed"}


def test_folder_symlinks_out_of_the_tree_are_listed_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.log").write_bytes(b"secret")
    tree = tmp_path / "bundle"
    (tree / "var/log").mkdir(parents=True)
    (tree / "var/log/waagent.log").write_bytes(LOG)
    (tree / "var/log/escape.log").symlink_to(outside / "secret.log")
    (tree / "var/log/azure").symlink_to(outside, target_is_directory=True)
    source = open_source(tree)
    assert drain(source) == {"var/log/waagent.log": LOG}
    secret = outside / "secret.log"
    assert reasons(source) == {"var/log/azure": f"symbolic link to {outside}; not followed",
                               "var/log/escape.log": f"symbolic link to {secret}; not followed"}


def test_fifo_and_socket_in_a_folder_are_never_opened(tmp_path: Path) -> None:
    (tmp_path / "waagent.log").write_bytes(LOG)
    os.mkfifo(tmp_path / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    try:
        source = open_source(tmp_path)
        assert drain(source) == {"waagent.log": LOG}
        assert reasons(source) == {"pipe": "FIFO (named pipe); not read", "sock": "socket; not read"}
    finally:
        server.close()


def test_control_characters_in_names_are_spelled_out(tmp_path: Path) -> None:
    (tmp_path / "b.zip").write_bytes(zip_of({"var/log/\x1b]0;owned\x07waagent.log.1": LOG,
                                             "var/log/azure/X/line\nbreak.log": LOG}))
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "esc\x1b[2J.log").write_bytes(LOG)
    paths = [*drain(open_source(tmp_path / "b.zip")), *drain(open_source(tmp_path / "f"))]
    assert paths == ["var/log/\\x1b]0;owned\\x07waagent.log.1", "var/log/azure/X/line\\x0abreak.log",
                     "esc\\x1b[2J.log"]


def test_duplicate_names_keep_the_first(tmp_path: Path) -> None:
    entries = [entry("var/log/waagent.log"), entry("var/log/waagent.log")]
    payload = tar_with(entries, {"var/log/waagent.log": LOG}, "w")
    (tmp_path / "b.tar").write_bytes(payload)
    source = open_source(tmp_path / "b.tar")
    assert drain(source) == {"var/log/waagent.log": LOG}
    assert reasons(source) == {
        "var/log/waagent.log": "duplicate name: an earlier entry with this path was read"}


# -- bombs, depth, counts ---------------------------------------------------------------------------
ZEROS = 24 * MiB


def test_gzip_ratio_bomb_stops_mid_read_and_keeps_what_was_read(tmp_path: Path) -> None:
    (tmp_path / "waagent.log.1.gz").write_bytes(gzip.compress(bytes(ZEROS), compresslevel=1))
    got = drain(open_source(tmp_path / "waagent.log.1.gz", limits=SMALL))
    text = got["waagent.log.1.gz"]
    assert isinstance(text, str) and "compression ratio above 100:1" in text
    assert int(text.split()[1]) < ZEROS


def test_tar_gz_ratio_bomb_stops_the_archive_with_a_reason(tmp_path: Path) -> None:
    names = ["var/log/waagent.log", "var/log/syslog", "var/log/messages"]
    payload = tar_with([entry(n) for n in names], {"var/log/waagent.log": LOG, "var/log/syslog": bytes(ZEROS),
                                                   "var/log/messages": LOG})
    (tmp_path / "bomb.tar.gz").write_bytes(payload)
    source = open_source(tmp_path / "bomb.tar.gz", limits=SMALL)
    got = drain(source)
    assert got["var/log/waagent.log"] == LOG
    assert "compression ratio" in str(got["var/log/syslog"])
    assert "var/log/messages" not in got
    assert "possible archive bomb" in str(reasons(source)["bomb.tar.gz"])


def test_zip_ratio_bomb_is_skipped_from_its_declared_sizes(tmp_path: Path) -> None:
    (tmp_path / "bomb.zip").write_bytes(zip_of({"var/log/syslog": bytes(ZEROS), "var/log/waagent.log": LOG}))
    source = open_source(tmp_path / "bomb.zip", limits=SMALL)
    assert drain(source) == {"var/log/waagent.log": LOG}
    assert "declared compression ratio above 100:1" in str(reasons(source)["var/log/syslog"])


def test_zip_entries_whose_bytes_overlap_are_refused(tmp_path: Path) -> None:
    """The quoted-overlap bomb: each entry's data range covers the next entry's local header."""
    names = ["a.log", "b.log", "c.log"]
    payload = bytearray(zip_of({name: LOG * 50 for name in names}, zipfile.ZIP_STORED))
    central = payload.index(b"PK\x01\x02")
    size_field = central + 20                         # compressed size of a.log in the central directory
    payload[size_field:size_field + 4] = (len(LOG) * 50 + 100).to_bytes(4, "little")
    (tmp_path / "overlap.zip").write_bytes(bytes(payload))
    source = open_source(tmp_path / "overlap.zip")
    drain(source)
    assert reasons(source)["b.log"] == ("shares its bytes with another entry (overlapping zip entries, "
                                        "a zip-bomb layout); not read")


def test_deeply_nested_zips_stop_at_the_depth_limit(tmp_path: Path) -> None:
    payload = zip_of({"waagent.log": LOG})
    for level in range(6):
        payload = zip_of({f"level{level}.zip": payload})
    (tmp_path / "deep.zip").write_bytes(payload)
    source = open_source(tmp_path / "deep.zip", limits=Limits(max_depth=4))
    assert drain(source) == {}
    deepest = [e for e in source.entries if e.status == "skipped"]
    assert len(deepest) == 1
    assert deepest[0].path == "level5.zip/level4.zip/level3.zip/level2.zip"
    assert deepest[0].reason == "archive nested 5 deep, over the depth limit (4); not opened"


def test_nested_archive_over_the_memory_cap_is_not_opened(tmp_path: Path) -> None:
    inner = zip_of({"big.log": os.urandom(64 * 1024)}, zipfile.ZIP_STORED)
    (tmp_path / "b.zip").write_bytes(zip_of({"var/lib/waagent/history/a.zip": inner}))
    source = open_source(tmp_path / "b.zip", limits=Limits(max_nested_archive_bytes=32 * 1024))
    assert drain(source) == {}
    assert reasons(source) == {"var/lib/waagent/history/a.zip":
                               "nested archive larger than the in-memory limit (32 KiB); not opened"}


@pytest.mark.parametrize("container", ["tar", "zip", "folder"])
def test_too_many_members_stop_with_one_entry(tmp_path: Path, container: str) -> None:
    files = {f"var/log/azure/x/{i:02}.log": LOG for i in range(25)}
    if container == "folder":
        for name, payload in files.items():
            (tmp_path / "f" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "f" / name).write_bytes(payload)
        path = tmp_path / "f"
    else:
        path = tmp_path / f"b.{container}"
        path.write_bytes(tar_with([entry(n) for n in files], files) if container == "tar" else zip_of(files))
    source = open_source(path, limits=Limits(max_members=10))
    assert len(drain(source)) == 10
    assert [e.reason for e in source.entries] == [
        "member limit reached: more than 10 entries; the rest was not read"]


def test_total_byte_limit_keeps_the_first_bytes_and_skips_the_rest(tmp_path: Path) -> None:
    files = {f"{i}.log": LOG * 20 for i in range(4)}
    (tmp_path / "b.zip").write_bytes(zip_of(files))
    cap = len(LOG) * 30
    source = open_source(tmp_path / "b.zip", limits=Limits(max_total_bytes=cap))
    got = drain(source)
    assert got["0.log"] == LOG * 20
    assert got["1.log"] == f"partial {cap - len(LOG) * 20} bytes: 1.log: bundle byte limit ({cap} bytes) " \
                           "reached; the rest was not read"
    assert reasons(source) == {"2.log": f"bundle byte limit ({cap} bytes) reached; not read",
                               "3.log": f"bundle byte limit ({cap} bytes) reached; not read"}


# -- truncated and lying inputs -----------------------------------------------------------------------
def test_truncated_tar_gz_keeps_members_read_before_the_cut(tmp_path: Path) -> None:
    files = {f"var/log/{i}.log": os.urandom(20_000).hex().encode() for i in range(5)}
    payload = tar_with([entry(n) for n in files], files)
    (tmp_path / "cut.tar.gz").write_bytes(payload[: len(payload) * 6 // 10])
    source = open_source(tmp_path / "cut.tar.gz")
    got = drain(source)
    complete = [p for p, v in got.items() if v == files[p]]
    assert complete == ["var/log/0.log", "var/log/1.log"]
    assert reasons(source)["cut.tar.gz"].startswith("archive truncated or corrupt after ")


def test_truncated_zip_is_recovered_from_local_headers(tmp_path: Path) -> None:
    files = {f"var/log/{i}.log": os.urandom(10_000).hex().encode() for i in range(5)}
    payload = zip_of(files)
    (tmp_path / "cut.zip").write_bytes(payload[: len(payload) * 7 // 10])
    source = open_source(tmp_path / "cut.zip")
    got = drain(source)
    assert [p for p, v in got.items() if v == files[p]] == ["var/log/0.log", "var/log/1.log", "var/log/2.log"]
    assert "partial" in str(got["var/log/3.log"])
    assert reasons(source) == {
        "cut.zip": "zip central directory missing or damaged; 4 entries recovered from their local headers; "
                   "the archive is cut short: the rest could not be read"}


@pytest.mark.parametrize("seed", [None, 16])   # 16: the cut falls inside a read that returns bytes
def test_truncated_gz_member_reads_up_to_the_cut(tmp_path: Path, seed: int | None) -> None:
    data = gzip.compress(os.urandom(50_000) if seed is None else random.Random(seed).randbytes(50_000))
    (tmp_path / "waagent.log.3.gz").write_bytes(data[:20_000])
    got = drain(open_source(tmp_path / "waagent.log.3.gz"))
    assert str(got["waagent.log.3.gz"]).startswith("partial ")


def test_corrupt_deflate_member_in_a_zip_is_reported_not_raised(tmp_path: Path) -> None:
    payload = bytearray(zip_of({"a.log": LOG * 100, "b.log": LOG}))
    start = payload.index(b"a.log") + len("a.log")
    payload[start + 5: start + 25] = b"\xff" * 20
    (tmp_path / "bad.zip").write_bytes(bytes(payload))
    source = open_source(tmp_path / "bad.zip")
    got = drain(source)
    assert got["b.log"] == LOG
    assert "a.log" in got or "a.log" in reasons(source)


def test_gz_file_that_is_not_gzip_is_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "waagent.log.2.gz").write_bytes(LOG)
    source = open_source(tmp_path / "waagent.log.2.gz")
    members = list(source.members())
    assert [m.open().read() for m in members] == [LOG]
    assert members[0].notes == [
        "named like a compressed file but its content is not compressed; read as it is"]
    assert "named like an archive" in source.info.notes[0]


def test_reading_a_bundle_writes_nothing_to_disk(tmp_path: Path, no_disk_writes) -> None:
    history = zip_of({"GoalState.xml": b"<GoalState/>"})
    inner = tar_with([entry("var/log/waagent.log.1.gz")], {"var/log/waagent.log.1.gz": gzip.compress(LOG)})
    bundle = zip_of({"var/lib/waagent/history/a.zip": history, "nested.tar.gz": inner})
    (tmp_path / "b.zip").write_bytes(bundle)
    before = no_disk_writes()
    got = drain(open_source(tmp_path / "b.zip"))
    assert got == {"var/lib/waagent/history/a.zip/GoalState.xml": b"<GoalState/>",
                   "nested.tar.gz/var/log/waagent.log.1.gz": LOG}
    assert no_disk_writes() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2048), st.sampled_from(["x.zip", "x.tar.gz", "waagent.log", "x.xz"]))
def test_arbitrary_bytes_give_members_or_an_input_error(tmp_path: Path, payload: bytes, name: str) -> None:
    target = tmp_path / name
    target.write_bytes(payload)
    try:
        source = open_source(target)
    except InputError:
        return
    drain(source)


@pytest.mark.parametrize("cut", [30, 100, 400])
def test_arbitrary_cuts_of_a_real_zip_never_raise(tmp_path: Path, cut: int) -> None:
    payload = zip_of({"var/log/waagent.log": LOG * 50, "results.txt": b"x\n",
                      "history/a.zip": zip_of({"GoalState.xml": b"<a/>" * 100})})
    (tmp_path / "c.zip").write_bytes(payload[:cut])
    with contextlib.suppress(InputError):
        drain(open_source(tmp_path / "c.zip"))


def test_compressed_stream_corruption_is_reported_per_member(tmp_path: Path) -> None:
    good = zlib.compress(LOG)
    (tmp_path / "waagent.log.1.gz").write_bytes(b"\x1f\x8b\x08\x00" + good)
    source = open_source(tmp_path / "waagent.log.1.gz")
    assert drain(source) == {}
    assert reasons(source)["waagent.log.1.gz"].startswith("unreadable: ")
