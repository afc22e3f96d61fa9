"""Markdown ready to paste into a ticket: the answer, findings, cause checklist and coverage.

Evidence sits in fenced code blocks (a fence longer than any backtick run inside, so a
log line cannot close it); details fold into ``<details>``.  The report is built as
whole blocks and capped at :data:`MAX_CHARS`: when the next block would not fit, the
report stops there with a visible note — never inside a fence or a ``<details>``.

>>> fence("a ``` b")
'````'
>>> inline("<redacted> | *x*")
'&lt;redacted&gt; \\\\| \\\\*x\\\\*'
"""
from __future__ import annotations

import re

from .. import __version__
from ..model import Evidence, Finding
from ..result import AnalysisResult
from .redaction import report_view
from .wording import (
    CONSEQUENCES,
    SAME_CAUSE,
    answer_sentence,
    bundle_header,
    cause_label,
    checklist_order,
    checklist_reason,
    coverage_sentence,
    evidence_time,
    finding_local,
    healthy_answer,
    incident_parts,
    location,
    printable,
    seen,
    short_time,
    verdict_label,
    wellformed,
)

MAX_CHARS = 60_000
EXCERPT_CHARS = 1_000    # one excerpt is cut after this many characters
EVIDENCE_SHOWN = 10      # evidence items per finding (the JSON report has all)
FILES_LISTED = 200       # coverage rows listed

#: A report block and whether it must stay when the report is cut (answer, checklist, coverage).
Block = tuple[str, bool]
_NOTE_MARK = "\x00cut-note\x00"
_NOTE_ROOM = 300         # room kept for the note that says what was cut
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_BACKTICKS = re.compile(r"`+")


def render_markdown(result: AnalysisResult, max_chars: int = MAX_CHARS) -> str:
    """The report as Markdown, at most ``max_chars`` characters."""
    return wellformed(_cap(_blocks(report_view(result)), max_chars))


def fence(content: str) -> str:
    """A backtick fence longer than any run of backticks in ``content`` (at least three)."""
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    return "`" * max(3, longest + 1)


def inline(value: object) -> str:
    """``value`` as Markdown text: HTML-like text escaped, Markdown specials backslashed, one line."""
    text = printable(str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code_span(value: object) -> str:
    """``value`` as inline code (backticks inside become quotes; Markdown does not unescape code).

    >>> code_span("var/log/a`b_c.log:3")
    "`var/log/a'b_c.log:3`"
    """
    text = " ".join(printable(str(value)).replace("`", "'").split())
    return f"`{text}`" if text else ""


def _code(content: str) -> str:
    content = printable(content)
    marks = fence(content)
    return f"{marks}text\n{content}\n{marks}"


def _evidence(items: list[Evidence]) -> str:
    chunks = []
    for ev in items[:EVIDENCE_SHOWN]:
        excerpt = ev.excerpt
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = f"{excerpt[:EXCERPT_CHARS]}\n… ({len(ev.excerpt) - EXCERPT_CHARS:,} more characters)"
        chunks.append(f"{code_span(location(ev))} · {evidence_time(ev)}\n\n{_code(excerpt)}")
    if len(items) > EVIDENCE_SHOWN:
        chunks.append(f"*… {len(items) - EVIDENCE_SHOWN:,} more evidence in the JSON report.*")
    return "\n\n".join(chunks)


def _steps(finding: Finding) -> str:
    return "\n".join(f"{n}. {inline(step)}" for n, step in enumerate(finding.remediation, 1))


def _blocks(view: AnalysisResult) -> list[Block]:
    head = bundle_header(view)
    agent = ", ".join(f"{role.replace('_', '-')} {v or 'unknown'}" for role, v in head.agent.items())
    blocks: list[Block] = [(f"# loganalyzer report: {inline(view.input.path)}\n\n"
                            f"| Host | OS | Agent | Logs | Bundle |\n|---|---|---|---|---|\n"
                            f"| {inline(head.host)} | {inline(head.os or 'unknown')} | "
                            f"{inline(agent)} | {inline(head.span())} | {inline(head.bundle_type)} |\n\n"
                            f"*loganalyzer {__version__}*", True)]
    top = view.top_finding
    if top is None:
        answer = inline(healthy_answer(view))
        blocks.append((f"## Answer\n\n**{answer}** The checklist below "
                       "says why each documented cause was ruled out or not checked.", True))
    else:
        answer = [f"## Answer\n\n**{inline(answer_sentence(top))}**", inline(top.summary)]
        if top.evidence:
            answer.append("**Evidence**\n\n" + _evidence(top.evidence))
        if top.remediation:
            answer.append("**What to do**\n\n" + _steps(top))
        blocks.append(("\n\n".join(answer), True))
    if view.input.notes:
        blocks.append(("\n".join(f"> **Note:** {inline(note)}" for note in view.input.notes), True))
    same, folded, others = incident_parts(view.findings, top)
    for heading, listed in ((SAME_CAUSE, same), (CONSEQUENCES, folded)):
        if listed:
            blocks.append((f"**{heading}:**\n\n" + "\n".join(
                f"- {inline(f.title)} ({code_span(f.cause)}, {seen(f.count)})" for f in listed), True))
    if others:
        blocks.append(("## Other findings", True))
        blocks += [(_finding(f), False) for f in others]
    if view.causes:
        rows = "\n".join(f"| {code_span(v.cause)} ({inline(cause_label(v.cause))}) | {verdict_label(v)} | "
                         f"{inline(checklist_reason(v, view.findings, top))} |"
                         for v in checklist_order(view.causes))
        blocks.append((f"## Causes checked\n\n| Cause | Verdict | Why |\n|---|---|---|\n{rows}", True))
    coverage = f"## Coverage\n\n{inline(coverage_sentence(view.coverage))}."
    if view.missing_evidence:
        coverage += f"\n\nMissing from this bundle: {inline(', '.join(view.missing_evidence))}."
    blocks.append((coverage, True))
    if view.coverage:
        blocks.append((_files(view), False))
    if view.rule_errors:
        blocks.append(("**Rule errors**\n\n" + "\n".join(f"- {inline(e)}" for e in view.rule_errors), False))
    if not view.options.redact:
        blocks.append(("*Redaction was turned off (--no-redact): this report may contain secrets.*", True))
    return blocks


def _finding(f: Finding) -> str:
    local = finding_local(f)
    when = ""
    if f.first_seen is not None:
        when = f" · {short_time(f.first_seen, local)}"
        if f.last_seen is not None and short_time(f.last_seen) != short_time(f.first_seen):
            when += f" → {short_time(f.last_seen, local)}"
    head = (f"### {inline(f.title)}\n\n**{f.severity}** · {code_span(f.cause)} · {f.confidence} confidence · "
            f"{seen(f.count)}{when}\n\n{inline(f.summary)}")
    parts = [head]
    if f.remediation:
        parts.append("**What to do**\n\n" + _steps(f))
    if f.evidence:
        parts.append(f"<details><summary>Evidence ({len(f.evidence):,})</summary>\n\n"
                     f"{_evidence(f.evidence)}\n\n</details>")
    if f.references:
        parts.append("References: " + ", ".join(f"<{r}>" if r.startswith("https://") and " " not in r
                                                 and ">" not in r else inline(r) for r in f.references))
    return "\n\n".join(parts)


def _files(view: AnalysisResult) -> str:
    rows = "\n".join(
        f"| {inline(c.path)} | {inline(c.kind)} | {c.status} | {c.lines:,} | {c.records:,} | "
        f"{c.unparsed_lines:,} | {inline(c.reason or '')} |" for c in view.coverage[:FILES_LISTED])
    more = ""
    files = sum(c.files for c in view.coverage)
    if len(view.coverage) > FILES_LISTED:
        shown = sum(c.files for c in view.coverage[:FILES_LISTED])
        more = f"\n\n*… {files - shown:,} more files in the JSON report.*"
    return (f"<details><summary>Files ({files:,})</summary>\n\n"
            "| Path | Kind | Status | Lines | Records | Not understood | Reason |\n"
            f"|---|---|---|---:|---:|---:|---|\n{rows}{more}\n\n</details>")


def _cap(blocks: list[Block], max_chars: int) -> str:
    """Join the blocks; if they do not fit, drop optional blocks from the first one that does not
    fit (essential ones — answer, checklist, coverage — stay) and leave a note where they were."""
    full = "\n\n".join(text for text, _ in blocks) + "\n"
    if len(full) <= max_chars:
        return full
    budget = max_chars - sum(len(text) + 2 for text, essential in blocks if essential) - 1
    kept: list[str] = []
    dropped = 0
    for text, essential in blocks:
        if essential:
            kept.append(text)
        elif not dropped and len(text) + 2 + _NOTE_ROOM <= budget:
            kept.append(text)
            budget -= len(text) + 2
        else:
            if not dropped:
                kept.append(_NOTE_MARK)
            dropped += 1
    note = _cut_note(dropped, len(full), max_chars)
    out = "\n\n".join(kept).replace(_NOTE_MARK, note, 1) + "\n"
    if len(out) <= max_chars:
        return out
    return _cut_in_order([text for text, _ in blocks], len(full), max_chars)


def _cut_in_order(blocks: list[str], full_size: int, max_chars: int) -> str:
    """Fallback when even the essential blocks are too long: keep whole blocks from the top."""
    kept: list[str] = []
    size = 0
    for index, block in enumerate(blocks):
        note = _cut_note(len(blocks) - index, full_size, max_chars)
        if size + len(block) + 2 + len(note) + 1 > max_chars:
            return "\n\n".join([*kept, note]) + "\n"
        kept.append(block)
        size += len(block) + 2
    return "\n\n".join(kept) + "\n"


def _cut_note(left_out: int, full_size: int, max_chars: int) -> str:
    noun = "section" if left_out == 1 else "sections"
    return (f"> **Report cut at {max_chars:,} characters:** {left_out:,} more {noun} "
            f"({full_size:,} characters in all) left out. "
            "Run with `--format html` or `--format json` for the full report.")
