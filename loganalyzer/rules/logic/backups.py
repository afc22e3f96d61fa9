"""Backup runs (``Facts.backups``, rebuilt from the VMSnapshot log and status files): each failed
run's result code is mapped to a cause by the rule's ``params.codes`` table.

>>> code_table({"76": "no_network", "300-302": "snapshot_failed"})[301]
'snapshot_failed'
"""
from __future__ import annotations

from typing import Any

from ...facts.model import BackupRun
from ...model import Evidence, Finding, Severity
from ...parsers.vmsnapshot_codes import describe
from ..matches import BACKUP_EXTENSION, fmt_time
from .base import FinishContext, LogicRule


def code_table(raw: dict[str, Any]) -> dict[int, str]:
    """``{"76": cause, "300-318": cause}`` → one entry per code."""
    table: dict[int, str] = {}
    for key, cause in raw.items():
        lo, _, hi = str(key).partition("-")
        for code in range(int(lo), int(hi or lo) + 1):
            table[code] = str(cause)
    return table


class BackupRuns(LogicRule):
    """One finding per cause over the failed backup runs, citing the latest run."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        table = code_table(self.params.get("codes", {}))
        severities = {c: Severity(s) for c, s in self.params.get("severity", {}).items()}
        by_cause: dict[str, list[BackupRun]] = {}
        for run in ctx.facts.backups:
            if run.outcome != "error" or run.error_code is None or not ctx.in_window(run.end or run.start):
                continue
            cause = table.get(run.error_code, self.rule.cause)
            by_cause.setdefault(cause, []).append(run)
        out = []
        for cause, runs in sorted(by_cause.items()):
            last = runs[-1]
            info = describe(last.error_code)
            name = last.error_name or (info.name if info else "unknown")
            meaning = f" — {info.meaning}" if info and info.meaning else ""
            evidence = [Evidence(path=r.ref.path, line_start=r.ref.line_start, line_end=r.ref.line_end,
                                 timestamp=r.end or r.start, excerpt=f"code {r.error_code} ({r.error_name}): "
                                 f"{(r.message or '')[:300]}") for r in runs[-5:] if r.ref is not None]
            out.append(self.finding({}, evidence, count=len(runs), cause=cause, extension=BACKUP_EXTENSION,
                                    severity=severities.get(cause, self.rule.severity),
                                    summary=f"{len(runs)} backup run(s) of {BACKUP_EXTENSION} failed; "
                                            "the latest "
                                            f"(task {last.task_id or 'unknown'}, "
                                            f"{fmt_time(last.end or last.start)}) "
                                            f"with code {last.error_code} {name}{meaning}."))
        return out
