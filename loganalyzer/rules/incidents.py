"""Findings that are one failure become one incident: a root cause and its consequences.

A finding of cause B is a consequence of a finding of cause A when ``causes.toml`` says A
``leads_to`` B, their times are close (B is seen from an hour before A's first record to six
hours after A's last; a finding without times joins on cause alone) and they do not name two
different extensions.  Connected findings form an incident; its root is the member that nothing
else in it explains (the deepest cause; ties go to the most likely finding).  Only findings at
warning or above take part; info findings stay outside any incident.

>>> from datetime import datetime, UTC
>>> from loganalyzer.model import Finding
>>> t = datetime(2024, 5, 14, 21, tzinfo=UTC)
>>> def f(cause, sev="error"):
...     return Finding("r." + cause, cause, sev, "high", cause, "", first_seen=t, last_seen=t)
>>> found = [f("snapshot_failed"), f("extension_enable_failed"), f("no_network"), f("disk_full", "info")]
>>> assign_incidents(found)
>>> [(x.cause, x.incident, x.role) for x in found]
[('snapshot_failed', 1, 'consequence'), ('extension_enable_failed', 1, 'consequence'), \
('no_network', 1, 'root'), ('disk_full', None, None)]
"""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from ..model import Finding, Severity, finding_rank
from .portal import _data

BEFORE = timedelta(hours=1)
AFTER = timedelta(hours=6)
#: causes whose findings are about one extension only when that extension is named
_PER_EXTENSION = ("extension_",)


@cache
def leads_to() -> dict[str, frozenset[str]]:
    """cause -> the causes it can bring about (``causes.toml`` ``leads_to``)."""
    return {cause: frozenset(info.get("leads_to", [])) for cause, info in _data("causes.toml").items()}


@cache
def _owning_extension() -> dict[str, str]:
    """cause -> the one extension it is about (``causes.toml`` ``of_extension``), where it is."""
    return {cause: info["of_extension"] for cause, info in _data("causes.toml").items()
            if info.get("of_extension")}


@cache
def _depth() -> dict[str, int]:
    """How far down the causal graph a cause sits (0: nothing in the table leads to it)."""
    graph = leads_to()
    depth = {c: 0 for c in graph}
    for _ in range(len(graph)):
        changed = False
        for cause, nexts in graph.items():
            for n in nexts:
                if depth.get(n, 0) < depth[cause] + 1:
                    depth[n] = depth[cause] + 1
                    changed = True
        if not changed:
            break
    return depth


def explains(a: Finding, b: Finding) -> bool:
    """Whether finding ``a`` can be the cause of finding ``b``."""
    if b.cause not in leads_to().get(a.cause, ()):
        return False
    if a.extension and b.extension and a.extension != b.extension:
        return False
    owner = _owning_extension().get(b.cause)   # a cause about one extension (causes.toml)
    if owner and a.cause.startswith(_PER_EXTENSION) and a.extension not in (None, owner):
        return False
    if None in (a.first_seen, a.last_seen, b.first_seen, b.last_seen):
        return True
    return b.last_seen >= a.first_seen - BEFORE and b.first_seen <= a.last_seen + AFTER  # type: ignore[operator]


def assign_incidents(findings: list[Finding]) -> None:
    """Set ``incident`` (1, 2, … most likely first) and ``role`` on every finding at warning or
    above, in place; the list order is kept.

    Findings of one cause (one per extension for extension causes) are one node; a node that no
    other node explains is a root and opens an incident; every other node joins the incident of
    the best root it descends from (the shallowest cause, then the most likely finding)."""
    loud = [f for f in findings if Severity(f.severity).rank >= Severity.WARNING.rank]
    nodes: dict[tuple[str, str | None], list[Finding]] = {}
    for f in loud:
        key = (f.cause, f.extension if f.cause.startswith(_PER_EXTENSION) else None)
        nodes.setdefault(key, []).append(f)
    keys = list(nodes)
    parents: dict[tuple[str, str | None], set[tuple[str, str | None]]] = {k: set() for k in keys}
    # only pairs that can explain each other are tried (a cause that leads to the other's; one
    # extension's node to the same extension's): 20,000 failing extensions were 4e8 pairs, minutes
    by_cause: dict[str, list[tuple[str, str | None]]] = {}
    for k in keys:
        by_cause.setdefault(k[0], []).append(k)
    graph = leads_to()
    for a in keys:
        for cause in graph.get(a[0], ()):
            if cause == a[0]:
                continue
            candidates = by_cause.get(cause, ())
            if a[1] is not None and cause.startswith(_PER_EXTENSION):
                candidates = [b for b in ((cause, a[1]), (cause, None)) if b in nodes]
            for b in candidates:
                if any(explains(x, y) for x in nodes[a] for y in nodes[b]):
                    parents[b].add(a)
    depth = _depth()
    #: ties go to the node met first in the findings, never to a set's (hash-seeded) order
    first = {k: i for i, k in enumerate(keys)}

    def strength(k: tuple[str, str | None]) -> tuple:
        return (-depth.get(k[0], 99), max(finding_rank(f) for f in nodes[k]), -first[k])

    def best_root(k: tuple[str, str | None]) -> tuple[str, str | None]:
        seen, todo, roots = {k}, [k], []
        while todo:
            cur = todo.pop()
            ups = sorted(parents[cur] - seen, key=first.__getitem__)
            if not parents[cur]:
                roots.append(cur)
            seen.update(ups)
            todo.extend(ups)
        return max(roots, key=strength) if roots else max(seen, key=strength)

    root_of_node = {k: best_root(k) for k in keys}
    members: dict[tuple[str, str | None], list[tuple[str, str | None]]] = {}
    for k in keys:
        members.setdefault(root_of_node[k], []).append(k)

    def incident_rank(r: tuple[str, str | None]) -> tuple:
        return (max(finding_rank(f) for k in members[r] for f in nodes[k]), -first[r])

    roots = sorted(set(root_of_node.values()), key=incident_rank, reverse=True)
    number = {r: n for n, r in enumerate(roots, 1)}
    for k in keys:
        for f in nodes[k]:
            f.incident = number[root_of_node[k]]
            f.role = "root" if k == root_of_node[k] else "consequence"


def root_of(findings: list[Finding], finding: Finding) -> Finding:
    """The root of ``finding``'s incident (the finding itself outside any incident)."""
    if finding.incident is None:
        return finding
    roots = [f for f in findings if f.incident == finding.incident and f.role == "root"]
    return max(roots, key=finding_rank, default=finding)
