"""Builders for hostile bundles: every shape is made from bytes in a temp dir, nothing is committed.

Each builder takes an empty folder and returns a :class:`HostileCase`: the path to
analyse, what a clean outcome looks like and the strings that must never reach a
report.  Big shapes stay small on disk and fast to make: compression bombs repeat
one compressed block (a full-flush deflate block of zeros is self-contained, so
copies of it concatenate into one valid stream), and big zips are written by a
small struct-level writer instead of :mod:`zipfile`.

>>> data, crc, size = deflate_repeated([(b"ab", 3)])
>>> zlib.decompress(data, -15), size, crc == zlib.crc32(b"ababab")
(b'ababab', 6, True)
"""
from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Written into files *outside* a bundle (and into entries that must be skipped): never in any output.
MARKER = "OUTSIDE-BUNDLE-MARKER-5d1c2e"
#: The text of every declared XML entity: seen twice in a row only if entities were expanded.
ENTITY_TEXT = "EXPANDED-ENTITY-9b7e"
#: Port 9 (discard) on loopback: the only network address any hostile input names.
NETWORK_DTD = "http://127.0.0.1:9/x.dtd"

MiB = 1 << 20
GiB = 1 << 30

#: Real waagent.log lines (quoted from ../shared/reference/formats.md examples) for the legitimate
#: members that sit next to hostile ones, so every bundle also has something worth reading.
WAAGENT_LINES = (
    b"2021-07-29T04:40:17.190879Z WARNING EnvHandler ExtHandler Dhcp client is not running.\n"
    b"2022-12-02T05:45:51.771876Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] "
    b"[Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/ -- IOError "
    b"[Errno 104] Connection reset by peer -- 6 attempts made\n"
    b"2021-03-31T06:43:17.806663Z WARNING ExtHandler ExtHandler Download failed, switching to host plugin\n"
)

GOAL_STATE_XML = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<GoalState xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
    b'xmlns="http://schemas.microsoft.com/windowsazure">\n'
    b"  <Version>2015-04-05</Version>\n  <Incarnation>3</Incarnation>\n"
    b"  <Machine><ExpectedState>Started</ExpectedState></Machine>\n</GoalState>\n"
)


@dataclass(frozen=True)
class HostileCase:
    """One hostile input and what a safe outcome looks like.

    ``expect``: ``"exit2"`` (input refused: exit 2, one line on stderr), ``"reason"``
    (analysed; some coverage entry is not ``parsed`` and its reason matches
    ``reason``), ``"exit2_or_reason"`` (either is a clean outcome), ``"clean"``
    (analysed; every text member parsed, ``lines`` physical lines in total).
    """

    name: str
    path: Path
    expect: str
    reason: str = ""
    lines: int | None = None
    forbidden: tuple[str, ...] = (MARKER, ENTITY_TEXT * 2)
    report_only: tuple[str, ...] = ()     # forbidden in rendered reports, fine as data in DataFrames
    note: str = ""
    watch: tuple[Path, ...] = ()          # folders outside the bundle that must not change
    slow: bool = False                    # needs the full default limits to show its point


# ---------------------------------------------------------------------------------------------
# byte-level helpers
# ---------------------------------------------------------------------------------------------
def deflate_repeated(parts: Iterable[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """Raw deflate of ``data * repeat`` for each part in order, compressing each data once.

    Returns ``(deflate bytes, crc32 of the uncompressed whole, uncompressed size)``.
    """
    out: list[bytes] = []
    crc = size = 0
    for data, repeat in parts:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        out.append((comp.compress(data) + comp.flush(zlib.Z_FULL_FLUSH)) * repeat)
        for _ in range(repeat):
            crc = zlib.crc32(data, crc)
        size += len(data) * repeat
    out.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))
    return b"".join(out), crc, size


def gzip_of(parts: Iterable[tuple[bytes, int]]) -> bytes:
    """A gzip file whose content is the concatenation of ``data * repeat`` parts."""
    body, crc, size = deflate_repeated(parts)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


def zeros_parts(total: int, chunk: int = 16 * MiB) -> list[tuple[bytes, int]]:
    """``total`` zero bytes (a multiple of ``chunk``) as deflate parts."""
    return [(bytes(chunk), total // chunk)]


def tar_header(name: str, size: int, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname, info.mtime, info.mode = size, kind, linkname, 1717200000, 0o644
    return info.tobuf(tarfile.GNU_FORMAT)


def tar_member(name: str, data: bytes) -> bytes:
    return tar_header(name, len(data)) + data + bytes(-len(data) % 512)


TAR_END = bytes(1024)


@dataclass
class ZipEntry:
    """One entry for :func:`write_zip`: ``data`` is already compressed with ``method``."""

    name: bytes
    data: bytes
    method: int = zipfile.ZIP_STORED
    crc: int = 0
    size: int = 0
    mode: int = 0o100644
    offset: int | None = None
    same_as: ZipEntry | None = None    # share that entry's local header and data (overlapping entries)

    @classmethod
    def stored(cls, name: str | bytes, data: bytes, mode: int = 0o100644) -> ZipEntry:
        raw = name.encode() if isinstance(name, str) else name
        return cls(raw, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data), mode)

    @classmethod
    def deflated(cls, name: str, parts: Iterable[tuple[bytes, int]]) -> ZipEntry:
        body, crc, size = deflate_repeated(parts)
        return cls(name.encode(), body, zipfile.ZIP_DEFLATED, crc, size)


def write_zip(path: Path, entries: Iterable[ZipEntry]) -> Path:
    """Write a zip by hand (any names, unix modes, overlapping entries, zip64 entry counts).

    Sizes must stay below 4 GiB per entry; more than 65,535 entries get a zip64 end record.
    """
    central: list[bytes] = []
    with open(path, "wb") as out:
        for e in entries:
            if e.same_as is not None:
                e.offset = e.same_as.offset
            if e.offset is None:
                e.offset = out.tell()
                out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, e.method, 0, 0x21,
                                      e.crc, len(e.data), e.size, len(e.name), 0) + e.name)
                out.write(e.data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0x800,
                                       e.method, 0, 0x21, e.crc, len(e.data), e.size, len(e.name),
                                       0, 0, 0, 0, (e.mode & 0xFFFF) << 16, e.offset) + e.name)
        cd_offset = out.tell()
        for record in central:
            out.write(record)
        cd_size = out.tell() - cd_offset
        count = len(central)
        if count > 0xFFFF:
            zip64_at = out.tell()
            out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                                  cd_size, cd_offset))
            out.write(struct.pack("<IIQI", 0x07064B50, 0, zip64_at, 1))
            count = 0xFFFF
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0))
    return path


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A small deflated zip made with :mod:`zipfile` (for nested archives)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write_tar_gz(path: Path, members: Iterable[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def tar_info(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", **attrs: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, linkname, 1717200000
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def outside_file(root: Path, name: str = "secret.log") -> Path:
    """A file next to (not inside) the bundle holding :data:`MARKER` as a log line."""
    folder = root / "outside"
    folder.mkdir(exist_ok=True)
    target = folder / name
    target.write_text(f"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler {MARKER}\n")
    return target


def folder_bundle(root: Path, files: dict[str, bytes]) -> Path:
    bundle = root / "bundle"
    for name, data in files.items():
        target = bundle / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    bundle.mkdir(exist_ok=True)
    return bundle


def physical_lines(data: bytes) -> int:
    """Lines as the pipeline counts them: ``\\n``-terminated, plus an unterminated last one.

    >>> physical_lines(b"a\\r\\nb\\nc"), physical_lines(b""), physical_lines(b"\\n")
    (3, 0, 1)
    """
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


# ---------------------------------------------------------------------------------------------
# archive entries that point outside, or are not files
# ---------------------------------------------------------------------------------------------
def _tar_unsafe_names(root: Path, names: list[str]) -> Path:
    evil = f"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler {MARKER}\n".encode()
    members = [(tar_info("var/log/waagent.log"), WAAGENT_LINES)]
    members += [(tar_info(name), evil) for name in names]
    return write_tar_gz(root / "bundle.tar.gz", members)


def tar_path_traversal(root: Path) -> HostileCase:
    path = _tar_unsafe_names(root, ["../../etc/x", "var/log/../../../etc/cron.d/x",
                                    "var/lib/waagent/../../../../tmp/waagent.log"])
    return HostileCase("tar_path_traversal", path, "reason", r"\.\.|outside|unsafe|travers")


def tar_absolute_names(root: Path) -> HostileCase:
    path = _tar_unsafe_names(root, ["/etc/x", "/var/log/waagent.log.1", "//var/lib/waagent/GoalState.1.xml"])
    return HostileCase("tar_absolute_names", path, "reason", r"absolute|unsafe|outside")


def _zip_unsafe_names(root: Path, names: list[str]) -> Path:
    evil = f"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler {MARKER}\n".encode()
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES)]
    entries += [ZipEntry.stored(name, evil) for name in names]
    return write_zip(root / "bundle.zip", entries)


def zip_path_traversal(root: Path) -> HostileCase:
    path = _zip_unsafe_names(root, ["../../etc/x", "var/log/../../../etc/cron.d/x", "..\\..\\evil.log"])
    return HostileCase("zip_path_traversal", path, "reason", r"\.\.|outside|unsafe|travers")


def zip_absolute_names(root: Path) -> HostileCase:
    path = _zip_unsafe_names(root, ["/etc/x", "/var/log/waagent.log.1", "C:\\Windows\\waagent.log"])
    return HostileCase("zip_absolute_names", path, "reason", r"absolute|unsafe|outside|drive")


def tar_symlinks_outside(root: Path) -> HostileCase:
    target = outside_file(root)
    members = [
        (tar_info("var/log/waagent.log"), WAAGENT_LINES),
        (tar_info("var/log/waagent.log.1", tarfile.SYMTYPE, str(target)), None),
        (tar_info("var/lib/waagent/GoalState.1.xml", tarfile.SYMTYPE, "../../../../outside/secret.log"),
         None),
        (tar_info("var/log/syslog", tarfile.SYMTYPE, "/etc/shadow"), None),
    ]
    path = write_tar_gz(root / "bundle.tar.gz", members)
    return HostileCase("tar_symlinks_outside", path, "reason", r"link", watch=(target.parent,))


def tar_hardlinks_outside(root: Path) -> HostileCase:
    target = outside_file(root)
    members = [
        (tar_info("var/log/waagent.log"), WAAGENT_LINES),
        (tar_info("var/log/waagent.log.1", tarfile.LNKTYPE, str(target)), None),
        (tar_info("var/log/waagent.log.2", tarfile.LNKTYPE, "../../outside/secret.log"), None),
        (tar_info("var/log/syslog", tarfile.LNKTYPE, "/etc/shadow"), None),
    ]
    path = write_tar_gz(root / "bundle.tar.gz", members)
    return HostileCase("tar_hardlinks_outside", path, "reason", r"link", watch=(target.parent,))


def zip_symlink_entries(root: Path) -> HostileCase:
    target = outside_file(root)
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.stored("var/log/waagent.log.1", str(target).encode(), mode=0o120777),
               ZipEntry.stored("var/lib/waagent", str(target.parent).encode(), mode=0o120777)]
    path = write_zip(root / "bundle.zip", entries)
    return HostileCase("zip_symlink_entries", path, "reason", r"link", watch=(target.parent,),
                       note="a zip symlink's data is the target path; read as text it names, not leaks, it")


def folder_symlinks_outside(root: Path) -> HostileCase:
    target = outside_file(root)
    (root / "outside" / "GoalState.1.xml").write_bytes(
        GOAL_STATE_XML.replace(b"<Incarnation>3", f"<Incarnation>{MARKER}".encode()))
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES})
    (bundle / "var/log/waagent.log.1").symlink_to(target)
    (bundle / "var/log/syslog").symlink_to("../../../outside/secret.log")
    (bundle / "var/lib").mkdir()
    (bundle / "var/lib/waagent").symlink_to(target.parent, target_is_directory=True)
    return HostileCase("folder_symlinks_outside", bundle, "reason", r"link", watch=(target.parent,))


def folder_symlink_dev_zero(root: Path) -> HostileCase:
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES})
    (bundle / "var/log/waagent.log.1").symlink_to("/dev/zero")
    (bundle / "var/log/syslog").symlink_to("/dev/urandom")
    return HostileCase("folder_symlink_dev_zero", bundle, "reason", r"link|not a regular|special|device")


def folder_fifo_and_dirs(root: Path) -> HostileCase:
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES})
    os.mkfifo(bundle / "var/log/waagent.log.1")           # opening it for reading would block forever
    (bundle / "var/log/syslog").mkdir()                   # a folder named like a log file
    return HostileCase("folder_fifo_and_dirs", bundle, "reason", r"fifo|pipe|not a regular|special")


def tar_devices_and_fifos(root: Path) -> HostileCase:
    members = [
        (tar_info("var/log/waagent.log"), WAAGENT_LINES),
        (tar_info("var/log/waagent.log.1", tarfile.CHRTYPE, devmajor=1, devminor=5), None),   # /dev/zero
        (tar_info("var/log/syslog", tarfile.BLKTYPE, devmajor=8, devminor=0), None),           # /dev/sda
        (tar_info("var/lib/waagent/GoalState.1.xml", tarfile.FIFOTYPE), None),
    ]
    path = write_tar_gz(root / "bundle.tar.gz", members)
    return HostileCase("tar_devices_and_fifos", path, "reason", r"device|fifo|pipe|special|not a regular")


def zip_control_char_names(root: Path) -> HostileCase:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.stored("var/log/\x1b]0;owned\x07\x1b[2Jwaagent.log.1", WAAGENT_LINES),
               ZipEntry.stored("var/log/azure/X/line\nbreak.log", WAAGENT_LINES),
               ZipEntry.stored("var/log/" + "n" * 4000 + ".log", WAAGENT_LINES)]
    path = write_zip(root / "bundle.zip", entries)
    return HostileCase("zip_control_char_names", path, "clean", report_only=("\x1b]0;owned",),
                       note="terminal escapes in member names must not reach a report raw")


def zip_invalid_utf8_name(root: Path) -> HostileCase:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.stored(b"var/log/bad-\xff\xfe-utf8.log", WAAGENT_LINES)]
    return HostileCase("zip_invalid_utf8_name", write_zip(root / "bundle.zip", entries), "exit2_or_reason",
                       r".", note="the UTF-8 flag is set but the name is not UTF-8: zipfile cannot list it")


# ---------------------------------------------------------------------------------------------
# compression bombs, nesting, member counts
# ---------------------------------------------------------------------------------------------
BOMB_BYTES = 2 * GiB


def gz_member_bomb(root: Path) -> HostileCase:
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES,
                                  "var/log/waagent.log.2.gz": gzip_of(zeros_parts(BOMB_BYTES))})
    return HostileCase("gz_member_bomb", bundle, "reason", r"ratio|bomb|limit")


def zip_member_bomb(root: Path) -> HostileCase:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.deflated("var/log/waagent.log.1", zeros_parts(BOMB_BYTES))]
    path = write_zip(root / "bundle.zip", entries)
    return HostileCase("zip_member_bomb", path, "reason", r"ratio|bomb|limit")


def targz_bomb(root: Path) -> HostileCase:
    legit = tar_member("var/log/waagent.log", WAAGENT_LINES)
    parts = [(legit + tar_header("var/log/waagent.log.1", BOMB_BYTES), 1), *zeros_parts(BOMB_BYTES),
             (tar_member("var/log/waagent.log.2", WAAGENT_LINES) + TAR_END, 1)]
    path = root / "bundle.tar.gz"
    path.write_bytes(gzip_of(parts))
    return HostileCase("targz_bomb", path, "reason", r"ratio|bomb|limit")


#: 16 MiB of real log lines: deflate packs this repetition about 228:1, over the default 100:1 ratio limit.
LOG_BLOCK = WAAGENT_LINES * ((16 * MiB) // len(WAAGENT_LINES))


def zip_text_bomb(root: Path) -> HostileCase:
    """2 GiB of repeated log lines in one member: a ratio just under the limit, so only byte caps apply."""
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.deflated("var/log/waagent.log.1", [(LOG_BLOCK, BOMB_BYTES // len(LOG_BLOCK))])]
    return HostileCase("zip_text_bomb", write_zip(root / "bundle.zip", entries), "reason",
                       r"ratio|bomb|limit", slow=True,
                       note="repeated text compresses ~228:1, over the 100:1 ratio limit")


def zip_many_small_bombs(root: Path, members: int = 300) -> HostileCase:
    """Each member is 16 MiB of log lines (at most the ratio grace); together they make ~4.7 GiB."""
    block = ZipEntry.deflated("x", [(LOG_BLOCK, 1)])
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES)]
    entries += [ZipEntry(f"var/log/azure/Ext.A.B/bomb{i}.log".encode(), block.data, block.method,
                         block.crc, block.size) for i in range(members)]
    return HostileCase("zip_many_small_bombs", write_zip(root / "bundle.zip", entries), "reason",
                       r"ratio|bomb|limit", slow=True,
                       note=f"{members} members x 16 MiB, each within the per-member ratio grace")


def zip_overlapping_entries(root: Path, members: int = 2000) -> HostileCase:
    """Many central-directory entries share one local entry (the 'non-recursive zip bomb' layout)."""
    bomb = ZipEntry.deflated("var/log/azure/Ext.A.B/bomb.log", zeros_parts(256 * MiB))
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES), bomb]
    entries += [ZipEntry(bomb.name, bomb.data, bomb.method, bomb.crc, bomb.size, same_as=bomb)
                for _ in range(members)]
    path = write_zip(root / "bundle.zip", entries)
    return HostileCase("zip_overlapping_entries", path, "reason", r"ratio|bomb|limit|duplicate|overlap")


def zip_nested_history(root: Path, depth: int = 20) -> HostileCase:
    inner = zip_bytes({"GoalState.xml": GOAL_STATE_XML, "waagent.log": WAAGENT_LINES})
    for level in range(depth - 1, 0, -1):
        inner = zip_bytes({f"history/2024-05-01T10-00-{level:02d}__{level}.zip": inner})
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES),
               ZipEntry.stored("var/lib/waagent/history/2024-05-01T10-00-00__0.zip", inner)]
    return HostileCase("zip_nested_history", write_zip(root / "bundle.zip", entries), "reason",
                       r"depth|nest|deep")


def zip_200k_entries(root: Path, count: int = 200_000) -> HostileCase:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES)]
    entries += [ZipEntry.stored(f"var/log/azure/Ext.A.B/f{i}.log", b"x\n") for i in range(count)]
    return HostileCase("zip_200k_entries", write_zip(root / "bundle.zip", entries), "reason",
                       r"member|entries|limit")


# ---------------------------------------------------------------------------------------------
# XML and JSON
# ---------------------------------------------------------------------------------------------
def billion_laughs(root_tag: str) -> bytes:
    decls = [f'<!ENTITY l0 "{ENTITY_TEXT}">']
    decls += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root_tag} [\n ' + "\n ".join(decls) + "\n]>\n"
            f"<{root_tag}><Incarnation>&l9;</Incarnation></{root_tag}>\n").encode()


def _xml_bundle(root: Path, goal_state: bytes, extensions_config: bytes) -> Path:
    return folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES,
                                "var/lib/waagent/GoalState.1.xml": goal_state,
                                "var/lib/waagent/ExtensionsConfig.1.xml": extensions_config})


def xml_billion_laughs(root: Path) -> HostileCase:
    bundle = _xml_bundle(root, billion_laughs("GoalState"), billion_laughs("Extensions"))
    return HostileCase("xml_billion_laughs", bundle, "reason", r"DOCTYPE|entit|refused")


def xml_billion_laughs_utf16(root: Path) -> HostileCase:
    doc = billion_laughs("GoalState").replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
    bundle = _xml_bundle(root, doc.decode().encode("utf-16"), doc.decode().encode("utf-16-le"))
    return HostileCase("xml_billion_laughs_utf16", bundle, "reason", r"DOCTYPE|entit|refused|not well")


def xml_external_entity(root: Path) -> HostileCase:
    target = outside_file(root, "marker.txt")
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE GoalState [<!ENTITY xxe SYSTEM "file://{target}">]>\n'
           "<GoalState><Incarnation>&xxe;</Incarnation></GoalState>\n").encode()
    ext = (f'<?xml version="1.0"?>\n<!DOCTYPE Extensions [<!ENTITY % p SYSTEM "file://{target}"> %p;]>\n'
           "<Extensions><Plugins/></Extensions>\n").encode()
    return HostileCase("xml_external_entity", _xml_bundle(root, doc, ext), "reason", r"DOCTYPE|entit|refused",
                       watch=(target.parent,))


def xml_network_dtd(root: Path) -> HostileCase:
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE GoalState SYSTEM "{NETWORK_DTD}">\n'
           "<GoalState><Incarnation>3</Incarnation></GoalState>\n").encode()
    ext = (f'<?xml version="1.0"?>\n<!DOCTYPE Extensions [<!ENTITY % d SYSTEM "{NETWORK_DTD}"> %d;]>\n'
           "<Extensions><Plugins/></Extensions>\n").encode()
    return HostileCase("xml_network_dtd", _xml_bundle(root, doc, ext), "reason", r"DOCTYPE|DTD|refused")


def xml_xinclude(root: Path) -> HostileCase:
    target = outside_file(root, "marker.txt")
    doc = ('<?xml version="1.0"?>\n<GoalState xmlns:xi="http://www.w3.org/2001/XInclude"><Incarnation>'
           f'<xi:include href="file://{target}" parse="text"/></Incarnation></GoalState>\n').encode()
    return HostileCase("xml_xinclude", _xml_bundle(root, doc, doc), "exit2_or_reason", r".",
                       watch=(target.parent,), note="XInclude is never processed; the element is ignored")


DEEP = 100_000


def json_deep_nesting(root: Path) -> HostileCase:
    arrays = b"[" * DEEP + b"]" * DEEP
    objects = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    handler = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0"
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES,
                                  "var/lib/waagent/waagent_status.json": arrays,
                                  f"{handler}/status/0.status": objects,
                                  f"{handler}/config/0.settings": arrays,
                                  "var/lib/waagent/history/x/VmSettings.json": objects})
    return HostileCase("json_deep_nesting", bundle, "reason", r"nest|deep|depth")


# ---------------------------------------------------------------------------------------------
# text oddities
# ---------------------------------------------------------------------------------------------
def _single_log(root: Path, name: str, data: bytes, expect: str = "clean", reason: str = "") -> HostileCase:
    bundle = folder_bundle(root, {"var/log/waagent.log": data})
    return HostileCase(name, bundle, expect, reason, lines=physical_lines(data))


def log_random_bytes(root: Path) -> HostileCase:
    import random
    data = random.Random("hostile").randbytes(4 * MiB)
    return _single_log(root, "log_random_bytes", data)


def log_nul_runs(root: Path) -> HostileCase:
    # The 8 MiB NUL run glues onto the next line: one physical line over the 1 MiB line limit.
    data = WAAGENT_LINES + bytes(8 * MiB) + WAAGENT_LINES + b"\x00" * 100 + b"\n" + WAAGENT_LINES
    return _single_log(root, "log_nul_runs", data, "reason", r"were cut")


def log_invalid_utf8(root: Path) -> HostileCase:
    data = WAAGENT_LINES.replace(b"Dhcp", b"D\xff\xfe\xc3(cp")
    data += b"\xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80\n"
    return _single_log(root, "log_invalid_utf8", data)


def log_crlf(root: Path) -> HostileCase:
    return _single_log(root, "log_crlf", WAAGENT_LINES.replace(b"\n", b"\r\n"))


def log_64mib_line(root: Path) -> HostileCase:
    header = b"2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler "
    data = WAAGENT_LINES + header + b"A" * (64 * MiB) + b"\n"
    bundle = folder_bundle(root, {"var/log/waagent.log": data + WAAGENT_LINES})
    return HostileCase("log_64mib_line", bundle, "reason", r"line|cut|long",
                       lines=physical_lines(data + WAAGENT_LINES))


# ---------------------------------------------------------------------------------------------
# broken containers and odd paths
# ---------------------------------------------------------------------------------------------
def truncated_gz(root: Path) -> HostileCase:
    whole = gzip_of([(WAAGENT_LINES * 2000, 1)])
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES,
                                  "var/log/waagent.log.2.gz": whole[: len(whole) // 2]})
    return HostileCase("truncated_gz", bundle, "reason", r"truncat|ended|corrupt|end of|EOF")


def truncated_targz(root: Path) -> HostileCase:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name in ("var/log/waagent.log", "var/log/waagent.log.1"):
            info = tar_info(name, size=len(WAAGENT_LINES) * 2000)
            tf.addfile(info, io.BytesIO(WAAGENT_LINES * 2000))
    data = buf.getvalue()
    path = root / "bundle.tar.gz"
    path.write_bytes(data[: int(len(data) * 0.7)])
    return HostileCase("truncated_targz", path, "exit2_or_reason", r"truncat|ended|corrupt|end of|EOF|read")


def truncated_zip(root: Path) -> HostileCase:
    path = write_zip(root / "whole.zip", [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES * 100)])
    data = path.read_bytes()
    path.unlink()
    cut = root / "bundle.zip"
    cut.write_bytes(data[: len(data) // 2])
    return HostileCase("truncated_zip", cut, "exit2_or_reason", r"truncat|corrupt|zip|read")


def targz_plain_text(root: Path) -> HostileCase:
    path = root / "bundle.tar.gz"
    path.write_bytes(WAAGENT_LINES)
    return HostileCase("targz_plain_text", path, "exit2_or_reason", r"gzip|tar\b|archive|not a")


def empty_file(root: Path) -> HostileCase:
    path = root / "waagent.log"
    path.write_bytes(b"")
    return HostileCase("empty_file", path, "reason", r"input is empty \(0 bytes\)", lines=0)


def empty_zip_file(root: Path) -> HostileCase:
    path = root / "bundle.zip"
    path.write_bytes(b"")
    return HostileCase("empty_zip_file", path, "reason", r"input is empty \(0 bytes\)", lines=0)


#: What a browser saves when a bundle download fails (a sign-in page, a 404).
HTML_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             b"<title>Sign in</title></head>\n<body><h1>404 Not Found</h1>"
             b"<p>The blob does not exist.</p></body></html>\n")


def html_saved_as_zip(root: Path) -> HostileCase:
    path = root / "logs.zip"
    path.write_bytes(HTML_PAGE)
    return HostileCase("html_saved_as_zip", path, "reason", r"not an archive: looks like an HTML page",
                       lines=0)


def empty_folder(root: Path) -> HostileCase:
    path = root / "bundle"
    path.mkdir()
    return HostileCase("empty_folder", path, "exit2_or_reason", r".")


def missing_path(root: Path) -> HostileCase:
    return HostileCase("missing_path", root / "no-such-bundle.zip", "exit2")


def unreadable_file(root: Path) -> HostileCase:
    path = root / "waagent.log"
    path.write_bytes(WAAGENT_LINES)
    path.chmod(0)
    as_root = os.geteuid() == 0
    return HostileCase("unreadable_file", path, "clean" if as_root else "exit2",
                       lines=3 if as_root else None,
                       note="as root, chmod 000 does not stop the read" if as_root else "")


def unreadable_member(root: Path) -> HostileCase:
    bundle = folder_bundle(root, {"var/log/waagent.log": WAAGENT_LINES,
                                  "var/log/waagent.log.1": WAAGENT_LINES})
    (bundle / "var/log/waagent.log.1").chmod(0)
    (bundle / "var/lib").mkdir()
    (bundle / "var/lib" / "waagent").mkdir(mode=0)
    as_root = os.geteuid() == 0
    return HostileCase("unreadable_member", bundle, "clean" if as_root else "reason",
                       r"permission|unreadable|denied", lines=6 if as_root else None,
                       note="run as root: chmod 000 does not stop root" if as_root else "")


Builder = Callable[[Path], HostileCase]

BUILDERS: dict[str, Builder] = {f.__name__: f for f in (
    tar_path_traversal, tar_absolute_names, zip_path_traversal, zip_absolute_names,
    tar_symlinks_outside, tar_hardlinks_outside, zip_symlink_entries, folder_symlinks_outside,
    folder_symlink_dev_zero, folder_fifo_and_dirs, tar_devices_and_fifos, zip_control_char_names,
    zip_invalid_utf8_name,
    gz_member_bomb, zip_member_bomb, targz_bomb, zip_text_bomb, zip_many_small_bombs, zip_overlapping_entries,
    zip_nested_history, zip_200k_entries,
    xml_billion_laughs, xml_billion_laughs_utf16, xml_external_entity, xml_network_dtd, xml_xinclude,
    json_deep_nesting,
    log_random_bytes, log_nul_runs, log_invalid_utf8, log_crlf, log_64mib_line,
    truncated_gz, truncated_targz, truncated_zip, targz_plain_text,
    empty_file, empty_zip_file, html_saved_as_zip, empty_folder, missing_path, unreadable_file,
    unreadable_member,
)}


def build(name: str, root: Path) -> HostileCase:
    """Build the shape ``name`` inside the empty folder ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    return BUILDERS[name](root)


@dataclass
class Snapshot:
    """A listing of a folder tree (names, kinds, sizes, mtimes) to prove nothing was written."""

    entries: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, *folders: Path) -> Snapshot:
        snap = cls()
        for folder in folders:
            for dirpath, dirnames, filenames in os.walk(folder):
                for name in dirnames + filenames:
                    full = os.path.join(dirpath, name)
                    st = os.lstat(full)
                    snap.entries[full] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
        return snap


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="hostile-"))


# ---------------------------------------------------------------------------------------------
# running the installed command line under watch
# ---------------------------------------------------------------------------------------------
def cli_path() -> Path:
    """The installed ``analyze-logs`` next to the running interpreter."""
    import sys
    return Path(sys.executable).with_name("analyze-logs")


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float
    timed_out: bool = False


#: Forks the command from a small process and writes its own rusage: ``ru_maxrss`` of a child
#: starts from the RSS of the process that forked it (Linux keeps the old memory map's high-water
#: mark across fork and exec), so measuring straight from a large pytest process would over-count.
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"maxrss_kib": usage.ru_maxrss}, f)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


def run_cli(args: list[str], workdir: Path, timeout: float = 75.0) -> CliRun:
    """Run ``analyze-logs args`` with ``workdir/cwd`` as CWD and ``workdir/tmp`` as TMPDIR.

    Wall time is measured here; the command's own peak RSS comes from :func:`os.wait4` in a
    small launcher process (see :data:`_LAUNCHER`).  After ``timeout`` seconds the command's
    whole process group is killed.
    """
    import signal
    import subprocess
    import sys
    import time
    for sub in ("cwd", "tmp", "out"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMP", "TMP")}
    env.update(TMPDIR=str(workdir / "tmp"), PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    usage_file = workdir / "out" / "rusage.json"
    timed_out = False
    with open(workdir / "out" / "stdout", "wb") as out, open(workdir / "out" / "stderr", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(usage_file), str(cli_path()), *args],
                                cwd=workdir / "cwd", env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        seconds = time.perf_counter() - started
    import json
    peak = json.loads(usage_file.read_text())["maxrss_kib"] / 1024 if usage_file.exists() else 0.0
    return CliRun(proc.returncode, (workdir / "out" / "stdout").read_text("utf-8", "replace"),
                  (workdir / "out" / "stderr").read_text("utf-8", "replace"), seconds, peak, timed_out)


_BUILT: dict[str, HostileCase] = {}


def built_case(name: str, base: Path) -> HostileCase:
    """Build ``name`` once per test session under ``base`` (shared by the CLI and API tests)."""
    if name not in _BUILT:
        _BUILT[name] = build(name, base / name)
    return _BUILT[name]


def coverage_problems(report: dict[str, Any]) -> list[str]:
    """``status: reason notes`` of every coverage entry of a JSON report that is not plainly parsed,
    plus the input's own notes (an empty folder is reported there).  Paths are left out so a
    reason pattern cannot match a file name."""
    out = [f"[input] {note}" for note in report["input"].get("notes") or []]
    for f in report["coverage"]["files"]:
        notes = " ".join(str(n) for n in f.get("notes") or [])
        if f.get("status") != "parsed" or f.get("reason") or notes:
            out.append(f"[{f.get('status')}] {f.get('reason') or ''} {notes}".strip())
    return out


# ---------------------------------------------------------------------------------------------
# memory budgets: big state documents, written in batches (never held whole in memory)
# ---------------------------------------------------------------------------------------------
def _write_batched(path: Path, head: bytes, item: Callable[[int], bytes], count: int, tail: bytes,
                   batch: int = 10_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(head)
        for start in range(0, count, batch):
            out.write(b"".join(item(i) for i in range(start, min(count, start + batch))))
        out.write(tail)
    return path


def extensions_config_plugins(path: Path, plugins: int) -> Path:
    """An ExtensionsConfig asking for ``plugins`` handlers (880k plugins are 31 MB, under max_xml_bytes)."""
    return _write_batched(path, b'<?xml version="1.0" encoding="utf-8"?>\n<Extensions version="1.0.0.0" '
                          b'goalStateIncarnation="1">\n<Plugins>\n',
                          lambda i: b'<Plugin name="P%d" version="1"/>\n' % i, plugins,
                          b"</Plugins>\n</Extensions>\n")


def waagent_conf_keys(path: Path, keys: int, known: bytes = b"AutoUpdate.Enabled=n\n") -> Path:
    """A waagent.conf of ``keys`` made-up settings, with one key the agent knows at the very end."""
    return _write_batched(path, b"# made up\n", lambda i: b"Key%d=value\n" % i, keys, known)


def extension_event_files(folder: Path, records: int, per_file: int = 250_000) -> Path:
    """``records`` minimal telemetry events (16 bytes each) in ``events/*.json`` files of ``per_file``."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, records, per_file)):
        count = min(per_file, records - start)
        _write_batched(folder / f"{number:06d}.json", b"[", lambda i: b'{"Message":"m"},\n', count - 1,
                       b'{"Message":"m"}]\n')
    return folder


def xz_declaring_dictionary(path: Path, zeros: int, dict_code: int = 40) -> Path:
    """An xz file of ``zeros`` zero bytes whose block header declares an LZMA2 dictionary of code
    ``dict_code`` (40: 4 GiB - 1) although a 1 MiB one was used (the header CRC is fixed up)."""
    import lzma
    comp = lzma.compress(bytes(zeros), format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE,
                         filters=[{"id": lzma.FILTER_LZMA2, "dict_size": MiB, "preset": 0}])
    header_size = (comp[12] + 1) * 4                  # after the 12-byte stream header
    header = bytearray(comp[12:12 + header_size])
    props = header.find(b"\x21\x01") + 2              # filter LZMA2 (0x21), 1 property byte
    header[props] = dict_code
    header[-4:] = struct.pack("<I", zlib.crc32(bytes(header[:-4])))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(comp[:12] + bytes(header) + comp[12 + header_size:])
    return path
