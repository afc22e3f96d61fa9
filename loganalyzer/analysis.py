"""Reading a bundle: sources → parsers → events (with coverage and the facts collector fed).

:func:`analyze` is the streaming entry point; the stages are assembled in
:mod:`loganalyzer.pipeline`.  Each member is parsed as it is read and nothing keeps the
events unless asked (:meth:`loganalyzer.pipeline.Pipeline.read`).

>>> from loganalyzer.analysis import analyze
>>> result = analyze("sample_logs/collect-logs-backup-failure.zip")   # doctest: +SKIP
>>> result.top_finding.cause                                           # doctest: +SKIP
'snapshot_failed'
"""
from __future__ import annotations

import lzma
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo

from .facts.collector import FactsCollector
from .kinds import EVIDENCE_KINDS, Kind
from .limits import LimitExceeded
from .model import CoverageStatus, Event, FileCoverage
from .parsers import ParseContext, parser_for
from .result import AnalysisOptions, AnalysisResult
from .sources import Source, open_source
from .sources.base import Member
from .sources.guard import Budget

#: Called after each member: (members done, path of the member just read).
Progress = Callable[[int, str], None]

_UNREAD_REASONS = {
    Kind.BINARY: "binary file, package or key material (listed only)",
    Kind.OTHER_DOCUMENT: "JSON/XML document of an unknown kind (listed, not read as log text)",
    Kind.HISTORY_ARCHIVE: "archive opened as a folder (its files are listed separately)",
}

_STREAM_ERRORS = (EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError, OSError)


@dataclass(slots=True)
class Scan:
    """What one pass over a bundle collected besides the events."""

    source: Source
    coverage: list[FileCoverage] = field(default_factory=list)
    facts: FactsCollector = field(default_factory=FactsCollector)
    seconds: float = 0.0
    #: the run's one budget (``max_seconds`` and the byte/entry counts): the source's own when it
    #: keeps one (every archive or folder walk), handed to the parsers, the facts and the rules
    budget: Budget | None = None

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = getattr(self.source, "budget", None) or Budget(self.source.limits)
        self.facts.budget = self.budget


def iter_events(scan: Scan, options: AnalysisOptions, progress: Progress | None = None) -> Iterator[Event]:
    """Yield every event of every member; fill ``scan.coverage`` and ``scan.facts`` on the way.

    Per-member failures (limits, truncated streams, parser bugs) end that member only:
    its events so far are kept and its coverage says why it stopped.
    """
    started = time.perf_counter()
    done = 0
    members = scan.source.members()
    while True:
        try:
            member = next(members)
        except StopIteration:
            break
        except (LimitExceeded, *_STREAM_ERRORS) as exc:
            scan.coverage.append(_archive_stopped(scan.source, exc))
            break
        coverage = _coverage_for(member)
        scan.coverage.append(coverage)
        scan.facts.note_member(member.path, str(member.kind))
        yield from _parse_member(member, coverage, scan, options)
        done += 1
        if progress is not None:
            progress(done, member.path)
    scan.coverage.extend(scan.source.entries)
    scan.seconds = time.perf_counter() - started


def _coverage_for(member: Member) -> FileCoverage:
    cov = FileCoverage(path=member.path, kind=str(member.kind), size=member.size)
    cov.notes.extend(member.notes)
    return cov


def _parse_member(member: Member, coverage: FileCoverage, scan: Scan,
                  options: AnalysisOptions) -> Iterator[Event]:
    parser = parser_for(member.kind)
    if parser is None:
        coverage.status = CoverageStatus.SKIPPED
        coverage.reason = _UNREAD_REASONS.get(member.kind, "not a log or state file (listed only)")
        return
    coverage.parser = parser.__module__.rsplit(".", 1)[-1]
    ctx = ParseContext(coverage=coverage, tz=options.tz, limits=options.limits, budget=scan.budget)
    observe = scan.facts.observe
    try:
        for event in parser(member, ctx):
            observe(event)
            yield event
    except LimitExceeded as exc:
        coverage.mark(CoverageStatus.PARTIAL, f"stopped at a safety limit: {exc}")
    except _STREAM_ERRORS as exc:
        coverage.mark(CoverageStatus.PARTIAL, f"stream ended early or is corrupt: {_plain(exc)}")
    except RecursionError:
        coverage.mark(CoverageStatus.PARTIAL, "structure nested too deeply to read")
    except Exception as exc:  # a parser bug must not cost the rest of the bundle
        coverage.mark(CoverageStatus.PARTIAL, f"parser error ({type(exc).__name__}): {_plain(exc)}")
    finally:
        for doc in ctx.documents:
            try:
                scan.facts.add_document(doc)
            except LimitExceeded as exc:    # the time ran out while its facts were taken
                coverage.mark(CoverageStatus.PARTIAL, f"stopped at a safety limit: {exc}")


def _archive_stopped(source: Source, exc: BaseException) -> FileCoverage:
    return FileCoverage(path=source.info.path, kind="archive", status=CoverageStatus.PARTIAL,
                        reason=f"archive could not be read to the end: {_plain(exc)}")


def _plain(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def missing_evidence(coverage: Iterable[FileCoverage]) -> list[str]:
    """Evidence kinds of :data:`EVIDENCE_KINDS` with no readable file in the bundle."""
    present = {c.kind for c in coverage if c.status in (CoverageStatus.PARSED, CoverageStatus.PARTIAL)}
    return [label for label, kinds in EVIDENCE_KINDS.items() if not present.intersection(kinds)]


def mostly_local_time(local_records: dict[str, int], coverage: Iterable[FileCoverage]) -> list[str]:
    """Files most of whose records carry the VM's local clock (a current waagent.log with a few
    extension lines in local time is not one of them)."""
    records = {c.path: c.records for c in coverage}
    return [path for path, n in local_records.items() if 2 * n >= records.get(path, 0)]


def local_time_note(files: list[str], tz: tzinfo) -> str:
    """What readers must know about times that the files give without a zone.

    >>> local_time_note(["var/log/waagent.log"], UTC)[:75]
    "Times from var/log/waagent.log are the VM's local clock (the file gives no "
    """
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
    if tz == UTC:
        return (f"Times from {shown} are the VM's local clock (the file gives no zone) and are shown as if "
                "UTC; pass --tz with the VM's offset (for example --tz +02:00) to convert them.")
    return f"Times from {shown} are the VM's local clock, converted to UTC with --tz {tz}."


def duration_bounds(options: AnalysisOptions) -> bool:
    """Whether a bound is a duration (``--since 7d``), counted back from the bundle's last record."""
    return isinstance(options.since, timedelta) or isinstance(options.until, timedelta)


def resolve_window(options: AnalysisOptions, last: datetime | None) -> AnalysisOptions:
    """``options`` with duration bounds (``--since 7d``) turned into times counted back from
    ``last``, the bundle's last record (not the wall clock: bundles are read days later).
    With no timed record at all a duration bound is dropped (nothing to count from).

    >>> from datetime import datetime, timedelta, UTC
    >>> o = resolve_window(AnalysisOptions(since=timedelta(days=7)), datetime(2024, 5, 14, tzinfo=UTC))
    >>> o.since.isoformat()
    '2024-05-07T00:00:00+00:00'
    """
    def one(bound: datetime | timedelta | None) -> datetime | None:
        if isinstance(bound, timedelta):
            return None if last is None else last - bound
        return bound
    return replace(options, since=one(options.since), until=one(options.until))


def requested_window(options: AnalysisOptions) -> str:
    """The bounds as the user gave them (``--since 7d, --until 2024-05-14T22:00:00Z``), or ``""``."""
    def one(flag: str, bound: datetime | timedelta | None) -> str | None:
        if bound is None:
            return None
        if isinstance(bound, timedelta):
            return f"{flag} {_duration(bound)}"
        return f"{flag} {bound.astimezone(UTC).isoformat().replace('+00:00', 'Z')}"
    return ", ".join(p for p in (one("--since", options.since), one("--until", options.until)) if p)


def _duration(delta: timedelta) -> str:
    """``7d``, ``12h``, ``90m``, ``30s`` (the largest exact unit, weeks as days)."""
    seconds = delta.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def analyze(path: str | None, options: AnalysisOptions | None = None,
            progress: Progress | None = None) -> AnalysisResult:
    """Analyse one bundle (``None`` = this machine's live files) in one streaming pass."""
    from .pipeline import run
    options = options or AnalysisOptions()
    return run(open_source(path, root=options.root, limits=options.limits), options, progress)
