"""Facts as pandas DataFrames for the notebook API (the only facts module that imports pandas).

>>> from loganalyzer.facts.model import ExtensionFact, Facts
>>> f = Facts(extensions={"X": ExtensionFact(name="X", requested_version="1.0", seq_no=2, mrseq=1)})
>>> extensions_frame(f)[["name", "requested_version", "seq_no", "mrseq", "processed"]].to_dict("records")
[{'name': 'X', 'requested_version': '1.0', 'seq_no': 2, 'mrseq': 1, 'processed': False}]
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .model import Facts, Ref

_EXTENSION_COLUMNS = [
    "name", "requested_version", "requested_state", "auto_upgrade", "versions_on_disk", "handler_state",
    "handler_status", "status", "status_code", "status_message", "operation", "status_time", "seq_no",
    "mrseq", "processed", "log_folder", "files"]
_AGENT_COLUMNS = ["timestamp", "role", "version", "how", "path", "line_start", "line_end"]
_GOAL_COLUMNS = ["timestamp", "incarnation", "source", "path", "line_start", "details"]
_BACKUP_COLUMNS = ["task_id", "seq_no", "start", "end", "duration_s", "phases", "outcome", "error_code",
                   "error_name", "message", "path", "line_start"]


def _utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _nullable_int(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].astype("Int64")
    return frame


def extensions_frame(facts: Facts) -> pd.DataFrame:
    """One row per extension handler: requested vs on disk vs reported, seqNo vs mrseq."""
    rows = [{
        "name": e.name, "requested_version": e.requested_version, "requested_state": e.requested_state,
        "auto_upgrade": e.auto_upgrade, "versions_on_disk": ", ".join(e.versions_on_disk) or None,
        "handler_state": e.handler_state, "handler_status": e.handler_status, "status": e.status,
        "status_code": e.status_code, "status_message": e.status_message, "operation": e.operation,
        "status_time": e.status_time, "seq_no": e.seq_no, "mrseq": e.mrseq, "processed": e.processed,
        "log_folder": e.log_folder, "files": len(e.refs)} for e in facts.extensions.values()]
    frame = pd.DataFrame(rows, columns=_EXTENSION_COLUMNS)
    return _nullable_int(_utc(frame, "status_time"), "seq_no", "mrseq")


def agent_frame(facts: Facts) -> pd.DataFrame:
    """Agent version sightings over time, by role (``daemon`` / ``goal_state``)."""
    rows = [{"timestamp": s.timestamp, "role": s.role, "version": s.version, "how": s.how,
             "path": s.ref.path, "line_start": s.ref.line_start, "line_end": s.ref.line_end}
            for s in facts.agent_versions]
    frame = _utc(pd.DataFrame(rows, columns=_AGENT_COLUMNS), "timestamp")
    for column in ("role", "how"):
        frame[column] = frame[column].astype("category")
    return frame.sort_values("timestamp", kind="stable", na_position="last", ignore_index=True)


def goal_states_frame(facts: Facts) -> pd.DataFrame:
    """Goal states over time (incarnation or etag) with where each was seen."""
    rows = [{"timestamp": g.timestamp, "incarnation": g.incarnation, "source": g.source,
             "path": g.ref.path, "line_start": g.ref.line_start, "details": dict(g.details)}
            for g in facts.goal_states]
    frame = _utc(pd.DataFrame(rows, columns=_GOAL_COLUMNS), "timestamp")
    frame["source"] = frame["source"].astype("category")
    return frame


def backups_frame(facts: Facts) -> pd.DataFrame:
    """One row per Azure Backup (VMSnapshot) run."""
    rows = []
    for b in facts.backups:
        ref: Ref | None = b.ref
        duration = (b.end - b.start).total_seconds() if b.start and b.end else None
        rows.append({"task_id": b.task_id, "seq_no": b.seq_no, "start": b.start, "end": b.end,
                     "duration_s": duration, "phases": ", ".join(b.phases) or None, "outcome": b.outcome,
                     "error_code": b.error_code, "error_name": b.error_name, "message": b.message,
                     "path": ref.path if ref else None, "line_start": ref.line_start if ref else None})
    frame = _utc(pd.DataFrame(rows, columns=_BACKUP_COLUMNS), "start", "end")
    return _nullable_int(frame, "seq_no", "error_code", "line_start")


def config_mapping(facts: Facts) -> dict[str, dict[str, Any]]:
    """``waagent.conf`` keys → ``{"value", "is_default", "path", "line"}`` (empty without a conf)."""
    return {key: {"value": c.value, "is_default": c.is_default,
                  "path": c.ref.path if c.ref else None, "line": c.ref.line_start if c.ref else None}
            for key, c in sorted(facts.config.items())}
