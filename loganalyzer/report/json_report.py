"""The machine-readable report (``--format json``), described by ``report/schema.json``.

Keys come in a fixed order; timestamps are ISO-8601 UTC with ``Z``; free text is
redacted unless ``options.redact`` is off.  Bump :data:`SCHEMA_VERSION` on any
incompatible change (minor for added keys, major for renamed or removed ones).

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> empty = AnalysisResult(BundleInfo("logs.zip"), [], Facts(), [], [], AnalysisOptions())
>>> list(to_dict(empty))[:4]
['schema_version', 'tool', 'input', 'summary']
>>> to_dict(empty)["summary"]["worst_severity"] is None
True
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import date, datetime, tzinfo
from importlib import resources
from typing import Any

from .. import __version__
from ..facts.model import AgentRestart, AgentVersionSighting, BackupRun, ExtensionFact, Facts, Ref
from ..model import CauseVerdict, Evidence, FileCoverage, Finding
from ..result import AnalysisOptions, AnalysisResult, Window
from .bounds import omitted_of
from .redaction import report_view
from .wording import bundle_header, by_rank, coverage_totals, iso, wellformed_data

SCHEMA_VERSION = "1.3"
TOOL_NAME = "loganalyzer"
ROLES = ("daemon", "goal_state")


def render_json(result: AnalysisResult) -> str:
    """The JSON report as text (two-space indent, UTF-8 kept as is, newline at the end)."""
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def to_dict(result: AnalysisResult) -> dict[str, Any]:
    """The JSON report as plain data (what :func:`render_json` serialises)."""
    view = report_view(result)
    worst = view.worst_severity
    top = view.top_finding
    return wellformed_data({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "input": {"path": view.input.path, "bundle_type": str(view.input.bundle_type),
                  **bundle_header(view).as_dict(),
                  "cannot_contain": list(view.input.cannot_contain), "notes": list(view.input.notes)},
        "summary": {
            "worst_severity": str(worst) if worst else None,
            "top_rule_id": top.rule_id if top else None,
            "top_cause": top.cause if top else None,
            "findings": len(view.findings) + omitted_of(view).findings,
            "detected_causes": [v.cause for v in view.causes if str(v.verdict) == "detected"],
        },
        "options": {**_options(view.options), "window": _window(view.window)},
        "coverage": {
            "files": [_file(c) for c in view.coverage],
            "totals": _totals(view.coverage),
            "missing_evidence": list(view.missing_evidence),
        },
        "agent": _agent(view.facts),
        "extensions": [_extension(e) for e in view.facts.extensions.values()],
        "findings": [_finding(f) for f in by_rank(view.findings)],
        "causes": [_verdict(v) for v in view.causes],
        "backups": [_backup(b) for b in view.facts.backups],
        "stats": _plain(view.stats),
        "rule_errors": list(view.rule_errors),
        "omitted": omitted_of(view).as_dict(),
    })


def _options(options: AnalysisOptions) -> dict[str, Any]:
    return {"redact": options.redact, "fail_on": options.fail_on, "since": iso(options.since),
            "until": iso(options.until), "tz": _tz_name(options.tz),
            "min_agent_version": options.min_agent_version, "error_code": options.error_code}


def _window(w: Window | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {"since": iso(w.since), "until": iso(w.until), "requested": w.requested,
            "reference": iso(w.reference), "records_in": w.records_in, "records_total": w.records_total}


def _tz_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def _file(c: FileCoverage) -> dict[str, Any]:
    return {"path": c.path, "kind": str(c.kind), "size": c.size, "status": str(c.status),
            "parser": c.parser, "lines": c.lines, "records": c.records,
            "unparsed_lines": c.unparsed_lines, "reason": c.reason, "notes": list(c.notes),
            "unparsed_samples": [{"line": line, "text": text} for line, text in c.unparsed_samples],
            **({"files": c.files} if c.files != 1 else {})}


def _totals(coverage: list[FileCoverage]) -> dict[str, int]:
    t = coverage_totals(coverage)
    return {"files": t.files, "read": t.read, "partial": t.partial, "skipped": t.skipped,
            "unreadable": t.unreadable, "lines": t.lines, "records": t.records,
            "unparsed_lines": t.unparsed_lines, "bytes": t.bytes}


def _agent(facts: Facts) -> dict[str, Any]:
    roles = list(ROLES) + sorted({s.role for s in facts.agent_versions} - set(ROLES))
    versions = {role: {"latest": facts.latest_version(role),
                       "sightings": [_sighting(s) for s in facts.agent_versions if s.role == role]}
                for role in roles}
    return {**versions, "restarts": [_restart(r) for r in facts.restarts]}


def _sighting(s: AgentVersionSighting) -> dict[str, Any]:
    return {"version": s.version, "how": s.how, "timestamp": iso(s.timestamp), "path": s.ref.path,
            "line": s.ref.line_start or None}


def _restart(r: AgentRestart) -> dict[str, Any]:
    return {"role": r.role, "timestamp": iso(r.timestamp), "version": r.version, "reason": r.reason,
            "path": r.ref.path, "line": r.ref.line_start or None}


def _ref(ref: Ref | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"path": ref.path, "line_start": ref.line_start, "line_end": ref.line_end}


def _extension(e: ExtensionFact) -> dict[str, Any]:
    return {"name": e.name, "requested_version": e.requested_version,
            "requested_state": e.requested_state, "auto_upgrade": e.auto_upgrade,
            "versions_on_disk": list(e.versions_on_disk), "handler_state": e.handler_state,
            "handler_status": e.handler_status, "status": e.status, "status_code": e.status_code,
            "status_message": e.status_message, "operation": e.operation,
            "status_time": iso(e.status_time), "seq_no": e.seq_no, "mrseq": e.mrseq,
            "processed": e.processed, "log_folder": e.log_folder, "refs": [_ref(r) for r in e.refs]}


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"path": e.path, "line_start": e.line_start, "line_end": e.line_end,
            "timestamp": iso(e.timestamp), "local_clock": e.local, "excerpt": e.excerpt}


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "cause": f.cause, "severity": str(f.severity),
            "confidence": str(f.confidence), "title": f.title, "summary": f.summary,
            "evidence": [_evidence(e) for e in f.evidence], "count": f.count,
            "first_seen": iso(f.first_seen), "last_seen": iso(f.last_seen),
            "remediation": list(f.remediation), "references": list(f.references),
            "extension": f.extension, "incident": f.incident, "role": f.role}


def _verdict(v: CauseVerdict) -> dict[str, Any]:
    return {"cause": v.cause, "verdict": str(v.verdict), "reason": v.reason,
            "evidence": [_evidence(e) for e in v.evidence]}


def _backup(b: BackupRun) -> dict[str, Any]:
    return {"task_id": b.task_id, "seq_no": b.seq_no, "start": iso(b.start), "end": iso(b.end),
            "phases": list(b.phases), "outcome": b.outcome, "error_code": b.error_code,
            "error_name": b.error_name, "message": b.message, "ref": _ref(b.ref)}


def _plain(value: Any) -> Any:
    """``value`` as JSON data: times as ISO strings, sets as sorted lists, dataclasses as dicts.

    >>> _plain({"when": date(2024, 5, 30), "kinds": {"b", "a"}, "n": 1})
    {'when': '2024-05-30', 'kinds': ['a', 'b'], 'n': 1}
    """
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, shipped as ``loganalyzer/report/schema.json``.

    >>> schema()["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    True
    """
    return json.loads(resources.files(__package__).joinpath("schema.json").read_text("utf-8"))
