"""Compact HTML for Jupyter's rich display (``_repr_html_``): the answer, a findings table, coverage.

Plain markup with a few inline styles, so it reads well in both light and dark notebook
themes and survives notebook HTML sanitisers; everything escaped and redacted like the HTML report.

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> empty = AnalysisResult(BundleInfo("x"), [], Facts(), [], [], AnalysisOptions())
>>> "No problem found" in result_html(empty)
True
"""
from __future__ import annotations

from ..result import AnalysisResult
from .html_parts import evidence_block, table, text
from .redaction import report_view
from .wording import (
    answer_sentence,
    by_rank,
    coverage_sentence,
    finding_local,
    healthy_answer,
    short_time,
    wellformed,
)

EVIDENCE_SHOWN = 3
_COLOURS = {"critical": "#8b0000", "error": "#cf222e", "warning": "#9a6700", "info": "#0969da"}


def result_html(result: AnalysisResult) -> str:
    """One ``<div>``: the answer with its first evidence lines, the findings table, coverage in a line."""
    view = report_view(result)
    top = view.top_finding
    colour = _COLOURS.get(str(top.severity), "#0969da") if top else "#1a7f37"
    parts = [f'<div class="loganalyzer-result" style="border-left:4px solid {colour};padding-left:.75em">']
    if top is None:
        parts.append(f"<p><b>{text(healthy_answer(view))}</b></p>")
    else:
        parts.append(f"<p><b>{text(answer_sentence(top))}</b></p><p>{text(top.summary)}</p>")
        parts += [evidence_block(e) for e in top.evidence[:EVIDENCE_SHOWN]]
        if top.remediation:
            parts.append("<p>What to do:</p><ol>" + "".join(f"<li>{text(s)}</li>" for s in top.remediation)
                         + "</ol>")
    if view.findings:
        rows = [(f.severity, f.confidence, f.cause, f.title, f.count,
                 short_time(f.first_seen, finding_local(f)), short_time(f.last_seen, finding_local(f)))
                for f in by_rank(view.findings)]
        parts.append(table(["severity", "confidence", "cause", "title", "count", "first seen", "last seen"],
                           rows, numeric=(4,)))
    detected = sum(1 for v in view.causes if str(v.verdict) == "detected")
    parts.append(f"<p><small>{len(view.causes)} causes checked, {detected} detected · "
                 f"{text(coverage_sentence(view.coverage))} · {text(view.input.path)}</small></p></div>")
    return wellformed("".join(parts))
