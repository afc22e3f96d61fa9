"""Issue 17's before/after figures: each item's reproducer, run under ``/usr/bin/time -v`` against two
checkouts of the code, with exit code, wall time and peak RSS (and one observed outcome per run).

Not a test: a re-runnable command.  Inputs are generated (big ones streaming) under ``--workdir``;
nothing is committed.  Each run is a fresh ``python -m loganalyzer.cli ...`` (or, for the items about
the Python API, ``python -c ...``) with ``PYTHONPATH`` set to the checkout, capped by ``timeout``.

    git -C /work/main archive 1b21862 | tar -x -C /tmp/before
    python tests/hostile_figures.py list
    python tests/hostile_figures.py build   --workdir /tmp/h17fig
    python tests/hostile_figures.py measure --workdir /tmp/h17fig --code before=/tmp/before \\
        --code after=$PWD --repeat 3 --timeout 300 --results /tmp/h17fig/results.jsonl [--only ITEM]
    python tests/hostile_figures.py table   --results /tmp/h17fig/results.jsonl

Runs are made one at a time (the figures are wall times).  ``--repeat`` is lowered to one for a run
whose first try took longer than ``--once-after`` seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark_hostile as bh
import hostile_inputs as h

#: Every planted secret contains this (as in tests/test_secrets_hostile.py).
SECRET = "PLANTEDSECRETx9q"
EVIL = "vm\x1b]0;pwned\x07<script>alert(1)\u202egol\u2028x"
RAW_CONTROLS = ("\x1b]", "\x07", "\u202e", "\u2028")


@dataclass
class Item:
    name: str
    issue: str                                   # the issue's bullet, shortly
    tests: str                                   # the test(s) that cover it
    build: Callable[[Path], Path]                # input under a folder → the path the args name
    args: Callable[[Path, Path], list[str]]      # (input, run dir) → CLI arguments
    check: Callable[[Path, str, str], str] = lambda run, out, err: ""   # what the run shows
    mode: str = "cli"                            # cli | api | pair | sigint | killtracker
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# observations
# ---------------------------------------------------------------------------------------------
def _json_report(run: Path) -> dict:
    try:
        return json.loads((run / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def lines_read(run: Path, out: str, err: str) -> str:
    totals = _json_report(run).get("coverage", {}).get("totals", {})
    if not totals:
        return "no report" + (" (traceback)" if "Traceback" in err else "")
    return (f"lines={totals.get('lines', '?')} partial/skipped/unreadable="
            + "/".join(str(totals.get(k, "?")) for k in ("partial", "skipped", "unreadable")))


def secrets_in(paths: Callable[[Path], list[Path]]) -> Callable[[Path, str, str], str]:
    def check(run: Path, out: str, err: str) -> str:
        hits = sum(p.read_bytes().count(SECRET.encode()) for p in paths(run) if p.is_file())
        hits += out.count(SECRET) + err.count(SECRET)
        return f"secret copies in outputs={hits}"
    return check


def _out_files(run: Path) -> list[Path]:
    return [p for p in (run / "out").rglob("*")] + [run / "report.json"]


def raw_controls(files: Callable[[Path], list[Path]]) -> Callable[[Path, str, str], str]:
    def check(run: Path, out: str, err: str) -> str:
        text = out + err + "".join(p.read_text("utf-8", "replace") for p in files(run) if p.is_file())
        found = [repr(c) for c in RAW_CONTROLS if c in text]
        script = "<script" in text
        return f"raw controls={','.join(found) or 'none'} raw <script>={'yes' if script else 'no'}"
    return check


def fleet_rows(run: Path, out: str, err: str) -> str:
    try:
        import pyarrow.parquet as pq
        rows = pq.read_table(run / "out" / "bundles.parquet").to_pandas()
    except Exception as exc:  # the observation is what the run left
        return f"bundles.parquet: {type(exc).__name__}" + tracebacks(err)
    status = ",".join(f"{k}={v}" for k, v in rows["status"].value_counts().sort_index().items())
    return f"rows={len(rows)} ({status})" + tracebacks(err)


def tracebacks(err: str) -> str:
    n = err.count("Traceback")
    return f"; tracebacks={n} ({len(err.splitlines())} stderr lines)" if n else ""


def with_events_rows(run: Path, out: str, err: str) -> str:
    try:
        import pyarrow.parquet as pq
        events = pq.read_table(run / "out" / "events.parquet").num_rows
    except Exception as exc:
        events = type(exc).__name__
    return f"{fleet_rows(run, out, err)} events={events}"


def stdout_tail(run: Path, out: str, err: str) -> str:
    last = (out.strip().splitlines() or ["-"])[-1]
    tail = f"; err: {err.strip().splitlines()[-1][:100]}" if err.strip() else ""
    return last[:80] + tracebacks(err) + tail


# ---------------------------------------------------------------------------------------------
# inputs not built by benchmark_hostile
# ---------------------------------------------------------------------------------------------
def _waagent_log(messages: list[str]) -> bytes:
    return b"".join(f"2024-05-01T10:00:{i % 60:02d}.000000Z ERROR ExtHandler ExtHandler {m}\n".encode()
                    for i, m in enumerate(messages))


def _folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def secrets_plain_fleet(root: Path) -> Path:
    from test_secrets_hostile import PLAIN_SHAPES
    _folder(root / "in" / "vm1", {"var/log/waagent.log": _waagent_log(list(PLAIN_SHAPES))})
    return root / "in"


def secrets_28_shapes(root: Path) -> Path:
    from test_secrets_hostile import PLANTED
    return _folder(root / "vm", {"var/log/waagent.log": _waagent_log([line for _, line in PLANTED])})


def names_fleet(root: Path) -> Path:
    bundles = root / "in"
    bundles.mkdir(parents=True, exist_ok=True)
    (bundles / f"{EVIL}.tar.gz").write_bytes(bytes(range(256)) * 8)
    _folder(bundles / "vm2", {"waagent.log": h.WAAGENT_LINES})
    return bundles


def names_text(root: Path) -> Path:
    return _folder(root / "bundle", {"var/log/waagent.log": h.WAAGENT_LINES,
                                     f"var/log/{EVIL}.log": h.WAAGENT_LINES})


def kept_after_interrupt(run: Path, out: str, err: str) -> str:
    """What an interrupted fleet run kept: the table's rows and the bundles its journal holds."""
    journal = list((run / "out").rglob("*.bundle.parquet"))
    return f"{fleet_rows(run, out, err)}; journal bundles={len(journal)}"


def two_good_bundles(root: Path, count: int = 2, repeat: int = 1) -> Path:
    for i in range(count):
        _folder(root / "in" / f"vm{i:02d}", {"var/log/waagent.log": h.WAAGENT_LINES * repeat + (
            f"2022-12-02T05:46:{i % 60:02d}.000000Z INFO ExtHandler ExtHandler vm {i}\n".encode())})
    return root / "in"


def year_one_legacy_50k(root: Path) -> Path:
    """50,001 old-format lines, line 45,860 dated year 1 (the issue's 45,859 of 50,001)."""
    path = root / "waagent.log"
    with path.open("wb") as f:
        for i in range(50_001):
            if i == 45_859:
                f.write(b"0001/01/01 00:00:00 year one\n")
            else:
                f.write(f"2015/03/02 10:{i // 60 % 60:02d}:{i % 60:02d} line {i}\n".encode())
    return path


def year_9999_bundle(root: Path) -> Path:
    return _folder(root / "in" / "vm1", {"var/log/waagent.log": h.WAAGENT_LINES
                                         + b"9999-12-31T23:59:59.000000Z INFO ExtHandler ExtHandler late\n"
                                         + b"0001-01-01T00:00:00.000000Z INFO ExtHandler ExtHandler early\n"})


def same_named_bundles(root: Path) -> Path:
    for side in ("a", "b"):
        _folder(root / side / "vm.zip", {"var/log/waagent.log": h.WAAGENT_LINES + side.encode() + b"\n"})
    (root / "reports").mkdir(exist_ok=True)
    return root


def nfc_nfd_bundles(root: Path) -> Path:
    for form in ("NFC", "NFD"):
        name = unicodedata.normalize(form, "café")
        _folder(root / name, {"var/log/waagent.log": h.WAAGENT_LINES + form.encode() + b"\n"})
    return root


def fifo_and_dev_zero(root: Path) -> Path:
    bundles = two_good_bundles(root, 1)
    for name, make in (("vm2.tar.gz", lambda p: os.mkfifo(p)),
                       ("vm3.tar.gz", lambda p: p.symlink_to("/dev/zero"))):
        if not (bundles / name).exists() and not (bundles / name).is_symlink():
            make(bundles / name)
    return bundles


def two_inputs(root: Path) -> Path:
    for n in (1, 2):
        for i in range(4):
            _folder(root / f"in{n}" / f"set{n}vm{i}", {"var/log/waagent.log": h.WAAGENT_LINES + (
                f"2022-12-02T05:47:{i:02d}.000000Z INFO ExtHandler ExtHandler set {n} vm {i}\n".encode())})
    return root


def rows_per_input(run: Path, out: str, err: str) -> str:
    try:
        import pyarrow.parquet as pq
        rows = pq.read_table(run / "out" / "bundles.parquet").to_pandas()
    except Exception as exc:  # the observation is what the run left
        return f"bundles.parquet: {type(exc).__name__}"
    per = {n: int(rows["path"].str.contains(f"/in{n}/").sum()) for n in (1, 2)}
    return f"rows from run 1={per[1]}/4, from run 2={per[2]}/4"


def unwritable_out(root: Path) -> Path:
    bundles = two_good_bundles(root, 12)
    (root / "a-file").write_text("not a folder")
    return bundles


def empty_zip(root: Path) -> Path:
    (root / "bundle.zip").write_bytes(b"")
    return root / "bundle.zip"


def html_zip(root: Path) -> Path:
    (root / "bundle.zip").write_bytes(h.HTML_PAGE)
    return root / "bundle.zip"


def events_api(args: list[str]) -> list[str]:
    return args


_EVENTS = ("import sys; from loganalyzer.api import open_bundle; "
           "e = open_bundle(sys.argv[1], tz=(sys.argv[2] if len(sys.argv) > 2 else None)).events; "
           "print('events rows', len(e))")


def _json(run: Path) -> list[str]:
    return ["--format", "json", "-o", str(run / "report.json")]


def _fleet(*extra: str) -> Callable[[Path, Path], list[str]]:
    return lambda p, run: ["fleet", str(p), "--out", str(run / "out"), "--jobs", "1", *extra]


def _plain(*extra: str) -> Callable[[Path, Path], list[str]]:
    return lambda p, run: [str(p), *_json(run), *extra]


SHORT = ("--limit", "max_seconds=10")
B = "tests/test_hostile_budgets.py::"
M = "tests/test_hostile_memory.py::"
F = "tests/test_hostile_fleet.py::"

ITEMS: list[Item] = [
    # -- secrets ---------------------------------------------------------------------------
    Item("S1_fleet_with_events_secrets", "fleet --with-events writes every secret in clear",
         "test_secrets_hostile::test_fleet_with_events_writes_no_secret_to_any_table; "
         "test_secret_matrix::test_no_cell_reaches_the_fleet_tables[with-events]",
         secrets_plain_fleet, _fleet("--with-events", "--fail-on", "never"), secrets_in(_out_files)),
    Item("S2_secret_shapes_json", "redaction misses shapes (28 shapes x every encoding, JSON report)",
         "test_secret_matrix::*; test_secrets_hostile::"
         "test_no_planted_secret_survives_redaction_in_any_encoding,"
         " test_a_planted_secret_reaches_no_report_format, test_bundle_events_hold_no_planted_secret",
         secrets_28_shapes, _plain("--fail-on", "never"), secrets_in(_out_files)),
    Item("S2b_secret_shapes_events", "redaction misses shapes in bundle.events (API)",
         "test_secrets_hostile::test_bundle_events_hold_no_planted_secret",
         secrets_28_shapes, lambda p, run: [str(p)], mode="api",
         check=lambda run, out, err: "", extra={"code": (
             "import sys; from loganalyzer.api import open_bundle; e = open_bundle(sys.argv[1]).events; "
             f"print('secret copies in events', "
             f"sum(str(v).count({SECRET!r}) for v in e.astype(str).values.ravel()))")}),
    Item("S3_redaction_80kb_events", "quadratic redaction: one 80 KB line, bundle.events (API)",
         "test_secrets_hostile::test_redaction_is_linear_on_80_kb_adversarial_lines",
         bh.redaction_line_80kb, lambda p, run: [str(p)], mode="api", extra={"code": _EVENTS}),
    Item("S3b_redaction_160kb_events", "quadratic redaction: one 160 KB line, bundle.events (API)",
         "test_secrets_hostile::test_redaction_is_linear_on_80_kb_adversarial_lines",
         bh.redaction_line_160kb, lambda p, run: [str(p)], mode="api", extra={"code": _EVENTS}),
    Item("S3c_redaction_160kb_cli", "quadratic redaction: one 160 KB line, CLI JSON report",
         "test_secrets_hostile::test_redaction_is_linear_on_80_kb_adversarial_lines",
         bh.redaction_line_160kb, _plain(), lines_read, extra={"input": "S3b_redaction_160kb_events"}),
    Item("S4_root_folder_links", "--root follows folder links out of the root",
         "test_hostile_root::test_a_folder_link_to_the_host_is_listed_and_not_followed[*], "
         "test_the_cli_with_root_shows_nothing_from_outside",
         bh.root_folder_links_outside, lambda p, run: ["--root", str(p), *_json(run)], lines_read),
    Item("S5_names_fleet_markdown",
         "bundle names with ESC/BEL, <script> in progress line and fleet-report.md",
         "test_hostile_names::test_the_fleet_progress_line_shows_names_without_control_characters, "
         "test_fleet_markdown_has_no_control_character_or_raw_html_from_a_name",
         names_fleet, _fleet("--fail-on", "never"),
         raw_controls(lambda run: [run / "out" / "fleet-report.md"])),
    Item("S5b_names_text_report", "U+202E / U+2028 raw in the text report",
         "test_hostile_names::test_the_text_report_and_stderr_show_names_without_control_or_bidi_characters",
         names_text, lambda p, run: [str(p), "--format", "text", "-v"], raw_controls(lambda run: [])),
    Item("S5c_dask_dashboard", "the Dask dashboard listens on 0.0.0.0 during runs",
         "test_hostile_names::test_the_dask_cluster_the_fleet_starts_listens_on_loopback_only",
         two_good_bundles, _fleet("--engine", "dask"), fleet_rows, mode="listen"),
    # -- budgets ---------------------------------------------------------------------------
    Item("B1_tar_bz2_skip_1gib_max10",
         "max_seconds not checked while tarfile skips (1.3 KB .tar.bz2, 1 GiB member)",
         B + "test_max_seconds_stops_a_tar_bz2_skipping_a_1_gib_member",
         bh.tar_bz2_skipped_1gib_member, _plain(*SHORT), lines_read),
    Item("B1b_tar_bz2_bomb_2gib", "2 GiB bz2 bomb, default limits",
         B + "test_a_tar_bz2_bomb_stops_at_the_ratio_limit", bh.tar_bz2_bomb_2gib, _plain(), lines_read),
    Item("B1c_tar_bz2_bomb_2gib_max10", "2 GiB bz2 bomb with --limit max_seconds=10",
         B + "test_a_tar_bz2_bomb_stops_at_the_ratio_limit", bh.tar_bz2_bomb_2gib, _plain(*SHORT),
         lines_read, extra={"input": "B1b_tar_bz2_bomb_2gib"}),
    Item("B1d_pax_size_1e11", "PAX size=1e11", B + "test_a_member_claiming_more_bytes_than_the_archive_holds_"
         "ends_it_at_once[1e11-*]", bh.pax_size_1e11, _plain(), lines_read),
    Item("B1e_pax_size_1e15", "PAX size=1e15", B + "test_a_member_claiming_more_bytes_than_the_archive_holds_"
         "ends_it_at_once[1e15-*]", bh.pax_size_1e15, _plain(), lines_read),
    Item("B2_pax_header_2gib", "2 MB tar.gz whose PAX header is 2 GiB",
         B + "test_a_2_gib_pax_header_or_gnu_long_name_is_refused_without_reading_it",
         bh.pax_header_2gib, _plain(), lines_read),
    Item("B2b_gnu_long_name_2gib", "2 MB tar.gz whose GNU long name is 2 GiB",
         B + "test_a_2_gib_pax_header_or_gnu_long_name_is_refused_without_reading_it",
         bh.gnu_long_name_2gib, _plain(), lines_read),
    Item("B3_zip_lying_sizes", "zip central directory lies about compressed size (2 GiB inflated)",
         B + "test_the_zip_ratio_check_measures_inflated_bytes_not_declared_sizes",
         bh.zip_lying_sizes, _plain(), lines_read),
    Item("B3b_zip_nested_lying", "eight lying zips nested in a 16.7 MB zip (16 GiB)",
         B + "test_nested_lying_zips_share_one_allowance_of_the_bundle, "
         "test_a_hundred_nested_lying_zips_inflate_no_more_than_one_allowance",
         bh.zip_nested_lying_sizes, _plain(), lines_read),
    Item("B4_extensions_config_880k", "31 MB ExtensionsConfig, 880k plugins",
         M + "test_an_extensions_config_of_880k_plugins_is_read_within_its_element_budget",
         bh.extensions_config_880k, _plain(), lines_read),
    Item("B4b_xz_4gib_dictionary", "an .xz declaring a 4 GiB dictionary",
         M + "test_an_xz_declaring_a_4_gib_dictionary_is_refused_by_the_lzma_memory_limit",
         bh.xz_4gib_dictionary, _plain("--limit", "max_ratio=1000000000"), lines_read),
    Item("B4c_waagent_conf_1m_keys", "waagent.conf with a million keys",
         M + "test_a_waagent_conf_of_a_million_keys_keeps_the_known_keys_within_budget",
         bh.waagent_conf_1m_keys, _plain(), lines_read),
    Item("B4d_events_3m_api", "bundle.events on 3 M extension event records (API)",
         M + "test_three_million_extension_events_stop_at_the_bundle_event_budget",
         bh.extension_events_3m, lambda p, run: [str(p)], mode="api", extra={"code": _EVENTS}),
    Item("B4e_events_3m_cli", "3 M extension event records, CLI JSON report",
         M + "test_three_million_extension_events_stop_at_the_bundle_event_budget",
         bh.extension_events_3m, _plain(), lines_read, extra={"input": "B4d_events_3m_api"}),
    # -- evidence lost ---------------------------------------------------------------------
    Item("E1_tar_garbage_header", "one garbage tar header hides every later member",
         B + "test_a_garbage_tar_header_is_noted_not_taken_for_the_end", bh.tar_garbage_header, _plain(),
         lines_read),
    Item("E2_gz_two_members_garbage", ".gz with two members and trailing garbage (3 lines... here 180)",
         B + "test_a_gz_with_two_members_and_trailing_garbage_keeps_every_line_and_notes_the_garbage",
         bh.gz_two_members_garbage, _plain(), lines_read),
    Item("E2b_truncated_small_gz", "truncated small waagent.log.N.gz (1,800 lines)",
         B + "test_a_truncated_small_gz_keeps_the_lines_decoded_before_the_cut", bh.truncated_small_gz,
         _plain(), lines_read),
    Item("E3_year_one_tz", "one year-0001 line in an old-format log with --tz +02:00 (50,001 lines)",
         "test_hostile_times::test_the_cli_with_a_zone_survives_year_one_in_every_format[*]",
         year_one_legacy_50k, _plain("--tz", "+02:00"), lines_read),
    Item("E3b_year_9999_events", "year outside 1677-2262: bundle.events raises OutOfBoundsDatetime (API)",
         "test_hostile_times::test_year_one_and_9999_keep_every_record_in_the_events_frame[*]",
         lambda root: year_9999_bundle(root), lambda p, run: [str(p)], mode="api", extra={"code": _EVENTS}),
    Item("E3c_year_9999_fleet_events", "... and fails the whole bundle in fleet --with-events",
         "test_hostile_times::test_fleet_with_events_keeps_a_bundle_with_years_outside_the_ns_range (new)",
         lambda root: year_9999_bundle(root).parent, _fleet("--with-events", "--fail-on", "never"),
         with_events_rows),
    Item("E4_zero_byte_zip", "a 0-byte .zip counts as analyzed",
         "test_hostile_not_a_bundle::test_the_command_line_reports_it_and_exits_nothing_checked[*]",
         empty_zip, _plain(), lines_read),
    Item("E4b_html_as_zip", "an HTML page saved as .zip counts as analyzed",
         "test_hostile_not_a_bundle::test_the_command_line_reports_it_and_exits_nothing_checked[*]",
         html_zip, _plain(), lines_read),
    Item("E5_same_named_html", "same-named bundles overwrite each other's report (--format html -o DIR)",
         "test_hostile_report_names::test_same_named_bundles_in_two_folders_do_not_overwrite_each_others_report",
         same_named_bundles,
         lambda p, run: [str(p / "a" / "vm.zip"), str(p / "b" / "vm.zip"), "--format", "html",
                         "-o", str(run / "out"), "--fail-on", "never"],
         lambda run, out, err: f"html reports={len(list((run / 'out').glob('*.html')))} of 2"),
    Item("E5b_nfc_nfd_names", "NFC and NFD spellings of one name look identical",
         "test_hostile_report_names::test_nfc_and_nfd_spellings_get_two_distinct_names; "
         "test_hostile_spellings::*",
         nfc_nfd_bundles,
         lambda p, run: [str(p / unicodedata.normalize("NFC", "café")),
                         str(p / unicodedata.normalize("NFD", "café")),
                         "--format", "html", "-o", str(run / "out"), "--fail-on", "never"],
         lambda run, out, err: "html names as shown="
         + str(len({unicodedata.normalize("NFC", q.name) for q in (run / "out").glob("*.html")})) + " of 2"),
    # -- fleet faults ----------------------------------------------------------------------
    Item("F1_fifo_dev_zero", "a FIFO or a link to /dev/zero named *.tar.gz hangs the fleet run",
         F + "test_a_fifo_or_a_link_to_dev_zero_named_like_a_bundle_does_not_hang_the_run",
         fifo_and_dev_zero, _fleet("--fail-on", "never"), fleet_rows),
    Item("F2_two_runs_two_inputs", "two fleet runs into one --out at once (4 bundles each)",
         F + "test_two_runs_at_once_on_different_inputs_keep_the_rows_of_every_run_that_says_it_succeeded "
         "(new); test_a_second_run_on_the_same_out_is_refused_while_the_first_holds_it",
         two_inputs, _fleet(), rows_per_input, mode="pair"),
    Item("F3_ctrl_c", "Ctrl-C discards every finished bundle (12 bundles, SIGINT after 60% of a full run)",
         F + "test_ctrl_c_keeps_the_finished_bundles_and_the_next_run_resumes_after_them",
         lambda root: two_good_bundles(root, 12, repeat=20000), _fleet(), kept_after_interrupt,
         mode="sigint"),
    Item("F3b_unwritable_out", "a read-only --out is detected only after all the work (12 bundles)",
         F + "test_an_unwritable_out_is_refused_before_any_work",
         unwritable_out,
         lambda p, run: ["fleet", str(p), "--out", str(p.parent / "a-file" / "out"), "--jobs", "1"],
         stdout_tail),
    Item("F3c_killed_resource_tracker", "a killed Dask resource tracker prints 51 traceback lines",
         F + "test_a_killed_resource_tracker_is_restarted_with_one_line_not_tracebacks[*], "
         "test_a_dask_run_ends_without_a_traceback_or_leaked_resource_warning",
         lambda root: two_good_bundles(root, 8), _fleet("--engine", "dask"), fleet_rows, mode="killtracker"),
]
BY_NAME = {item.name: item for item in ITEMS}


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------
def _time_v(path: Path) -> dict:
    text = path.read_text() if path.exists() else ""
    out: dict = {"exit": None, "wall": None, "rss_mib": None}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Exit status:"):
            out["exit"] = int(line.split(":")[1])
        elif line.startswith("Elapsed (wall clock) time"):
            clock = line.rsplit(" ", 1)[1].split(":")
            out["wall"] = sum(float(x) * 60 ** i for i, x in enumerate(reversed(clock)))
        elif line.startswith("Maximum resident set size"):
            out["rss_mib"] = int(line.rsplit(" ", 1)[1]) / 1024
    return out


def _descendants(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(f"/proc/{entry.name}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry.name))
    except OSError:
        pass
    return kids + [g for k in kids for g in _descendants(k)]


def _listening_any(pids: list[int]) -> set[str]:
    """``0.0.0.0:port`` / ``[::]:port`` TCP listeners held by ``pids`` (from /proc, no extra package)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.scandir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(fd.path)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = set()
    for table, anyaddr in (("/proc/net/tcp", "00000000"), ("/proc/net/tcp6", "0" * 32)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            local, state, inode = cols[1], cols[3], cols[9]
            addr, port = local.split(":")
            if state == "0A" and inode in inodes and addr == anyaddr:
                found.add(f"{'0.0.0.0' if len(addr) == 8 else '[::]'}:{int(port, 16)}")
    return found


def run_once(item: Item, code: str, path: Path, run: Path, timeout: float,
             sigint_after: float | None) -> dict:
    shutil.rmtree(run, ignore_errors=True)
    (run / "tmp").mkdir(parents=True)
    (run / "out").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "PYTHONPATH")}
    env.update(PYTHONPATH=code, TMPDIR=str(run / "tmp"), PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    args = item.args(path / "in1" if item.mode == "pair" else path, run)
    if item.mode == "api":
        argv = [sys.executable, "-c", item.extra["code"], *args]
    else:
        argv = [sys.executable, "-m", "loganalyzer.cli", *args]
    copies = 2 if item.mode == "pair" else 1
    procs = []
    for n in range(copies):
        if item.mode == "pair":                   # each copy with its own input, one --out
            argv = [sys.executable, "-m", "loganalyzer.cli", *item.args(path / f"in{n + 1}", run)]
        cmd = ["/usr/bin/time", "-v", "-o", str(run / f"time{n}"), "timeout", "-k", "10", str(timeout), *argv]
        with open(run / f"stdout{n}", "wb") as out, open(run / f"stderr{n}", "wb") as err:
            procs.append(subprocess.Popen(cmd, cwd=run, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=err, start_new_session=True))
    seen_any: set[str] = set()
    killed_tracker = ""
    started = time.monotonic()
    while any(p.poll() is None for p in procs):
        now = time.monotonic() - started
        if item.mode == "listen":
            seen_any |= _listening_any([q for p in procs for q in [p.pid, *_descendants(p.pid)]])
        if item.mode == "sigint" and sigint_after is not None and now >= sigint_after:
            # Ctrl-C reaches the command and its workers (``timeout`` runs them in a process
            # group of its own, and ``time`` ignores SIGINT, so the run's own group is not enough)
            for p in procs:
                for q in _descendants(p.pid):
                    with _quiet():
                        program = Path(f"/proc/{q}/cmdline").read_bytes().split(b"\0")[0]
                        if b"python" in program.rsplit(b"/", 1)[-1]:      # not timeout's argv
                            os.kill(q, signal.SIGINT)
            sigint_after = None
        if item.mode == "killtracker" and not killed_tracker:
            for q in _descendants(procs[0].pid):
                try:
                    cmdline = Path(f"/proc/{q}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                # the tracker's own command line (the input path may hold the word too)
                if b"resource_tracker import main" in cmdline:
                    os.kill(q, signal.SIGKILL)
                    killed_tracker = f"killed tracker pid {q} at {now:.1f} s"
                    break
        time.sleep(0.05)
    for p in procs:
        with _quiet():
            os.killpg(p.pid, signal.SIGKILL)              # leftovers of this run only
    results = []
    for n in range(copies):
        out = (run / f"stdout{n}").read_text("utf-8", "replace")
        err = (run / f"stderr{n}").read_text("utf-8", "replace")
        results.append((_time_v(run / f"time{n}"), out, err))
    first, out, err = results[0]
    note = item.check(run, out, err)
    if item.mode == "api":
        note = (out.strip().splitlines() or ["no output"])[-1][:80] + tracebacks(err)
        if "Traceback" in err:
            note += " " + err.strip().splitlines()[-1][:100]
    if item.mode == "listen":
        note += f"; listeners on any address={','.join(sorted(seen_any)) or 'none'}"
    if item.mode == "killtracker":
        note = f"{killed_tracker or 'no tracker seen'}; {note}; traceback lines=" + str(
            sum(1 for line in err.splitlines() if line.startswith(("Traceback", "  File", "KeyError"))))
    if item.mode == "pair":
        codes = [r[0]["exit"] for r in results]
        walls = [r[0]["wall"] for r in results]
        note = f"exits={codes} walls={walls}; {note}"
        first = {"exit": "/".join(map(str, codes)), "wall": max(w or 0 for w in walls),
                 "rss_mib": max(r[0]["rss_mib"] or 0 for r in results)}
    return {**first, "note": note, "timeout": timeout}


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], OSError)


def build_item(item: Item, workdir: Path) -> Path:
    root = workdir / "inputs" / item.extra.get("input", item.name)      # items may share one input
    marker = root / ".built"
    if marker.exists():
        return Path(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    path = item.build(root)
    marker.write_text(str(path))
    return path


def _selected(only: list[str]) -> list[Item]:
    unknown = set(only) - set(BY_NAME)
    if unknown:
        raise SystemExit(f"unknown item(s): {sorted(unknown)}")
    return [i for i in ITEMS if not only or i.name in only]


def cmd_list(args: argparse.Namespace) -> int:
    for item in ITEMS:
        print(f"{item.name}\t{item.issue}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    for item in _selected(args.only):
        started = time.monotonic()
        path = build_item(item, Path(args.workdir))
        print(f"{item.name}: {path} ({time.monotonic() - started:.1f} s)", flush=True)
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    codes = dict(c.split("=", 1) for c in args.code)
    with open(args.results, "a") as log:
        for item in _selected(args.only):
            path = build_item(item, workdir)
            for label, code in codes.items():
                sigint_after = None
                if item.mode == "sigint":       # 60 % of this code's own uninterrupted run
                    full = run_once(item, code, path, workdir / "runs" / item.name / f"{label}-full",
                                    args.timeout, None)
                    sigint_after = 0.6 * (full["wall"] or args.sigint_after)
                    print(f"{item.name} {label}: full run {full['wall']} s, {full['note']}; "
                          f"Ctrl-C at {sigint_after:.1f} s", flush=True)
                for n in range(args.repeat):
                    run = workdir / "runs" / item.name / label
                    r = run_once(item, code, path, run, args.timeout, sigint_after)
                    r.update(item=item.name, code=label, try_=n, load=os.getloadavg()[0],
                             at=time.strftime("%H:%M:%S"))
                    log.write(json.dumps(r) + "\n")
                    log.flush()
                    print(f"{item.name} {label} #{n}: exit={r['exit']} wall={r['wall']} rss={r['rss_mib']} "
                          f"{r['note']}", flush=True)
                    if (r["wall"] or 0) > args.once_after:
                        break
    return 0


def _fmt(runs: list[dict]) -> str:
    exits = sorted({str(r["exit"]) for r in runs})
    walls = [r["wall"] for r in runs if r["wall"] is not None]
    rss = [r["rss_mib"] for r in runs if r["rss_mib"] is not None]
    if not walls:
        return "?"
    wall = statistics.median(walls)
    killed = any(str(r["exit"]) in ("124", "137") and r["wall"] >= r["timeout"] for r in runs)
    wall_s = f"> {runs[0]['timeout']:.0f} s, killed" if killed else f"{wall:.2f} s"
    n = f" (n={len(runs)})" if len(runs) > 1 else " (once)"
    return f"{'/'.join(exits)}, {wall_s}, {statistics.median(rss):.0f} MiB{n}"


def _test_outcomes(item: Item, status: dict) -> str:
    """'fails before a/b, passes after c/d' over the test cases named by ``item.tests``.

    ``status`` maps ``before``/``after`` to {node id: PASSED/FAILED/...} (pytest ``-rA`` lines)."""
    import re
    names = set(re.findall(r"test_\w+", item.tests)) - {"test_secret_matrix", "test_secrets_hostile"}
    files = set(re.findall(r"(test_\w+)::\*", item.tests))
    out = []
    for side, verb in (("before", "FAILED"), ("after", "PASSED")):
        cases = {k: v for k, v in status.get(side, {}).items()
                 if re.sub(r"\[.*", "", k).rsplit("::", 1)[-1] in names
                 or any(k.startswith(f"tests/{f}.py::") for f in files)}
        hit = sum(v == verb for v in cases.values())
        out.append(f"{'fail' if side == 'before' else 'pass'} {side} {hit}/{len(cases)}")
    return ", ".join(out)


def cmd_table(args: argparse.Namespace) -> int:
    runs: dict[tuple[str, str], list[dict]] = {}
    for results in args.results:
        for line in Path(results).read_text().splitlines():
            r = json.loads(line)
            runs.setdefault((r["item"], r["code"]), []).append(r)
    status = json.loads(Path(args.status).read_text()) if args.status else {}
    print("| item | test(s) | before: exit, wall, peak RSS | after: exit, wall, peak RSS "
          "| test cases: fail before? pass after? | before shows | after shows |")
    print("|---|---|---|---|---|---|---|")
    for item in ITEMS:
        before, after = runs.get((item.name, "before"), []), runs.get((item.name, "after"), [])
        if not before and not after:
            continue
        note = lambda rs: (rs[-1]["note"] if rs else "-").replace("|", "\\|").replace("\n", " ")  # noqa: E731
        print(f"| {item.name}: {item.issue} | {item.tests} | {_fmt(before) if before else '-'} "
              f"| {_fmt(after) if after else '-'} | {_test_outcomes(item, status) if status else '-'} "
              f"| {note(before)} | {note(after)} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list").set_defaults(func=cmd_list)
    for name, func in (("build", cmd_build), ("measure", cmd_measure)):
        s = sub.add_parser(name)
        s.add_argument("--workdir", default="/tmp/h17fig")
        s.add_argument("--only", action="append", default=[])
        s.set_defaults(func=func)
        if name == "measure":
            s.add_argument("--code", action="append", required=True, help="label=PYTHONPATH (repeatable)")
            s.add_argument("--repeat", type=int, default=3)
            s.add_argument("--timeout", type=float, default=300.0)
            s.add_argument("--once-after", type=float, default=60.0,
                           help="run once only when the first try takes longer than this")
            s.add_argument("--sigint-after", type=float, default=6.0,
                           help="F3_ctrl_c: seconds before SIGINT when the full run gave no wall time")
            s.add_argument("--results", required=True)
    t = sub.add_parser("table")
    t.add_argument("--results", action="append", required=True, help="results file (repeatable)")
    t.add_argument("--status", help="JSON {before|after: {node id: PASSED|FAILED}} from pytest -rA runs")
    t.set_defaults(func=cmd_table)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
