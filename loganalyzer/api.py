"""The notebook-facing API: :func:`open_bundle` returns a :class:`Bundle` whose tables are DataFrames.

A bundle is read once, on first use, and its events are kept in memory (the CLI
path does not do this: it streams through :func:`loganalyzer.analysis.analyze`).

>>> import loganalyzer
>>> b = loganalyzer.open_bundle("sample_logs/collect-logs-backup-failure.zip")  # doctest: +SKIP
>>> b.events[["timestamp", "level", "message"]].tail(3)                          # doctest: +SKIP
>>> b.analyze().top_finding.title                                                # doctest: +SKIP
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timezone, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .facts.model import Facts
from .model import Event
from .pipeline import Pipeline
from .result import AnalysisOptions, AnalysisResult
from .sources import open_source

if TYPE_CHECKING:  # pandas is imported only when a table is asked for
    import pandas as pd


class Bundle:
    """One opened bundle.  Tables are built on first access and cached."""

    def __init__(self, path: str | os.PathLike[str] | None, options: AnalysisOptions) -> None:
        self.path = None if path is None else os.fspath(path)
        self.options = options
        self._pipeline = Pipeline(open_source(self.path, root=options.root, limits=options.limits), options)
        self._scan = self._pipeline.scan

    # -- reading -----------------------------------------------------------------------------
    def _read(self) -> list[Event]:
        return self._pipeline.read()

    def iter_events(self) -> list[Event]:
        """All events as :class:`~loganalyzer.model.Event` objects, in file order."""
        return self._read()

    @property
    def info(self):
        self._read()
        return self._scan.source.info

    @property
    def facts(self) -> Facts:
        """Derived state, as read (the tables below redact it unless ``redact=False``); no rule runs."""
        self._read()
        return self._pipeline.facts()

    def _shown_facts(self) -> Facts:
        if not self.options.redact:
            return self.facts
        from .report.redaction import scrub
        return scrub(self.facts)

    # -- tables ------------------------------------------------------------------------------
    @cached_property
    def events(self) -> pd.DataFrame:
        """One row per record: timestamp (UTC), time_kind, level, thread, source, extension, message…

        Messages and fields are redacted unless the bundle was opened with ``redact=False``.
        """
        from .parsers.frame import events_frame
        frame = events_frame(self._read(), redact=self.options.redact)
        frame["duplicate_of"] = duplicates(frame)
        return frame

    @cached_property
    def findings(self) -> pd.DataFrame:
        """One row per finding, most likely first: rule_id, cause, severity, confidence, title,
        count, first/last seen, extension, the first evidence's path and line, summary."""
        from .report.frames import findings_frame
        return findings_frame(self.analyze())

    @cached_property
    def causes(self) -> pd.DataFrame:
        """The cause checklist: one row per documented cause with its verdict and reason."""
        from .report.frames import causes_frame
        return causes_frame(self.analyze())

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """One row per bundle member: kind, status, parser, lines, records, unparsed lines, reason."""
        import pandas as pd
        self._read()
        rows = [{"path": c.path, "kind": c.kind, "size": c.size, "status": str(c.status),
                 "parser": c.parser, "lines": c.lines, "records": c.records,
                 "unparsed_lines": c.unparsed_lines, "reason": c.reason} for c in self._scan.coverage]
        return pd.DataFrame(rows, columns=["path", "kind", "size", "status", "parser", "lines",
                                           "records", "unparsed_lines", "reason"])

    @property
    def extensions(self) -> pd.DataFrame:
        from .facts.frames import extensions_frame
        return extensions_frame(self._shown_facts())

    @property
    def agent(self) -> pd.DataFrame:
        """Agent versions over time, by role (daemon / goal_state)."""
        from .facts.frames import agent_frame
        return agent_frame(self._shown_facts())

    @property
    def goal_states(self) -> pd.DataFrame:
        from .facts.frames import goal_states_frame
        return goal_states_frame(self._shown_facts())

    @property
    def backups(self) -> pd.DataFrame:
        from .facts.frames import backups_frame
        return backups_frame(self._shown_facts())

    @property
    def config(self) -> Mapping[str, Any]:
        """``waagent.conf`` keys with value, default flag and line reference."""
        from .facts.frames import config_mapping
        return config_mapping(self._shown_facts())

    def timeline(self) -> pd.DataFrame:
        """Tidy timeline: agent restarts, goal states, extension operations, backups, errors, findings."""
        import pandas as pd

        from .report.timeline import timeline_rows
        rows = timeline_rows(self.analyze())
        frame = pd.DataFrame(rows, columns=["time", "category", "label", "path", "line"])
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        frame["line"] = frame["line"].astype("Int64")
        return frame.sort_values("time", kind="stable").reset_index(drop=True)

    # -- analysis ----------------------------------------------------------------------------
    def analyze(self) -> AnalysisResult:
        """Run the rules over the events already read (cached)."""
        self._read()
        return self._pipeline.result()

    def _repr_html_(self) -> str:
        from .report.notebook import result_html
        return result_html(self.analyze())

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table: ``events`` and those of :meth:`AnalysisResult.to_frames`."""
        return {"events": self.events, **self.analyze().to_frames()}

    def __repr__(self) -> str:
        return f"Bundle({self.path!r})"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {"events", "findings", "causes", "coverage", "extensions",
                                                "agent", "goal_states", "backups", "config", "timeline",
                                                "analyze", "to_frames", "info", "facts"})


def duplicates(frame: pd.DataFrame) -> pd.Series:
    """``duplicate_of`` for each event: ``"path:line"`` of the same record in another file
    (same time, level and message — the agent's lines that syslog also got), else None.
    The agent's own log is the original; syslog / journal copies point at it.
    """
    import pandas as pd
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    timed = frame[frame["timestamp"].notna()]
    if timed.empty:
        return out
    rank = timed["kind"].astype(str).map(lambda k: 0 if k == "waagent_log" else 1)
    ordered = timed.assign(_rank=rank).sort_values(["_rank"], kind="stable")
    key = ["timestamp", "message"]
    dup = ordered.duplicated(key, keep="first")
    if not dup.any():
        return out
    firsts = ordered[~dup].drop_duplicates(key)
    origin = (firsts["path"].astype(str) + ":" + firsts["line_start"].astype(str))
    lookup = pd.Series(origin.values, index=pd.MultiIndex.from_frame(firsts[key]))
    copies = ordered[dup]
    found = lookup.reindex(pd.MultiIndex.from_frame(copies[key])).values
    same_file = copies["path"].astype(str).values == pd.Series(found).str.rsplit(":", n=1).str[0].values
    out.loc[copies.index] = [None if same else value for value, same in zip(found, same_file, strict=True)]
    return out


def open_bundle(path: str | os.PathLike[str] | None = None, *, tz: tzinfo | str | None = None,
                redact: bool = True, **options: Any) -> Bundle:
    """Open a bundle (archive, folder, single file; ``None`` = this machine) for exploration.

    ``tz`` is the VM's UTC offset for local-time log formats (``"+02:00"`` or a tzinfo).
    Other keyword arguments are :class:`~loganalyzer.result.AnalysisOptions` fields.
    Raises :class:`~loganalyzer.errors.InputError` when the path cannot be read at all.
    """
    return Bundle(path, open_bundle_options(tz=tz, redact=redact, **options))


def analyze(path: str | os.PathLike[str] | None = None, **kwargs: Any) -> AnalysisResult:
    """Analyse in one streaming pass without keeping the events (same result as ``Bundle.analyze``)."""
    from .analysis import analyze as streaming_analyze
    return streaming_analyze(None if path is None else os.fspath(path), open_bundle_options(**kwargs))


def open_bundle_options(*, tz: tzinfo | str | None = None, redact: bool = True,
                        **options: Any) -> AnalysisOptions:
    """Build :class:`AnalysisOptions` from API keyword arguments (``tz`` may be ``"+02:00"``)."""
    from .cli_options import parse_tz
    zone = parse_tz(tz) if isinstance(tz, str) else (tz or timezone.utc)
    try:
        return AnalysisOptions(tz=zone, redact=redact, **options)
    except TypeError as exc:
        raise InputError(f"unknown option: {exc}") from None
