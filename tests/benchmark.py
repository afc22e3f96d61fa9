"""Benchmarks, one subcommand per area (add yours next to ``parse``).  Never run by pytest.

    python tests/benchmark.py parse                      # makes the standard 1M-line bundle first
    python tests/benchmark.py parse --lines 200000       # a smaller generated bundle
    python tests/benchmark.py parse --bundle /tmp/bench.tar.gz
    python tests/benchmark.py fleet --bundles 200 --lines 3000    # analyze_many, 1 and 2 workers
    python tests/benchmark.py e2e --repeat 5             # analyze-logs vs tar -xzOf and lnav, 1M and 200k
    python tests/benchmark.py hostile                    # every hostile shape: exit, wall, peak RSS
    python tests/benchmark.py engine BUNDLE              # the rule engine's CPU per decision path

Each case runs in a fresh subprocess so its peak RSS (``resource.getrusage``) is its own.
Speeds are MiB of ``var/log/waagent.log`` per second, by wall clock and by CPU time of the
case (the machine is shared: CPU time is the steadier figure).  The bundle generator is
``../shared/bench/make_bench_bundle.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from benchmark_engine import add_engine_commands, print_engine_paths
from benchmark_hostile import add_hostile_commands

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO.parent / "shared" / "bench" / "make_bench_bundle.py"
MEMBER = "var/log/waagent.log"
MiB = 1 << 20


# ---------------------------------------------------------------- bundle handling

def make_bundle(lines: int, workdir: Path) -> Path:
    """Generate a bench bundle of ``lines`` waagent.log lines (cached under ``workdir``)."""
    out = workdir / f"bench-{lines}.tar.gz"
    if not out.exists():
        subprocess.run([sys.executable, str(GENERATOR), "--lines", str(lines), "--out", str(out), "--quiet"],
                       check=True)
    return out


def open_member(bundle: Path) -> IO[bytes]:
    """The waagent.log stream of a ``.tar.*`` bundle, a folder or a plain log file."""
    if bundle.is_dir():
        return open(bundle / MEMBER, "rb")
    if tarfile.is_tarfile(bundle):
        tar = tarfile.open(bundle, "r|*")  # noqa: SIM115 - the member stream is handed to the caller
        for info in tar:
            if info.name.lstrip("./") == MEMBER:
                stream = tar.extractfile(info)
                assert stream is not None
                return stream
        raise SystemExit(f"{bundle}: no {MEMBER}")
    return open(bundle, "rb")


def member_size(bundle: Path) -> int:
    if bundle.is_dir():
        return (bundle / MEMBER).stat().st_size
    if tarfile.is_tarfile(bundle):
        with tarfile.open(bundle, "r:*") as tar:
            return tar.getmember(MEMBER).size
    return bundle.stat().st_size


# ---------------------------------------------------------------- parse cases

def _records(stream: IO[bytes]) -> Iterator[Any]:
    from datetime import UTC

    from loganalyzer.limits import DEFAULT_LIMITS
    from loganalyzer.model import FileCoverage
    from loganalyzer.parsers.waagent_log import chunk_bytes_for, parse_chunks
    from loganalyzer.textio import iter_text_chunks

    chunks = iter_text_chunks(stream, chunk_bytes=chunk_bytes_for(DEFAULT_LIMITS.max_line_bytes))
    return parse_chunks(chunks, MEMBER, "waagent_log", UTC, FileCoverage(MEMBER, "waagent_log"))


def case_decompress(bundle: Path) -> int:
    """The floor: read the member's bytes and do nothing else."""
    with open_member(bundle) as stream:
        while stream.read(1 << 22):
            pass
    return 0


def case_stream_records(bundle: Path) -> int:
    """Stream Event records (payload fields included) without keeping them."""
    with open_member(bundle) as stream:
        return sum(1 for _ in _records(stream))


def case_records_frame(bundle: Path) -> int:
    """Parse every record and build the typed events DataFrame."""
    from loganalyzer.parsers.frame import events_frame

    with open_member(bundle) as stream:
        return len(events_frame(_records(stream)))


PARSE_CASES: dict[str, Callable[[Path], int]] = {
    "decompress (floor)": case_decompress,
    "stream records": case_stream_records,
    "records -> DataFrame": case_records_frame,
}


def run_case(name: str, bundle: Path) -> dict[str, Any]:
    """Run one case in this process and measure it."""
    wall, cpu = time.perf_counter(), time.process_time()
    records = PARSE_CASES[name](bundle)
    return {"case": name, "records": records, "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def cmd_parse(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = Path(args.bundle) if args.bundle else make_bundle(args.lines, workdir)
    source = bundle
    if args.extract and not bundle.is_dir():
        source = workdir / "waagent.log"
        with open_member(bundle) as stream, open(source, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 22)
    size = member_size(bundle)
    print(f"bundle {bundle} — {MEMBER} {size / MiB:.1f} MiB; reading from "
          f"{'the extracted file' if source != bundle else 'the archive'}; best of {args.repeat}")
    print(f"{'case':<22} {'records':>9} {'wall s':>7} {'cpu s':>7} {'MiB/s wall':>10} {'MiB/s cpu':>10} "
          f"{'peak RSS MiB':>12}")
    for name in PARSE_CASES:
        runs = [_subprocess_case(name, source) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["cpu"])
        print(f"{name:<22} {best['records']:>9} {best['wall']:>7.2f} {best['cpu']:>7.2f} "
              f"{size / MiB / best['wall']:>10.1f} {size / MiB / best['cpu']:>10.1f} "
              f"{best['rss_mib']:>12.0f}")
    return 0


def _subprocess_case(name: str, bundle: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "_case", name, str(bundle)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout)


def cmd_case(args: argparse.Namespace) -> int:
    print(json.dumps(run_case(args.name, Path(args.bundle))))
    return 0


# ---------------------------------------------------------------- rules cases

def case_rules_only(bundle: Path) -> dict[str, float]:
    """Parse the records first (untimed), then time the whole rule catalog over them."""
    from loganalyzer.facts.model import Facts
    from loganalyzer.rules import RuleEngine, load_rules
    from loganalyzer.sources.base import BundleInfo

    with open_member(bundle) as stream:
        records = list(_records(stream))
    engine = RuleEngine(load_rules()[0])
    wall, cpu = time.perf_counter(), time.process_time()
    for record in records:
        engine.observe(record)
    findings, _ = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo(str(bundle)), [])
    return {"records": len(records), "findings": len(findings), "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu}


def cmd_rules(args: argparse.Namespace) -> int:
    """Rules vs parsing: the rule set must stay under 2x the parser's time."""
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = Path(args.bundle) if args.bundle else make_bundle(args.lines, workdir)
    parse = min((_subprocess_case("stream records", bundle) for _ in range(args.repeat)),
                key=lambda r: r["cpu"])
    runs = [json.loads(subprocess.run([sys.executable, __file__, "_rules_case", str(bundle)], check=True,
                                      capture_output=True, text=True).stdout) for _ in range(args.repeat)]
    rules = min(runs, key=lambda r: r["cpu"])
    print(f"bundle {bundle}: {rules['records']} records, {rules['findings']} findings; best of {args.repeat}")
    print(f"parse (stream records) cpu {parse['cpu']:.2f} s; rules cpu {rules['cpu']:.2f} s "
          f"= {rules['cpu'] / parse['cpu']:.2f}x the parser (budget 2x)")
    return 0


def cmd_rules_case(args: argparse.Namespace) -> int:
    print(json.dumps(case_rules_only(Path(args.bundle))))
    return 0


# ---------------------------------------------------------------- stress (hostile-input suite)

#: Real waagent.log record shapes (../shared/reference/formats.md §2–3 and its quoted excerpts);
#: ``{t}`` is replaced by a timestamp that moves on one second per record.
STRESS_RECORDS = (
    "{t} INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.11.1.4 is running as the goal state "
    "agent [DEBUG HeartbeatCounter: 12;HeartbeatId: 7e5c3b1a-0d8e-4c55-9b1e-2f7a6c1d9e44;DroppedPackets: 0;"
    "UpdateGSErrors: 0;AutoUpdate: 1;UpdateMode: SelfUpdate;]",
    "{t} WARNING EnvHandler ExtHandler Dhcp client is not running.",
    "{t} WARNING ExtHandler ExtHandler Fetch failed: [HttpError] [HTTP Retry] GET "
    "http://168.63.129.16:32526/extensionArtifact -- Status Code 502 -- 1 attempts made",
    "{t} WARNING ExtHandler ExtHandler Download failed, switching to host plugin",
    "{t} INFO MonitorHandler ExtHandler [CGW] Disabling resource usage monitoring. Reason: Check on cgroups "
    "failed:\n[CGroupsException] The agent's cgroup includes unexpected processes: ['[PID: 2367] UNKNOWN']",
    "{t} ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [Wireserver Exception] "
    "[HttpError] [HTTP Failed] GET http://168.63.129.16/machine/ -- IOError timed out -- 6 attempts made",
    "{t} WARNING MonitorHandler ExtHandler Error in SendHostPluginHeartbeat: [HttpError] [HTTP Failed] GET "
    "http://168.63.129.16:32526/health -- IOError timed out -- 1 attempts made --- [NOTE: Will not log the "
    "same error for the next hour]",
    "{t} ERROR ExtHandler ExtHandler Event: name=Microsoft.GuestConfiguration.ConfigurationforLinux, "
    "op=Install, message=[ExtensionOperationError] Non-zero exit code: 51, /var/lib/waagent/"
    "Microsoft.GuestConfiguration.ConfigurationforLinux-1.26.79/bin/guest-configuration-shim install\n"
    "[stdout]\nLinux distribution version is 4081.2.1.\n[stderr]\n[2024-12-26T06:35:22+0000]: Unexpected "
    "Linux distribution.",
    "{t} INFO ExtHandler ExtHandler [CGW] cpu controller is not enabled; will not track",
)


def stress_block(records: int = 240) -> bytes:
    """About 64 KiB of waagent.log text, timestamps one second apart: one heartbeat, then the other
    records above in turn (heartbeats are rare in real logs: one every 30 minutes)."""
    from datetime import UTC, datetime, timedelta
    start = datetime(2024, 5, 1, tzinfo=UTC)
    heartbeat, *others = STRESS_RECORDS
    out = []
    for i in range(records):
        stamp = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record = heartbeat if i == 0 else others[i % len(others)]
        out.append(record.format(t=stamp) + "\n")
    return "".join(out).encode()


def make_stress_bundle(gib: float, workdir: Path) -> tuple[Path, int]:
    """A ``.tar.gz`` whose ``var/log/waagent.log`` holds ``gib`` GiB: one 1 MiB chunk of log text is
    compressed once and its deflate block repeated, so the archive stays a few MiB and is made in
    seconds (see ``tests/hostile_inputs.py``)."""
    from hostile_inputs import TAR_END, gzip_of, tar_header
    block = stress_block()
    chunk = block * (MiB // len(block))
    repeat = max(1, int(gib * (1 << 30)) // len(chunk))
    size = repeat * len(chunk)
    out = workdir / f"stress-{size}.tar.gz"
    if not out.exists():
        parts = [(tar_header(MEMBER, size), 1), (chunk, repeat), (bytes(-size % 512) + TAR_END, 1)]
        out.write_bytes(gzip_of(parts))
    return out, size


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MiB


def run_stress(bundle: Path, size: int, interval: float) -> dict[str, Any]:
    """Analyse ``bundle`` with byte and ratio limits raised; sample RSS every ``interval`` seconds."""
    import threading

    from loganalyzer.analysis import analyze
    from loganalyzer.limits import Limits
    from loganalyzer.result import AnalysisOptions

    limits = Limits(max_total_bytes=size + (1 << 30), max_member_bytes=size + (1 << 30), max_ratio=1e9,
                    max_seconds=1e9)
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not done.wait(interval):
            samples.append((round(time.perf_counter() - started, 1), round(_rss_mib(), 1)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu = time.process_time()
    result = analyze(str(bundle), AnalysisOptions(limits=limits))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    done.set()
    sampler.join()
    return {"wall": wall, "cpu": cpu, "mib_s": size / MiB / wall, "lines": result.stats.get("lines"),
            "records": result.stats.get("records"), "findings": len(result.findings),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "samples": samples,
            "coverage": [(c.path, str(c.status), c.reason) for c in result.coverage]}


def cmd_stress(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    made = time.perf_counter()
    bundle, size = make_stress_bundle(args.gib, workdir)
    print(f"bundle {bundle}: {MEMBER} {size / (1 << 30):.2f} GiB uncompressed, archive "
          f"{bundle.stat().st_size / MiB:.1f} MiB (made in {time.perf_counter() - made:.1f} s)")
    out = subprocess.run([sys.executable, __file__, "_stress", str(bundle), str(size), str(args.interval)],
                         check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    print(f"analyze(): {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, {r['mib_s']:.1f} MiB/s, "
          f"{r['lines']} lines, {r['records']} records, {r['findings']} findings, "
          f"peak RSS {r['peak_rss_mib']:.0f} MiB")
    print("RSS over time (s: MiB): " + ", ".join(f"{t:g}: {m:.0f}" for t, m in r["samples"]))
    for path, status, reason in r["coverage"]:
        print(f"  {path} [{status}] {reason or ''}")
    return 0


def cmd_stress_case(args: argparse.Namespace) -> int:
    print(json.dumps(run_stress(Path(args.bundle), args.size, args.interval)))
    return 0


# ---------------------------------------------------------------- fleet: many small bundles in parallel
#: Causes planted round-robin into the fleet's bundles (None: a healthy VM).
FLEET_CAUSES: tuple[str | None, ...] = (
    "snapshot_failed", "agent_outdated", None, "extension_enable_failed", "no_network",
    "cgroup_limits", None, "certificates", "disk_full", "extension_download_failed")


def fleet_bundles(count: int, lines: int, workdir: Path) -> list[Path]:
    """``count`` small bundles with different seeds and planted causes, generated once under ``workdir``."""
    from concurrent.futures import ThreadPoolExecutor
    folder = workdir / f"fleet-{lines}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"vm{i:04d}.tar.gz" for i in range(count)]

    def make(index: int) -> None:
        cause = FLEET_CAUSES[index % len(FLEET_CAUSES)]
        cmd = [sys.executable, str(GENERATOR), "--lines", str(lines), "--seed", str(index),
               "--out", str(paths[index]), "--quiet", *(["--inject", cause] if cause else [])]
        subprocess.run(cmd, check=True)

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(make, [i for i, p in enumerate(paths) if not p.exists()]))
    return paths


def run_fleet(engine: str, workers: int, paths: list[str]) -> dict[str, Any]:
    """One measured fleet run (in this process): wall time, workers' CPU time and peak RSS."""
    import importlib
    import logging

    from loganalyzer.fleet import analyze_many
    # Imports are start-up, not analysis: the pipeline, and pandas for the tables (0.2 s once).
    for module in ("loganalyzer.analysis", "pandas"):
        importlib.import_module(module)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if engine == "local":
        fleet = analyze_many(paths, engine="local", jobs=workers)
    else:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            client.run(importlib.import_module, "loganalyzer.analysis")
            fleet = analyze_many(paths, engine="dask", client=client)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"engine": engine, "workers": workers, "bundles": len(paths), "seconds": fleet.seconds,
            "failed": int(fleet.bundles["error"].notna().sum()), "cpu_seconds": cpu,
            "peak_rss_mib": max(fleet.worker_peak_rss.values()) / MiB}


def _fleet_case(engine: str, workers: int, paths: list[Path]) -> dict[str, Any]:
    """:func:`run_fleet` in a fresh process, so every run starts from the same memory."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(map(str, paths)))
    try:
        out = subprocess.run([sys.executable, __file__, "_fleet", engine, str(workers), listing.name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(listing.name)
    return json.loads(out.strip().splitlines()[-1])


def cmd_fleet(args: argparse.Namespace) -> int:
    paths = fleet_bundles(args.bundles, args.lines, Path(args.workdir))
    print(f"fleet: {len(paths)} bundles of {args.lines} waagent.log lines ({paths[0].parent}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'engine':<7}{'workers':>8}{'wall s':>9}{'bundles/s':>11}{'CPU ms/bundle':>15}"
          f"{'peak RSS/worker':>17}")
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    for engine in ("local", "dask"):
        for workers in (1, 2):
            r = runs[engine, workers] = _fleet_case(engine, workers, paths)
            failed = f"  ({r['failed']} could not be analysed)" if r["failed"] else ""
            print(f"{engine:<7}{workers:>8}{r['seconds']:>9.2f}{r['bundles'] / r['seconds']:>11.1f}"
                  f"{1000 * r['cpu_seconds'] / r['bundles']:>15.0f}{r['peak_rss_mib']:>13.0f} MiB{failed}")
    for engine in ("local", "dask"):
        one, two = runs[engine, 1], runs[engine, 2]
        ratio = one["seconds"] / two["seconds"]
        bound = 2 * (one["cpu_seconds"] / one["bundles"]) / (two["cpu_seconds"] / two["bundles"])
        print(f"speed-up 1 → 2 workers, {engine}: {ratio:.2f}× by wall clock (target ≥ 1.8×); "
              f"{bound:.2f}× if each worker had a core (CPU time per bundle)")
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: the machine is busy (load {load:.1f}); with autogroup scheduling all processes of "
              "this session share one CPU slice, so wall-clock speed-ups mean little until it is idle")
    quarter = _fleet_case("local", 2, paths[: max(1, len(paths) // 4)])
    full = runs["local", 2]
    print(f"peak RSS per worker, local pool: {quarter['peak_rss_mib']:.0f} MiB after {quarter['bundles']} "
          f"bundles, {full['peak_rss_mib']:.0f} MiB after {full['bundles']}")
    return 0


def cmd_fleet_case(args: argparse.Namespace) -> int:
    paths = Path(args.listing).read_text().split("\n")
    print(json.dumps(run_fleet(args.engine, args.workers, paths)))
    return 0


def add_fleet_commands(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("fleet", help="analyze_many over generated small bundles: bundles/s with 1 and 2 "
                       "workers on the local pool and a Dask LocalCluster, speed-up, peak RSS per worker")
    f.add_argument("--bundles", type=int, default=200, help="bundles in the fleet (default 200)")
    f.add_argument("--lines", type=int, default=3000, help="waagent.log lines per bundle (default 3000)")
    f.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "loganalyzer-bench"),
                   help="where the generated bundles are kept between runs")
    f.set_defaults(func=cmd_fleet)
    fc = sub.add_parser("_fleet")   # internal: one measured fleet run in a fresh process
    fc.add_argument("engine")
    fc.add_argument("workers", type=int)
    fc.add_argument("listing")
    fc.set_defaults(func=cmd_fleet_case)


# ---------------------------------------------------------------- e2e: analyze-logs against tar -xzOf

ANALYZE_LOGS = Path(sys.executable).with_name("analyze-logs")


def _child(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``cmd`` with stdout to /dev/null: wall seconds, CPU (user+sys) and peak RSS of that child."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, stdout=null, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):      # analyze-logs exits 1 when it finds errors
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return {"wall": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024}


def installed_env() -> dict[str, str]:
    """This environment as an installed package runs in: Python may keep its compiled modules
    (``PYTHONDONTWRITEBYTECODE`` unset; pip compiles them at install, a sandbox may forbid it and
    every run then compiles the package again, about 0.1 s)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def stage_seconds(bundle: Path) -> dict[str, float]:
    """CPU seconds per pipeline stage of one in-process ``analyze`` + text report, by wrapping the
    stages' entry points with CPU-time timers (a CPU clock read is a system call: about 1 µs per
    record and timed call, so the stages add up to more than the untimed run's CPU time).

    decompress: reading the bundle's member bytes alone (a separate pass); scan: parsing minus
    decompress; facts: the facts collector; match: the rule engine's per-record work; rules:
    the engine's finish (findings, verdicts); report: rendering the text report.
    """
    from loganalyzer import analysis
    from loganalyzer.facts.collector import FactsCollector
    from loganalyzer.report.text import render_text
    from loganalyzer.rules import RuleEngine

    clock = time.process_time
    spent = dict.fromkeys(("decompress", "scan", "facts", "match", "rules", "report"), 0.0)

    def timed(cls: type, name: str, stage: str) -> Callable[..., Any]:
        original = getattr(cls, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent[stage] += clock() - t
        setattr(cls, name, wrapper)
        return original

    start = clock()
    case_decompress(bundle)
    spent["decompress"] = clock() - start
    originals = [(FactsCollector, "observe", timed(FactsCollector, "observe", "facts")),
                 (FactsCollector, "finish", timed(FactsCollector, "finish", "facts")),
                 (RuleEngine, "observe", timed(RuleEngine, "observe", "match")),
                 (RuleEngine, "finish", timed(RuleEngine, "finish", "rules"))]
    try:
        analysis.analyze(str(bundle))   # warm-up: rule loading and imports are start-up, not stages
        for key in ("facts", "match", "rules"):
            spent[key] = 0.0
        start = clock()
        result = analysis.analyze(str(bundle))
        total = clock() - start
        start = clock()
        render_text(result, color=False, verbose=False, width=100)
        spent["report"] = clock() - start
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
    # the facts collector is called from inside the parser loop: take it out of "scan"
    spent["scan"] = total - spent["facts"] - spent["match"] - spent["rules"] - spent["decompress"]
    spent["total"] = total + spent["report"]
    return spent


def cmd_e2e(args: argparse.Namespace) -> int:
    bundles = [Path(b) for b in args.bundle] if args.bundle else \
        [make_bundle_with(n, Path(args.workdir)) for n in (args.lines or (1_000_000, 200_000))]
    if not ANALYZE_LOGS.exists():
        print(f"benchmark.py: {ANALYZE_LOGS} is missing (pip install -e . in this environment)",
              file=sys.stderr)
        return 2
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.repeat}, "
          "analyze-logs and tar -xzOf alternated")
    env = installed_env()
    small = REPO / "sample_logs" / "adhoc-healthy.tar.gz"
    startup = [_child([str(ANALYZE_LOGS), str(small)], env) for _ in range(args.repeat)]
    cpu, wall = (_median([r[k] for r in startup]) for k in ("cpu", "wall"))
    print(f"start-up (analyze-logs on {small.relative_to(REPO)}): CPU {cpu:.2f} s, wall {wall:.2f} s")
    for bundle in bundles:
        size = member_size(bundle)
        lnav = None if args.no_lnav else shutil.which("lnav")
        runs: dict[str, list[dict[str, float]]] = {"tar -xzOf": [], "analyze-logs": [], "lnav": []}
        for _ in range(args.repeat):
            runs["tar -xzOf"].append(_child(["tar", "-xzOf", str(bundle)]))
            runs["analyze-logs"].append(_child([str(ANALYZE_LOGS), str(bundle)], env))
            if lnav:
                runs["lnav"].append(_lnav_once(lnav, bundle))
        medians = {name: {k: _median([r[k] for r in rs]) for k in ("wall", "cpu", "rss_mib")}
                   for name, rs in runs.items() if rs}
        floor = medians["tar -xzOf"]
        print(f"\n{bundle}: {MEMBER} {size / MiB:.0f} MiB")
        print(f"{'':<16}{'CPU s':>8}{'wall s':>8}{'x floor CPU':>13}{'x floor wall':>14}{'peak RSS MiB':>14}")
        for name, r in medians.items():
            print(f"{name:<16}{r['cpu']:>8.2f}{r['wall']:>8.2f}{r['cpu'] / floor['cpu']:>13.1f}"
                  f"{r['wall'] / floor['wall']:>14.1f}{r['rss_mib']:>14.0f}")
        if not args.no_stages:
            out = subprocess.run([sys.executable, __file__, "_stages", str(bundle)], check=True,
                                 capture_output=True, text=True).stdout
            stages = json.loads(out.strip().splitlines()[-1])
            print("stages (CPU s, in-process with timers): " + ", ".join(
                f"{k} {v:.2f}" for k, v in stages.items()))
            print_engine_paths(bundle)
    return 0


def _lnav_once(lnav: str, bundle: Path) -> dict[str, float]:
    """lnav reading every line of the bundle headless (one SQL count over all logs), with a fresh
    TMPDIR so its extracted-archive cache from the run before is not reused."""
    with tempfile.TemporaryDirectory(prefix="bench-lnav-") as tmp:
        return _child([lnav, "-n", "-c", ";SELECT count(*) FROM all_logs", str(bundle)],
                      env={**os.environ, "TMPDIR": tmp})


def make_bundle_with(lines: int, workdir: Path) -> Path:
    """The issue-15 bench bundle: ``lines`` lines, seed 42, a crash loop and a failed snapshot."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"bench-e2e-{lines}.tar.gz"
    if not out.exists():
        subprocess.run([sys.executable, str(GENERATOR), "--lines", str(lines), "--seed", "42",
                        "--inject", "agent_crash_loop", "--inject", "snapshot_failed", "--out", str(out),
                        "--quiet"], check=True)
    return out


def cmd_stages(args: argparse.Namespace) -> int:
    print(json.dumps(stage_seconds(Path(args.bundle))))
    return 0


def add_e2e_commands(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("e2e", help="analyze-logs against tar -xzOf of the same bundle (alternated, "
                       "median): CPU and wall ratios, peak RSS, and CPU per pipeline stage")
    e.add_argument("--bundle", action="append", help="bundle(s) to measure (default: the generated 1M- and "
                   "200k-line bundles with a crash loop and a failed snapshot)")
    e.add_argument("--lines", type=int, action="append", help="generate a bundle of N lines to measure "
                   "(repeatable; default: 1M and 200k)")
    e.add_argument("--repeat", type=int, default=5, help="runs of each command (median shown)")
    e.add_argument("--no-stages", action="store_true", help="skip the in-process per-stage run")
    e.add_argument("--no-lnav", action="store_true", help="do not measure lnav beside them (it is measured "
                   "when on PATH, its archive cache cleared each run)")
    e.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "loganalyzer-bench"))
    e.set_defaults(func=cmd_e2e)
    s = sub.add_parser("_stages")   # internal: the per-stage run in a fresh process
    s.add_argument("bundle")
    s.set_defaults(func=cmd_stages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="waagent.log parsing: records stream and events DataFrame")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--bundle", help="bench bundle (.tar.gz), folder or plain waagent.log")
    source.add_argument("--lines", type=int, default=1_000_000, help="generate a bundle of N lines")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "loganalyzer-bench"))
    p.add_argument("--repeat", type=int, default=3, help="runs per case (best CPU time shown)")
    p.add_argument("--extract", action="store_true",
                   help="extract waagent.log to the workdir first (leave decompression out)")
    p.set_defaults(func=cmd_parse)
    st = sub.add_parser("stress", help="stream a generated multi-GiB bundle through analyze(): "
                        "wall time, MiB/s, RSS sampled during the run")
    st.add_argument("--gib", type=float, default=3.0, help="uncompressed size of waagent.log (default 3)")
    st.add_argument("--interval", type=float, default=2.0, help="seconds between RSS samples")
    st.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "loganalyzer-bench"))
    st.set_defaults(func=cmd_stress)
    sc = sub.add_parser("_stress")   # internal: the measured stress run in a fresh process
    sc.add_argument("bundle")
    sc.add_argument("size", type=int)
    sc.add_argument("interval", type=float)
    sc.set_defaults(func=cmd_stress_case)
    r = sub.add_parser("rules", help="the rule catalog over parsed records, against the parser's own time")
    r.add_argument("--bundle", help="bench bundle (.tar.gz), folder or plain waagent.log")
    r.add_argument("--lines", type=int, default=1_000_000, help="generate a bundle of N lines")
    r.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "loganalyzer-bench"))
    r.add_argument("--repeat", type=int, default=2, help="runs per case (best CPU time shown)")
    r.set_defaults(func=cmd_rules)
    rc = sub.add_parser("_rules_case")   # internal: the measured rules run in a fresh process
    rc.add_argument("bundle")
    rc.set_defaults(func=cmd_rules_case)
    c = sub.add_parser("_case")   # internal: one measured case in a fresh process
    c.add_argument("name")
    c.add_argument("bundle")
    c.set_defaults(func=cmd_case)
    add_fleet_commands(sub)
    add_e2e_commands(sub)
    add_hostile_commands(sub)
    add_engine_commands(sub)
    args = parser.parse_args(argv)
    needs_generator = (not getattr(args, "bundle", None)
                       and args.command in ("parse", "rules", "stress", "e2e")) \
        or args.command.startswith("fleet")
    if needs_generator and not GENERATOR.is_file():
        print(f"benchmark.py: the bundle generator {GENERATOR} is missing (../shared is not next to the "
              "repository); pass --bundle FILE where the command takes one", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        print(f"benchmark.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
