"""``open_source``: any input path (or none: the live system) → a :class:`Source`.

The input's type is decided by its first bytes, never by its name: a zip named
``.tgz`` opens as a zip, a ``.tar.gz`` that is plain text is read as one text file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "waagent.log").write_text("2024-01-01T00:00:00.000000Z INFO Daemon Daemon hi\\n")
>>> src = open_source(folder)
>>> [(m.path, m.kind.value) for m in src.members()]
[('waagent.log', 'waagent_log')]
>>> src.info.bundle_type.value
'adhoc'
"""
from __future__ import annotations

import bz2
import io
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..kinds import Kind
from ..limits import DEFAULT_LIMITS, Limits
from . import zipdir
from .archives import iter_tar, iter_zip, iter_zip_local
from .base import BundleInfo, BundleType, Source
from .bundle_type import is_disk_inspection
from .classify import classify
from .folder import LIVE_SELECTION, iter_folder, open_regular_file, selection_exists
from .sniff import COMPRESSED, HEAD_BYTES, Format, looks_binary, looks_like_web_page, sniff
from .walker import READ_ERRORS, Candidate, Walker

#: Paths whose presence makes a folder (or ``--root``) a guest-agent system.
AGENT_PATHS = ("var/log/waagent.log*", "var/lib/waagent", "var/log/azure", "etc/waagent.conf")
_RAW_HEAD_BYTES = 1 << 16
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".txz", ".tbz2", ".gz", ".xz", ".bz2")


def open_source(path: str | os.PathLike[str] | None, *, root: str | None = None,
                limits: Limits = DEFAULT_LIMITS) -> Source:
    """Open a folder, archive, single file, or (``path=None``) the live system under ``root``.

    Raises :class:`~loganalyzer.errors.InputError` (one clear line) when the input
    cannot be used at all; everything else becomes members and skipped entries.
    """
    if path is None:
        return _open_live(root, limits)
    target = Path(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        raise InputError(f"{target}: no such file or folder") from None
    except OSError as error:
        raise InputError(f"{target}: cannot be read ({error.strerror or error})") from None
    if target.is_dir():
        return _open_folder(target, limits)
    if not target.is_file():
        raise InputError(f"{target}: not a regular file or folder")
    return _open_file(target, info.st_size, limits)


def _open_folder(folder: Path, limits: Limits) -> Source:
    try:
        os.listdir(folder)
    except OSError as error:
        raise InputError(f"{folder}: folder cannot be read ({error.strerror or error})") from None
    walker = Walker(BundleInfo(str(folder)), lambda w: iter_folder(w, folder), limits)
    if is_disk_inspection(os.listdir(folder)):
        walker.kind_overrides["results.txt"] = Kind.OTHER_TEXT   # the inspection log, not the collector's
    return walker


def _open_live(root: str | None, limits: Limits) -> Source:
    base = Path(root or "/")
    if not selection_exists(base, AGENT_PATHS):
        if root:
            raise InputError(f"{root}: no guest-agent files under this root (looked for "
                             "var/log/waagent.log*, var/lib/waagent, var/log/azure, etc/waagent.conf)")
        raise InputError("no bundle given and this machine has no guest-agent files (/var/log/waagent.log, "
                         "/var/lib/waagent, /var/log/azure); give a bundle path, e.g. one of sample_logs/")
    info = BundleInfo(str(base))
    return Walker(info, lambda w: iter_folder(w, base, LIVE_SELECTION), limits,
                  bundle_type=BundleType.LIVE_SYSTEM)


def _open_file(target: Path, size: int, limits: Limits) -> Source:
    try:
        with open_regular_file(target) as handle:
            raw_head = handle.read(_RAW_HEAD_BYTES)
    except OSError as error:
        raise InputError(f"{target}: cannot be read ({error.strerror or error})") from None
    return _open_opener(lambda: open_regular_file(target), str(target), target.name, size, raw_head, limits)


def open_bytes(content: bytes, location: str, limits: Limits = DEFAULT_LIMITS) -> Source:
    """A source over a whole bundle already in memory (e.g. fetched from object storage),
    named ``location`` in reports; read exactly as a file at that path would be.

    >>> import io, tarfile
    >>> buf = io.BytesIO()
    >>> with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    ...     data = b"2024-01-01T00:00:00.000000Z INFO Daemon Daemon hi\\n"
    ...     info = tarfile.TarInfo("var/log/waagent.log"); info.size = len(data)
    ...     tar.addfile(info, io.BytesIO(data))
    >>> src = open_bytes(buf.getvalue(), "memory://fleet/vm1.tar.gz")
    >>> [(m.path, m.kind.value) for m in src.members()]
    [('var/log/waagent.log', 'waagent_log')]
    """
    name = location.rstrip("/").rsplit("/", 1)[-1] or location
    return _open_opener(lambda: io.BytesIO(content), location, name, len(content),
                        content[:_RAW_HEAD_BYTES], limits)


def _open_opener(opener: Callable[[], BinaryIO], location: str, name: str, size: int, raw_head: bytes,
                 limits: Limits) -> Source:
    """Zip, tar (plain or compressed) or one (possibly compressed) file, decided by content."""
    fmt = sniff(raw_head)
    head = _decompressed_head(fmt, raw_head, limits) if fmt in COMPRESSED else raw_head
    info = BundleInfo(location)
    refusal = _not_a_bundle(name, fmt, raw_head)
    if refusal is not None:
        kind, reason = refusal
        info.notes.append(f"{name}: {reason}")
        return Walker(info, lambda w: _refused(w, name, kind, reason, size), limits,
                      bundle_type=BundleType.SINGLE_FILE)
    if fmt is Format.ZIP:
        return _open_zip(opener, info, limits)
    if fmt is Format.TAR or (fmt in COMPRESSED and sniff(head) is Format.TAR):
        return Walker(info, lambda w: _tar_candidates(w, opener), limits)
    if fmt is Format.PLAIN and looks_binary(head) and classify(name)[0] is Kind.OTHER_TEXT:
        raise InputError(f"{location}: not a zip, tar, gzip, xz or bzip2 archive, nor a text file")
    if fmt is Format.PLAIN and name.lower().endswith(ARCHIVE_SUFFIXES):
        info.notes.append(f"{name} is named like an archive but is plain text (not zip, tar, gzip, "
                          "xz or bzip2); read as one text file")
    single = Candidate(name, opener, 0, size)
    return Walker(info, lambda w: iter([single]), limits, bundle_type=BundleType.SINGLE_FILE)


def _not_a_bundle(name: str, fmt: Format, raw_head: bytes) -> tuple[str, str] | None:
    """``(kind, reason)`` when the input holds nothing to analyse: empty, or a saved web page
    where an archive was expected (a download that failed); None for anything worth reading.

    >>> _not_a_bundle("bundle.zip", Format.PLAIN, b"")
    ('archive', 'the input is empty (0 bytes); nothing to analyse')
    >>> _not_a_bundle("logs.zip", Format.PLAIN, b"<!DOCTYPE html><html><body>Sign in</body></html>")[1]
    'not an archive: looks like an HTML page (a download that failed?); not read'
    >>> _not_a_bundle("waagent.log", Format.PLAIN, b"<html> pasted into a log") is None
    True
    """
    named_archive = name.lower().endswith(ARCHIVE_SUFFIXES)
    kind = "archive" if named_archive else classify(name)[0].value
    if not raw_head:
        return kind, "the input is empty (0 bytes); nothing to analyse"
    page = looks_like_web_page(raw_head) if fmt is Format.PLAIN and named_archive else None
    if page:
        return kind, f"not an archive: looks like {page} (a download that failed?); not read"
    return None


def _refused(walker: Walker, name: str, kind: str, reason: str, size: int) -> Iterator[Candidate]:
    """No member: one skipped entry that says why (so the input never counts as analysed)."""
    walker.skip(name, reason, kind=kind, size=size)
    yield from ()


def _decompressed_head(fmt: Format, raw: bytes, limits: Limits) -> bytes:
    """The first decompressed bytes of a compressed file (empty when they cannot be decoded)."""
    try:
        if fmt is Format.GZIP:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, HEAD_BYTES)
        if fmt is Format.XZ:
            return lzma.LZMADecompressor(memlimit=limits.max_xz_memory).decompress(raw, max_length=HEAD_BYTES)
        return bz2.BZ2Decompressor().decompress(raw, max_length=HEAD_BYTES)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return b""


def _tar_candidates(walker: Walker, opener: Callable[[], BinaryIO]) -> Iterator[Candidate]:
    with opener() as handle:
        yield from iter_tar(walker, handle, "", 1)


def _open_zip(opener: Callable[[], BinaryIO], info: BundleInfo, limits: Limits) -> Source:
    try:
        archive, listed = zipdir.open_zip(opener(), limits.max_members)
    except READ_ERRORS:
        return Walker(info, lambda w: iter_zip_local(w, opener, "", 1), limits)
    names = [i.filename for i in archive.infolist()]
    bundle_type = BundleType.DISK_INSPECTION if is_disk_inspection(names) else None
    walker = Walker(info, lambda w: iter_zip(w, archive, "", 1, listed), limits, bundle_type=bundle_type)
    if bundle_type is BundleType.DISK_INSPECTION:
        walker.kind_overrides["results.txt"] = Kind.OTHER_TEXT   # the inspection log, not the collector's
    return walker
