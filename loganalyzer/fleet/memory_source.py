"""Open a remote bundle already read into memory as a :class:`~loganalyzer.sources.Source`.

:func:`loganalyzer.sources.open_source` takes a path; a bundle fetched from ``s3://`` or
``abfs://`` is held as bytes (under the fleet's size cap) and must not be written to
disk.  This mirrors ``open_source``'s top-level decision — zip, tar (plain or
compressed), or one (possibly compressed) file — over the same sources readers, so
member paths, bundle types and safety limits are exactly those of a local read.

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
from __future__ import annotations

import io
import tarfile
import zipfile

from ..errors import InputError
from ..kinds import Kind
from ..limits import DEFAULT_LIMITS, Limits
from ..sources.archives import iter_tar, iter_zip, iter_zip_local
from ..sources.base import BundleInfo, BundleType, Source
from ..sources.bundle_type import is_disk_inspection
from ..sources.classify import classify
from ..sources.sniff import COMPRESSED, HEAD_BYTES, Format, looks_binary, sniff
from ..sources.walker import READ_ERRORS, Candidate, Walker


def open_bytes(content: bytes, location: str, limits: Limits = DEFAULT_LIMITS) -> Source:
    """A source over ``content`` (a whole bundle) named ``location`` in reports."""
    info = BundleInfo(location)
    fmt = sniff(content[:HEAD_BYTES])
    if fmt is Format.ZIP:
        return _open_zip(content, info, limits)
    if fmt is Format.TAR or (fmt in COMPRESSED and _is_compressed_tar(content)):
        return Walker(info, lambda w: iter_tar(w, io.BytesIO(content), "", 1), limits)
    name = location.rstrip("/").rsplit("/", 1)[-1] or location
    if fmt is Format.PLAIN and looks_binary(content[:HEAD_BYTES]) and classify(name)[0] is Kind.OTHER_TEXT:
        raise InputError(f"{location}: not a zip, tar, gzip, xz or bzip2 archive, nor a text file")
    single = Candidate(name, lambda: io.BytesIO(content), 0, len(content))
    return Walker(info, lambda w: iter([single]), limits, bundle_type=BundleType.SINGLE_FILE)


def _is_compressed_tar(content: bytes) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r|*") as archive:
            archive.next()
        return True
    except (tarfile.TarError, *READ_ERRORS):
        return False


def _open_zip(content: bytes, info: BundleInfo, limits: Limits) -> Source:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except READ_ERRORS:
        return Walker(info, lambda w: iter_zip_local(w, lambda: io.BytesIO(content), "", 1), limits)
    names = [i.filename for i in archive.infolist()]
    bundle_type = BundleType.DISK_INSPECTION if is_disk_inspection(names) else None
    walker = Walker(info, lambda w: iter_zip(w, archive, "", 1), limits, bundle_type=bundle_type)
    if bundle_type is BundleType.DISK_INSPECTION:
        walker.kind_overrides["results.txt"] = Kind.OTHER_TEXT   # the inspection log, not the collector's
    return walker
