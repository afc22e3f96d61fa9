"""What one worker does with one bundle: hash it, skip it if known, analyse it, return small rows.

:func:`analyze_location` never raises: a bundle that cannot be fetched, opened or
analysed becomes a row with ``status`` and ``error`` set, so one bad bundle never
stops a fleet run.  It returns an :class:`Outcome` of plain dicts (and, when asked,
an events DataFrame) — never an :class:`~loganalyzer.result.AnalysisResult`, which
is large and slow to send between processes.

Statuses: ``analyzed``; ``failed`` — the bytes were read but hold nothing the
pipeline could use (corrupt archive, no guest-agent file), the same bytes would
fail again; ``unreadable`` — the bytes could not be fetched (missing path, network,
too large), retried on the next run.
"""
from __future__ import annotations

import hashlib
import os
import resource
import socket
import stat
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..model import CoverageStatus, Severity
from ..report.wording import bundle_header
from ..result import AnalysisOptions, AnalysisResult
from .inputs import DEFAULT_MAX_REMOTE_BYTES, is_remote, local_bundle_id, local_path, read_remote

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(slots=True)
class Outcome:
    """The picklable result of one bundle: one bundle row, its finding rows, optional events."""

    bundle: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)
    events: pd.DataFrame | None = None
    skipped: bool = False
    worker: str = ""
    peak_rss: int = 0


def analyze_location(location: str, known_ids: Collection[str] = frozenset(),
                     options: AnalysisOptions | None = None, with_events: bool = False,
                     max_remote_bytes: int = DEFAULT_MAX_REMOTE_BYTES) -> Outcome:
    """Analyse the bundle at ``location`` (local path or fsspec URL) unless its id is in ``known_ids``."""
    options = options or AnalysisOptions()
    started = time.perf_counter()
    shown = _shown_location(location, options)
    try:
        target, bundle_id = _fetch(location, max_remote_bytes)
    except Exception as exc:
        row = _base_row(_location_id(location), shown, "unreadable", started)
        row["error"] = _plain(exc)
        return _finish(Outcome(bundle=row))
    if bundle_id in known_ids:
        return _finish(Outcome(bundle=_base_row(bundle_id, shown, "skipped", started), skipped=True))
    try:
        result, events = analyze_target(target, location, options, with_events)
    except Exception as exc:
        row = _base_row(bundle_id, shown, "failed", started)
        row["error"] = _plain(exc)
        return _finish(Outcome(bundle=row))
    row = bundle_row(result, bundle_id, shown, started)
    findings = finding_rows(result, bundle_id)
    if events is not None:
        events.insert(0, "bundle_id", bundle_id)
    return _finish(Outcome(bundle=row, findings=findings, events=events))


def lost_worker_outcome(location: str, exc: BaseException) -> Outcome:
    """The row of a bundle whose worker died (crash, out of memory): retried on the next run."""
    row = _base_row(_location_id(location), _shown_location(location, AnalysisOptions()), "unreadable",
                    time.perf_counter())
    row["error"] = f"worker lost while analysing it: {_plain(exc)}"
    return Outcome(bundle=row)


def _fetch(location: str, max_remote_bytes: int) -> tuple[str | bytes, str]:
    """The thing to analyse (a local path, or the remote bundle's bytes) and the bundle id."""
    if is_remote(location):
        return read_remote(location, max_remote_bytes)
    path = local_path(location)
    try:
        mode = os.stat(path).st_mode         # through a link: a link to /dev/zero is a device
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file or folder: {path}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        # checked before anything opens it: a FIFO or a device would block or never end
        raise OSError(f"{path}: not a regular file or folder (FIFO, device or socket); not read")
    return path, local_bundle_id(path)


def analyze_target(target: str | bytes, location: str, options: AnalysisOptions,
                   with_events: bool) -> tuple[AnalysisResult, pd.DataFrame | None]:
    """Run the single-bundle pipeline on a local path or on a remote bundle's bytes."""
    from ..pipeline import Pipeline
    if isinstance(target, str):
        from ..sources import open_source
        source = open_source(target, root=options.root, limits=options.limits)
    else:
        from ..sources import open_bytes
        source = open_bytes(target, location, options.limits)
    pipeline = Pipeline(source, options)
    if not with_events:
        return pipeline.result(), None
    from ..parsers.frame import events_frame
    events = pipeline.read()
    return pipeline.result(), events_frame(events, redact=options.redact)


def bundle_row(result: AnalysisResult, bundle_id: str, shown: str, started: float) -> dict[str, Any]:
    """The ``bundles`` table row of one analysed bundle (see :mod:`loganalyzer.fleet.tables`)."""
    row = _base_row(bundle_id, shown, "analyzed", started)
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in result.findings:
        counts[str(finding.severity)] += 1
    top = result.top_finding
    worst = result.worst_severity
    facts = result.facts
    head = bundle_header(result)
    row.update(
        bundle_type=str(result.input.bundle_type),
        hostname=_shown_text(head.hostname, result), hostname_source=head.hostname_source,
        os=_shown_text(facts.state.get("os"), result),
        daemon_version=facts.latest_version("daemon"),
        goal_state_version=facts.latest_version("goal_state"),
        top_cause=top.cause if top else None,
        top_rule_id=top.rule_id if top else None,
        top_severity=str(worst) if worst else None,
        **{f"n_{name}": counts[name] for name in SEVERITIES},
        files=int(result.stats.get("files", 0)),
        lines=int(result.stats.get("lines", 0)),
        last_record_time=facts.last_record_time,
    )
    problem = _nothing_read(result)
    if problem:
        row.update(status="failed", error=problem)
    return row


def finding_rows(result: AnalysisResult, bundle_id: str) -> list[dict[str, Any]]:
    """The ``findings`` table rows of one analysed bundle (text redacted unless ``--no-redact``)."""
    return [{"bundle_id": bundle_id, "rule_id": f.rule_id, "cause": f.cause, "severity": str(f.severity),
             "confidence": str(f.confidence), "title": _shown_text(f.title, result), "count": f.count,
             "first_seen": f.first_seen, "last_seen": f.last_seen,
             "extension": _shown_text(f.extension, result), "incident": f.incident or 0, "role": f.role}
            for f in result.findings]


def _nothing_read(result: AnalysisResult) -> str | None:
    """Why a bundle gave nothing to analyse (no member was read), or None when something was."""
    read = [c for c in result.coverage if c.kind != "archive"
            and c.status in (CoverageStatus.PARSED, CoverageStatus.PARTIAL) and c.parser]
    if read:
        return None
    reasons = [c.reason for c in result.coverage if c.kind == "archive" and c.reason] or \
        [c.reason for c in result.coverage if c.reason]      # e.g. an empty input
    return reasons[0] if reasons else "no guest-agent log or state file found in the bundle"


def _base_row(bundle_id: str, shown: str, status: str, started: float) -> dict[str, Any]:
    return {"bundle_id": bundle_id, "path": shown, "status": status, "bundle_type": None, "hostname": None,
            "hostname_source": None, "os": None, "daemon_version": None, "goal_state_version": None,
            "top_cause": None, "top_rule_id": None,
            "top_severity": None, **{f"n_{name}": 0 for name in SEVERITIES}, "files": 0, "lines": 0,
            "seconds": round(time.perf_counter() - started, 4), "last_record_time": None,
            "analyzed_at": datetime.now(UTC), "tool_version": __version__, "error": None}


def _finish(outcome: Outcome) -> Outcome:
    outcome.worker = f"{socket.gethostname()}:{os.getpid()}"
    outcome.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return outcome


def _location_id(location: str) -> str:
    """Id of a bundle whose bytes could not be read: a hash of where it was looked for."""
    return "location:" + hashlib.sha256(location.encode("utf-8", "surrogateescape")).hexdigest()


def _shown_location(location: str, options: AnalysisOptions) -> str:
    if not options.redact:
        return location
    from ..redact import redact
    return redact(location)


def _shown_text(value: object, result: AnalysisResult) -> str | None:
    """``value`` as a fleet table cell: text leaving the tool is redacted unless ``--no-redact``."""
    if value is None:
        return None
    if not result.options.redact:
        return str(value)
    from ..redact import redact
    return redact(str(value))


def _plain(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text.splitlines()[0][:300]}"


def severity_rank(severity: str | None) -> int:
    """Rank of a severity name, -1 for none.

    >>> severity_rank("error") > severity_rank("warning") > severity_rank(None)
    True
    """
    return -1 if not severity else Severity(severity).rank
