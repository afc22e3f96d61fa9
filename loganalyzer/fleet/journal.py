"""What a fleet run keeps while it works: a lock on ``--out``, and a journal of finished bundles.

* :func:`out_lock` — one run at a time per output folder (``DIR/.fleet.lock``, an advisory
  ``flock`` the kernel drops when the process ends, even on ``kill -9``); a second run is
  refused with the first one's pid instead of silently losing its rows.
* :class:`Journal` — ``DIR/.journal/``: each bundle's rows are written (atomically, as small
  Parquet files) the moment it finishes, so Ctrl-C, a crash or a full disk keeps what was
  done; the next run loads the journal and skips those bundles.  A complete run folds the
  journal into the tables and empties it.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with out_lock(folder):
...     try:
...         with out_lock(folder):
...             pass
...     except UsageError as exc:
...         print(str(exc).split(":")[1].strip()[:37])
another fleet run is writing there (p
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from .tables import (
    BUNDLE_COLUMNS,
    FINDING_COLUMNS,
    bundles_frame,
    findings_frame,
    merge,
    read_table,
    write_table,
)

if TYPE_CHECKING:
    import pandas as pd

    from .worker import Outcome

LOCK_FILE = ".fleet.lock"
JOURNAL_DIR = ".journal"


@contextmanager
def out_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder's lock for the block; :class:`UsageError` when another run holds it."""
    import fcntl
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise UsageError(f"--out {folder}: another fleet run is writing there (pid {holder}); "
                             "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)          # closing drops the lock


class Journal:
    """The finished bundles of the current (or an interrupted) run, one small file set each."""

    def __init__(self, out: Path) -> None:
        self.folder = out / JOURNAL_DIR

    def _stem(self, bundle_id: str) -> str:
        return hashlib.sha256(bundle_id.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def add(self, outcome: Outcome) -> None:
        """Keep one finished bundle: findings and events first, its bundle row last (the row marks
        the set complete, so a crash between the files leaves no half bundle)."""
        if outcome.skipped:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self.folder / self._stem(outcome.bundle["bundle_id"])
        write_table(findings_frame(outcome.findings), f"{stem}.findings.parquet", FINDING_COLUMNS)
        if outcome.events is not None:
            write_table(outcome.events, f"{stem}.events.parquet", None)
        write_table(bundles_frame([outcome.bundle]), f"{stem}.bundle.parquet", BUNDLE_COLUMNS)

    def load(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
        """``(bundles, findings, events)`` of every complete set in the journal (None when empty)."""
        bundles = findings = events = None
        if not self.folder.is_dir():
            return None, None, None
        for row_file in sorted(self.folder.glob("*.bundle.parquet")):
            stem = str(row_file)[: -len(".bundle.parquet")]
            bundles = merge(bundles, read_table(row_file, BUNDLE_COLUMNS), BUNDLE_COLUMNS)
            found = read_table(f"{stem}.findings.parquet", FINDING_COLUMNS)
            findings = merge(findings, found, FINDING_COLUMNS)
            events = merge(events, read_table(f"{stem}.events.parquet", None), None)
        return bundles, findings, events

    def clear(self) -> None:
        """Empty the journal (its rows are in the tables now)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            path.unlink(missing_ok=True)
        self.folder.rmdir()
