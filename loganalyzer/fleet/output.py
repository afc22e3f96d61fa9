"""The output folder of ``analyze-logs fleet``: load a previous run, merge, write tables and reports.

Resume rule: a bundle whose ``bundle_id`` is already in ``bundles.parquet`` is not
analysed again, unless its row says ``unreadable`` (its bytes could not be fetched:
that may pass).  New rows replace old rows with the same ``bundle_id``.
"""
from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..model import Severity
from .journal import Journal, out_lock
from .tables import (
    BUNDLE_COLUMNS,
    FINDING_COLUMNS,
    TABLE_FILES,
    bundles_frame,
    findings_frame,
    merge,
    read_table,
    write_table,
    write_text_atomic,
)

if TYPE_CHECKING:
    import pandas as pd

    from .run import FleetResult

REPORT_FILES = {"markdown": "fleet-report.md", "html": "fleet-report.html"}


@dataclass(slots=True)
class FleetTables:
    bundles: pd.DataFrame
    findings: pd.DataFrame
    events: pd.DataFrame | None = None

    def done_ids(self) -> set[str]:
        """Ids not to analyse again: every bundle whose bytes were read."""
        status = self.bundles["status"].astype(object)
        return set(self.bundles.loc[status != "unreadable", "bundle_id"])

    def merged_with(self, fleet: FleetResult) -> FleetTables:
        """These tables with ``fleet``'s rows added (replacing rows of the same bundle ids)."""
        return self.replaced_by(fleet.bundles, fleet.findings, fleet.events)

    def replaced_by(self, bundles: pd.DataFrame, findings: pd.DataFrame | None,
                    events: pd.DataFrame | None) -> FleetTables:
        """These tables with the given rows added, replacing the rows of the same bundle ids."""
        replaced = set(bundles["bundle_id"])

        def kept(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame[~frame["bundle_id"].isin(replaced)]

        return FleetTables(merge(kept(self.bundles), bundles, BUNDLE_COLUMNS),
                           merge(kept(self.findings), findings, FINDING_COLUMNS) if findings is not None
                           else kept(self.findings),
                           merge(kept(self.events), events, None))

    def analysed_count(self) -> int:
        return int((self.bundles["status"].astype(object) == "analyzed").sum())

    def fails(self, fail_on: str) -> bool:
        """Whether some bundle has a finding at or above ``fail_on`` (``never``: no)."""
        if fail_on == "never":
            return False
        threshold = Severity(fail_on).rank
        worst = self.bundles["top_severity"].astype(object).dropna()
        return any(Severity(s).rank >= threshold for s in worst)


class FleetOutput:
    """One output folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.journal = Journal(folder)

    def lock(self) -> AbstractContextManager[None]:
        """One fleet run at a time in this folder (see :func:`~loganalyzer.fleet.journal.out_lock`)."""
        return out_lock(self.folder)

    def load(self) -> FleetTables:
        """The tables of previous runs in this folder, with the bundles an interrupted run had
        finished (its journal); empty tables when there was none."""
        bundles = read_table(self.folder / TABLE_FILES["bundles"], BUNDLE_COLUMNS)
        findings = read_table(self.folder / TABLE_FILES["findings"], FINDING_COLUMNS)
        events = read_table(self.folder / TABLE_FILES["events"], None)
        tables = FleetTables(bundles if bundles is not None else bundles_frame([]),
                             findings if findings is not None else findings_frame([]), events)
        done_bundles, done_findings, done_events = self.journal.load()
        if done_bundles is None:
            return tables
        return tables.replaced_by(done_bundles, done_findings, done_events)

    def write(self, tables: FleetTables) -> None:
        from .report import fleet_html, fleet_markdown
        self.folder.mkdir(parents=True, exist_ok=True)
        write_table(tables.bundles, self.folder / TABLE_FILES["bundles"], BUNDLE_COLUMNS)
        write_table(tables.findings, self.folder / TABLE_FILES["findings"], FINDING_COLUMNS)
        if tables.events is not None:
            write_table(tables.events, self.folder / TABLE_FILES["events"], None)
        write_text_atomic(self.folder / REPORT_FILES["markdown"],
                          fleet_markdown(tables.bundles, tables.findings))
        write_text_atomic(self.folder / REPORT_FILES["html"], fleet_html(tables.bundles, tables.findings))
        self.journal.clear()              # its rows are in the tables now

    def check_writable(self) -> None:
        """Refuse an output folder that cannot be written *before* any bundle is analysed."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".write-check-"):
                pass
        except OSError as error:
            raise UsageError(f"--out {self.folder}: cannot write there ({error.strerror or error})") from None
