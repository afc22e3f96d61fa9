"""One self-contained HTML file: the answer first, a timeline, findings, the cause checklist, coverage.

No scripts, fonts or stylesheets are fetched: the CSS (``report/style.css``) is inlined and the
timeline is inline SVG.  Every piece of data is escaped; free text is redacted unless
``options.redact`` is off.  Prints cleanly (print CSS keeps findings and tables whole).

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> page = render_html(AnalysisResult(BundleInfo("<b>.zip"), [], Facts(), [], [], AnalysisOptions()))
>>> page.startswith("<!DOCTYPE html>") and "&lt;b&gt;.zip" in page and "<b>" not in page
True
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .. import __version__
from ..model import CoverageStatus, Finding
from ..result import AnalysisResult
from .html_parts import badge, evidence_block, link, remediation_list, table, text
from .redaction import report_view
from .svg_timeline import timeline_svg
from .timeline import rows_of
from .wording import (
    CONSEQUENCES,
    SAME_CAUSE,
    answer_sentence,
    bundle_header,
    by_rank,
    cause_label,
    checklist_order,
    checklist_reason,
    coverage_sentence,
    finding_local,
    healthy_answer,
    incident_parts,
    local_paths,
    seen,
    short_time,
    verdict_label,
    wellformed,
)

EVIDENCE_OPEN = 5       # evidence items shown before the rest fold into <details>
EVIDENCE_MAX = 200      # evidence items written per finding; the JSON report has them all


def render_html(result: AnalysisResult) -> str:
    """The whole report as one HTML document."""
    view = report_view(result)
    title = f"loganalyzer: {view.input.path}"
    body = "".join([
        _header(view), _answer(view), _timeline(view), _findings(view), _checklist(view),
        _agent_and_extensions(view), _coverage(view), _footer(view),
    ])
    return wellformed("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{text(title)}</title><style>{stylesheet()}</style></head>"
            f"<body>{body}</body></html>\n")


@cache
def stylesheet() -> str:
    """The report's CSS, read from the package (inlined into every page)."""
    return resources.files(__package__).joinpath("style.css").read_text("utf-8")


def _header(view: AnalysisResult) -> str:
    head = bundle_header(view)
    agent = ", ".join(f"{role.replace('_', '-')} {v or 'unknown'}" for role, v in head.agent.items())
    cells = (("Host", head.host), ("OS", head.os or "unknown"), ("Agent", agent),
             ("Logs", head.span()), ("Bundle", f"{head.path} ({head.bundle_type})"))
    facts = "".join(f"<div><dt>{text(k)}</dt><dd>{text(v)}</dd></div>" for k, v in cells)
    named = head.hostname if head.hostname_source == "logs" else Path(head.path).name
    return (f"<header><h1>{text(named)}: why does backup or an extension "
            f'fail?</h1><dl class="bundle">{facts}</dl>'
            f'<p class="meta">loganalyzer {text(__version__)}</p></header>')


def _answer(view: AnalysisResult) -> str:
    top = view.top_finding
    if top is None:
        checked = ", ".join(cause_label(v.cause) for v in view.causes if str(v.verdict) == "ruled_out")
        return (f'<section class="answer healthy"><h2>Answer</h2><p class="lead">'
                f"{text(healthy_answer(view))}</p>"
                f"<p>Ruled out: {text(checked or 'nothing')}.</p>{_notes(view)}</section>")
    evidence = "".join(evidence_block(e) for e in top.evidence[:EVIDENCE_OPEN])
    steps = remediation_list(top)
    same, folded, _ = incident_parts(view.findings, top)
    return (f'<section class="answer sev-{text(top.severity)}"><h2>Answer</h2>'
            f'<p class="lead">{text(answer_sentence(top))}</p><p>{text(top.summary)}</p>'
            + (f"<h3>Evidence</h3>{evidence}" if evidence else "")
            + (f"<h3>What to do</h3>{steps}" if steps else "") + _notes(view)
            + _folded(SAME_CAUSE, same) + _folded(CONSEQUENCES, folded)
            + "</section>")


def _folded(heading: str, folded: list[Finding]) -> str:
    """Findings of the answer's incident under ``heading``, one line each, their evidence folded
    (printed all the same)."""
    if not folded:
        return ""
    items = []
    for f in folded:
        evidence = "".join(evidence_block(e) for e in f.evidence[:EVIDENCE_OPEN])
        more = len(f.evidence) - EVIDENCE_OPEN
        if more > 0:
            evidence += f'<p class="muted">{more:,} more in the JSON report.</p>'
        items.append(f"<li>{badge(str(f.severity), str(f.severity))} {text(f.title)} "
                     f'<span class="muted">({text(f.cause)}, {text(seen(f.count))})</span>'
                     + (f"<details><summary>Evidence</summary>{evidence}</details>" if evidence else "")
                     + "</li>")
    return f'<h3>{text(heading)}</h3><ul class="folded">{"".join(items)}</ul>'


def _notes(view: AnalysisResult) -> str:
    return "".join(f'<p class="muted"><b>Note:</b> {text(note)}</p>' for note in view.input.notes)


def _timeline(view: AnalysisResult) -> str:
    rows = rows_of(view)
    noun = "event" if len(rows) == 1 else "events"
    return (f"<section><h2>Timeline</h2><p class=\"muted\">{len(rows):,} dated {noun}; "
            f"each warning or worse finding is a bar from its first to its last record, with its count; "
            f"the findings below give the details.</p>"
            f"{timeline_svg(rows, _spans(view), bundle_header(view).clock)}</section>")


def _spans(view: AnalysisResult) -> list:
    return [(f.first_seen, f.last_seen or f.first_seen, f.count, f.title, str(f.severity))
            for f in by_rank(view.findings)
            if f.first_seen is not None and str(f.severity) in ("critical", "error", "warning")]


def _findings(view: AnalysisResult) -> str:
    """Every finding not already said in the answer (the answer and its folded consequences)."""
    top = view.top_finding
    others = incident_parts(view.findings, top).others
    heading = "Findings" if top is None else "Other findings"
    if not others:
        return f"<section><h2>{heading}</h2><p>No {heading.lower()}.</p></section>"
    return f"<section><h2>{heading}</h2>" + "".join(_finding(f) for f in others) + "</section>"


def _finding(f: Finding) -> str:
    first, last = short_time(f.first_seen, finding_local(f)), short_time(f.last_seen, finding_local(f))
    when = [("seen at", first)] if first == last else [("first seen", first), ("last seen", last)]
    props = [("cause", f"{f.cause} — {cause_label(f.cause)}"), ("confidence", f.confidence),
             ("count", seen(f.count)), *when, ("rule", f.rule_id)]
    if f.extension:
        props.append(("extension", f.extension))
    dl = "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in props)
    shown = f.evidence[:EVIDENCE_MAX]
    evidence = "".join(evidence_block(e) for e in shown[:EVIDENCE_OPEN])
    if len(shown) > EVIDENCE_OPEN:
        rest = "".join(evidence_block(e) for e in shown[EVIDENCE_OPEN:])
        evidence += f"<details><summary>{len(shown) - EVIDENCE_OPEN} more evidence</summary>{rest}</details>"
    if len(f.evidence) > EVIDENCE_MAX:
        evidence += f'<p class="muted">{len(f.evidence) - EVIDENCE_MAX:,} more in the JSON report.</p>'
    steps = remediation_list(f)
    refs = "".join(f"<li>{link(r)}</li>" for r in f.references)
    return (f'<article class="finding"><h3>{badge(str(f.severity), str(f.severity))} {text(f.title)}</h3>'
            f"<p>{text(f.summary)}</p><dl class=\"props\">{dl}</dl>"
            + (f"<h4>Evidence</h4>{evidence}" if evidence else "")
            + (f"<h4>What to do</h4>{steps}" if steps else "")
            + (f"<h4>References</h4><ul>{refs}</ul>" if refs else "") + "</article>")


def _checklist(view: AnalysisResult) -> str:
    if not view.causes:
        return "<section><h2>Causes checked</h2><p>No cause checklist was produced.</p></section>"
    rows = "".join(
        f"<tr><td>{text(v.cause)}<br><span class=\"muted\">{text(cause_label(v.cause))}</span></td>"
        f"<td>{badge(verdict_label(v), str(v.verdict))}</td>"
        f"<td>{text(checklist_reason(v, view.findings, view.top_finding))}</td></tr>"
        for v in checklist_order(view.causes))
    return ('<section><h2>Causes checked</h2><table class="checklist"><thead><tr><th>Cause</th>'
            f"<th>Verdict</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _agent_and_extensions(view: AnalysisResult) -> str:
    facts = view.facts
    parts = ["<section><h2>Agent, extensions and backups</h2>"]
    local = local_paths(view)
    versions = [(s.role, s.version, s.how, short_time(s.timestamp, s.ref.path in local),
                 f"{s.ref.path}:{s.ref.line_start}") for s in facts.agent_versions]
    parts.append("<h3>Agent versions</h3>" + (table(["role", "version", "how", "time", "where"], versions,
                                                                    whole=(0, 1, 2, 3))
                                              if versions else "<p>No agent version seen.</p>"))
    if facts.extensions:
        rows = [(e.name, e.requested_version, ", ".join(e.versions_on_disk), e.handler_state, e.operation,
                 e.status, e.status_code, e.status_message,
                 short_time(e.status_time, _in(e.refs[0] if e.refs else None, local)))
                for e in facts.extensions.values()]
        headers = ["name", "requested", "on disk", "handler", "operation", "status", "code", "message",
                   "time"]
        parts.append("<h3>Extensions</h3>" + table(headers, rows, whole=(1, 2, 5, 6, 8)))
    if facts.backups:
        rows = [(b.task_id, b.seq_no, short_time(b.start, _in(b.ref, local)),
                 short_time(b.end, _in(b.ref, local)) if b.end else "",
                 " → ".join(b.phases), b.outcome, b.error_name or b.error_code, b.message)
                for b in facts.backups]
        parts.append("<h3>Backups</h3>" + table(
            ["task", "seq", "start", "end", "phases", "outcome", "error", "message"], rows,
            whole=(1, 2, 3, 5)))
    return "".join(parts) + "</section>"


def _in(ref: object, paths: set[str]) -> bool:
    """Whether a fact's reference (``None`` for none) points into one of ``paths``."""
    return getattr(ref, "path", None) in paths


def _coverage(view: AnalysisResult) -> str:
    missing = ""
    if view.missing_evidence:
        missing = f"<p>Missing from this bundle: {text(', '.join(view.missing_evidence))}.</p>"
    rows = [(c.path, c.kind, c.status, c.size, c.lines, c.records, c.unparsed_lines, c.reason or "")
            for c in view.coverage]
    files = table(["path", "kind", "status", "bytes", "lines", "records", "not understood", "reason"],
                  rows, numeric=(3, 4, 5, 6), css="files", whole=(1, 2))
    problems = sum(1 for c in view.coverage if c.status != CoverageStatus.PARSED)
    open_attr = " open" if problems else ""
    sentence = coverage_sentence(view.coverage).capitalize()
    listed = sum(c.files for c in view.coverage)
    return (f"<section><h2>Coverage</h2><p>{text(sentence)}.</p>{missing}"
            f"<details{open_attr}><summary>{listed:,} files</summary>{files}</details></section>")


def _footer(view: AnalysisResult) -> str:
    errors = ""
    if view.rule_errors:
        items = "".join(f"<li>{text(e)}</li>" for e in view.rule_errors)
        errors = f"<p>Rule errors:</p><ul>{items}</ul>"
    redaction = ("Secrets were redacted." if view.options.redact
                 else "Redaction was turned off (--no-redact): this report may contain secrets.")
    return f"<footer>{errors}<p>{text(redaction)}</p></footer>"
