"""Tell containers and compressed streams apart by their first bytes, never by their name.

>>> sniff(b"PK\\x03\\x04rest"), sniff(b"\\x1f\\x8b\\x08\\x00"), sniff(b"2024-01-01 hello")
(<Format.ZIP: 'zip'>, <Format.GZIP: 'gzip'>, <Format.PLAIN: 'plain'>)
"""
from __future__ import annotations

import bz2
import io
import lzma
import re
import tarfile
import zlib
from enum import StrEnum
from typing import Any, BinaryIO

from ..limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .guard import human_bytes

#: Bytes looked at to decide (a tar header is 512 bytes).
HEAD_BYTES = 512


class Format(StrEnum):
    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    XZ = "xz"
    BZIP2 = "bzip2"
    PLAIN = "plain"


COMPRESSED = frozenset({Format.GZIP, Format.XZ, Format.BZIP2})
ARCHIVES = frozenset({Format.ZIP, Format.TAR})

_BINARY_MAGIC = (b"\x7fELF", b"\x89PNG", b"SQLite format 3\x00", b"\xca\xfe\xba\xbe", b"MZ\x90\x00")


def is_tar_header(head: bytes) -> bool:
    """True when ``head`` starts with a valid tar header block (ustar or old v7, checksum verified).

    >>> is_tar_header(b"hello" * 200)
    False
    """
    if len(head) < 512:
        return False
    if head[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def sniff(head: bytes) -> Format:
    """The container or compression format whose magic bytes start ``head``."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Format.ZIP
    if head.startswith(b"\x1f\x8b"):
        return Format.GZIP
    if head.startswith(b"\xfd7zXZ\x00"):
        return Format.XZ
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return Format.BZIP2
    if is_tar_header(head):
        return Format.TAR
    return Format.PLAIN


def looks_binary(head: bytes) -> bool:
    """True for content that is plainly not text (executables, images, databases, mixed NULs).

    >>> looks_binary(b"\\x7fELF\\x02\\x01"), looks_binary(b"INFO all good\\n"), looks_binary(b"\\x00" * 64)
    (True, False, False)
    """
    if head.startswith(_BINARY_MAGIC):
        return True
    stripped = head.replace(b"\x00", b"")
    if not stripped or len(stripped) == len(head):
        return False                    # all NULs (pre-allocated log) or no NUL at all
    control = sum(1 for b in stripped if b < 9 or 13 < b < 32)
    return control > len(stripped) // 10


_PAGE_SIGNS = ((re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]"), "an HTML page"),
               (re.compile(rb"<\?xml[^>]*>\s*<error[\s>]"), "an XML error response"))


def looks_like_web_page(head: bytes) -> str | None:
    """What ``head`` is when it is a saved web response rather than a file (a failed download), else None.

    >>> looks_like_web_page(b"\\xef\\xbb\\xbf <!DOCTYPE html><html><title>404</title>")
    'an HTML page'
    >>> looks_like_web_page(b'<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code>')
    'an XML error response'
    >>> looks_like_web_page(b"2024-01-01T00:00:00Z INFO <html> in a log line") is None
    True
    """
    start = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not start.startswith(b"<"):
        return None
    return next((what for sign, what in _PAGE_SIGNS if sign.search(start)), None)


def _inflate_module() -> Any:
    """The zlib-compatible module that inflates gzip data here: zlib-ng when installed (``pip
    install loganalyzer[fast]``; about 1.7x the speed of stdlib zlib on the bench bundles), else
    :mod:`zlib`.  Both hand out the same bytes, also of a damaged stream before its damage
    (python-isal, faster still, holds back the last bytes decoded before a cut: not used);
    :data:`INFLATE_ERRORS` holds what they raise."""
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        return zlib
    return zlib_ng


INFLATE = _inflate_module()
#: What inflating corrupt data raises, whichever module inflates.
INFLATE_ERRORS: tuple[type[BaseException], ...] = (
    (zlib.error,) if INFLATE is zlib else (zlib.error, INFLATE.error))


def decompressor(fmt: Format, stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> BinaryIO:
    """A streaming decompressor reading ``stream`` (which it does not close); an xz stream may use
    at most ``limits.max_xz_memory`` to decode."""
    if fmt is Format.GZIP:
        return GzipStream(stream)
    if fmt is Format.XZ:
        return XzStream(stream, limits.max_xz_memory)
    if fmt is Format.BZIP2:
        return bz2.BZ2File(stream)
    raise ValueError(f"not a compressed format: {fmt}")


class GzipStream(io.RawIOBase):
    """Streaming gzip decoder that keeps every byte it could decode.

    :class:`gzip.GzipFile` drops the bytes decoded in the call that meets damage (for a small
    file: all of them).  Here decoded bytes are handed out first and the damage is raised on
    the next read: a cut stream raises :class:`EOFError`, bytes after the last member that are
    not another member raise :class:`OSError` (``trailing garbage``).  Members concatenated
    (``cat a.gz b.gz``) are read one after the other.

    >>> import gzip
    >>> stream = GzipStream(io.BytesIO(gzip.compress(b"a\\n") + gzip.compress(b"b\\n") + b"junk"))
    >>> stream.read(100), stream.read(100)
    (b'a\\n', b'b\\n')
    >>> stream.read(100)
    Traceback (most recent call last):
    ...
    OSError: trailing garbage after the gzip data (4 bytes not read)
    """

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self._inflater: Any = INFLATE.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._error: BaseException | None = None
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            if self._error is not None:
                error, self._error = self._error, None
                self._done = True
                raise error
            if self._done:
                return 0
            self._decode(max(1, len(buffer)))
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _decode(self, want: int) -> None:
        if self._inflater.eof:
            rest = self._inflater.unused_data or self._source.read(1 << 16)
            if not rest:
                self._done = True
                return
            if len(rest) < 2:
                rest += self._source.read(1 << 16)
            if not rest.startswith(b"\x1f\x8b"):
                more = len(rest) + len(self._source.read(1 << 20))
                self._error = OSError(f"trailing garbage after the gzip data ({more:,} bytes not read)")
                return
            self._inflater = INFLATE.decompressobj(16 + zlib.MAX_WBITS)
            data = rest
        else:
            data = self._inflater.unconsumed_tail or self._source.read(1 << 16)
            if not data:
                self._error = EOFError("gzip stream cut short: it ended before the end-of-stream marker")
                return
        try:
            self._pending = self._inflater.decompress(data, want)
        except INFLATE_ERRORS as error:
            self._error = OSError(f"corrupt gzip data ({error})")


class XzStream(io.RawIOBase):
    """Streaming xz decoder (concatenated streams too) that may use at most ``memlimit`` bytes.

    An xz header declares the dictionary the decoder must allocate (up to 4 GiB, whatever the data
    needs); liblzma refuses a stream over ``memlimit`` before decoding, and that refusal is raised
    as :class:`~loganalyzer.limits.LimitExceeded` naming the limit.

    >>> data = lzma.compress(b"a\\n" * 3)
    >>> XzStream(io.BytesIO(data + data), 64 << 20).read()
    b'a\\na\\na\\na\\na\\na\\n'
    >>> XzStream(io.BytesIO(data), 1 << 10).read()
    Traceback (most recent call last):
    ...
    loganalyzer.limits.LimitExceeded: xz stream needs more than 1 KiB of memory to decode (its dictionary); \
over the max_xz_memory limit, not read
    """

    def __init__(self, source: BinaryIO, memlimit: int) -> None:
        super().__init__()
        self._source = source
        self._memlimit = memlimit
        self._decoder = self._new()

    def _new(self) -> lzma.LZMADecompressor:
        return lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=self._memlimit)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = max(1, len(buffer))
        while True:
            data = b""
            if self._decoder.eof:
                data = self._decoder.unused_data
                while not (data := data.lstrip(b"\x00")):      # zero padding between streams
                    data = self._source.read(1 << 16)
                    if not data:
                        return 0
                self._decoder = self._new()
            elif self._decoder.needs_input:
                data = self._source.read(1 << 16)
                if not data:
                    raise EOFError("xz stream cut short: it ended before the end-of-stream marker")
            try:
                out = self._decoder.decompress(data, want)
            except lzma.LZMAError as error:
                if "memory usage limit" in str(error).lower():
                    raise LimitExceeded(
                        f"xz stream needs more than {human_bytes(self._memlimit)} of memory to decode "
                        "(its dictionary); over the max_xz_memory limit, not read") from None
                raise
            if out:
                n = len(out)
                buffer[:n] = out
                return n
