"""``analyze-logs -``: a bundle or a log read from standard input.

The bytes are spooled to a private temporary folder under a name that says what they are
(the sources classify members by name): an archive by its magic bytes, a plain log by its
first lines (waagent.log, syslog, VMSnapshot extension.log), else ``stdin.log``.

>>> sniff_name(b"2024-05-14T21:00:04.281715Z INFO ExtHandler ExtHandler Fetched a goal state")
'waagent.log'
>>> sniff_name(b"May 14 21:00:04 vm1 python3[1187]: hello")
'syslog'
>>> sniff_name(b"PK\\x03\\x04....")
'stdin.zip'
"""
from __future__ import annotations

import gzip
import io
import re
import sys
import tempfile
from pathlib import Path

from .errors import InputError

_STAMP = rb"^\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d[.\d]*"
_WAAGENT = re.compile(_STAMP + rb"Z? ?(?:INFO|WARNING|ERROR|VERBOSE|WARN)\b", re.MULTILINE)
_VMSNAPSHOT = re.compile(_STAMP + rb" ?\[Microsoft\.Azure\.RecoveryServices", re.MULTILINE)
_SYSLOG = re.compile(rb"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ ", re.MULTILINE)


def sniff_name(head: bytes) -> str:
    """A file name for ``head`` (the first bytes of stdin) that the sources will classify right."""
    if head.startswith(b"PK\x03\x04"):
        return "stdin.zip"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "stdin.tar.xz"
    if head.startswith(b"BZh"):
        return "stdin.tar.bz2"
    if head.startswith(b"\x1f\x8b"):
        try:
            inner = gzip.GzipFile(fileobj=io.BytesIO(head)).read(4096)
        except (OSError, EOFError):
            inner = b""
        if len(inner) > 262 and inner[257:262] == b"ustar":
            return "stdin.tar.gz"
        return sniff_name(inner) + ".gz" if inner else "stdin.tar.gz"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "stdin.tar"
    if _VMSNAPSHOT.search(head[:8192]):
        return "extension.log"
    if _WAAGENT.search(head[:8192]):
        return "waagent.log"
    if _SYSLOG.search(head[:8192]):
        return "syslog"
    return "stdin.log"


def spool_stdin(limit: int) -> tuple[tempfile.TemporaryDirectory, str]:
    """Copy standard input (at most ``limit`` bytes) to a temporary file; (folder, path)."""
    stream = sys.stdin.buffer
    if sys.stdin.isatty():
        raise InputError("'-' reads a bundle or log from standard input, but it is a terminal: "
                         "pipe one in (analyze-logs - < waagent.log)")
    folder = tempfile.TemporaryDirectory(prefix="loganalyzer-stdin-")
    head = stream.read(65536)
    if not head:
        folder.cleanup()
        raise InputError("standard input is empty")
    target = Path(folder.name) / sniff_name(head)
    total = len(head)
    with target.open("wb") as out:
        out.write(head)
        while chunk := stream.read(1 << 20):
            total += len(chunk)
            if total > limit:
                folder.cleanup()
                raise InputError(f"standard input is larger than max_total_bytes ({limit:,} bytes)")
            out.write(chunk)
    return folder, str(target)
