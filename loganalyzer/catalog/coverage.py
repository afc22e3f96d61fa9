"""How much of the catalog reaches its cause: every failure entry, rendered as the lines its
program writes in each era's format, run through the whole pipeline (sources, parsers, rules).

``python -m loganalyzer.catalog coverage`` prints, per program and era: entries, failure
entries, and the share reaching the right cause family and the right cause (a finding of that
cause at warning or above); then how many harmless entries and marks of progress, rendered the
same way, raise a finding above info (none should).  ``--misses`` lists the entries that miss
and those that are loud.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import Entry, load_catalog
from .classify import signal_of_entry
from .render import eras_of, fill, render_entry
from .signals import cause_of, family

if TYPE_CHECKING:
    from ..result import AnalysisResult
    from ..sources.base import Source

_REPORTED = ("critical", "error", "warning")


@dataclass(frozen=True, slots=True)
class Outcome:
    entry: str
    program: str
    era: str
    expected: str
    reported: tuple[str, ...]

    @property
    def cause_ok(self) -> bool:
        """The expected cause was reported, or a cause upstream of it (``leads_to``): an example
        whose error text carries its own root (``[Errno 28] No space left on device``) is
        rightly reported as that root."""
        from ..rules.incidents import leads_to
        graph = leads_to()
        return self.expected in self.reported or any(self.expected in graph.get(c, ()) for c in self.reported)

    @property
    def family_ok(self) -> bool:
        return self.cause_ok or family(self.expected) in {family(c) for c in self.reported}


def expected_cause(entry: Entry) -> str:
    """The cause an entry means: its signal, attributes completed from its own example
    (``none`` for a known-harmless entry)."""
    if not entry.failure:
        return "none"
    text = fill(entry)
    caps = entry.compiled.match(text) or {}
    return cause_of(signal_of_entry(entry, caps, text))


#: analyse each case from memory (False: from a temporary folder holding its one file, as a
#: user's bundle would be read; both give the same outcomes, tests/test_catalog_memory.py compares them)
IN_MEMORY = True


def one_file_source(label: str, path: str, data: bytes) -> Source:
    """A bundle of one file at ``path`` (relative, ``/``-separated) holding ``data``: read as
    the same file in a folder named ``label`` would be, without writing it anywhere (a
    temporary folder per case cost more than analysing it)."""
    from ..sources.base import BundleInfo
    from ..sources.walker import Candidate, Walker
    return Walker(BundleInfo(label),
                  lambda walker: iter([Candidate(path, lambda: io.BytesIO(data), 0, len(data))]))


def analyse_case(entry: Entry, era: str, in_memory: bool | None = None) -> AnalysisResult:
    """Render ``entry`` in ``era`` and analyse it as a bundle of that one file (``in_memory``:
    see :data:`IN_MEMORY`, its default)."""
    from ..analysis import analyze
    from ..pipeline import run
    from ..result import AnalysisOptions
    # a harmless statement is judged on its own words: its example values may carry a real
    # failure of their own (an errno of a full disk), which is then rightly reported
    path, text = render_entry(entry, era, neutral=not entry.failure)
    label = f"la-cov-{entry.id}"    # the bundle's name either way (a host name may be derived from it)
    if IN_MEMORY if in_memory is None else in_memory:
        return run(one_file_source(label, path, text.encode("utf-8")), AnalysisOptions())
    with tempfile.TemporaryDirectory(prefix="la-cov-") as tmp:
        target = Path(tmp, label, path)
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
        return analyze(str(Path(tmp, label)), AnalysisOptions())


def run_one(entry: Entry, era: str) -> Outcome:
    """Render ``entry`` in ``era`` and analyse it as a bundle of that one file."""
    result = analyse_case(entry, era)
    reported = tuple(sorted({str(f.cause) for f in result.findings if str(f.severity) in _REPORTED}))
    return Outcome(entry.id, entry.program, era, expected_cause(entry), reported)


def _run_many(jobs: list[tuple[str, str]]) -> list[Outcome]:
    by_id = load_catalog().by_id
    return [run_one(by_id[eid], era) for eid, era in jobs]


def run_all(entries: Iterable[Entry], workers: int | None = None, benign: bool = False) -> list[Outcome]:
    """Every (failure entry, era) pair — with ``benign``, every known-harmless one instead — on
    ``workers`` processes (default: all cores)."""
    jobs = [(e.id, era) for e in entries if e.failure != benign for era in eras_of(e)]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < 20:
        return _run_many(jobs)
    chunks = [jobs[i::workers * 4] for i in range(workers * 4)]
    out: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_run_many, chunks):
            out.extend(part)
    return out


def table(entries: list[Entry], outcomes: list[Outcome]) -> list[str]:
    """The coverage table, one row per program and era, then the total."""
    rows: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        rows[(o.program, o.era)].append(o)
    per_program: dict[str, int] = defaultdict(int)
    failures: dict[str, int] = defaultdict(int)
    for e in entries:
        per_program[e.program] += 1
        failures[e.program] += e.failure
    head = ("program", "era", "entries", "failure", "cases", "family", "cause")
    lines = ["{:<13} {:<14} {:>7} {:>7} {:>6} {:>7} {:>7}".format(*head)]
    for (program, era), got in sorted(rows.items()):
        fam = sum(o.family_ok for o in got) / len(got)
        cau = sum(o.cause_ok for o in got) / len(got)
        era_entries = sum(1 for e in entries if e.program == program and era in eras_of(e))
        era_failures = sum(1 for e in entries if e.program == program and e.failure and era in eras_of(e))
        lines.append(f"{program:<13} {era:<14} {era_entries:>7} {era_failures:>7} {len(got):>6} "
                     f"{fam:>7.1%} {cau:>7.1%}")
    if outcomes:
        fam = sum(o.family_ok for o in outcomes) / len(outcomes)
        cau = sum(o.cause_ok for o in outcomes) / len(outcomes)
        lines.append(f"{'all':<13} {'':<14} {len(entries):>7} {sum(failures.values()):>7} {len(outcomes):>6} "
                     f"{fam:>7.1%} {cau:>7.1%}")
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m loganalyzer.catalog coverage")
    ap.add_argument("--misses", action="store_true", help="list the entries that miss their cause")
    ap.add_argument("--program", help="only this program")
    ap.add_argument("--ids", help="only entries whose id starts with this prefix (e.g. wala.protocol.)")
    ap.add_argument("--file", help="only entries of this catalog file (e.g. vmbackup.toml)")
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args(argv)
    cat = load_catalog()
    entries = [e for e in cat.entries if (not args.program or e.program == args.program)
               and (not args.ids or e.id.startswith(args.ids))
               and (not args.file or e.path.endswith("/" + args.file))]
    for err in cat.errors:
        print(f"catalog: {err}", file=sys.stderr)
    outcomes = run_all(entries, args.jobs)
    if args.misses:
        by_id = cat.by_id
        for o in outcomes:
            if not o.cause_ok:
                e = by_id[o.entry]
                print(f"MISS {o.entry} [{o.era}] expected={o.expected} reported={','.join(o.reported) or '-'}"
                      f"\n     {e.template}")
    for line in table(entries, outcomes):
        print(line)
    # the other half of the bargain: a harmless statement or a mark of progress, alone in its
    # file, raises nothing above info (issue 12: "0 benign entries raised above info")
    quiet = [e for e in entries if not e.failure]
    loud = [o for o in run_all(quiet, args.jobs, benign=True) if o.reported]
    if args.misses:
        for o in loud:
            print(f"LOUD {o.entry} [{o.era}] reported={','.join(o.reported)}")
    marks = {e.id for e in quiet if e.mark}
    benign = [e for e in quiet if e.id not in marks]
    loud_benign = {o.entry for o in loud if o.entry not in marks}
    # a mark written in an old era's line format dates an agent below the version policy: that
    # verdict is about the version, not about the statement
    dated = {o.entry for o in loud if o.entry in marks and o.reported == ("agent_outdated",)}
    loud_marks = {o.entry for o in loud if o.entry in marks} - dated
    print(f"benign: {len(benign)} entries, {sum(len(eras_of(e)) for e in benign)} cases, "
          f"{len(loud_benign)} entries raised above info")
    print(f"marks: {len(marks)} entries, {len(loud_marks)} raised above info"
          + (f" ({len(dated)} only date an agent below the version policy: agent_outdated)" if dated else ""))
    return 0
