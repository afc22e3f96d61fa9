"""``analyze-logs fleet INPUTS... --out DIR``: many bundles → Parquet tables and a fleet report.

Writes ``bundles.parquet``, ``findings.parquet`` (and ``events.parquet`` with
``--with-events``), ``fleet-report.md`` and ``fleet-report.html`` into DIR.  Running
again with the same DIR resumes: bundles already in ``DIR/bundles.parquet`` are
skipped (bundles that could not be fetched are tried again) and the tables merged.

Exit status: 0 every bundle analysed, none with findings at or above ``--fail-on``; 1 some
bundle has such findings; 2 bad usage, or no bundle could be analysed; 4 some bundles could not
be analysed (the others were, and are in the tables; this wins over 1, as the tally is incomplete).

>>> build_parser().parse_args(["a/", "--out", "o", "--jobs", "2"]).jobs
2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli import FAIL_ON, one_line, run_guarded
from ..errors import InputError, UsageError
from ..result import AnalysisOptions

if TYPE_CHECKING:
    from .output import FleetOutput, FleetTables
    from .run import FleetResult

#: Exit status when some bundles (not all) could not be analysed.
EXIT_SOME_FAILED = 4


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="analyze-logs fleet",
        description="Analyse many bundles in parallel into Parquet tables (bundles, findings, events) "
                    "and a fleet report. INPUTS are bundles, folders of bundles (each archive or "
                    "sub-folder is one), globs, or fsspec URLs (s3://, abfs://, memory://).",
        epilog="Exit status: 0 every bundle analysed and none has findings at or above --fail-on, "
               "1 some bundle has, 2 bad usage or no bundle could be analysed, 4 some bundles could "
               "not be analysed (the others are in the tables).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="bundle, folder of bundles, glob or URL")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the tables and the report")
    p.add_argument("--engine", choices=("local", "dask"),
                   help="local process pool (default) or Dask (default when --scheduler is given)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (its workers must see local "
                        "paths; URLs such as s3:// are read by the workers themselves)")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: the number of cores)")
    p.add_argument("--with-events", action="store_true", help="also write every record to events.parquet")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error",
                   help="lowest severity that makes the exit status 1 (default: error)")
    p.add_argument("--tz", metavar="OFFSET", default="UTC",
                   help="the VMs' UTC offset for local-time log formats, e.g. +02:00 (default UTC)")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded("analyze-logs fleet", lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    from ..cli_options import parse_tz
    engine = _engine(args)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    _require_fleet_extra()
    from .output import FleetOutput
    from .run import analyze_many

    out = FleetOutput(Path(args.out))
    out.check_writable()
    with out.lock():
        previous = out.load()
        progress = _Progress(enabled=sys.stderr.isatty())
        try:
            fleet = analyze_many(args.inputs, engine=engine, client=args.scheduler, jobs=args.jobs,
                                 with_events=args.with_events, options=AnalysisOptions(tz=parse_tz(args.tz)),
                                 progress=progress, skip_ids=previous.done_ids(), exclude=str(out.folder),
                                 on_outcome=out.journal.add)
        except KeyboardInterrupt:
            progress.close()
            return _interrupted(out, len(previous.bundles))
        finally:
            progress.close()
        if not len(fleet.bundles) and not fleet.skipped and not len(previous.bundles):
            raise InputError(f"no bundle found in {' '.join(args.inputs)}")
        tables = previous.merged_with(fleet)
        out.write(tables)
    return _status(args, out, fleet, tables)


#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def _interrupted(out: FleetOutput, before: int) -> int:
    """Ctrl-C: write the tables with every bundle finished so far; the next run resumes after them."""
    tables = out.load()
    if len(tables.bundles):
        out.write(tables)
    print(f"analyze-logs fleet: interrupted; {len(tables.bundles) - before} finished bundles kept in "
          f"{out.folder} (run the same command again to resume)", file=sys.stderr)
    return EXIT_INTERRUPTED


def _status(args: argparse.Namespace, out: FleetOutput, fleet: FleetResult, tables: FleetTables) -> int:
    problems = int(fleet.bundles["error"].notna().sum())
    print(f"{len(fleet.bundles) - problems} bundles analysed, {problems} could not be, {fleet.skipped} "
          f"skipped (already in {out.folder}); tables and fleet-report.html in {out.folder}", file=sys.stderr)
    if not tables.analysed_count():
        print("analyze-logs fleet: no bundle could be analysed (see fleet-report.md)", file=sys.stderr)
        return 2
    failed = int(tables.bundles["error"].notna().sum())
    if failed:
        print(f"analyze-logs fleet: {failed} of {len(tables.bundles)} bundles could not be analysed "
              "(exit status 4; see fleet-report.md)", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 1 if tables.fails(args.fail_on) else 0


def _engine(args: argparse.Namespace) -> str:
    if args.scheduler and args.engine == "local":
        raise UsageError("--scheduler needs --engine dask")
    return args.engine or ("dask" if args.scheduler else "local")


def _require_fleet_extra() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UsageError("fleet mode needs the fleet extra: pip install 'loganalyzer[fleet]'") from None


class _Progress:
    """``N/M bundles`` on stderr, only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int, location: str) -> None:
        if self.enabled:
            self.shown = True
            sys.stderr.write(f"\r\x1b[2K{done}/{total} bundles… {one_line(location[-60:])}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
