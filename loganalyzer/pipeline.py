"""The one assembly of the stages: read → window → facts → rules → :class:`AnalysisResult`.

The CLI (:func:`loganalyzer.analysis.analyze`), the notebook API (:class:`loganalyzer.api.Bundle`)
and the fleet worker all run a bundle through :class:`Pipeline`.  Facts can be finished without
running a rule (:meth:`Pipeline.facts`); the ``--since/--until`` window is applied here only.

Streaming (the CLI) reads each event once, straight into the rules; :meth:`Pipeline.read`
keeps the events instead (the notebook's tables, the fleet's events table).

>>> from loganalyzer.sources import open_source
>>> p = Pipeline(open_source("sample_logs/folder-dhcp-failure"), AnalysisOptions())  # doctest: +SKIP
>>> p.facts().latest_version("goal_state"), p.result().top_finding.cause             # doctest: +SKIP
('2.2.53', 'dhcp_or_endpoint')
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from pathlib import Path

from .analysis import (
    Progress,
    Scan,
    duration_bounds,
    iter_events,
    local_time_note,
    missing_evidence,
    mostly_local_time,
    requested_window,
    resolve_window,
)
from .facts.model import Facts
from .model import Event
from .result import AnalysisOptions, AnalysisResult, Window
from .rules import RuleEngine, load_rules
from .sources import Source
from .window import within


@dataclass(slots=True)
class _Pass:
    """What one windowed pass over the events counted."""

    options: AnalysisOptions            # duration bounds resolved to times
    window: Window | None
    per_kind: dict[str, list]
    events: int


class Pipeline:
    """One bundle through the stages; each stage runs at most once.

    ``facts()`` finishes the facts without loading or running a rule; ``result()`` runs the
    rules (over the kept events when :meth:`read` was called, else in one streaming pass).
    """

    def __init__(self, source: Source, options: AnalysisOptions, progress: Progress | None = None) -> None:
        self.scan = Scan(source=source)
        self.options = options
        self._progress = progress
        self._events: list[Event] | None = None
        self._pass: _Pass | None = None
        self._facts: Facts | None = None
        self._result: AnalysisResult | None = None

    # -- stage 1: read ---------------------------------------------------------------------------
    def read(self) -> list[Event]:
        """Every event, kept in memory (read once)."""
        if self._events is None:
            self._events = list(iter_events(self.scan, self.options, self._progress))
        return self._events

    def _source_events(self) -> Iterable[Event]:
        if self._events is not None or self._facts is not None:
            return self.read()     # a second pass (rules after facts) needs the events kept
        return iter_events(self.scan, self.options, self._progress)

    # -- stage 2: window -----------------------------------------------------------------------
    def _windowed(self, events: Iterable[Event], observe: Callable[[AnalysisOptions], Callable[[Event], None]]
                  | None) -> _Pass:
        """Run ``events`` through the ``--since/--until`` window, feeding those inside it to
        ``observe(resolved options)`` (the rules) and counting them per kind."""
        options = self.options
        requested = requested_window(options)
        reference = None
        if duration_bounds(options):
            events = events if isinstance(events, list) else list(events)
            reference = max((e.timestamp for e in events if e.timestamp is not None), default=None)
            options = resolve_window(options, reference)
        since, until = options.since, options.until
        windowed = since is not None or until is not None
        sink = observe(options) if observe is not None else None
        count = timed = timed_in = 0
        per_kind: dict[str, list] = {}
        # a pass over kept events (the rules after the facts, or the notebook's) is not paced by
        # reading: it looks at the run's clock itself (a streaming pass stops where reading does)
        budget = self.scan.budget if isinstance(events, list) and sink is not None else None
        for event in events:
            if budget is not None and budget.every(finishing=True):
                self.scan.source.info.notes.append(
                    f"time limit ({budget.limits.max_seconds:g} s) reached while the rules went through the "
                    f"records: {len(events) - count:,} of {len(events):,} records not examined by the rules")
                break
            count += 1
            ts = event.timestamp
            if within(ts, since, until):
                if sink is not None:
                    sink(event)
                if windowed:
                    entry = per_kind.setdefault(event.kind, [0, None, None])
                    entry[0] += 1
                    if ts is not None:
                        timed_in += 1
                        entry[1] = ts if entry[1] is None or ts < entry[1] else entry[1]
                        entry[2] = ts if entry[2] is None or ts > entry[2] else entry[2]
            if ts is not None:
                timed += 1
        window = None
        if requested:
            window = Window(since=since, until=until, requested=requested, reference=reference,
                            records_in=timed_in, records_total=timed)
        return _Pass(options=options, window=window, per_kind=per_kind, events=count)

    # -- stage 3: facts --------------------------------------------------------------------------
    def facts(self) -> Facts:
        """The finished facts (window counts and the local-clock note included), no rule run."""
        if self._facts is None:
            self._finish_facts(self._windowed(self._source_events(), None))
        assert self._facts is not None
        return self._facts

    def _finish_facts(self, done: _Pass) -> None:
        self._pass = done
        facts = self.scan.facts.finish()
        notes = self.scan.source.info.notes
        if done.window is not None:
            facts.state["window_records"] = {k: tuple(v) for k, v in done.per_kind.items()}
            notes.insert(0, done.window.describe())
        local = mostly_local_time(facts.state.get("local_time_records", {}), self.scan.coverage)
        if local:
            notes.append(local_time_note(local, self.options.tz))
            facts.state["local_time_files"] = local
        self._facts = facts

    # -- stage 4: rules --------------------------------------------------------------------------
    def result(self) -> AnalysisResult:
        """Findings and the cause checklist (the rules run once, over the window)."""
        if self._result is not None:
            return self._result
        rules, rule_errors = rules_for(tuple(self.options.rule_dirs))
        engines: list[RuleEngine] = []

        def engine_for(options: AnalysisOptions) -> Callable[[Event], None]:
            engines.append(RuleEngine(rules, options))
            return engines[0].observe

        if self._facts is None:
            self._finish_facts(self._windowed(self._source_events(), engine_for))
        else:
            self._windowed(self.read(), engine_for)
        done, facts, scan = self._pass, self._facts, self.scan
        assert done is not None and facts is not None
        findings, verdicts = engines[0].finish(facts, scan.source.info, scan.coverage, scan.budget)
        if done.options.tz is not UTC:       # --tz converted the local times: they are UTC now
            for item in (*findings, *verdicts):
                for ev in item.evidence:
                    ev.local = False
        stats = {
            "files": sum(1 for c in scan.coverage if c.kind != "archive"),
            "lines": sum(c.lines for c in scan.coverage),
            "records": sum(c.records for c in scan.coverage),
            "unparsed_lines": sum(c.unparsed_lines for c in scan.coverage),
            "events": done.events,
            "rules": len(rules),
            "seconds": round(scan.seconds, 3),
        }
        self._result = AnalysisResult(input=scan.source.info, coverage=scan.coverage, facts=facts,
                                      findings=findings, causes=verdicts, options=done.options,
                                      missing_evidence=missing_evidence(scan.coverage),
                                      rule_errors=rule_errors, stats=stats, window=done.window)
        return self._result


def run(source: Source, options: AnalysisOptions, progress: Progress | None = None) -> AnalysisResult:
    """Analyse ``source`` in one streaming pass (events not kept)."""
    return Pipeline(source, options, progress).result()


def rules_for(rule_dirs: tuple[str, ...]) -> tuple[list, list[str]]:
    """Load the catalog (plus user folders) once per process; a changed rule file reloads it."""
    stamp = tuple((d, max((p.stat().st_mtime_ns for p in Path(d).glob("*.toml")), default=0))
                  for d in rule_dirs)
    return _load_rules_cached(rule_dirs, stamp)


@lru_cache(maxsize=8)
def _load_rules_cached(rule_dirs: tuple[str, ...], _stamp: tuple) -> tuple[list, list[str]]:
    return load_rules(list(rule_dirs))

