"""The fleet report: counts, causes ranked by incident roots, agent versions, the bundles behind each cause.

Two renderings of one :class:`FleetSummary`: Markdown (:func:`fleet_markdown`) and a
self-contained HTML page (:func:`fleet_html`: inline CSS, no script, no external link).
Every cell comes from the tables, whose paths and texts are already redacted.

>>> from loganalyzer.fleet.tables import bundles_frame, findings_frame
>>> b = bundles_frame([{"bundle_id": "a1", "path": "vm1.zip", "status": "analyzed", "n_error": 1,
...                     "goal_state_version": "2.2.53", "daemon_version": "2.2.53"}])
>>> f = findings_frame([{"bundle_id": "a1", "rule_id": "agent.outdated", "cause": "agent_outdated",
...                      "severity": "error", "confidence": "high", "title": "Agent is out of date",
...                      "count": 1}])
>>> print(fleet_markdown(b, f).splitlines()[2])
1 bundles: 1 analysed, 0 failed, 0 unreadable; 1 findings.
>>> "<script" in fleet_html(b, f)
False
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import __version__
from ..report.wording import printable

if TYPE_CHECKING:
    import pandas as pd

#: Bundles listed under one cause before "… and N more".
MAX_LISTED = 50
SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(slots=True)
class CauseRow:
    """One cause across the fleet.  ``answers``: VMs whose answer (the root of their most likely
    incident, ``bundles.top_cause``) it is — each VM counts once, under one cause; ``roots``: VMs
    where it is the root of some incident; ``consequence_only``: VMs where it is seen only as a
    consequence of another cause (a backup that failed because the network was down)."""

    cause: str
    answers: int
    roots: int
    consequence_only: int
    share: float                                    # answers / bundles
    worst: str
    rules: list[str]
    bundles: list[tuple[str, str, str, str]] = field(default_factory=list)   # (label, rule, severity, role)


@dataclass(slots=True)
class FleetSummary:
    total: int
    status_counts: dict[str, int]
    findings: int
    worst_counts: dict[str, int]
    causes: list[CauseRow]
    versions: list[tuple[str, str, int]]            # (goal-state agent, daemon, bundles)
    problems: list[tuple[str, str, str]]            # (path, status, error)


#: Lowest severity a finding needs to count towards a cause (info findings are notes, not causes).
COUNT_FROM = "warning"
#: How each bundle's finding of a cause is listed, best first.
_ROLE_ORDER = ("answer", "root", "consequence")


def summarize(bundles: pd.DataFrame, findings: pd.DataFrame, count_from: str = COUNT_FROM) -> FleetSummary:
    """What the report shows, computed once from the two tables.  Causes count the findings at
    ``count_from`` severity or above (default warning) and are ranked by incident roots: first by
    the VMs whose answer they are, then by the VMs where they root any incident; a cause seen
    only as a consequence ranks last however many VMs show it.  A finding with no ``role`` (a
    table written before roles were recorded) counts as a root."""
    total = len(bundles)
    status = bundles["status"].astype(object).value_counts().to_dict()
    worst = bundles["top_severity"].astype(object).fillna("none").value_counts().to_dict()
    labels = dict(zip(bundles["bundle_id"], _labels(bundles), strict=True))
    answer_of = {b: c for b, c in zip(bundles["bundle_id"], bundles["top_cause"].astype(object), strict=True)
                 if isinstance(c, str)}
    causes: list[CauseRow] = []
    n_findings = len(findings)
    if len(findings):
        ranks = SEVERITIES[::-1]
        keep = findings["severity"].astype(object).map(
            lambda sev: sev in ranks and ranks.index(sev) >= ranks.index(count_from))
        findings = findings[keep.astype(bool)]
    if len(findings):
        plain = findings.astype({"cause": object, "severity": object})
        roles = plain["role"].astype(object) if "role" in plain.columns else None
        plain = plain.assign(role=roles.where(roles.notna(), "root") if roles is not None else "root")
        for cause, group in plain.groupby("cause"):
            cause = str(cause)
            role = [("answer" if answer_of.get(b) == cause and r == "root" else r)
                    for b, r in zip(group["bundle_id"], group["role"], strict=True)]
            group = group.assign(role=role, rank=group["severity"].map(SEVERITIES[::-1].index),
                                 order=[_ROLE_ORDER.index(r) if r in _ROLE_ORDER else 2 for r in role])
            per_bundle = group.sort_values(["order", "rank"], ascending=[True, False]) \
                .drop_duplicates("bundle_id")
            answers = int((per_bundle["role"] == "answer").sum())
            roots = int(per_bundle["role"].isin(("answer", "root")).sum())
            worst_sev = max(group["severity"], key=SEVERITIES[::-1].index)
            listed = [(labels.get(r.bundle_id, r.bundle_id[:12]), r.rule_id, r.severity, r.role)
                      for r in per_bundle.itertuples()]
            causes.append(CauseRow(cause, answers, roots, len(per_bundle) - roots,
                                   answers / total if total else 0.0, worst_sev,
                                   sorted(set(group["rule_id"])),
                                   sorted(listed, key=lambda x: (_ROLE_ORDER.index(x[3]), x[0]))))
    causes.sort(key=lambda c: (-c.answers, -c.roots, -c.consequence_only,
                               -SEVERITIES[::-1].index(c.worst), c.cause))
    analysed = bundles[bundles["status"].astype(object) == "analyzed"]
    versions = (analysed[["goal_state_version", "daemon_version"]].astype(object).fillna("unknown")
                .value_counts().reset_index(name="n"))
    version_rows = sorted(((str(r.goal_state_version), str(r.daemon_version), int(r.n))
                           for r in versions.itertuples()), key=lambda v: (-v[2], v[0], v[1]))
    bad = bundles[bundles["error"].notna()]
    problems = [(str(r.path), str(r.status), str(r.error)) for r in bad.itertuples()]
    return FleetSummary(total, {s: int(status.get(s, 0)) for s in ("analyzed", "failed", "unreadable")},
                        n_findings, {k: int(v) for k, v in worst.items()}, causes, version_rows, problems)


def _labels(bundles: pd.DataFrame) -> list[str]:
    """How a bundle is named in the report: its path, with the host name when known (``, derived``
    when read from the bundle's name, not from its files)."""
    sources = bundles["hostname_source"].astype(object) if "hostname_source" in bundles.columns \
        else [None] * len(bundles)
    return [(f"{p} ({h}, derived)" if src == "bundle_name" else f"{p} ({h})") if isinstance(h, str) and h
            else str(p) for p, h, src in zip(bundles["path"], bundles["hostname"], sources, strict=True)]


# -- Markdown ----------------------------------------------------------------------------------
def fleet_markdown(bundles: pd.DataFrame, findings: pd.DataFrame) -> str:
    s = summarize(bundles, findings)
    out = ["# Fleet report", "", _headline(s), "", "## Bundles by worst finding", "",
           "| worst severity | bundles |", "|---|---:|"]
    out += [f"| {sev} | {s.worst_counts.get(sev, 0)} |" for sev in (*SEVERITIES, "none")]
    out += ["", f"## {CAUSES_HEADING}", "", CAUSES_NOTE, ""]
    if s.causes:
        out += ["| cause | answer (VMs) | share | root (VMs) | consequence only (VMs) | worst severity "
                "| rules |", "|---|---:|---:|---:|---:|---|---|"]
        out += [f"| `{c.cause}` | {c.answers} | {c.share:.0%} | {c.roots} | {c.consequence_only} | {c.worst} "
                f"| {_md(', '.join(c.rules))} |" for c in s.causes]
    else:
        out.append("No findings in any bundle.")
    out += ["", "## Agent versions seen", "", "| goal-state agent | daemon | bundles |", "|---|---|---:|"]
    out += [f"| {_md(g)} | {_md(d)} | {n} |" for g, d, n in s.versions]
    out += ["", "## Bundles behind each cause"]
    for c in s.causes:
        out += ["", f"### `{c.cause}` ({_counts(c)})", ""]
        out += [f"- {_md(label)} — {_md(rule)} ({sev}, {role})"
                for label, rule, sev, role in c.bundles[:MAX_LISTED]]
        if len(c.bundles) > MAX_LISTED:
            out.append(f"- … and {len(c.bundles) - MAX_LISTED} more")
    if s.problems:
        out += ["", "## Bundles that could not be analysed", "",
                "| bundle | status | reason |", "|---|---|---|"]
        out += [f"| {_md(p)} | {st} | {_md(e)} |" for p, st, e in s.problems]
    return "\n".join(out) + "\n"


CAUSES_HEADING = "Causes, ranked by incident roots"
CAUSES_NOTE = (f"Findings of {COUNT_FROM} severity or above. *answer*: the VMs whose report answers with "
               "this cause (the root of their most likely incident; each VM counts once, so the shares add "
               "up to at most 100%). *root*: the VMs where it roots any incident. *consequence only*: the "
               "VMs where it is only brought about by another cause (a backup that failed because the "
               "network was down), which ranks it last.")


def _counts(c: CauseRow) -> str:
    """``answer in 2 VMs, root in 3, consequence only in 1`` (parts that are 0 left out)."""
    parts = [f"answer in {c.answers}", f"root in {c.roots}" if c.roots != c.answers else "",
             f"consequence only in {c.consequence_only}" if c.consequence_only else ""]
    text = ", ".join(p for p in parts if p)
    vms = c.roots + c.consequence_only
    return f"{text} — {vms} VM{'s' if vms != 1 else ''}"


def _headline(s: FleetSummary) -> str:
    c = s.status_counts
    return (f"{s.total} bundles: {c['analyzed']} analysed, {c['failed']} failed, "
            f"{c['unreadable']} unreadable; {s.findings} findings.")


def _md(text: str) -> str:
    """A table-safe Markdown cell: no control or bidi character, no raw HTML, one line.

    >>> _md("a|b\\nc")
    'a\\\\|b c'
    >>> _md("<script>\\x1b]0;x\\x07")
    '&lt;script&gt;\\ufffd]0;x\\ufffd'
    """
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\t", " ")


# -- HTML --------------------------------------------------------------------------------------
_CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1b1b1b}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}code{background:#f5f5f5;padding:0 .2em}
.critical{color:#8b0000;font-weight:600}.error{color:#c0392b}.warning{color:#b9770e}.info{color:#555}
details{margin:.3em 0}summary{cursor:pointer}
@media print{details:not([open])>:not(summary){display:block}details>summary{list-style:none}
details::details-content{content-visibility:visible;display:block}}"""


def fleet_html(bundles: pd.DataFrame, findings: pd.DataFrame) -> str:
    s = summarize(bundles, findings)
    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Fleet report</title>"
             f"<style>{_CSS}</style></head><body><h1>Fleet report</h1><p>{e(_headline(s))}</p>",
             "<h2>Bundles by worst finding</h2><table><tr><th>worst severity</th><th>bundles</th></tr>"]
    parts += [f"<tr><td class={sev}>{sev}</td><td class=n>{s.worst_counts.get(sev, 0)}</td></tr>"
              for sev in (*SEVERITIES, "none")]
    note = e(CAUSES_NOTE).replace("*answer*", "<i>answer</i>").replace("*root*", "<i>root</i>") \
        .replace("*consequence only*", "<i>consequence only</i>")
    parts.append(f"</table><h2>{e(CAUSES_HEADING)}</h2><p>{note}</p>")
    if s.causes:
        parts.append("<table><tr><th>cause</th><th>answer (VMs)</th><th>share</th><th>root (VMs)</th>"
                     "<th>consequence only (VMs)</th><th>worst severity</th><th>rules</th></tr>")
        parts += [f"<tr><td><code>{e(c.cause)}</code></td><td class=n>{c.answers}</td>"
                  f"<td class=n>{c.share:.0%}</td><td class=n>{c.roots}</td>"
                  f"<td class=n>{c.consequence_only}</td><td class={c.worst}>{c.worst}</td>"
                  f"<td>{e(', '.join(c.rules))}</td></tr>" for c in s.causes]
        parts.append("</table>")
    else:
        parts.append("<p>No findings in any bundle.</p>")
    parts.append("<h2>Agent versions seen</h2><table><tr><th>goal-state agent</th><th>daemon</th>"
                 "<th>bundles</th></tr>")
    parts += [f"<tr><td>{e(g)}</td><td>{e(d)}</td><td class=n>{n}</td></tr>" for g, d, n in s.versions]
    parts.append("</table><h2>Bundles behind each cause</h2>")
    for c in s.causes:
        items = "".join(f"<li>{e(label)} — {e(rule)} <span class={sev}>({sev}</span>, {e(role)})</li>"
                        for label, rule, sev, role in c.bundles[:MAX_LISTED])
        more = f"<li>… and {len(c.bundles) - MAX_LISTED} more</li>" if len(c.bundles) > MAX_LISTED else ""
        parts.append(f"<details><summary><code>{e(c.cause)}</code> ({e(_counts(c))})</summary>"
                     f"<ul>{items}{more}</ul></details>")
    if s.problems:
        parts.append("<h2>Bundles that could not be analysed</h2><table><tr><th>bundle</th><th>status</th>"
                     "<th>reason</th></tr>")
        parts += [f"<tr><td>{e(p)}</td><td>{e(st)}</td><td>{e(err)}</td></tr>" for p, st, err in s.problems]
        parts.append("</table>")
    parts.append(f"<p><small>loganalyzer {e(__version__)}</small></p></body></html>\n")
    return "".join(parts)
