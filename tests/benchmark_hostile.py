"""``benchmark.py hostile``: exit code, wall time and peak RSS of ``analyze-logs`` on every hostile
shape — the project's hostile suite (:data:`hostile_inputs.BUILDERS`) and the issue-17 items built
outside it (budgets, memory, damaged evidence) — with the default limits and with
``--limit max_seconds=10``.  Each run is a fresh process measured by :func:`hostile_inputs.run_cli`
(wall clock, ``ru_maxrss`` of the command alone); a run still going after ``--timeout`` is killed.

    python tests/benchmark.py hostile                        # every shape, both limit settings
    python tests/benchmark.py hostile --only zip_200k_entries --only pax_header_2gib
    python tests/benchmark.py hostile --no-short             # the default limits only
    python tests/benchmark.py hostile-coverage               # JSON coverage rows: 25k to 200k rows
"""
from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile_inputs as h


def _tar_gz_with(path: Path, header: bytes, zeros: int) -> Path:
    parts = [(header, 1), *h.zeros_parts(zeros), (h.tar_member("var/log/waagent.log", h.WAAGENT_LINES), 1),
             (h.TAR_END, 1)]
    path.write_bytes(h.gzip_of(parts))
    return path


def pax_header_2gib(root: Path) -> Path:
    return _tar_gz_with(root / "pax.tar.gz", h.tar_header("././@PaxHeader", 2 * h.GiB, tarfile.XHDTYPE),
                        2 * h.GiB)


def gnu_long_name_2gib(root: Path) -> Path:
    return _tar_gz_with(root / "longname.tar.gz",
                        h.tar_header("././@LongLink", 2 * h.GiB, tarfile.GNUTYPE_LONGNAME), 2 * h.GiB)


def tar_skipped_4gib_member(root: Path) -> Path:
    return _tar_gz_with(root / "skip.tar.gz", h.tar_header("../outside.log", 4 * h.GiB), 4 * h.GiB)


def zip_lying_sizes(root: Path) -> Path:
    block = h.WAAGENT_LINES * (h.MiB // len(h.WAAGENT_LINES))
    entry = h.ZipEntry.deflated("var/log/waagent.log", [(block, 2048)])       # 2 GiB of log text
    path = h.write_zip(root / "liar.zip", [entry])
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 20:central + 24] = (entry.size // 2).to_bytes(4, "little")  # claims 2:1
    path.write_bytes(bytes(data))
    return path


def tar_garbage_header(root: Path) -> Path:
    path = root / "damaged.tar"
    path.write_bytes(h.tar_member("var/log/waagent.log", h.WAAGENT_LINES) + bytes(range(1, 256)) * 2
                     + b"\x01\x02" + h.tar_member("var/log/waagent.log.1", h.WAAGENT_LINES) + h.TAR_END)
    return path


def gz_two_members_garbage(root: Path) -> Path:
    path = root / "waagent.log.1.gz"
    path.write_bytes(gzip.compress(h.WAAGENT_LINES[:90]) + gzip.compress(h.WAAGENT_LINES[90:]) + b"garbage!")
    return path


def extensions_config_880k(root: Path) -> Path:
    h.extensions_config_plugins(root / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", 880_000)
    return root / "vm"


def waagent_conf_1m_keys(root: Path) -> Path:
    h.waagent_conf_keys(root / "vm" / "etc/waagent.conf", 1_000_000)
    return root / "vm"


def extension_events_3m(root: Path) -> Path:
    h.extension_event_files(root / "vm" / "var/log/azure/Microsoft.Foo.Bar/events", 3_000_000)
    return root / "vm"


def xz_4gib_dictionary(root: Path) -> Path:
    h.xz_declaring_dictionary(root / "vm" / "var/log/waagent.log.1.xz", 256 * h.MiB)
    return root / "vm"


def year_one_with_zone(root: Path) -> Path:
    path = root / "waagent.log"
    path.write_bytes(b"2015/03/02 10:00:00 first\n0001/01/01 00:00:00 year one\n2015/03/02 10:00:01 last\n")
    return path


def _bz2_of(parts: list[tuple[bytes, int]]) -> bytes:
    """bz2 of each ``(chunk, times)`` in turn, compressed as it is generated (never held whole)."""
    import bz2
    packer = bz2.BZ2Compressor(9)
    out = [packer.compress(chunk) for chunk, times in parts for _ in range(times)]
    return b"".join(out) + packer.flush()


def tar_bz2_skipped_1gib_member(root: Path) -> Path:
    parts = [(h.tar_header("../outside.log", h.GiB), 1), *h.zeros_parts(h.GiB),
             (h.tar_member("var/log/waagent.log", h.WAAGENT_LINES), 1), (h.TAR_END, 1)]
    path = root / "skip.tar.bz2"
    path.write_bytes(_bz2_of(parts))
    return path


def tar_bz2_bomb_2gib(root: Path) -> Path:
    parts = [(h.tar_member("var/log/waagent.log.1", h.WAAGENT_LINES), 1),
             (h.tar_header("var/log/waagent.log", 2 * h.GiB), 1), *h.zeros_parts(2 * h.GiB), (h.TAR_END, 1)]
    path = root / "bomb.tar.bz2"
    path.write_bytes(_bz2_of(parts))
    return path


def _pax_size(root: Path, size: int) -> Path:
    payload = f" size={size}\n"
    length = len(payload) + len(str(len(payload)))
    length = len(payload) + len(str(length))           # the length counts its own digits
    record = f"{length}{payload}".encode()
    pax = h.tar_header("././@PaxHeader", len(record), tarfile.XHDTYPE) + record + bytes(-len(record) % 512)
    parts = [(pax, 1), (h.tar_member("var/log/waagent.log", h.WAAGENT_LINES), 1), (h.TAR_END, 1)]
    path = root / f"pax-size-{size:.0e}.tar.gz".replace("+", "")
    path.write_bytes(h.gzip_of(parts))
    return path


def pax_size_1e11(root: Path) -> Path:
    return _pax_size(root, 10**11)


def pax_size_1e15(root: Path) -> Path:
    return _pax_size(root, 10**15)


def zip_nested_lying_sizes(root: Path) -> Path:
    """Eight 2 GiB liars (see :func:`zip_lying_sizes`) stored as history zips of one outer zip."""
    inner = zip_lying_sizes(root).read_bytes()
    entries = [h.ZipEntry.stored(f"var/lib/waagent/history/2024-05-0{n}T10-00-00.zip", inner)
               for n in range(1, 9)]
    return h.write_zip(root / "nested-liars.zip", entries)


def _one_long_line(root: Path, size: int) -> Path:
    path = root / "waagent.log"
    line = b"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler password " + b"a." * (size // 2)
    path.write_bytes(h.WAAGENT_LINES + line + b"\n")
    return path


def redaction_line_80kb(root: Path) -> Path:
    return _one_long_line(root, 80_000)


def redaction_line_160kb(root: Path) -> Path:
    return _one_long_line(root, 160_000)


def root_folder_links_outside(root: Path) -> Path:
    """A ``--root`` tree whose ``var/log`` and ``etc`` are links to folders outside it."""
    outside = root / "host"
    (outside / "log").mkdir(parents=True)
    (outside / "log" / "waagent.log").write_bytes(h.WAAGENT_LINES)
    (outside / "etc").mkdir()
    (outside / "etc" / "waagent.conf").write_bytes(b"Provisioning.Enabled=y\n")
    tree = root / "rescue"
    (tree / "var").mkdir(parents=True)
    (tree / "var" / "log").symlink_to(outside / "log")
    (tree / "etc").symlink_to(outside / "etc")
    (tree / "var" / "lib" / "waagent").mkdir(parents=True)
    (tree / "var" / "lib" / "waagent" / "waagent_status.json").write_bytes(b"{}")
    return tree


def truncated_small_gz(root: Path) -> Path:
    lines = b"".join(f"2024-05-01T10:00:{i % 60:02d}.000000Z INFO ExtHandler ExtHandler line {i}\n".encode()
                     for i in range(1800))
    whole = gzip.compress(lines)
    path = root / "waagent.log.2.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    return path


#: The issue's items that the hostile suite does not build (name → builder of the input path).
ISSUE_ITEMS: dict[str, Callable[[Path], Path]] = {f.__name__: f for f in (
    pax_header_2gib, gnu_long_name_2gib, tar_skipped_4gib_member, tar_bz2_skipped_1gib_member,
    tar_bz2_bomb_2gib, pax_size_1e11, pax_size_1e15, zip_lying_sizes, zip_nested_lying_sizes,
    tar_garbage_header, gz_two_members_garbage, truncated_small_gz, extensions_config_880k,
    waagent_conf_1m_keys, extension_events_3m, xz_4gib_dictionary, year_one_with_zone,
    redaction_line_80kb, redaction_line_160kb, root_folder_links_outside)}

#: Arguments an item is run with instead of its path alone.
ISSUE_ARGS: dict[str, Callable[[Path], list[str]]] = {
    "year_one_with_zone": lambda p: [str(p), "--tz", "+02:00"],
    "root_folder_links_outside": lambda p: ["--root", str(p)],
}


def _inputs(only: list[str], workdir: Path) -> list[tuple[str, list[str]]]:
    """(name, the command's input arguments) of every selected shape, built under ``workdir``."""
    out: list[tuple[str, list[str]]] = []
    for name in sorted(h.BUILDERS):
        if not only or name in only:
            out.append((name, [str(h.build(name, workdir / name).path)]))
    for name, builder in ISSUE_ITEMS.items():
        if not only or name in only:
            (workdir / name).mkdir(parents=True, exist_ok=True)
            path = builder(workdir / name)
            out.append((name, ISSUE_ARGS.get(name, lambda p: [str(p)])(path)))
    return out


def _read_summary(report: Path) -> tuple[str, str]:
    """(lines read, files partial/skipped/unreadable) from a JSON report, '-' when there is none."""
    import json
    try:
        totals = json.loads(report.read_text("utf-8"))["coverage"]["totals"]
    except (OSError, ValueError, KeyError, TypeError):
        return "-", "-"
    return (str(totals.get("lines", "-")),
            "/".join(str(totals.get(k, "?")) for k in ("partial", "skipped", "unreadable")))


def cmd_hostile(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="hostile-bench-", dir=args.workdir))
    short = [("max_seconds=10", ["--limit", "max_seconds=10"])]
    settings = [("default", []), *([] if args.no_short else short)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; timeout {args.timeout:g} s")
    print("| input | limits | exit | wall s | peak RSS MiB | lines read | partial/skipped/unreadable |\n"
          "|---|---|--:|--:|--:|--:|--:|")
    try:
        for name, inputs in _inputs(args.only, workdir):
            for label, limit in settings:
                report = workdir / "runs" / name / f"report-{label}.json"
                report.parent.mkdir(parents=True, exist_ok=True)
                run = h.run_cli([*inputs, "--format", "json", "-o", str(report), *limit],
                                workdir / "runs" / name, timeout=args.timeout)
                code = "killed" if run.timed_out else str(run.returncode)
                trace = " traceback!" if "Traceback" in run.stderr else ""
                rss = f"{run.peak_rss_mib:.0f}" if run.peak_rss_mib else "?"
                lines, damaged = _read_summary(report)
                report.unlink(missing_ok=True)
                print(f"| {name} | {label} | {code}{trace} | {run.seconds:.1f} | {rss} | {lines} "
                      f"| {damaged} |", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


_COVERAGE_ROWS_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from report_fixtures import failing_backup_result
from loganalyzer.model import CoverageStatus, FileCoverage
from loganalyzer.report import render
from loganalyzer.report.json_report import to_dict
rows, fmt = int(sys.argv[1]), sys.argv[3]
result = failing_backup_result()
for i in range(rows):      # what a member of a huge zip leaves: read, skipped as not a log, or unreadable
    row = FileCoverage(f"var/lib/waagent/history/2024-05-01T10-{i // 60:05d}-{i % 60:02d}/member{i}.log",
                       "unknown", size=1_000 + i % 97)
    if i % 3 == 1:
        row.mark(CoverageStatus.SKIPPED, "not a file kind the tool reads")
    elif i % 3 == 2:
        row.add_unparsed(1, f"odd line in member {i}")
    result.coverage.append(row)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if fmt == "json":
    data = to_dict(result)
    built = time.perf_counter()
    text = json.dumps(data, indent=2, ensure_ascii=False)
else:
    built = started
    text = render(result, fmt)
done = time.perf_counter()
print(json.dumps({"build": built - started, "dump": done - built, "bytes": len(text.encode()),
                  "rss_before": before / 1024,
                  "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cmd_hostile_coverage(args: argparse.Namespace) -> int:
    """Render cost of coverage rows as the count grows (each count in a fresh process)."""
    import json
    import subprocess
    here = str(Path(__file__).resolve().parent)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| format | rows | view+dict s | dump s | µs/row | output MB | RSS before MiB | peak RSS MiB "
          "| KiB/row |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for fmt in args.format or ["json"]:
        for rows in args.rows or [25_000, 50_000, 100_000, 200_000]:
            out = subprocess.run([sys.executable, "-c", _COVERAGE_ROWS_RUN, str(rows), here, fmt],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            total = r["build"] + r["dump"]
            grown = r["rss_peak"] - r["rss_before"]
            print(f"| {fmt} | {rows} | {r['build']:.2f} | {r['dump']:.2f} | {total / rows * 1e6:.1f} "
                  f"| {r['bytes'] / 1e6:.1f} | {r['rss_before']:.0f} | {r['rss_peak']:.0f} "
                  f"| {grown * 1024 / rows:.2f} |", flush=True)
    return 0


def add_hostile_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hostile", help="exit code, wall time and peak RSS of analyze-logs on every hostile "
                       "shape (the hostile suite and the issue-17 items), default and max_seconds=10 limits")
    p.add_argument("--only", action="append", default=[], help="shape name (repeatable)")
    p.add_argument("--timeout", type=float, default=120.0, help="kill a run after this many seconds")
    p.add_argument("--no-short", action="store_true", help="skip the --limit max_seconds=10 runs")
    p.add_argument("--workdir", default=tempfile.gettempdir())
    p.set_defaults(func=cmd_hostile)
    c = sub.add_parser("hostile-coverage", help="render time and peak RSS of the coverage rows of a huge "
                       "bundle (e.g. a 200k-member zip), per row count and format")
    c.add_argument("--rows", type=int, action="append", default=None,
                   help="row counts (repeatable; default 25k, 50k, 100k, 200k)")
    c.add_argument("--format", action="append", default=None, help="report format (default: json)")
    c.set_defaults(func=cmd_hostile_coverage)
