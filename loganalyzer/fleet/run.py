"""Analyse many bundles in parallel: a local process pool or a Dask cluster, into fleet tables.

>>> import loganalyzer
>>> fleet = loganalyzer.analyze_many("bundles/", jobs=2)                     # doctest: +SKIP
>>> fleet.bundles.groupby("top_cause", observed=True).size()                 # doctest: +SKIP
>>> fleet = loganalyzer.analyze_many(["s3://logs/*.zip"], engine="dask",
...                                  client="tcp://scheduler:8786")            # doctest: +SKIP

Engines: ``local`` runs a :class:`~concurrent.futures.ProcessPoolExecutor` with ``jobs``
processes (default: the cores); ``dask`` uses ``client`` (a ``distributed.Client`` or a
scheduler address), or starts a ``LocalCluster`` of ``jobs`` single-threaded worker
processes (scheduler, workers and dashboard bound to 127.0.0.1 only) and closes it at the
end.  Workers read the bundles themselves (local paths, or fsspec URLs such as ``s3://`` /
``abfs://`` when those packages are installed) and
send back small rows (:class:`~loganalyzer.fleet.worker.Outcome`).  With a remote
scheduler, local paths must exist on the workers too (shared storage); URLs need not.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..result import AnalysisOptions
from . import tracker, worker
from .inputs import DEFAULT_MAX_REMOTE_BYTES, expand_inputs
from .tables import bundles_frame, events_table, findings_frame

if TYPE_CHECKING:
    import pandas as pd

_LOG = logging.getLogger(__name__)
ENGINES = ("local", "dask")
#: Called after each bundle: (bundles done, bundles in total, location just finished).
FleetProgress = Callable[[int, int, str], None]


@dataclass(slots=True)
class FleetResult:
    """The fleet tables of one run (see :mod:`loganalyzer.fleet.tables` for the columns)."""

    bundles: pd.DataFrame
    findings: pd.DataFrame
    events: pd.DataFrame | None = None
    #: bundles left out because their id was in ``skip_ids`` (resume)
    skipped: int = 0
    seconds: float = 0.0
    #: peak resident memory (bytes) of each worker process, by "host:pid"
    worker_peak_rss: dict[str, int] = field(default_factory=dict)

    @property
    def bundles_per_second(self) -> float:
        done = len(self.bundles) + self.skipped
        return done / self.seconds if self.seconds > 0 else 0.0

    def to_markdown(self) -> str:
        from .report import fleet_markdown
        return fleet_markdown(self.bundles, self.findings)

    def to_html(self) -> str:
        from .report import fleet_html
        return fleet_html(self.bundles, self.findings)

    def _repr_html_(self) -> str:
        """The fleet report in Jupyter (its body, without the page around it)."""
        page = self.to_html()
        start, end = page.find("<body>"), page.rfind("</body>")
        css = page.find("<style>")
        style = page[css:page.find("</style>") + len("</style>")] if css >= 0 else ""
        return style + (page[start + len("<body>"):end] if start >= 0 and end > start else page)

    def __repr__(self) -> str:
        return (f"<FleetResult {len(self.bundles)} bundles, {len(self.findings)} findings, "
                f"{self.skipped} skipped, {self.seconds:.1f} s>")


@dataclass(frozen=True, slots=True)
class Task:
    """What every worker needs besides the location (sent once per worker, not per bundle)."""

    skip_ids: frozenset[str]
    options: AnalysisOptions
    with_events: bool
    max_remote_bytes: int

    def run(self, location: str) -> worker.Outcome:
        return worker.analyze_location(location, self.skip_ids, self.options, self.with_events,
                                       self.max_remote_bytes)


def analyze_many(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                 engine: str = "local", client: Any = None, jobs: int | None = None,
                 with_events: bool = False, options: AnalysisOptions | None = None,
                 progress: FleetProgress | None = None, skip_ids: Collection[str] = (),
                 exclude: str | None = None,
                 max_remote_bytes: int = DEFAULT_MAX_REMOTE_BYTES,
                 on_outcome: Callable[[worker.Outcome], None] | None = None) -> FleetResult:
    """Analyse every bundle behind ``inputs`` (paths, folders, globs, fsspec URLs) in parallel.

    One bad bundle never stops the run: it gets a row with ``status`` and ``error``.
    Bundles whose id is in ``skip_ids`` are hashed but not analysed (``skipped``).
    ``exclude`` is a folder never taken as a bundle (the output folder).  ``on_outcome`` gets
    each bundle's rows as soon as it finishes (the CLI journals them, so Ctrl-C keeps them).
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if jobs is not None and jobs < 1:
        raise UsageError(f"jobs must be at least 1, not {jobs}")
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    locations = expand_inputs(items, exclude=exclude)
    task = Task(frozenset(skip_ids), options or AnalysisOptions(), with_events, max_remote_bytes)
    started = time.perf_counter()
    run = _run_dask(locations, task, client, jobs) if engine == "dask" else _run_local(locations, task, jobs)
    with tracker.quiet_restarts(_LOG.warning):
        return _collect(run, len(locations), progress, started, on_outcome)


def _collect(outcomes: Iterator[worker.Outcome], total: int, progress: FleetProgress | None,
             started: float, on_outcome: Callable[[worker.Outcome], None] | None = None) -> FleetResult:
    bundles: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    events: list[pd.DataFrame] = []
    peaks: dict[str, int] = {}
    skipped = 0
    for done, outcome in enumerate(outcomes, start=1):
        peaks[outcome.worker] = max(peaks.get(outcome.worker, 0), outcome.peak_rss)
        if on_outcome is not None:
            on_outcome(outcome)
        if outcome.skipped:
            skipped += 1
        else:
            bundles.append(outcome.bundle)
            findings.extend(outcome.findings)
            if outcome.events is not None:
                events.append(outcome.events)
        if progress is not None:
            progress(done, total, outcome.bundle["path"])
    bundles.sort(key=lambda row: (row["path"], row["bundle_id"]))
    return FleetResult(bundles=bundles_frame(bundles), findings=findings_frame(findings),
                       events=events_table(events), skipped=skipped,
                       seconds=time.perf_counter() - started, worker_peak_rss=peaks)


# -- local engine ------------------------------------------------------------------------------
_WORKER_TASK: Task | None = None


def _init_local_worker(task: Task) -> None:
    global _WORKER_TASK
    _WORKER_TASK = task
    # Ctrl-C reaches the whole process group: the parent stops the run and keeps what finished;
    # a worker interrupted while waiting for work would only print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_in_local_worker(location: str) -> worker.Outcome:
    if _WORKER_TASK is None:
        raise RuntimeError("fleet worker started without its task")
    return _WORKER_TASK.run(location)


def _run_local(locations: list[str], task: Task, jobs: int | None) -> Iterator[worker.Outcome]:
    """Process pool with a few bundles queued per worker, so results stream back as they finish.

    A worker that dies (crash, out of memory) breaks the pool and every bundle in flight
    with it: those are run again one by one in a single-worker pool, so only the bundle
    that kills its worker becomes an ``unreadable`` row (tried again next run).
    """
    workers = jobs or os.cpu_count() or 1
    queue = deque(locations)
    while queue:
        suspects: list[str] = []
        with _pool(task, workers) as pool:
            yield from _drain(pool, queue, workers * 4, suspects)
        for location in suspects:
            with _pool(task, 1) as pool:
                yield from _drain(pool, deque([location]), 1, None)


def _pool(task: Task, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_local_worker, initargs=(task,))


def _drain(pool: ProcessPoolExecutor, queue: deque[str], depth: int,
           suspects: list[str] | None) -> Iterator[worker.Outcome]:
    """Run ``queue`` through ``pool`` until it is empty or the pool breaks.

    Bundles in flight when the pool breaks go to ``suspects`` (or, when that is None,
    become rows saying their worker was lost).
    """
    pending: dict[Future[worker.Outcome], str] = {}
    submitted = False
    while queue or pending:
        while queue and len(pending) < depth:
            location = queue.popleft()
            try:
                pending[pool.submit(_run_in_local_worker, location)] = location
                submitted = True
            except BrokenProcessPool:
                if not submitted:
                    raise RuntimeError("fleet worker processes cannot start") from None
                queue.appendleft(location)
                break
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            location = pending.pop(future)
            if suspects is not None and isinstance(future.exception(), BrokenProcessPool):
                suspects.append(location)
            else:
                yield _outcome_of(future, location)


def _outcome_of(future: Any, location: str) -> worker.Outcome:
    """The worker's outcome, or an error row when the worker itself died (crash, out of memory)."""
    try:
        return future.result()
    except Exception as exc:
        return worker.lost_worker_outcome(location, exc)


# -- dask engine -------------------------------------------------------------------------------
def _run_dask(locations: list[str], task: Task, client: Any, jobs: int | None) -> Iterator[worker.Outcome]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise UsageError("the dask engine needs the fleet extra: pip install 'loganalyzer[fleet]'") from None

    own_cluster = own_client = None
    if client is None:
        own_cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                   silence_logs=logging.ERROR)
        client = own_client = Client(own_cluster)
    elif isinstance(client, str):
        try:
            client = own_client = Client(client)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {client}: {exc}") from None
    try:
        if not locations:
            return
        shared_task = client.scatter(task, broadcast=True)
        workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs or 1)
        batches = _batches(locations, workers)
        futures = client.map(_run_batch, batches, task=shared_task, pure=False)
        where = {f.key: batch for f, batch in zip(futures, batches, strict=True)}
        for future in as_completed(futures):
            batch = where[future.key]
            try:
                outcomes = future.result()
            except Exception as exc:  # the worker died: every bundle of its batch gets an error row
                outcomes = [worker.lost_worker_outcome(loc, exc) for loc in batch]
            future.release()
            yield from outcomes
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


def _batches(locations: list[str], workers: int, share: int = 4) -> list[list[str]]:
    """Bundles grouped into tasks that shrink as the work left shrinks (guided scheduling).

    Each task takes ``1 / (share × workers)`` of the bundles not yet given out: small
    bundles take tens of milliseconds, so the first, large tasks keep scheduling costs
    low, and the last tasks hold one bundle each, so no worker sits idle at the end
    while another finishes a long batch.

    >>> [len(b) for b in _batches([str(i) for i in range(100)], 2)]
    [12, 11, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    """
    batches: list[list[str]] = []
    given = 0
    while given < len(locations):
        size = max(1, (len(locations) - given) // (workers * share))
        batches.append(locations[given:given + size])
        given += size
    return batches


def _run_batch(locations: list[str], task: Task) -> list[worker.Outcome]:
    return [task.run(location) for location in locations]
