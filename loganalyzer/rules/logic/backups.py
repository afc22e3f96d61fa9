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
            evidence = _evidence(runs)
            out.append(self.finding({}, evidence, count=len(runs), cause=cause, extension=BACKUP_EXTENSION,
                                    severity=severities.get(cause, self.rule.severity),
                                    summary=f"{len(runs)} backup run(s) of {BACKUP_EXTENSION} failed; "
                                            "the latest "
                                            f"(task {last.task_id or 'unknown'}, "
                                            f"{fmt_time(last.end or last.start)}) "
                                            f"with code {last.error_code} {name}{meaning}."))
        return out


def _evidence(runs: list[BackupRun]) -> list[Evidence]:
    """The latest failed runs, newest first, each as a summary of the run (marked as such: the
    tool wrote it from the run's lines) at its place in the log; the newest run's status file
    follows it when one was joined."""
    out: list[Evidence] = []
    for r in reversed(runs[-4:]):
        if r.ref is None:
            continue
        when = r.end or r.start
        name = f" ({r.error_name})" if r.error_name else ""
        task = f"task {r.task_id}" if r.task_id else "task with no taskId in the log"
        seq = f", seqNo {r.seq_no}" if r.seq_no is not None else ""
        out.append(Evidence(path=r.ref.path, line_start=r.ref.line_start, line_end=r.ref.line_end,
                            timestamp=when, excerpt=f"[run summary] {task}{seq}: code {r.error_code}{name}: "
                                                    f"{(r.message or '')[:300]}"))
        if r is runs[-1] and r.status_path and r.status_path != r.ref.path:
            out.append(Evidence(path=r.status_path, line_start=0, line_end=0, timestamp=when,
                                excerpt=f"[status file] reports the run failed (code {r.error_code}{name})"))
    return out
