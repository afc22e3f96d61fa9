"""What a report lists one by one is bounded; the rest is summarised and counted, never dropped silently.

A bundle of 200,000 members or an ExtensionsConfig of 880,000 plugins is a few MB on disk, but a
report listing every row (redacted, checked for well-formed text, then serialised) took minutes
and GiBs (a 527 MB JSON report, 5.2 GiB peak).  :func:`bounded` runs before redaction, in
:func:`~loganalyzer.report.redaction.report_view` (the one view every renderer starts from), so
each format costs in proportion to these caps, not to the bundle:

* coverage: the first :data:`MAX_COVERAGE_ROWS` files are listed; the others become summary rows,
  one per folder, kind, status and reason (at most :data:`MAX_SUMMARY_ROWS`), whose ``files``
  says how many files each stands for (the totals count every file);
* extensions: :data:`MAX_EXTENSIONS` are listed, those with more than a request (a status, a
  handler state, a folder on disk, a log folder) first;
* findings: the :data:`MAX_FINDINGS` most likely (and the root of each one's incident), in the
  result's order — 20,000 extensions failing each gave a finding, a 20 MB report;
* agent restarts and backup runs: the newest :data:`MAX_FACT_ROWS` of each;
* lists inside the facts (a goal state's extension names, the state's problem lists): the first
  :data:`MAX_FACT_ROWS` items, then one ``… and K more`` item.

What was left out is counted in :class:`Omitted` and said in one input note.  The API's result
(and its tables) keeps every row; only the reports are bounded.

>>> from loganalyzer.model import FileCoverage
>>> rows = [FileCoverage(f"var/log/azure/X/f{i}.log", "extension_log", size=2, lines=1) for i in range(5)]
>>> listed, summary = bound_coverage(rows, limit=2)
>>> [c.path for c in listed], [(c.path, c.files, c.lines) for c in summary]
(['var/log/azure/X/f0.log', 'var/log/azure/X/f1.log'], [('var/log/azure/X/… (3 files)', 3, 3)])
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..facts.model import ExtensionFact
from ..model import FileCoverage

MAX_COVERAGE_ROWS = 2_000
MAX_SUMMARY_ROWS = 200
MAX_EXTENSIONS = 1_000
MAX_FACT_ROWS = 1_000
MAX_FINDINGS = 500


@dataclass(frozen=True, slots=True)
class Omitted:
    """Items a report does not list one by one (each still counted)."""

    coverage_files: int = 0
    extensions: int = 0
    restarts: int = 0
    backups: int = 0
    list_items: int = 0
    findings: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"coverage_files": self.coverage_files, "extensions": self.extensions,
                "restarts": self.restarts, "backups": self.backups, "list_items": self.list_items,
                "findings": self.findings}

    def __bool__(self) -> bool:
        return any(self.as_dict().values())


def bounded(result: Any) -> Any:
    """``result`` with what a report lists cut to the caps above and an input note on the rest;
    ``result`` itself when nothing is over a cap.  The input is untouched (copies are changed)."""
    coverage, facts = result.coverage, result.facts
    listed, summary = bound_coverage(coverage)
    extensions = facts.extensions
    if len(extensions) > MAX_EXTENSIONS:
        extensions = _bound_extensions(extensions)
    restarts = facts.restarts[-MAX_FACT_ROWS:]
    backups = facts.backups[-MAX_FACT_ROWS:]
    cut = [0]
    goal_states = [g if not _long_lists(g.details) else replace(g, details=_cap_lists(g.details, cut))
                   for g in facts.goal_states]
    state = _cap_lists(facts.state, cut) if _long_lists(facts.state) else facts.state
    findings = _bound_findings(result.findings)
    omitted = Omitted(findings=len(result.findings) - len(findings),
                      coverage_files=sum(c.files for c in summary),
                      extensions=len(facts.extensions) - len(extensions),
                      restarts=len(facts.restarts) - len(restarts), backups=len(facts.backups) - len(backups),
                      list_items=cut[0])
    if not omitted:
        return result
    facts = replace(facts, extensions=extensions, restarts=restarts, backups=backups,
                    goal_states=goal_states, state=state)
    note = _note(omitted, len(coverage), len(summary), len(result.facts.extensions), len(findings))
    info = replace(result.input, notes=[*result.input.notes, note])
    return replace(result, input=info, coverage=listed + summary, facts=facts, findings=findings,
                   stats={**result.stats, "omitted": omitted.as_dict()})


def _long_lists(values: dict[str, Any]) -> bool:
    return any(isinstance(v, list) and len(v) > MAX_FACT_ROWS for v in values.values())


def _cap_lists(values: dict[str, Any], cut: list[int]) -> dict[str, Any]:
    """``values`` with each list longer than :data:`MAX_FACT_ROWS` cut to that many items and one
    ``… and K more`` item (``cut[0]`` counts the items left out)."""
    out = dict(values)
    for key, v in values.items():
        if isinstance(v, list) and len(v) > MAX_FACT_ROWS:
            cut[0] += len(v) - MAX_FACT_ROWS
            out[key] = [*v[:MAX_FACT_ROWS], f"… and {len(v) - MAX_FACT_ROWS:,} more"]
    return out


def omitted_of(result: Any) -> Omitted:
    """What :func:`bounded` left out of ``result`` (all zeros for a result it did not cut)."""
    return Omitted(**result.stats.get("omitted", {}))


def bound_coverage(coverage: list[FileCoverage], limit: int = MAX_COVERAGE_ROWS
                   ) -> tuple[list[FileCoverage], list[FileCoverage]]:
    """The first ``limit`` rows, and summary rows standing for the others."""
    if len(coverage) <= limit:
        return coverage, []
    rest = coverage[limit:]
    for depth in (None, 2, 0):      # by folder and reason; by top folders; by kind and status alone
        groups = _groups(rest, depth)
        if len(groups) <= MAX_SUMMARY_ROWS:
            break
    return coverage[:limit], [_summary(key, rows) for key, rows in groups.items()]


def _groups(rows: list[FileCoverage], depth: int | None) -> dict[tuple, list[FileCoverage]]:
    groups: dict[tuple, list[FileCoverage]] = {}
    for c in rows:
        folder = c.path.rsplit("/", 1)[0] if "/" in c.path else ""
        if depth is not None:
            folder = "/".join(folder.split("/")[:depth]) if depth else ""
        key = (folder, c.kind, str(c.status), c.reason if depth is None else None)
        groups.setdefault(key, []).append(c)
    return groups


def _summary(key: tuple, rows: list[FileCoverage]) -> FileCoverage:
    folder, kind, _, reason = key
    files = sum(c.files for c in rows)
    reasons = {c.reason for c in rows}
    if reason is None and reasons != {None}:
        known = sorted(r for r in reasons if r)
        reason = known[0] + (f" (and {len(known) - 1:,} other reasons)" if len(known) > 1 else "")
    sizes = [c.size for c in rows if c.size is not None]
    return FileCoverage(
        path=f"{folder}/… ({files:,} files)" if folder else f"… ({files:,} files)", kind=kind,
        size=sum(sizes) if sizes else None, status=rows[0].status, parser=rows[0].parser,
        lines=sum(c.lines for c in rows), records=sum(c.records for c in rows),
        unparsed_lines=sum(c.unparsed_lines for c in rows), reason=reason,
        notes=[f"{files:,} files summarised in one row, from {rows[0].path} to {rows[-1].path}"],
        files=files)


def _bound_findings(findings: list[Any]) -> list[Any]:
    if len(findings) <= MAX_FINDINGS:
        return findings
    from ..model import finding_rank
    from ..rules.incidents import root_of
    keep = {id(f) for f in sorted(findings, key=finding_rank, reverse=True)[:MAX_FINDINGS]}
    keep |= {id(root_of(findings, f)) for f in findings if id(f) in keep}
    return [f for f in findings if id(f) in keep]


def _has_more_than_a_request(e: ExtensionFact) -> bool:
    return bool(e.status or e.handler_state or e.handler_status or e.versions_on_disk or e.log_folder)


def _bound_extensions(extensions: dict[str, ExtensionFact]) -> dict[str, ExtensionFact]:
    first = [k for k, e in extensions.items() if _has_more_than_a_request(e)][:MAX_EXTENSIONS]
    if len(first) < MAX_EXTENSIONS:
        chosen = set(first)
        first += [k for k in extensions if k not in chosen][:MAX_EXTENSIONS - len(first)]
    keep = set(first)
    return {k: e for k, e in extensions.items() if k in keep}    # in the facts' own order


def _note(omitted: Omitted, files: int, summary_rows: int, extensions: int, len_listed: int) -> str:
    parts = []
    if omitted.coverage_files:
        parts.append(f"{files - omitted.coverage_files:,} of {files:,} files are listed one by one, the "
                     f"other {omitted.coverage_files:,} in {summary_rows:,} summary rows (by folder, kind, "
                     "status and reason)")
    if omitted.extensions:
        parts.append(f"{extensions - omitted.extensions:,} of {extensions:,} extensions are listed "
                     f"(those with a status or files first); {omitted.extensions:,} more are not")
    if omitted.restarts:
        parts.append(f"the newest {MAX_FACT_ROWS:,} agent restarts are listed; {omitted.restarts:,} "
                     "older ones are not")
    if omitted.backups:
        parts.append(f"the newest {MAX_FACT_ROWS:,} backup runs are listed; {omitted.backups:,} "
                     "older ones are not")
    if omitted.findings:
        parts.append(f"the {len_listed:,} most likely findings are listed; {omitted.findings:,} more are "
                     "counted, not shown")
    if omitted.list_items:
        parts.append(f"lists in the facts show their first {MAX_FACT_ROWS:,} items; {omitted.list_items:,} "
                     "more are counted ('… and K more'), not shown")
    return "This report is bounded: " + "; ".join(parts) + " (the API's result keeps every row)."
