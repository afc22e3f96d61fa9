"""What happened when: one row per dated fact or finding, for the HTML timeline and ``bundle.timeline()``.

Categories: ``restart`` (agent starts), ``goal_state`` (incarnations received),
``extension`` (last reported status of each handler), ``backup`` (VMSnapshot task
start and end), ``error`` (dated evidence lines of error and critical findings),
``finding`` (first and last time each finding was seen).  Facts without a time
cannot be placed and are left out.

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> timeline_rows(AnalysisResult(BundleInfo("logs.zip"), [], Facts(), [], [], AnalysisOptions()))
[]
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..result import AnalysisResult
from .redaction import report_view

CATEGORIES: tuple[str, ...] = ("restart", "goal_state", "extension", "backup", "error", "finding")
LABEL_CHARS = 160

Row = dict[str, Any]


def timeline_rows(result: AnalysisResult) -> list[Row]:
    """Rows ``{time, category, label, path, line}`` sorted by time (redacted unless ``--no-redact``)."""
    return rows_of(report_view(result))


def rows_of(view: AnalysisResult) -> list[Row]:
    """:func:`timeline_rows` of a result already passed through :func:`report_view`."""
    rows: list[Row] = []
    facts = view.facts

    def add(moment: datetime | None, category: str, label: str, path: str | None, line: int | None) -> None:
        if moment is not None:
            rows.append({"time": _utc(moment), "category": category, "label": _short(label),
                         "path": path, "line": line or None})

    for r in facts.restarts:
        version = f" {r.version}" if r.version else ""
        reason = f" ({r.reason})" if r.reason else ""
        label = f"{r.role} agent{version} started{reason}"
        add(r.timestamp, "restart", label, r.ref.path, r.ref.line_start)
    for g in facts.goal_states:
        label = f"goal state {g.incarnation} ({g.source})"
        add(g.timestamp, "goal_state", label, g.ref.path, g.ref.line_start)
    for e in facts.extensions.values():
        ref = e.refs[0] if e.refs else None
        status = " ".join(p for p in (e.operation, e.status, e.status_code and f"code {e.status_code}") if p)
        message = f": {e.status_message}" if e.status_message else ""
        add(e.status_time, "extension", f"{e.name} {status or 'status'}{message}",
            ref.path if ref else None, ref.line_start if ref else None)
    for b in facts.backups:
        task = b.task_id or (f"seq {b.seq_no}" if b.seq_no is not None else "task")
        path, line = (b.ref.path, b.ref.line_start) if b.ref else (None, None)
        add(b.start, "backup", f"backup {task} started", path, line)
        ending = " ".join(p for p in (b.outcome, b.error_name, b.message) if p)
        ended = f"backup {task} ended: {ending}" if ending else f"backup {task} ended"
        add(b.end, "backup", ended, path, b.ref.line_end if b.ref else None)
    seen_errors: set[tuple[str, int]] = set()
    for f in view.findings:
        if str(f.severity) in ("critical", "error"):
            for ev in f.evidence:
                if (ev.path, ev.line_start) not in seen_errors:
                    seen_errors.add((ev.path, ev.line_start))
                    add(ev.timestamp, "error", ev.excerpt.split("\n", 1)[0], ev.path, ev.line_start)
        first = f.evidence[0] if f.evidence else None
        where = (first.path, first.line_start) if first else (None, None)
        add(f.first_seen, "finding", f"first seen: {f.title}", *where)
        if f.last_seen is not None and f.last_seen != f.first_seen:
            last = f.evidence[-1] if f.evidence else None
            add(f.last_seen, "finding", f"last seen: {f.title}", last and last.path, last and last.line_start)
    rows.sort(key=lambda row: row["time"])
    return rows


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
