"""Metamorphic tests (issue 14): the same agent lines give the same causes however they arrive.

Every agent log file of every sample bundle (``sample_logs/``) and of every dev-corpus case
(``../shared/dev-corpus``) is transformed the ways users hand lines over — timestamps cut (all,
or some records'), indented, double-spaced, abbreviated times, inside syslog (RFC 3164, RFC
5424), journal exports (``short``, ``short-iso``, ``short-precise``, ``cat``, ``verbose``,
``json``; a record's traceback as an entry per line or inside one multi-line message),
serial-console captures, ``systemctl status`` output, or one flattened line
(:mod:`metamorphic`) — and saved under a name that says nothing (``ticket-paste.txt``: lines are
found by their content).  The
causes at warning or above must be those of the untransformed file read as ``waagent.log``.

Hypothesis draws the free details of each transformation (indentation, program name, console
prefix, how often console lines interleave, separators); the formats the issue names are
parametrised, so each is checked on every input.

Exceptions, narrow and by nature (:func:`allowed_difference`): without dates (``no_timestamps``,
``abbreviated_times``, and ``some_timestamps_cut`` when the cut ones were those a rule measures)
a rule that measures time cannot run — ``guest_shutdown`` needs the gap
between the agent's SIGTERM and its next start, and the agent-version policy judges a version
against the minimum in force *at the log's date*: an old log that was "not judged (no minimum in
force then)" is judged against today's minimum when the date is gone.
"""
from __future__ import annotations

import gzip
import tarfile
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import metamorphic as mm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loganalyzer
from loganalyzer.kinds import Kind
from loganalyzer.sources.classify import classify

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV_CORPUS = SHARED / "dev-corpus"
REPORTED = {"critical", "error", "warning"}
#: Kinds the agent itself writes (waagent.log and its rotations; extension-instance lines).
AGENT_KINDS = {Kind.WAAGENT_LOG, Kind.COMMAND_EXECUTION_LOG}
#: Kinds that carry agent lines inside a wrapper: their agent lines are transformed too.
WRAPPED_KINDS = {Kind.SYSLOG, Kind.SERIAL_CONSOLE}
NEUTRAL_NAME = "ticket-paste.txt"

SETTINGS = settings(max_examples=3, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------------------- inputs

def _archive_members(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()}
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    with tarfile.open(path) as tf:
        return {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.isfile()}  # type: ignore[union-attr]


def _agent_files(members: dict[str, bytes]) -> dict[str, bytes]:
    """Agent log files by name, and the agent lines of syslog / console files (``<name>#agent-lines``)."""
    out = {}
    for name, data in members.items():
        kind = classify(name)[0]
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        if kind in AGENT_KINDS:
            out[name] = data
        elif kind in WRAPPED_KINDS:
            lines = mm.agent_lines(data.decode("utf-8", "surrogateescape"))
            if lines:
                out[f"{name}#agent-lines"] = lines.encode("utf-8", "surrogateescape")
    return out


def wrapped_files(members: dict[str, bytes]) -> dict[str, bytes]:
    """Syslog / journal / serial-console files as they are."""
    return {name: data for name, data in members.items() if classify(name)[0] in WRAPPED_KINDS}


def sample_inputs() -> dict[str, bytes]:
    """``sample:<bundle>:<member>`` → the bytes of every agent log file of every sample bundle."""
    out = {}
    for bundle in sorted((REPO / "sample_logs").iterdir()):
        if bundle.name.endswith((".zip", ".tar.gz", ".tar.xz")) or bundle.is_dir():
            for name, data in _agent_files(_archive_members(bundle)).items():
                out[f"sample:{bundle.name}:{name}"] = data
    return out


def corpus_cases() -> list[str]:
    return sorted(p.name for p in DEV_CORPUS.iterdir() if (p / "case.json").is_file()) \
        if DEV_CORPUS.is_dir() else []


def corpus_inputs(case: str) -> dict[str, bytes]:
    folder = DEV_CORPUS / case
    return {f"corpus:{case}:{name}": data for name, data in _agent_files(
        {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}).items()}


SAMPLES = sample_inputs()
CASES = corpus_cases()


def inputs_of(source: str) -> dict[str, bytes]:
    """The agent log files of one sample input id or dev-corpus case (skips with the reason)."""
    if source.startswith("sample:"):
        return {source: SAMPLES[source]}
    if not DEV_CORPUS.is_dir():
        pytest.skip(f"{DEV_CORPUS} is absent (../shared is not next to the repository)")
    files = corpus_inputs(source)
    if not files:
        names = ", ".join(sorted(p.name for p in (DEV_CORPUS / source).iterdir() if p.name != "case.json"))
        pytest.skip(f"{source} holds no agent log and no agent lines ({names}): only an extension's own "
                    "log, whose lines the agent transformations do not describe")
    return files


#: Parametrisation ids: each sample's agent log files, then each dev-corpus case (resolved in the test,
#: so a missing ../shared skips instead of failing at collection).
SOURCES = [*SAMPLES, *(CASES or ["dev-corpus"])]


# ------------------------------------------------------------------------------------- analysis

def causes_of(data: bytes, name: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(causes at warning or above, titles of every finding)`` of ``data`` saved as ``name`` alone."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        result = loganalyzer.analyze(path)
    not_judged = any(v.cause == "agent_outdated" and str(v.verdict) == "not_evaluable"
                     and "No documented minimum version was in force" in v.reason for v in result.causes)
    return (frozenset(f.cause for f in result.findings if str(f.severity) in REPORTED),
            frozenset(f.title for f in result.findings) | ({NOT_JUDGED_THEN} if not_judged else set()))


@cache
def baseline(key: str, data: bytes) -> tuple[frozenset[str], frozenset[str]]:
    return causes_of(data, "waagent.log")


TIMELESS = {"no_timestamps", "abbreviated_times", "some_timestamps_cut"}
NOT_JUDGED_THEN = "Agent version not judged (no minimum in force then)"


def allowed_difference(transform: str, missing: set[str], extra: set[str], titles: frozenset[str]) -> bool:
    """The documented exceptions (module docstring): only for transformations that remove the dates."""
    if transform not in TIMELESS:
        return False
    missing_ok = missing <= {"guest_shutdown"}
    extra_ok = not extra or (extra == {"agent_outdated"} and NOT_JUDGED_THEN in titles)
    return missing_ok and extra_ok


def check(source: str, transform: str, fn, name: str = NEUTRAL_NAME) -> None:
    for key, data in inputs_of(source).items():
        expected, titles = baseline(key, data)
        text = data.decode("utf-8", "surrogateescape")
        got, _ = causes_of(fn(text).encode("utf-8", "surrogateescape"), name)
        missing, extra = set(expected - got), set(got - expected)
        if missing or extra:
            assert allowed_difference(transform, missing, extra, titles), (
                f"{key} under {transform}: lost {sorted(missing)}, gained {sorted(extra)}")


def sources(test):
    return pytest.mark.parametrize("source", SOURCES)(test)


# ---------------------------------------------------------------------------- the transformations

@sources
def test_without_timestamps_the_same_causes(source: str) -> None:
    check(source, "no_timestamps", mm.strip_timestamps)


@sources
@SETTINGS
@given(every=st.integers(min_value=2, max_value=4))
def test_with_some_timestamps_cut_the_same_causes(source: str, every: int) -> None:
    check(source, "some_timestamps_cut", lambda text: mm.strip_some_timestamps(text, every))


@sources
@SETTINGS
@given(prefix=st.sampled_from([" ", "  ", "\t", "    ", " \t"]))
def test_indented_the_same_causes(source: str, prefix: str) -> None:
    check(source, "leading_whitespace", lambda text: mm.indent(text, prefix))


@sources
@SETTINGS
@given(prefix=st.sampled_from(["> ", ">", ">> ", "> > ", "  > "]))
def test_quoted_the_same_causes(source: str, prefix: str) -> None:
    """Behind the quote markers of a mail reply or a Markdown quote (GitHub issues, forums)."""
    check(source, "quoted", lambda text: mm.indent(text, prefix))
    check(source, "quoted", lambda text: mm.indent(text, prefix), name="waagent.log")  # saved by its name


@sources
@SETTINGS
@given(tool=st.sampled_from(sorted(mm.TOOL_PREFIXES)))
def test_through_grep_or_cat_n_the_same_causes(source: str, tool: str) -> None:
    """As ``grep -n``/``-H``/``-rn`` or ``cat -n`` print the lines (how tickets often quote a log)."""
    check(source, "tool_prefixed", lambda text: mm.tool_prefixed(text, tool))
    check(source, "tool_prefixed", lambda text: mm.tool_prefixed(text, tool), name="waagent.log")


@sources
def test_double_spaced_the_same_causes(source: str) -> None:
    check(source, "double_spaced", mm.double_space)


@sources
def test_abbreviated_times_the_same_causes(source: str) -> None:
    check(source, "abbreviated_times", mm.abbreviate_times)


@sources
@SETTINGS
@given(program=st.sampled_from(["waagent", "python3", "python"]))
def test_inside_rfc3164_syslog_the_same_causes(source: str, program: str) -> None:
    check(source, "syslog_rfc3164", lambda text: mm.syslog_rfc3164(text, program))


@sources
@SETTINGS
@given(app=st.sampled_from(["waagent", "python3"]),
       structured=st.sampled_from(["-", '[origin software="waagent"]',
                                   '[meta sequenceId="7"][x@1 a="b\\]"]']))
def test_inside_rfc5424_syslog_the_same_causes(source: str, app: str, structured: str) -> None:
    check(source, "syslog_rfc5424", lambda text: mm.syslog_rfc5424(text, app, structured))


JOURNAL_FORMATS = {"short": mm.journal_short, "short-iso": mm.journal_short_iso,
                   "short-precise": mm.journal_short_precise, "cat": mm.journal_cat,
                   "verbose": mm.journal_verbose, "json": mm.journal_json,
                   "verbose-whole-records": lambda text: mm.journal_verbose(text, whole=True),
                   "json-whole-records": lambda text: mm.journal_json(text, whole=True)}


@sources
@pytest.mark.parametrize("output", list(JOURNAL_FORMATS))
def test_inside_journal_exports_the_same_causes(source: str, output: str) -> None:
    check(source, f"journal_{output}", JOURNAL_FORMATS[output])


@sources
@pytest.mark.parametrize("kernel_stamps", [True, False], ids=["kernel-stamps", "no-stamps"])
@SETTINGS
@given(prefix=st.sampled_from(["Waagent - ", "python3[812]: ", "waagent[812]: ", ""]),
       every=st.integers(min_value=1, max_value=6))
def test_inside_serial_console_output_the_same_causes(source: str, kernel_stamps: bool, prefix: str,
                                                      every: int) -> None:
    check(source, "serial_console", lambda text: mm.serial_console(text, kernel_stamps, prefix, every))


@sources
@SETTINGS
@given(program=st.sampled_from(["python3", "waagent"]))
def test_inside_systemctl_status_the_same_causes(source: str, program: str) -> None:
    check(source, "systemctl_status", lambda text: mm.systemctl_status(text, program))


@sources
@SETTINGS
@given(separator=st.sampled_from([" ", "  ", " \t "]))
def test_flattened_into_one_line_the_same_causes(source: str, separator: str) -> None:
    check(source, "flattened", lambda text: mm.flatten_with(text, separator))


@sources
def test_flattened_and_saved_as_waagent_log_the_same_causes(source: str) -> None:
    # a paste saved under the log's own name is read by that name's parser: it must undo the flattening too
    check(source, "flattened", mm.flatten, name="waagent.log")


# ------------------------------------------------ the rules see the same text and level per record

def records_of(data: bytes, name: str) -> list[tuple[str | None, str, bool]]:
    """``(level, message, one timestamped line)`` of every record of ``data`` saved as ``name`` alone."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return [(e.level, e.message, e.line_start == e.line_end and 0 < e.line_start <= len(lines)
                 and mm.RECORD_TIME.match(lines[e.line_start - 1]) is not None)
                for e in loganalyzer.open_bundle(path).iter_events()]


#: transformation → (function, what of each record must arrive unchanged):
#: ``message`` the whole text (a traceback the journal holds as an entry per line is joined
#: again); ``first line`` where the wrapper splits a record's continuation lines by nature (a
#: console line with no prefix after an agent line cannot be told from its continuation);
#: ``single-line records`` (timestamped ones) where the lines are joined by nature (a flattened
#: paste: records are found again at their timestamps, a traceback stays joined to its record by spaces).
TEXT_CHECKS = {
    "no_timestamps": (mm.strip_timestamps, "message"),
    "leading_whitespace": (lambda t: mm.indent(t, " \t"), "message"),
    "double_spaced": (mm.double_space, "message"),
    "abbreviated_times": (mm.abbreviate_times, "message"),
    "syslog_rfc3164": (mm.syslog_rfc3164, "message"),
    "syslog_rfc5424": (mm.syslog_rfc5424, "message"),
    **{f"journal_{name}": (fn, "message") for name, fn in JOURNAL_FORMATS.items()},
    "serial_kernel_waagent": (lambda t: mm.serial_console(t, True, "Waagent - "), "message"),
    "serial_plain_waagent": (lambda t: mm.serial_console(t, False, "Waagent - "), "message"),
    "serial_kernel_program": (lambda t: mm.serial_console(t, True, "python3[812]: "), "message"),
    "serial_plain_bare": (lambda t: mm.serial_console(t, False, ""), "first line"),
    "systemctl_status": (mm.systemctl_status, "message"),
    "flattened": (mm.flatten, "single-line records"),
}


@sources
@pytest.mark.parametrize("transform", list(TEXT_CHECKS))
def test_agent_records_reach_the_rules_with_the_same_text_and_level(source: str, transform: str) -> None:
    fn, what = TEXT_CHECKS[transform]
    for key, data in inputs_of(source).items():
        before = records_of(data, "waagent.log")
        after = records_of(fn(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape"),
                           NEUTRAL_NAME)
        if what == "message":
            expected, got = {(lv, m) for lv, m, _ in before}, {(lv, m) for lv, m, _ in after}
        elif what == "first line":
            expected = {(lv, m.split("\n", 1)[0]) for lv, m, _ in before}
            got = {(lv, m.split("\n", 1)[0]) for lv, m, _ in after}
        else:
            expected, got = {(lv, m) for lv, m, one in before if one}, {(lv, m) for lv, m, _ in after}
        lost = expected - got
        assert not lost, f"{key} under {transform}: {len(lost)} record(s) changed, e.g. {sorted(lost)[:2]}"


# ------------------------------------------------------- wrapped files edited as a whole stay the same

def wrapped_inputs() -> dict[str, bytes]:
    out = {}
    for bundle in sorted((REPO / "sample_logs").iterdir()):
        if bundle.name.endswith((".zip", ".tar.gz", ".tar.xz")) or bundle.is_dir():
            for name, data in wrapped_files(_archive_members(bundle)).items():
                out[f"sample:{bundle.name}:{name}"] = data
    for case in CASES:
        folder = DEV_CORPUS / case
        for name, data in wrapped_files({f.name: f.read_bytes() for f in sorted(folder.iterdir())}).items():
            out[f"corpus:{case}:{name}"] = data
    return out


WRAPPED = wrapped_inputs()


@pytest.mark.parametrize("key", list(WRAPPED))
@pytest.mark.parametrize("edit", ["as_is", "indented", "double_spaced"])
def test_syslog_and_console_files_keep_their_causes_under_any_name_indented_or_double_spaced(
        key: str, edit: str) -> None:
    data = WRAPPED[key]
    name = key.rsplit(":", 1)[1].rsplit("/", 1)[-1]
    expected, _ = causes_of(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data,
                            name.removesuffix(".gz"))
    text = data.decode("utf-8", "surrogateescape")
    edited = {"as_is": text, "indented": mm.indent(text, "  "), "double_spaced": mm.double_space(text)}[edit]
    got, _ = causes_of(edited.encode("utf-8", "surrogateescape"), NEUTRAL_NAME)
    assert got == expected, f"{key} {edit}: lost {sorted(expected - got)}, gained {sorted(got - expected)}"


def test_every_sample_bundle_has_an_agent_log_to_transform() -> None:
    bundles = {key.split(":")[1] for key in SAMPLES}
    assert bundles >= {"collect-logs-backup-failure.zip", "adhoc-healthy.tar.gz",
                       "sosreport-agent-outdated.tar.xz", "folder-dhcp-failure",
                       "adhoc-extension-stuck.tar.gz"}


def test_the_exceptions_stay_narrow() -> None:
    assert not allowed_difference("journal_json", {"guest_shutdown"}, set(), frozenset())
    assert not allowed_difference("no_timestamps", {"snapshot_failed"}, set(), frozenset())
    assert not allowed_difference("no_timestamps", set(), {"agent_outdated"}, frozenset())
    assert allowed_difference("abbreviated_times", set(), {"agent_outdated"}, frozenset({NOT_JUDGED_THEN}))
