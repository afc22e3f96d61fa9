"""Types shared by every source reader: :class:`Member`, :class:`BundleInfo`, :class:`Source`."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

from ..kinds import Kind
from ..limits import DEFAULT_LIMITS, Limits
from ..model import CoverageStatus, FileCoverage


class BundleType(StrEnum):
    COLLECT_LOGS = "collect_logs"        # waagent -collect-logs logs.zip (results.txt at the root)
    SOSREPORT = "sosreport"              # sosreport-*.tar.xz (sos_commands/, no /var/lib/waagent)
    DISK_INSPECTION = "disk_inspection"  # Azure disk-inspection zip
    ADHOC = "adhoc"                      # any other archive or folder
    SINGLE_FILE = "single_file"
    LIVE_SYSTEM = "live_system"          # no path given: this VM's own files (or --root)


@dataclass(slots=True)
class Member:
    """One file of a bundle, ready to be read as a (decompressed, guarded) byte stream.

    ``path`` is the POSIX path inside the bundle with nested archives shown as
    folders, e.g. ``var/lib/waagent/history/2024-05-01T10-00-00__3.zip/GoalState.xml``.
    ``extension`` is the extension handler name when the path says it
    (``var/log/azure/<Name>/…`` or ``var/lib/waagent/<Name>-<ver>/…``).
    """

    path: str
    kind: Kind
    opener: Callable[[], BinaryIO]
    size: int | None = None
    extension: str | None = None
    extension_version: str | None = None
    notes: list[str] = field(default_factory=list)

    def open(self) -> BinaryIO:
        return self.opener()


@dataclass(slots=True)
class BundleInfo:
    """What the input was, and which evidence that kind of bundle cannot hold."""

    path: str
    bundle_type: BundleType = BundleType.ADHOC
    cannot_contain: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Source:
    """Base class of readers; subclasses implement :meth:`_iter_members`."""

    def __init__(self, info: BundleInfo, limits: Limits = DEFAULT_LIMITS) -> None:
        self.info = info
        self.limits = limits
        #: coverage entries the source accounts for itself: entries it skipped (unsafe,
        #: over a limit, unreadable) and archives it opened as folders (history zips).
        self.entries: list[FileCoverage] = []

    def members(self) -> Iterator[Member]:
        yield from self._iter_members()

    def _iter_members(self) -> Iterator[Member]:  # pragma: no cover - abstract
        raise NotImplementedError

    def skip(self, path: str, reason: str, kind: str = "other", size: int | None = None) -> None:
        """Account for an entry that is not read, with the reason shown to the user."""
        self.entries.append(FileCoverage(path=path, kind=kind, size=size,
                                         status=CoverageStatus.SKIPPED, reason=reason))
