"""What a logic rule (Python behind a catalog entry with ``logic = "<id>"``) implements.

A logic rule declares *triggers* — ``(literals, kinds)`` pairs routed by the same pre-filter as
the signatures — receives the matching events in :meth:`LogicRule.observe`, and returns
findings from :meth:`LogicRule.finish` once the whole bundle was read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...facts.model import Facts
from ...model import CauseVerdict, Confidence, Event, Evidence, FileCoverage, Finding, Severity
from ...result import AnalysisOptions
from ...sources.base import BundleInfo
from ...window import within
from ..matches import excerpt, render
from ..model import Rule
from ..versions import VersionPolicy

Trigger = tuple[frozenset[str] | None, frozenset[str] | None]


def lits(*words: str) -> frozenset[str]:
    """Raw literals a trigger routes by: words no catalog statement is named for (structure such
    as a traceback frame); the catalog tests check that none copies a statement's words."""
    return frozenset(words)


class Anchors(frozenset[str]):
    """The routing literals of named catalog statements (:attr:`Statements.trigger`): the
    catalog's own words, not a copy of them."""


class Statements:
    """Catalog statements a logic rule listens for, named by entry id (``catalog/data/*.toml``):
    the rule routes records by the entries' anchors and asks :meth:`said` which one a record is,
    instead of keeping copies of their words.

    >>> death = Statements("wala.agent.orphan_exit", "wala.agent.orphan_exit_v22")
    >>> death.said("Agent WALinuxAgent-2.2.45 is an orphan -- exiting").id
    'wala.agent.orphan_exit'
    >>> death.said("Agent WALinuxAgent-2.2.45 is running as the goal state agent") is None
    True
    >>> sorted(death.trigger[0])
    ['is an orphan -- exiting', 'was orphaned -- exiting']
    """

    def __init__(self, *ids: str, kinds: frozenset[str] | None = None, where: Any = None) -> None:
        #: ``where``: instead of ids, the catalog entries this predicate holds for (read on first use)
        self._ids = ids
        self._where = where
        self.kinds = kinds
        self._entries: list[Any] | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        if self._where is not None:
            self.entries  # noqa: B018 - selects the entries
        return self._ids

    @property
    def entries(self) -> list[Any]:
        if self._entries is None:   # the catalog is read on first use, not when a rule module loads
            from ...catalog import load_catalog
            if self._where is not None:
                self._ids = tuple(e.id for e in load_catalog().entries if self._where(e))
                self._where = None
            by_id = load_catalog().by_id
            missing = [i for i in self.ids if i not in by_id]
            if missing:
                raise KeyError(f"unknown catalog entries {missing}")
            self._entries = [by_id[i] for i in self.ids]
            self._anchors = Anchors(e.compiled.routing_literal for e in self._entries)
            # most records are turned away by a word of the anchor before any regex runs
            self._keys = [_key(e) for e in self._entries]
            # per entry, the statements that can outrank it on one text, for :meth:`named`: the
            # others of these, and those of the catalog whose templates hold its anchor
            own = set(self._ids)
            self._rivals = {e.id: [(r, _key(r)) for r in self._entries if r is not e]
                            + [(r, _key(r)) for r in load_catalog().entries
                               if r.id not in own and e.compiled.anchor in r.template]
                            for e in self._entries}
        return self._entries

    @property
    def trigger(self) -> Trigger:
        """The ``(literals, kinds)`` pair that routes these statements' records to the rule."""
        self.entries  # noqa: B018 - fills the anchors
        return (self._anchors, self.kinds)

    def said(self, text: str) -> Any:
        """The entry among these that ``text`` is (its template matches), else None."""
        self.entries  # noqa: B018 - fills the keys
        for e, key in zip(self._entries or (), self._keys, strict=True):
            if key in text and e.compiled.match(text) is not None:
                return e
        return None

    def named(self, text: str, kind: str = "") -> tuple[Any, dict[str, str]] | None:
        """``(entry, captures)`` when the statement the catalog names for ``text`` — its most
        specific matching template, as the classifier ranks them — is one of these, else None: a
        heartbeat holds a start banner's words but is no start.  Only the entries whose templates
        hold a matching entry's anchor can outrank it, so only those are tried.

        >>> gs = Statements("wala.ok.goal_state_agent_started")
        >>> gs.named("Agent WALinuxAgent-2.2.45 is running as the goal state agent")[1]
        {'agent': 'WALinuxAgent-2.2.45'}
        >>> gs.named("[HEARTBEAT] Agent WALinuxAgent-2.2.47 is running as the goal state agent") is None
        True
        """
        from ...catalog.classify import programs_of, rank
        own = self.said(text)
        if own is None:
            return None
        programs = programs_of(kind)
        best, best_rank = own, rank(own, programs)
        for e, key in self._rivals[own.id]:
            if key not in text or e.compiled.match(text) is None:
                continue
            r = rank(e, programs)
            if r > best_rank:
                best, best_rank = e, r
        if best.id not in self.ids:
            return None
        return best, best.compiled.match(text) or {}

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.ids


def _key(entry: Any) -> str:
    """A word every text the entry's template matches holds (spacing may vary, words may not)."""
    return str(max(entry.compiled.anchor.split(), key=len))


class Latest:
    """The newest of the records offered that is one of ``statements``, checked lazily: a rule that
    only needs the last sign of something (a heartbeat, a goal state processed) keeps the few
    newest records routed to it and tries their templates newest first when it must, instead of
    on every record (most are the statement, so one try settles many records).

    >>> alive = Latest(Statements("wala.ok.goal_state_fetch_completed"))
    >>> alive.offer(1, "Fetch goal state completed"); alive.offer(2, "Fetch goal state completed?!")
    >>> alive.offer(3, "Fetch goal state was not completed"); alive.get()
    2
    """

    __slots__ = ("found", "limit", "pending", "statements")

    def __init__(self, statements: Statements, limit: int = 32) -> None:
        self.statements = statements
        self.found: Any = None
        self.pending: list[tuple[Any, str]] = []
        self.limit = limit

    def offer(self, item: Any, text: str) -> None:
        self.pending.append((item, text))
        if len(self.pending) >= self.limit:
            self._settle()

    def settle_with(self, item: Any) -> None:
        """``item`` is newer than every record offered and known to count (by its structure)."""
        self.pending.clear()
        self.found = item

    def _settle(self) -> None:
        for item, text in reversed(self.pending):
            if self.statements.said(text) is not None:
                self.found = item
                break
        self.pending.clear()

    def get(self) -> Any:
        """The newest offered item whose text is one of the statements (None when none was)."""
        if self.pending:
            self._settle()
        return self.found


class LazyTriggers:
    """A ``triggers`` list built on first use (it may read the catalog, which the rule modules must
    not do at import)."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._value: list[Trigger] | None = None

    def __get__(self, obj: object, owner: type) -> list[Trigger]:
        if self._value is None:
            self._value = list(self._make())
        return self._value


@dataclass(slots=True)
class FinishContext:
    """Everything known once every event was observed."""

    facts: Facts
    info: BundleInfo
    coverage: list[FileCoverage]
    options: AnalysisOptions
    policy: VersionPolicy
    #: newest timestamp and observation order seen per file path
    last_by_path: dict[str, tuple[datetime | None, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: a portal error code found in the bundle (set by the portal rule; counts like ``--error-code``)
    found_error_code: str | None = None
    #: checklist entries a logic rule decided without a finding (a version that meets the
    #: minimum rules ``agent_outdated`` out: a verdict, not a finding)
    verdicts: dict[str, CauseVerdict] = field(default_factory=dict)
    #: the run's budget (:class:`~loganalyzer.sources.guard.Budget`): loops over many facts stop at its
    #: finishing deadline and say so in ``notes``
    budget: Any = None

    def out_of_time(self) -> bool:
        """For loops over facts: past the finishing deadline (the clock is read once per many calls)."""
        return self.budget is not None and self.budget.every(finishing=True)

    def in_window(self, ts: datetime | None) -> bool:
        """Whether a fact dated ``ts`` lies in the user's ``--since``/``--until`` window (undated: yes)."""
        return within(ts, self.options.since, self.options.until)

    @property
    def windowed(self) -> bool:
        return self.options.since is not None or self.options.until is not None

    @property
    def last_record_time(self) -> datetime | None:
        times = [t for t, _ in self.last_by_path.values() if t is not None]
        fact_time = self.facts.last_record_time
        if fact_time is not None:
            times.append(fact_time)
        return max(times, default=None)


@dataclass(slots=True)
class Seen:
    """A remembered event: enough to cite it as evidence later."""

    event: Event
    order: int
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> datetime | None:
        return self.event.timestamp

    def evidence(self) -> Evidence:
        e = self.event
        return Evidence(path=e.path, line_start=e.line_start, line_end=e.line_end, timestamp=e.timestamp,
                        local=e.time_kind == "local",
                        excerpt=excerpt(e))


class LogicRule:
    """Base class; subclasses set ``triggers`` and override :meth:`observe` / :meth:`finish`."""

    triggers: list[Trigger] = []

    def __init__(self, rule: Rule, policy: VersionPolicy, options: AnalysisOptions) -> None:
        self.rule = rule
        self.policy = policy
        self.options = options
        self.params = rule.params

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        """Called for events that contain one of ``triggers[trigger]``'s literals (cheap)."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        return []

    def finding(self, values: dict[str, Any], evidence: list[Evidence], *, count: int = 1,
                severity: Severity | None = None, confidence: Confidence | None = None,
                cause: str | None = None, extension: str | None = None, summary: str | None = None,
                title: str | None = None, remediation: list[str] | None = None) -> Finding:
        """A finding of this rule with its template filled from ``values`` (``remediation``
        replaces the rule's when this finding needs its own steps)."""
        times = [e.timestamp for e in evidence if e.timestamp is not None]
        return Finding(rule_id=self.rule.id, cause=cause or self.rule.cause,
                       severity=severity or self.rule.severity,
                       confidence=confidence or self.rule.confidence,
                       title=title or self.rule.title,
                       summary=summary or render(self.rule.summary, values),
                       evidence=evidence[:5], count=count, first_seen=min(times, default=None),
                       last_seen=max(times, default=None),
                       remediation=list(remediation if remediation is not None else self.rule.remediation),
                       references=list(self.rule.references), extension=extension)


def later(a: Seen, b: Seen) -> bool:
    """True when ``b`` happened after ``a`` (by time when both have one, else by file order)."""
    if a.ts is not None and b.ts is not None:
        return b.ts > a.ts or (b.ts == a.ts and b.order > a.order)
    return b.order > a.order
