"""Fleet analysis: many bundles in parallel (process pool or Dask) into Parquet tables and a report.

>>> from loganalyzer.fleet import analyze_many
>>> fleet = analyze_many("bundles/", jobs=2)        # doctest: +SKIP
>>> fleet.bundles[["path", "top_cause", "goal_state_version"]]   # doctest: +SKIP

Modules: :mod:`.inputs` (what is a bundle, bundle ids), :mod:`.worker` (one bundle →
rows), :mod:`.run` (engines), :mod:`.tables` (the Parquet schema), :mod:`.output`
(resume and writing), :mod:`.report` (Markdown/HTML), :mod:`.cli` (``analyze-logs fleet``).
"""
from __future__ import annotations

from .run import FleetResult, analyze_many

__all__ = ["FleetResult", "analyze_many"]
