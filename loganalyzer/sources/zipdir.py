"""A zip's central directory read only as far as the member limit: :func:`open_zip`.

:class:`zipfile.ZipFile` parses the whole central directory when it opens an archive, one
:class:`~zipfile.ZipInfo` per entry, before anyone can look at ``max_members``: a zip listing
200,000 entries took 1.1 s and 150 MiB of them to open when at most 50,000 are ever looked at,
and a directory of millions (46 bytes an entry) would take minutes and gigabytes.  When the end
record lists more entries than the limit can use (``max_members`` and one more, so that reaching
the limit is seen), zipfile is shown the archive cut after them, with an end record written for
that shorter directory; the member data before it is the archive's own, byte for byte.

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as z:
...     for i in range(5):
...         z.writestr(f"f{i}.log", b"x\\n")
>>> archive, total = open_zip(buf, max_members=1)
>>> [i.filename for i in archive.infolist()], total, archive.read("f1.log")
(['f0.log', 'f1.log'], 5, b'x\\n')
>>> len(open_zip(buf, max_members=10)[0].infolist())
5
"""
from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

_END = struct.Struct("<4s4H2LH")             # end of central directory record
_END64 = struct.Struct("<4sQ2H2L4Q")         # zip64 end of central directory record
_LOCATOR = struct.Struct("<4sLQL")           # zip64 end of central directory locator
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")     # central directory file header
_END_SIG, _END64_SIG, _LOCATOR_SIG, _ENTRY_SIG = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"PK\x01\x02"
_MAX_COMMENT = 0xFFFF


def open_zip(handle: BinaryIO, max_members: int) -> tuple[zipfile.ZipFile, int]:
    """The archive with at most ``max_members + 1`` central-directory entries parsed, and how many
    entries it lists (-1 when its end record was not found).

    Raises what :class:`zipfile.ZipFile` raises for a damaged archive.
    """
    keep = max_members + 1
    found = _directory(handle)
    if found is None or found[0] <= keep:
        return zipfile.ZipFile(handle), (found[0] if found else -1)
    total, start, offset = found
    handle.seek(start)
    length = 0
    for _ in range(keep):
        header = handle.read(_ENTRY.size)
        if len(header) < _ENTRY.size or not header.startswith(_ENTRY_SIG):
            return zipfile.ZipFile(handle), total          # let zipfile say what is wrong
        fields = _ENTRY.unpack(header)
        skip = fields[12] + fields[13] + fields[14]        # name, extra field, comment
        handle.seek(skip, io.SEEK_CUR)
        length += _ENTRY.size + skip
    cut = start + length
    tail = _end_records(keep, length, offset, cut)
    view = io.BufferedReader(_Spliced(handle, cut, tail))
    return zipfile.ZipFile(view), total


def _directory(handle: BinaryIO) -> tuple[int, int, int] | None:
    """(entries listed, file position of the directory, its offset as recorded) from the end
    records, or None when they cannot be found (zipfile then judges the archive)."""
    size = handle.seek(0, io.SEEK_END)
    back = min(size, _END.size + _MAX_COMMENT)
    handle.seek(size - back)
    data = handle.read(back)
    at = data.rfind(_END_SIG)
    if at < 0 or len(data) - at < _END.size:
        return None
    _, _, _, _, total, cd_size, cd_offset, _ = _END.unpack_from(data, at)
    end_pos = size - back + at
    if total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        if end_pos < _LOCATOR.size + _END64.size:
            return None
        handle.seek(end_pos - _LOCATOR.size - _END64.size)
        record = handle.read(_END64.size)
        if not record.startswith(_END64_SIG):
            return None
        _, _, _, _, _, _, _, total, cd_size, cd_offset = _END64.unpack(record)
        end_pos -= _LOCATOR.size + _END64.size
    start = end_pos - cd_size              # bytes prepended to the archive shift every offset
    return (total, start, cd_offset) if 0 <= start <= end_pos else None


def _end_records(entries: int, cd_size: int, cd_offset: int, cut: int) -> bytes:
    """End records for a directory of ``entries`` (zip64 ones when the counts need them)."""
    if entries < 0xFFFF and cd_offset < 0xFFFFFFFF:
        return _END.pack(_END_SIG, 0, 0, entries, entries, cd_size, cd_offset, 0)
    record = _END64.pack(_END64_SIG, _END64.size - 12, 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
    locator = _LOCATOR.pack(_LOCATOR_SIG, 0, cut, 1)
    return record + locator + _END.pack(_END_SIG, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)


class _Spliced(io.RawIOBase):
    """The first ``cut`` bytes of ``handle`` followed by ``tail``: a seekable, read-only view."""

    def __init__(self, handle: BinaryIO, cut: int, tail: bytes) -> None:
        super().__init__()
        self._handle, self._cut, self._tail = handle, cut, tail
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._cut + len(self._tail)}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the archive")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        if self._pos < self._cut:
            self._handle.seek(self._pos)
            data = self._handle.read(min(want, self._cut - self._pos))
        else:
            at = self._pos - self._cut
            data = self._tail[at:at + want]
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()
