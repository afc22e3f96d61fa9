"""Turn untrusted byte streams into text lines, bounded in memory.

Real files hold CRLF line ends, invalid UTF-8, NUL runs (a crash while the file
was pre-allocated) and lines of megabytes.  Every physical line is returned
exactly once, so callers can count lines for the coverage table.

>>> import io
>>> list(iter_lines(io.BytesIO(b"a\\r\\nb\\xff\\x00c\\nlast")))
['a', 'b\\\\xffc', 'last']
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from .limits import DEFAULT_LIMITS
from .model import CoverageStatus, FileCoverage

CHUNK_BYTES = 1 << 22


def decode_line(raw: bytes) -> str:
    """Decode one physical line: UTF-8 with ``\\xNN`` escapes for bad bytes, no NULs, no CR/LF."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
    return raw.decode("utf-8", "backslashreplace")


def note_cut(coverage: FileCoverage | None, max_line_bytes: int) -> None:
    """Say once in the coverage that over-long lines were cut (the file is then ``partial``)."""
    if coverage is not None and not (coverage.reason and "were cut" in coverage.reason):
        coverage.mark(CoverageStatus.PARTIAL,
                      f"lines longer than {max_line_bytes:,} bytes were cut to that length")


def iter_lines(stream: BinaryIO, max_line_bytes: int = DEFAULT_LIMITS.max_line_bytes,
               coverage: FileCoverage | None = None) -> Iterator[str]:
    """Yield decoded physical lines; a line longer than ``max_line_bytes`` is cut, its rest skipped
    (and the cut noted in ``coverage`` when given)."""
    readline = stream.readline
    while True:
        raw = readline(max_line_bytes)
        if not raw:
            return
        if len(raw) >= max_line_bytes and not raw.endswith(b"\n"):
            # Over-long line: keep the head, discard the rest of this physical line.
            note_cut(coverage, max_line_bytes)
            while True:
                rest = readline(max_line_bytes)
                if not rest or rest.endswith(b"\n"):
                    break
        yield decode_line(raw)


def iter_text_chunks(stream: BinaryIO, chunk_bytes: int = CHUNK_BYTES,
                     max_line_bytes: int = DEFAULT_LIMITS.max_line_bytes,
                     coverage: FileCoverage | None = None) -> Iterator[str]:
    """Yield decoded text in large pieces that always end at a line end (or at EOF).

    For fast parsers that scan many lines per regex call.  Lines are joined with
    ``\\n`` only (CR and NUL removed); a physical line longer than ``max_line_bytes``
    is cut to that length.  The number of ``\\n`` across all chunks (plus one for
    a last line without newline) equals the number of physical lines.
    """
    pending = b""
    while True:
        block, error = _fill(stream, chunk_bytes)
        if error is not None:
            # A damaged stream: every line decoded before the damage is still handed out.
            data = pending + block
            if data:
                yield _decode_block(_cap_lines(data, max_line_bytes, coverage))
            raise error
        if not block:
            break
        data = pending + block
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > max_line_bytes:
                # One enormous line in progress: keep its head, drop the middle.
                note_cut(coverage, max_line_bytes)
                pending = data[:max_line_bytes]
                _skip_to_newline_into(stream, chunk_bytes)
                yield _decode_block(pending + b"\n")
                pending = b""
            else:
                pending = data
            continue
        head, pending = data[: cut + 1], data[cut + 1:]
        yield _decode_block(_cap_lines(head, max_line_bytes, coverage))
    if pending:
        if len(pending) > max_line_bytes:
            note_cut(coverage, max_line_bytes)
        yield _decode_block(pending[:max_line_bytes])


def _fill(stream: BinaryIO, size: int) -> tuple[bytes, Exception | None]:
    """Up to ``size`` bytes, read with ``read1`` so that bytes before a read error are kept,
    and the error (None when the stream was fine)."""
    read1 = getattr(stream, "read1", None)
    if read1 is None:
        return stream.read(size), None
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            part = read1(size - got)
        except Exception as error:  # returned with the bytes before it; the caller raises it
            return b"".join(parts), error
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts), None


def _skip_to_newline_into(stream: BinaryIO, chunk_bytes: int) -> None:
    while True:
        raw = stream.readline(chunk_bytes)
        if not raw or raw.endswith(b"\n"):
            return


def _cap_lines(block: bytes, max_line_bytes: int, coverage: FileCoverage | None) -> bytes:
    if len(block) <= max_line_bytes:
        return block
    parts = block.split(b"\n")
    if max(map(len, parts)) <= max_line_bytes:
        return block
    note_cut(coverage, max_line_bytes)
    return b"\n".join(p[:max_line_bytes] for p in parts)


def _decode_block(block: bytes) -> str:
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n").replace(b"\r", b"")
    if b"\x00" in block:
        block = block.replace(b"\x00", b"")
    return block.decode("utf-8", "backslashreplace")


#: Bytes :func:`iter_line_blocks` asks of the stream at a time (one buffer of a guarded stream).
LINE_BLOCK_BYTES = 1 << 16


def iter_line_blocks(stream: BinaryIO, max_line_bytes: int = DEFAULT_LIMITS.max_line_bytes,
                coverage: FileCoverage | None = None) -> Iterator[list[str]]:
    """The lines :func:`iter_lines` gives, a block of them at a time.

    Same text and same cut rule (a line of ``max_line_bytes`` bytes or more before its line
    end keeps that many, and the cut is noted), but one decode and one split per block instead
    of a ``readline`` and a decode per line.  ``read1`` asks for at most one buffer of the
    stream, so a stream that fails part way has handed out every whole line before the failure.

    >>> import io
    >>> list(iter_line_blocks(io.BytesIO(b"a\\r\\nb\\xff\\x00c\\nlast")))
    [['a', 'b\\\\xffc'], ['last']]
    """
    read = getattr(stream, "read1", None) or stream.read
    pending = b""
    while True:
        block = read(LINE_BLOCK_BYTES)
        if not block:
            break
        if pending:
            block = pending + block
        cut = block.rfind(b"\n") + 1
        if cut:
            pending = block[cut:]
            yield _decode_lines(block[:cut], max_line_bytes, coverage)
        elif len(block) >= max_line_bytes:
            # A line too long: keep its head, skip the rest of it.
            note_cut(coverage, max_line_bytes)
            yield [decode_line(block[:max_line_bytes])]
            pending = _skip_line(read)
        else:
            pending = block
    if pending:
        if len(pending) >= max_line_bytes:
            note_cut(coverage, max_line_bytes)
        yield [decode_line(pending[:max_line_bytes])]


def _decode_lines(block: bytes, max_line_bytes: int, coverage: FileCoverage | None) -> list[str]:
    """The lines of ``block`` (whole lines, each ending with ``\\n``) as ``iter_lines`` decodes them."""
    if len(block) > max_line_bytes or b"\x00" in block:
        raws = block.split(b"\n")
        raws.pop()
        if b"\x00" in block or max(map(len, raws)) >= max_line_bytes:
            out = []
            for raw in raws:
                if len(raw) >= max_line_bytes:
                    note_cut(coverage, max_line_bytes)
                    raw = raw[:max_line_bytes]
                out.append(decode_line(raw))
            return out
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")   # decode_line drops one CR before each line end
    lines = block.decode("utf-8", "backslashreplace").split("\n")
    lines.pop()
    return lines


def _skip_line(read: Any) -> bytes:
    """Read past the next line end; the bytes after it (``b""`` at EOF)."""
    while True:
        block = read(LINE_BLOCK_BYTES)
        if not block:
            return b""
        cut = block.find(b"\n")
        if cut >= 0:
            return block[cut + 1:]
