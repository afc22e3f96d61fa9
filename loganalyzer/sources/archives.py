"""Candidates from tar and zip archives: names checked, links/devices skipped, damage survived.

* tar (plain, gzip, xz, bzip2) is read **once, sequentially** (``tarfile`` mode ``r|*``);
* zip is read with random access; a zip whose central directory is missing (a cut
  download) is read from its local headers instead, so the members before the cut
  are kept;
* nested archives are opened by :class:`~loganalyzer.sources.walker.Walker`.

>>> unsafe_name_reason("../../etc/passwd"), unsafe_name_reason("var/log/waagent.log")
("path leaves the bundle ('..'); not read", None)
"""
from __future__ import annotations

import bisect
import io
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ..limits import LimitExceeded
from . import zipdir
from .guard import Budget, CountingReader, human_bytes
from .sniff import COMPRESSED, HEAD_BYTES, decompressor, sniff
from .walker import READ_ERRORS, Candidate, Walker, describe, printable

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name_reason(name: str) -> str | None:
    """Why an archive entry name must not be used, or ``None`` when it is safe."""
    normal = name.replace("\\", "/")
    if normal.startswith("/") or _DRIVE.match(normal):
        return "absolute path in archive; not read"
    if ".." in normal.split("/"):
        return "path leaves the bundle ('..'); not read"
    if "\x00" in normal:
        return "NUL byte in entry name; not read"
    return None


def join(prefix: str, name: str) -> str:
    """Path of an entry inside a (possibly nested) archive.

    >>> join("var/lib/waagent/history/a.zip", "./GoalState.xml"), join("", "var\\\\log\\\\x")
    ('var/lib/waagent/history/a.zip/GoalState.xml', 'var/log/x')
    """
    parts = [p for p in printable(name.replace("\\", "/")).split("/") if p not in ("", ".")]
    return "/".join([prefix, *parts]) if prefix else "/".join(parts)


def _mode_reason(mode: int, target: str = "") -> str | None:
    to = f" to {target}" if target else ""
    if stat.S_ISLNK(mode):
        return f"symbolic link{to}; not followed"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file; not read"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe); not read"
    if stat.S_ISSOCK(mode):
        return "socket; not read"
    return None


def _tar_type_reason(info: tarfile.TarInfo) -> str | None:
    if info.issym():
        return f"symbolic link to {info.linkname}; not followed"
    if info.islnk():
        return f"hard link to {info.linkname}; not followed"
    if info.ischr() or info.isblk():
        return "device file; not read"
    if info.isfifo():
        return "FIFO (named pipe); not read"
    if not info.isreg():
        return "unsupported tar entry type; not read"
    return None


# -- tar ------------------------------------------------------------------------------------
#: Tar entries whose data is a header for the next entry (PAX, GNU long name/link): tarfile
#: reads such data whole into memory, so its size is checked first.
_EXTENDED_HEADERS = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME,
                     tarfile.GNUTYPE_LONGLINK)


class _HeaderTooLarge(tarfile.ReadError):
    pass


def _checked_tarinfo(max_header: int) -> type[tarfile.TarInfo]:
    """A TarInfo class for one archive: refuses huge extended headers, remembers a damaged header.

    tarfile ends a stream silently at a damaged header after the first; the class keeps why
    in ``damaged`` so the coverage can say the rest was not read.
    """
    class Checked(tarfile.TarInfo):
        damaged: str | None = None

        @classmethod
        def frombuf(cls, buf: bytes, encoding: str, errors: str) -> tarfile.TarInfo:
            try:
                return super().frombuf(buf, encoding, errors)
            except (tarfile.EOFHeaderError, tarfile.EmptyHeaderError):
                raise
            except tarfile.HeaderError as error:
                cls.damaged = f"damaged tar header ({error})"
                raise

        def _proc_member(self, archive: tarfile.TarFile) -> tarfile.TarInfo:
            if self.type in _EXTENDED_HEADERS and self.size > max_header:
                raise _HeaderTooLarge(f"extended tar header (PAX or GNU long name) of {self.size:,} bytes, "
                                      f"over the {human_bytes(max_header)} limit (max_extended_header_bytes)")
            return super()._proc_member(archive)  # type: ignore[misc]

    return Checked


def iter_tar(walker: Walker, stream: BinaryIO, label: str, depth: int) -> Iterator[Candidate]:
    """Candidates of a tar stream (any compression), read sequentially once.

    A compressed tar is decompressed here, in bounded chunks, not by tarfile (which inflates a
    whole read at once: a 1 KB bzip2 block can hold 1 GiB); the time limit is checked on every
    read, also while tarfile skips through a member nobody reads.
    """
    counter = CountingReader(stream, walker.budget)
    buffered = io.BufferedReader(counter, 1 << 16)
    fmt = sniff(buffered.peek(HEAD_BYTES)[:HEAD_BYTES])
    source: BinaryIO = _Timed(buffered, walker.budget)
    if fmt in COMPRESSED:
        source = _Timed(decompressor(fmt, buffered, walker.limits), walker.budget, lambda: counter.count)
    limits = walker.limits
    read = 0
    where = walker.label(label)
    checked = _checked_tarinfo(walker.limits.max_extended_header_bytes)
    try:
        archive = tarfile.open(fileobj=source, mode="r|", tarinfo=checked)  # noqa: SIM115 - closed with the stream
        while (info := archive.next()) is not None:
            produced = info.offset_data
            if produced > limits.ratio_grace_bytes and produced / max(1, counter.count) > limits.max_ratio:
                walker.stop_container(where, f"compression ratio above {limits.max_ratio:g}:1 (possible "
                                      f"archive bomb) after {read} entries; the rest was not read")
                return
            if info.isdir():
                continue
            if not walker.budget.take_entry():
                walker.stop_container(walker.label(label), walker.member_limit_reason())
                return
            path = join(label, info.name) if not unsafe_name_reason(info.name) else _raw(label, info.name)
            reason = unsafe_name_reason(info.name) or _tar_type_reason(info)
            if reason:
                walker.skip(path, reason, size=info.size)
                continue
            candidate = Candidate(path, _tar_opener(archive, info), depth, info.size, reopenable=False,
                                  compressed=lambda: counter.count, offset=info.offset_data)
            yield candidate
            read += 1
            if candidate.ratio_tripped:
                walker.stop_container(where, f"compression ratio above {limits.max_ratio:g}:1 in "
                                      f"{path} (possible archive bomb); the rest was not read")
                return
        if checked.damaged:
            walker.stop_container(where, f"{checked.damaged} after {read} entries; "
                                  "the rest could not be read")
    except LimitExceeded as error:
        walker.stop_container(where, f"{error} (after {read} entries)")
    except _HeaderTooLarge as error:
        walker.stop_container(where, f"{error} after {read} entries; the rest was not read")
    except READ_ERRORS as error:
        walker.stop_container(walker.label(label), _damaged(read, error))


class _Timed(io.RawIOBase):
    """A tar's (decompressed) stream that stops at the bundle's time limit (checked on every read)
    and at its end: tarfile skips a member by reading block after block, and goes on asking an
    exhausted stream for as many blocks as a header claims (a PAX ``size=1e15`` is 10^11 empty
    reads, days).  Past :data:`_EMPTY_READS` empty reads in a row the archive is over."""

    def __init__(self, source: BinaryIO, budget: Budget, consumed: Callable[[], int] | None = None) -> None:
        super().__init__()
        self._source, self._budget, self._consumed = source, budget, consumed
        self._empty = 0
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self._budget.check_time("archive")
        data = self._source.read(min(len(buffer), 1 << 20))
        if data:
            self._empty = 0
        elif len(buffer):
            self._empty += 1
            if self._empty > _EMPTY_READS:
                raise tarfile.ReadError("unexpected end of data: a member claims more bytes than the "
                                        "archive holds")
        buffer[:len(data)] = data
        self._produced += len(data)
        self._check_ratio()
        return len(data)

    def _check_ratio(self) -> None:
        """The ratio a member's reader checks, also while tarfile skips what nobody reads (a 4 GiB
        member of zeros behind an unsafe name was inflated whole just to be passed over)."""
        limits = self._budget.limits
        if self._consumed is None or self._produced <= limits.ratio_grace_bytes:
            return
        if self._produced / max(1, self._consumed()) > limits.max_ratio:
            raise LimitExceeded(f"compression ratio above {limits.max_ratio:g}:1 after "
                                f"{human_bytes(limits.ratio_grace_bytes)} of the archive's stream "
                                "(possible archive bomb); the rest was not read")


#: Empty reads in a row after which a tar stream is taken as ended (a whole archive's end takes a few).
_EMPTY_READS = 64



def _tar_opener(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        if info.isreg() and not info.sparse:
            return io.BufferedReader(_TarMember(archive.fileobj, info.offset_data, info.size), 1 << 16)
        stream = archive.extractfile(info)
        if stream is None:
            raise OSError(f"{info.name}: not a regular file")
        return stream
    return opener


class _TarMember(io.RawIOBase):
    """A regular member's bytes, read from the tar stream itself: where the archive ends before
    the member does, the bytes that were there come first and the error after (tarfile's own
    member reader raises on the short read and drops what it got — all of a small member)."""

    def __init__(self, stream: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self._stream, self._start, self._size = stream, start, size
        self._position = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        if self._ended:
            raise tarfile.ReadError("unexpected end of data: the archive ends inside this member")
        self._stream.seek(self._start + self._position)
        data = self._stream.read(wanted)
        if len(data) < wanted:
            self._ended = True
            if not data:
                raise tarfile.ReadError("unexpected end of data: the archive ends inside this member")
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)


def _raw(label: str, name: str) -> str:
    return f"{label}/{printable(name)}" if label else printable(name)


def _damaged(read: int, error: BaseException) -> str:
    return (f"archive truncated or corrupt after {read} entries ({describe(error)}); "
            "the rest could not be read")


# -- zip ------------------------------------------------------------------------------------
def iter_zip(walker: Walker, archive: zipfile.ZipFile, label: str, depth: int,
             listed: int = -1) -> Iterator[Candidate]:
    """Candidates of an open zip, in archive order; ``listed`` is how many entries its central
    directory holds when :func:`.zipdir.open_zip` parsed fewer."""
    limits = walker.limits
    spans = _Spans()
    infos = archive.infolist()
    for info in infos:
        if info.is_dir():
            continue
        if not walker.budget.take_entry():
            walker.stop_container(walker.label(label), walker.member_limit_reason())
            return
        unsafe = unsafe_name_reason(info.filename)
        path = _raw(label, info.filename) if unsafe else join(label, info.filename)
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        reason = unsafe or _mode_reason(mode) or spans.overlap_reason(info)
        if reason is None and info.flag_bits & 0x1:
            reason = "encrypted entry (no password); not read"
        if reason is None and info.file_size > limits.ratio_grace_bytes \
                and info.file_size > limits.max_ratio * max(1, info.compress_size):
            reason = (f"declared compression ratio above {limits.max_ratio:g}:1 "
                      f"({human_bytes(info.file_size)} from {human_bytes(info.compress_size)}; "
                      "possible archive bomb); not read")
        if reason:
            walker.skip(path, reason, size=info.file_size)
            continue
        member = _ZipMember(archive, info)
        yield Candidate(path, member.open, depth, info.file_size, compressed=member.consumed,
                        crc=info.CRC)
    if listed > len(infos):     # the member limit was not reached by files (folders do not count)
        walker.stop_container(walker.label(label), f"member limit reached: the central directory lists "
                              f"{listed:,} entries, the first {len(infos):,} were looked at "
                              f"(max_members {limits.max_members:,}); the rest was not read")


class _Spans:
    """Byte ranges of the zip entries seen so far, to refuse entries that share data.

    Pointing many central-directory entries at one compressed block is the
    "non-recursive zip bomb" layout; no honest archiver writes it.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlap_reason(self, info: zipfile.ZipInfo) -> str | None:
        start = info.header_offset
        end = start + 30 + len(info.orig_filename.encode("utf-8", "replace")) + info.compress_size
        at = bisect.bisect_right(self._starts, start)
        if (at and self._ends[at - 1] > start) or (at < len(self._starts) and self._starts[at] < end):
            return ("shares its bytes with another entry (overlapping zip entries, a zip-bomb layout); "
                    "not read")
        self._starts.insert(at, start)
        self._ends.insert(at, end)
        return None


class _ZipMember:
    """One zip entry: its opener, and the compressed bytes its reads have *actually* taken.

    The ratio check divides the bytes inflated by these, not by the declared compressed size,
    which a forged central directory can set to anything.
    """

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._archive, self._info = archive, info
        self._stream: zipfile.ZipExtFile | None = None

    def open(self) -> BinaryIO:
        self._stream = self._archive.open(self._info)
        return self._stream

    def consumed(self) -> int:
        if self._stream is None:
            return 0
        left = getattr(self._stream, "_compress_left", None)
        if not isinstance(left, int):
            return self._info.compress_size
        # zipfile reads as many compressed bytes as inflated ones were asked for and parks what
        # the inflater did not need in its unconsumed tail: those bytes are read, not used, and
        # counting them let a 1000:1 member pass as 100:1 until ~200 MiB were out.
        tail = getattr(getattr(self._stream, "_decompressor", None), "unconsumed_tail", b"")
        return max(0, self._info.compress_size - left - (len(tail) if isinstance(tail, bytes) else 0))


def iter_zip_bytes(walker: Walker, data: bytes, label: str, depth: int) -> Iterator[Candidate]:
    """Candidates of a zip held in memory (a nested archive)."""
    try:
        archive, listed = zipdir.open_zip(io.BytesIO(data), walker.limits.max_members)
    except READ_ERRORS:
        yield from iter_zip_local(walker, lambda: io.BytesIO(data), label, depth)
        return
    yield from iter_zip(walker, archive, label, depth, listed)


# -- zip without central directory ------------------------------------------------------------
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def iter_zip_local(walker: Walker, reopen: Callable[[], BinaryIO], label: str,
                   depth: int) -> Iterator[Candidate]:
    """Candidates found by walking local file headers (the central directory is lost)."""
    where = walker.label(label)
    handle = reopen()
    read = 0

    def stop(why: str) -> None:
        walker.stop_container(where, f"zip central directory missing or damaged; {read} entries recovered "
                              f"from their local headers; {why}")
    while True:
        header = handle.read(_LOCAL.size)
        if len(header) < _LOCAL.size or not header.startswith(_LOCAL_SIGNATURE):
            central = header[:4] in (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")
            stop("the central directory itself is damaged" if central
                 else "the archive is cut short: the rest could not be read")
            return
        _, _, flags, method, _, _, _, csize, usize, name_len, extra_len = _LOCAL.unpack(header)
        name = handle.read(name_len).decode("utf-8" if flags & 0x800 else "cp437", "replace")
        handle.seek(extra_len, io.SEEK_CUR)
        start = handle.tell()
        if flags & 0x8 and csize == 0:
            stop(f"entry {name} has no stored size (data descriptor), the entries after it were not read")
            return
        handle.seek(start + csize)
        if name.endswith("/"):
            continue
        if not walker.budget.take_entry():
            walker.stop_container(where, walker.member_limit_reason())
            return
        unsafe = unsafe_name_reason(name)
        path = _raw(label, name) if unsafe else join(label, name)
        reason = unsafe or (None if method in (0, 8) else
                            f"unsupported compression method {method}; not read")
        if reason is None and flags & 0x1:
            reason = "encrypted entry (no password); not read"
        if reason:
            walker.skip(path, reason, size=usize)
            continue
        windows: list[_Window] = []
        yield Candidate(path, _local_opener(reopen, start, csize, method, windows), depth, usize,
                        compressed=lambda windows=windows: sum(w.taken for w in windows))
        read += 1


def _local_opener(reopen: Callable[[], BinaryIO], start: int, csize: int, method: int,
                  windows: list[_Window]) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        handle = reopen()
        handle.seek(start)
        window = _Window(handle, csize)
        windows[:] = [window]            # the compressed bytes actually read, for the ratio check
        return window if method == 0 else _Inflate(window)
    return opener


class _Window(io.RawIOBase):
    """At most ``size`` bytes of ``handle`` (a stored or deflated member's data)."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        super().__init__()
        self._handle, self._left = handle, size
        self.taken = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._handle.read(min(len(buffer), self._left))
        self._left -= len(data)
        self.taken += len(data)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


class _Inflate(io.RawIOBase):
    """Raw-deflate decoder over a :class:`_Window`; ``EOFError`` when the data stops early."""

    def __init__(self, source: _Window) -> None:
        super().__init__()
        self._source = source
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._inflater.eof:
            compressed = self._inflater.unconsumed_tail or self._source.read(1 << 16)
            if not compressed:
                raise EOFError("deflate data ended before the end of the member")
            self._pending = self._inflater.decompress(compressed, len(buffer))
        data, self._pending = self._pending[:len(buffer)], self._pending[len(buffer):]
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()
