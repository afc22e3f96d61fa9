"""The one reader behind every input: turns *candidates* (entries of a folder or an
archive) into :class:`~loganalyzer.sources.base.Member` objects, safely.

For each candidate the walker classifies the path, sniffs the first bytes through a
guarded stream, and then either

* yields a member (plain, or decompressed on the fly for ``.gz``/``.xz``/``.bz2``),
* opens a nested archive as a folder (zip in memory under its cap, tar streamed), or
* skips it with a reason in :attr:`Source.entries` (unsafe, unreadable, over a limit).

Readers of folders and archives (:mod:`.folder`, :mod:`.archives`) only produce
candidates and call :meth:`Walker.skip`; every safety decision that is the same for
all inputs lives here.
"""
from __future__ import annotations

import io
import lzma
import os
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..filekinds import refine
from ..kinds import Kind
from ..limits import DEFAULT_LIMITS, LimitExceeded, Limits
from ..model import CoverageStatus, FileCoverage
from .base import BundleInfo, BundleType, Member, Source
from .bundle_type import BundleTypeDetector
from .classify import COMPRESSION_SUFFIXES, classify, member_path, untruncate
from .guard import Budget, Guard, guard_of, guarded, human_bytes
from .sniff import ARCHIVES, COMPRESSED, HEAD_BYTES, Format, decompressor, sniff
from .spellings import Spellings

#: Everything reading a damaged or hostile entry can raise (BadGzipFile is an OSError).
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError,
    NotImplementedError, RuntimeError, ValueError, LimitExceeded,
)

TRUNCATED_NOTE = ("cut by waagent -collect-logs to its last 30 MB (the start of the file is missing); "
                  "read as {path}")


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), *range(127, 160))}


def printable(name: str) -> str:
    r"""An entry name safe to show: control characters (terminal escapes, newlines) spelled out.

    >>> printable("var/log/\x1b]0;owned\x07x.log")
    'var/log/\\x1b]0;owned\\x07x.log'
    """
    return name.translate(_CONTROL)


def describe(error: BaseException) -> str:
    """One line for a read error: ``permission denied``, ``truncated gzip stream``, …

    >>> describe(PermissionError(13, "Permission denied"))
    'permission denied'
    >>> describe(EOFError("Compressed file ended before the end-of-stream marker was reached"))
    'truncated: Compressed file ended before the end-of-stream marker was reached'
    """
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, FileNotFoundError):
        return "file vanished while reading"
    if isinstance(error, EOFError):
        return f"truncated: {error}" if str(error) else "truncated"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not isinstance(error, LimitExceeded) else text


@dataclass(slots=True)
class Candidate:
    """One entry of a folder or archive, not yet looked at.

    ``open_raw`` returns the entry's stored bytes (a zip member already inflated by
    zipfile); ``reopenable`` is False for tar members (a stream is read once);
    ``compressed``/``offset`` feed the ratio check of that first layer.
    """

    path: str
    open_raw: Callable[[], BinaryIO]
    depth: int
    size: int | None = None
    reopenable: bool = True
    compressed: Callable[[], int] | None = None
    offset: int = 0
    guards: list[Guard] = field(default_factory=list)
    crc: int | None = None      # CRC-32 of the content when the container records it (zip)

    @property
    def ratio_tripped(self) -> bool:
        return any(g.ratio_tripped for g in self.guards)


class Walker(Source):
    """A :class:`Source` whose members come from ``candidates(walker)``.

    ``bundle_type`` fixes the type when the caller knows it (single file, live
    system, a zip whose names were all seen up front); otherwise it is detected
    from the paths as they go by.
    """

    def __init__(self, info: BundleInfo, candidates: Callable[[Walker], Iterator[Candidate]],
                 limits: Limits = DEFAULT_LIMITS, bundle_type: BundleType | None = None) -> None:
        super().__init__(info, limits)
        self.budget = Budget(limits)
        self.detector = BundleTypeDetector()
        self._candidates = candidates
        self._bundle_type = bundle_type
        self._seen: set[str] = set()
        self._spellings = Spellings()
        #: set when a folder walk hit the member limit (the walk stops there)
        self.stopped = False
        #: kinds to use instead of the path's (e.g. results.txt of a disk inspection)
        self.kind_overrides: dict[str, Kind] = {}

    # -- accounting ---------------------------------------------------------------------
    def skip(self, path: str, reason: str, kind: str = "other", size: int | None = None) -> None:
        super().skip(path, reason, kind, size)
        self.detector.observe(path, Kind.OTHER_TEXT)

    def stop_container(self, label: str, reason: str) -> None:
        """The rest of an archive or folder was not read (limit hit, truncated, corrupt)."""
        self.entries.append(FileCoverage(path=label, kind="archive", status=CoverageStatus.PARTIAL,
                                         reason=reason))

    def label(self, prefix: str) -> str:
        """How an archive is named in entries: its path inside the bundle, or the input's name."""
        return prefix or os.path.basename(self.info.path.rstrip("/")) or self.info.path

    def member_limit_reason(self) -> str:
        return (f"member limit reached: more than {self.limits.max_members} entries; "
                "the rest was not read")

    # -- the walk -----------------------------------------------------------------------
    def _iter_members(self) -> Iterator[Member]:
        for candidate in self._candidates(self):
            yield from self.expand(candidate)
        self.detector.finish(self.info, self._bundle_type)
        if not self._seen and not self.entries:
            self.info.notes.append("the input holds no files")

    def expand(self, c: Candidate) -> Iterator[Member]:
        """Members for one candidate (several when it is a nested archive)."""
        if c.path in self._seen:
            self.skip(c.path, "duplicate name: an earlier entry with this path was read", size=c.size)
            return
        self._seen.add(c.path)
        notes = self._path_notes(c.path)
        respelled = self._spellings.check(c, self.budget)
        if respelled is not None:
            path, why = respelled
            if not path:
                self.skip(c.path, why, size=c.size)
                return
            c.path = path
            notes.append(why)
        kind, extension, version = classify(c.path)
        kind = self.kind_overrides.get(c.path, kind)
        if kind is Kind.BINARY:
            self.detector.observe(c.path, kind)
            yield Member(c.path, kind, _refuse(c.path), c.size, extension, version, notes)
            return
        if self.budget.bytes_left <= 0:
            self.skip(c.path, f"bundle byte limit ({human_bytes(self.limits.max_total_bytes)}) reached; "
                      "not read", kind=kind.value, size=c.size)
            return
        if self.budget.out_of_time():   # listed without being opened: opening each one to hear the
            # limit from its first read cost ~0.5 ms a member (a 200k-entry zip ran 18 s past it)
            self.skip(c.path, f"time limit ({self.limits.max_seconds:g} s) reached; not read",
                      kind=kind.value, size=c.size)
            return
        try:
            stream, fmt = self._open(c)
            head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
        except READ_ERRORS as error:
            self.skip(c.path, f"unreadable: {describe(error)}", kind=kind.value, size=c.size)
            return
        inner = sniff(head) if fmt in COMPRESSED else fmt     # a .tar.gz, a .zip.xz …
        if inner in ARCHIVES:
            yield from self._nested(c, stream, inner)
            return
        kind, extension = self._refine(c.path, kind, extension, head)
        self.detector.observe(c.path, kind)
        if fmt in COMPRESSED:
            notes.append(f"{fmt.value}-compressed; read decompressed")
        elif c.path.lower().endswith(COMPRESSION_SUFFIXES):
            notes.append("named like a compressed file but its content is not compressed; read as it is")
        if not c.reopenable:
            yield Member(c.path, kind, _once(c.path, stream), None if fmt in COMPRESSED else c.size,
                         extension, version, notes)
            return
        handover = _Handover(self, c, stream)
        try:
            yield Member(c.path, kind, handover.open, None if fmt in COMPRESSED else c.size, extension,
                         version, notes)
        finally:
            handover.settle()

    def _open(self, c: Candidate) -> tuple[io.BufferedReader, Format]:
        """Guarded stream of the candidate's content (decompressed when it is gzip/xz/bzip2)."""
        stream = guarded(c.open_raw(), c.path, self.budget, compressed=c.compressed, offset=c.offset)
        c.guards.append(guard_of(stream))
        fmt = sniff(stream.peek(HEAD_BYTES)[:HEAD_BYTES])
        if fmt not in COMPRESSED:
            return stream, fmt
        outer = guard_of(stream)
        outer.not_final()
        inner = guarded(_Closing(decompressor(fmt, stream, self.limits), stream), c.path, self.budget,
                        compressed=lambda: outer.count)
        c.guards.append(guard_of(inner))
        return inner, fmt

    def _release(self, stream: io.BufferedReader) -> None:
        """Close a sniffing stream and give its bytes back (the member is reopened later)."""
        guard_of(stream).not_final()
        stream.close()

    def _refine(self, path: str, kind: Kind, extension: str | None, head: bytes) -> tuple[Kind, str | None]:
        """Use the first bytes where the name left doubt (the unit of ``kind`` says how)."""
        return refine(member_path(path, extension), kind, head)

    def _path_notes(self, path: str) -> list[str]:
        basename = path.rsplit("/", 1)[-1]
        mapped = untruncate(basename)
        return [TRUNCATED_NOTE.format(path=mapped)] if mapped else []

    # -- nested archives ----------------------------------------------------------------
    def _nested(self, c: Candidate, stream: io.BufferedReader, fmt: Format) -> Iterator[Member]:
        from .archives import iter_tar, iter_zip_bytes  # archives.py builds on this module

        kind = classify(c.path)[0]
        self.detector.observe(c.path, kind)
        entry = FileCoverage(path=c.path, kind=kind.value if kind is Kind.HISTORY_ARCHIVE else "archive",
                             size=c.size, parser="archive")
        self.entries.append(entry)
        guard_of(stream).not_final()      # its members are counted as they are read
        depth = c.depth + 1
        if depth > self.limits.max_depth:
            self._release(stream)
            entry.mark(CoverageStatus.SKIPPED, f"archive nested {depth} deep, over the depth limit "
                       f"({self.limits.max_depth}); not opened")
            return
        before = len(self._seen)
        if fmt is Format.ZIP:
            cap = self.limits.max_nested_archive_bytes
            try:
                data = stream.read(cap + 1)
            except READ_ERRORS as error:
                entry.mark(CoverageStatus.SKIPPED, f"nested archive not opened: {describe(error)}")
                return
            finally:
                stream.close()
            if len(data) > cap:
                entry.mark(CoverageStatus.SKIPPED, f"nested archive larger than the in-memory limit "
                           f"({human_bytes(cap)}); not opened")
                return
            yield from self._expand_all(iter_zip_bytes(self, data, c.path, depth))
        else:
            yield from self._expand_all(iter_tar(self, stream, c.path, depth))
            stream.close()
        entry.notes.append(f"archive opened as a folder: {len(self._seen) - before} entries")

    def _expand_all(self, candidates: Iterator[Candidate]) -> Iterator[Member]:
        for candidate in candidates:
            yield from self.expand(candidate)


class _Closing(io.RawIOBase):
    """A decompressor that also closes the stream it reads when it is closed."""

    def __init__(self, inner: BinaryIO, outer: BinaryIO) -> None:
        super().__init__()
        self._inner, self._outer = inner, outer

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self._inner.read(size)

    def read1(self, size: int = -1) -> bytes:
        return getattr(self._inner, "read1", self._inner.read)(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            self._outer.close()
        super().close()


def _refuse(path: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        raise OSError(f"{path}: binary file (keys, certificates, programs, packages are never read)")
    return opener


def _once(path: str, stream: io.BufferedReader) -> Callable[[], BinaryIO]:
    """Opener of a tar member: its stream can be handed out once, before the next member."""
    handed = False

    def opener() -> BinaryIO:
        nonlocal handed
        if handed:
            raise OSError(f"{path}: a streamed tar member can be read only once")
        handed = True
        return stream
    return opener


class _Handover:
    """Opener of a member that can be reopened: the first open gets the stream its sniff already
    started (opening a zip member or a file again costs more than reading a small one), later
    opens a fresh stream.  Once the next member is asked for, a stream nobody took is closed
    and its bytes given back to the bundle budget (they are counted when read again)."""

    def __init__(self, walker: Walker, c: Candidate, stream: io.BufferedReader) -> None:
        self._walker, self._candidate = walker, c
        self._pending: io.BufferedReader | None = stream

    def open(self) -> BinaryIO:
        stream, self._pending = self._pending, None
        return stream if stream is not None else self._walker._open(self._candidate)[0]

    def settle(self) -> None:
        if self._pending is not None:
            self._walker._release(self._pending)
            self._pending = None
