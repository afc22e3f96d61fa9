"""The terminal report: the answer first, then other findings, the cause checklist and coverage.

Lines wrap at the terminal's width (``COLUMNS``, else the real terminal, else :data:`WIDTH`)
and never inside a word: a long path, a timestamp or ``<redacted>`` overflows rather than
being cut.  Colour (ANSI) only when asked.  Control characters
from logs are shown as U+FFFD so a log line cannot drive the terminal.

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> print(render_text(AnalysisResult(BundleInfo("logs.zip"), [], Facts(), [], [], AnalysisOptions())))
Bundle: logs.zip (adhoc) — host unknown, OS unknown
Agent: goal-state unknown, daemon unknown; logs without dated records
<BLANKLINE>
No problem found: 0 causes checked, 0 ruled out, 0 not evaluable.
<BLANKLINE>
Coverage: read 0 files, 0 lines
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import replace

from ..model import CauseVerdict, Evidence, FileCoverage, Finding
from ..result import AnalysisResult
from .redaction import report_view
from .wording import (
    CONSEQUENCES,
    SAME_CAUSE,
    VERDICT_LABELS,
    VERDICT_ORDER,
    answer_sentence,
    bundle_header,
    checklist_reason,
    coverage_sentence,
    evidence_time,
    healthy_answer,
    incident_parts,
    location,
    printable,
    seen,
    wellformed,
)

WIDTH = 100             # when neither COLUMNS nor a terminal says the width
MIN_WIDTH = 40
_width: ContextVar[int] = ContextVar("text_width", default=WIDTH)


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal on stdout, else :data:`WIDTH` (a pipe, a file)."""
    import shutil
    return max(MIN_WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)
EXCERPT_LINES = 12       # lines of one evidence excerpt shown (the JSON report has all)
EVIDENCE_SHOWN = 5       # evidence items shown per finding without --verbose
EXCERPT_CHARS = 600      # characters of one excerpt shown without --verbose

_NBSP = "\u00a0"
#: phrases wrapped as one token: a local time's label stays on the line of its time
_LOCAL_LABEL = re.compile(r"\d\dT\d\d:\d\d:\d\d \((?:UTC or )?VM local time\)")

#: where a word longer than a whole line may be cut: after URL/list punctuation, and around
#: ``<redacted>`` (which is never cut itself)
_CUT = re.compile(r"(<redacted>)|(?<=[&/?=,;|])")


class _TokenWrapper(textwrap.TextWrapper):
    """Wraps at spaces; a word longer than a line (a URL, a SAS token) is cut after punctuation
    first, never inside ``<redacted>`` or a timestamp — only a word with no such place left is
    cut at the width.

    >>> w = _TokenWrapper(30, break_long_words=True, break_on_hyphens=False)
    >>> w.wrap("GET https://acct.blob.core.windows.net/c/b?sv=2018&sig=<redacted>&se=2024")
    ['GET https://', 'acct.blob.core.windows.net/c/', 'b?sv=2018&sig=<redacted>&se=', '2024']
    """

    def _split(self, text: str) -> list[str]:
        room = self.width - max(len(self.initial_indent), len(self.subsequent_indent))
        chunks: list[str] = []
        for chunk in super()._split(text):
            if len(chunk) <= room or chunk.isspace():
                chunks.append(chunk)
            else:
                chunks.extend(part for part in _CUT.split(chunk) if part)
        return chunks


_COLOURS = {"critical": "1;31", "error": "31", "warning": "33", "info": "36", "detected": "31",
            "ruled_out": "32", "not_seen": "33", "not_evaluable": "2", "bold": "1", "dim": "2"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, name: str, value: str) -> str:
        if not self.color or name not in _COLOURS:
            return value
        return f"\x1b[{_COLOURS[name]}m{value}\x1b[0m"


def render_text(result: AnalysisResult, color: bool = False, verbose: bool = False,
                width: int | None = None) -> str:
    """The report for a terminal (``color`` adds ANSI colours, ``verbose`` the per-file table,
    ``width`` the columns, default :data:`WIDTH`; the CLI passes :func:`terminal_width`)."""
    token = _width.set(max(MIN_WIDTH, width or WIDTH))
    try:
        return _render(result, color, verbose)
    finally:
        _width.reset(token)


def _render(result: AnalysisResult, color: bool, verbose: bool) -> str:
    view = report_view(result)
    style = _Style(color)
    out: list[str] = [style("bold", line) for line in _wrap(bundle_header(view).lines()[0])]
    out += [*_wrap(bundle_header(view).lines()[1]), ""]
    top = view.top_finding
    if top is None:
        out += _wrap(healthy_answer(view))
        if view.causes:
            out += _wrap("Each documented cause below says why it was ruled out or could not be checked.")
    else:
        out += [style(str(top.severity), line) for line in _wrap(answer_sentence(top))]
        out += _wrap(top.summary, indent="  ")
        out += _evidence(top.evidence, style, verbose)
        if top.remediation:
            out.append(style("bold", "What to do:"))
            for number, step in enumerate(top.remediation, 1):
                out += _wrap(step, indent=f"  {number}. ", subsequent="     ")
    for note in view.input.notes:
        out += _wrap(f"Note: {note}")
    same, folded, others = incident_parts(view.findings, top)
    for heading, listed in ((SAME_CAUSE, same), (CONSEQUENCES, folded)):
        if listed:
            out += ["", style("bold", f"{heading}:")]
            for finding in listed:
                out += _wrap(f"{finding.title} ({finding.cause}, {seen(finding.count)})", indent="  - ",
                             subsequent="    ")
    if others:
        out += ["", style("bold", "Other findings:")]
        for finding in others:
            out += _finding(finding, style, verbose)
    if view.causes:
        out += ["", style("bold", "Causes checked:")]
        out += _checklist([replace(v, reason=checklist_reason(v, view.findings, top)) for v in view.causes],
                          style)
    out += ["", *_wrap("Coverage: " + coverage_sentence(view.coverage))]
    if view.missing_evidence:
        out += _wrap("Missing from this bundle: " + ", ".join(view.missing_evidence))
    if verbose and view.coverage:
        out += ["", style("bold", "Files:"), *_coverage_table(view.coverage)]
    if view.rule_errors:
        out += ["", style("bold", "Rule errors:")]
        for error in view.rule_errors:
            out += _wrap(error, indent="  - ", subsequent="    ")
    return wellformed("\n".join(out))


def _wrap(text: str, indent: str = "", subsequent: str | None = None) -> list[str]:
    """``text`` (one paragraph per line) wrapped at :data:`WIDTH`, control characters made visible."""
    lines: list[str] = []
    follow = " " * len(indent) if subsequent is None else subsequent
    for number, paragraph in enumerate(printable(text).split("\n")):
        first = indent if number == 0 else follow
        wrapper = _TokenWrapper(_width.get(), initial_indent=first, subsequent_indent=follow,
                                break_long_words=True, break_on_hyphens=False)
        protected = _LOCAL_LABEL.sub(lambda m: m.group(0).replace(" ", _NBSP), paragraph)
        lines += [line.replace(_NBSP, " ") for line in wrapper.wrap(protected)] or [first.rstrip()]
    return lines


def _evidence(items: list[Evidence], style: _Style, verbose: bool) -> list[str]:
    shown = items if verbose else items[:EVIDENCE_SHOWN]
    out: list[str] = []
    for ev in shown:
        where = _wrap(f"{location(ev)}  {evidence_time(ev)}", indent="  ", subsequent="    ")
        out += [style("dim", line) for line in where]
        text = ev.excerpt
        if not verbose and len(text) > EXCERPT_CHARS:
            text = f"{text[:EXCERPT_CHARS]} … ({len(text) - EXCERPT_CHARS:,} more characters)"
        excerpt = text.split("\n")
        for line in excerpt[:EXCERPT_LINES]:
            out += _wrap(line, indent="    | ", subsequent="    | ")
        if len(excerpt) > EXCERPT_LINES:
            out.append(f"    | … {len(excerpt) - EXCERPT_LINES} more lines")
    if len(items) > len(shown):
        out.append(f"  … {len(items) - len(shown)} more evidence (--verbose or --format json)")
    return out


def _finding(finding: Finding, style: _Style, verbose: bool) -> list[str]:
    head = (f"[{finding.severity}] {finding.title} ({finding.cause}, {finding.confidence} confidence, "
            f"{seen(finding.count)})")
    out = [style(str(finding.severity), line) for line in _wrap(head, indent="- ", subsequent="  ")]
    out += _wrap(finding.summary, indent="  ")
    out += _evidence(finding.evidence[:1] if not verbose else finding.evidence, style, verbose)
    for step in finding.remediation:
        out += _wrap(step, indent="  → ", subsequent="    ")
    return out


def _checklist(verdicts: Iterable[CauseVerdict], style: _Style) -> list[str]:
    """Detected causes first, then those that could not be evaluated, then those ruled out;
    causes not detected for the same reason share one entry."""
    entries: list[tuple[str, list[str], str]] = []
    shared: dict[tuple[str, str], list[str]] = {}
    for v in verdicts:
        verdict = str(v.verdict)
        if verdict == "detected":
            entries.append((verdict, [v.cause], v.reason))
        elif (verdict, v.reason) in shared:
            shared[(verdict, v.reason)].append(v.cause)
        else:
            shared[(verdict, v.reason)] = [v.cause]
            entries.append((verdict, shared[(verdict, v.reason)], v.reason))
    out: list[str] = []
    for verdict, causes, reason in sorted(entries, key=lambda entry: VERDICT_ORDER.get(entry[0], 3)):
        mark = {"detected": "✗", "ruled_out": "✓", "not_seen": "~", "not_evaluable": "?"}.get(verdict, "-")
        label = f"{mark} {VERDICT_LABELS.get(verdict, verdict):<13}"
        lines = _wrap(f"{', '.join(causes)}: {reason}", indent=f"  {label} ", subsequent=" " * 18)
        out += [style(verdict, lines[0]), *lines[1:]]
    return out


def _coverage_table(coverage: list[FileCoverage]) -> list[str]:
    rows = [("status", "lines", "records", "unparsed", "path (kind) — reason")]
    for c in coverage:
        reason = f" — {c.reason}" if c.reason else ""
        rows.append((str(c.status), f"{c.lines:,}", f"{c.records:,}", f"{c.unparsed_lines:,}",
                     printable(f"{c.path} ({c.kind}){reason}")))
    out = []
    for status, lines, records, unparsed, what in rows:
        prefix = f"  {status:<10} {lines:>11} {records:>11} {unparsed:>9}  "
        out += _TokenWrapper(_width.get(), initial_indent=prefix, subsequent_indent=" " * len(prefix),
                             break_long_words=True, break_on_hyphens=False).wrap(what) or [prefix]
    return out
