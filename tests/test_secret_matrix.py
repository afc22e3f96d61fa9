"""The whole secret-shape matrix, not a sample: every real-world shape (issue 17's 28) in every
wrapper it travels in (plain, JSON-escaped, JSON in JSON, HTML-escaped, Python repr, URL-encoded
once and twice) reaches no report format, frame, ``to_json()`` or fleet table — and the
non-secrets next to them come out untouched.

Each cell carries its own secret (``…SECRET`` + a three-digit cell number), so a leak names
the shape and wrapper it came from.  Every assertion has its control: with redaction off, the
same cell's secret must be in the same output, so a cell a report does not show cannot pass
for one it redacted.
"""
from __future__ import annotations

import copy
import html
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from report_fixtures import secrets_result
from test_secrets_hostile import ENCODINGS, PLANTS, SECRET, URL_ENCODINGS, waagent_log

from loganalyzer.api import open_bundle
from loganalyzer.cli import FORMATS, render_many
from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.redact import redact
from loganalyzer.report import render
from loganalyzer.result import AnalysisResult

WRAPPERS = ENCODINGS | URL_ENCODINGS


def _cells() -> list[tuple[str, str, str]]:
    """(cell id, its secret, the line) for every shape × wrapper."""
    cells = []
    for shape, (line, _url_borne) in PLANTS.items():
        for wrapper, wrap in WRAPPERS.items():
            secret = f"{SECRET}{len(cells):03d}"
            cells.append((f"{shape}/{wrapper}", secret, wrap(line.replace(SECRET, secret))))
    return cells


CELLS = _cells()

#: Text that looks like a secret's neighbour but is not one: it must come out as it went in.
NEGATIVES = (
    "GET http://168.63.129.16/machine/?comp=goalstate -- IOError",
    "https://a.blob.core.windows.net/c?restype=container&comp=list",
    "signatures were checked; sig = ",
    "passwordLength=12 No password given tokens: 3 Token acquired",
    "protectedSettingsCertThumbprint: 5A3C0F1E",
    "<Data/> <Database>x</Database>",
    "Basic information about the bearer of this",
    "http://168.63.129.16:80/machine https://host:443/path@x",
    "useradd --no-password-login bob",
    "100% done, 3/4 handlers",
)
NEGATIVE_CELLS = [(f"negative{n}/{w}", wrap(text)) for n, text in enumerate(NEGATIVES)
                  for w, wrap in WRAPPERS.items()]


def test_the_matrix_is_every_shape_in_every_wrapper() -> None:
    assert len(PLANTS) == 28 and len(WRAPPERS) == 7
    assert len(CELLS) == 28 * 7 == len({secret for _, secret, _ in CELLS})
    assert all(secret in line for _, secret, line in CELLS)


@pytest.mark.parametrize(("cell", "secret", "line"), CELLS, ids=[c for c, _, _ in CELLS])
def test_redact_removes_every_cell(cell: str, secret: str, line: str) -> None:
    assert SECRET not in redact(f"2024-05-01T10:00:00Z ERROR {line} -- done"), cell
    assert SECRET not in redact(line), cell


@pytest.mark.parametrize(("cell", "line"), NEGATIVE_CELLS, ids=[c for c, _ in NEGATIVE_CELLS])
def test_redact_leaves_every_negative_cell_unchanged(cell: str, line: str) -> None:
    assert redact(line) == line, cell
    logged = f"2024-05-01T10:00:00Z ERROR {line} -- done"
    assert redact(logged) == logged, cell


# -- every report format ------------------------------------------------------------------------
def _matrix_result(texts: list[str], redact_it: bool) -> AnalysisResult:
    """One result with each text in its own finding (summary, evidence excerpt, remediation), an
    input note, a coverage row's reason and a cause verdict's reason."""
    result = secrets_result(redact=redact_it)
    base = result.findings[0]
    base.evidence[0].path = "var/log/waagent.log"
    result.findings = []
    for n, text in enumerate(texts):
        finding = copy.deepcopy(base)
        finding.rule_id = f"matrix.cell{n:03d}"
        finding.summary = f"The handler said {text}."
        finding.evidence[0].excerpt = f"2024-05-30T13:15:47Z ERROR ExtHandler ExtHandler {text}"
        finding.remediation = [f"Check {text} again."]
        result.findings.append(finding)
    result.input.notes = list(texts)
    result.coverage = [copy.deepcopy(result.coverage[0]) for _ in texts]
    for row, text in zip(result.coverage, texts, strict=True):
        row.reason = text
    result.causes = result.causes[:1]
    result.causes[0].reason = " | ".join(texts)
    result.rule_errors = []
    result.stats = {}
    return result


def _render(result: AnalysisResult, fmt: str) -> str:
    if fmt == "html":
        return html.unescape(render(result, "html"))
    out = render_many([result], fmt, color=False, verbose=True)
    if fmt in ("json", "jsonl", "sarif"):        # the strings as a reader of the JSON gets them back
        docs = [json.loads(x) for x in (out.splitlines() if fmt == "jsonl" else [out]) if x.strip()]
        out += "\n" + "\n".join(_strings(docs))
    if fmt in ("junit",):
        out += "\n" + html.unescape(out)
    return out


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _leaks(output: str) -> list[str]:
    return [cell for cell, secret, _ in CELLS if secret in output]


@pytest.fixture(scope="module")
def matrix_results() -> tuple[AnalysisResult, AnalysisResult]:
    texts = [line.replace("\n", " ") for _, _, line in CELLS]
    return _matrix_result(texts, True), _matrix_result(texts, False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_cell_reaches_any_report_format(fmt: str, matrix_results) -> None:
    redacted, shown = matrix_results
    unredacted = _render(shown, fmt)
    missing = [cell for cell, secret, _ in CELLS if secret not in unredacted]
    assert not missing, f"{fmt} does not show these cells even unredacted: {missing[:5]}"
    output = _render(redacted, fmt)
    assert not _leaks(output), f"{fmt} leaked {_leaks(output)}"
    assert SECRET not in output
    assert "redacted" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_negatives_come_out_of_every_report_format_as_they_went_in(fmt: str) -> None:
    texts = [line for _, line in NEGATIVE_CELLS]
    squeezed = {redact_it: "".join(_render(_matrix_result(texts, redact_it), fmt).split())
                for redact_it in (True, False)}       # the text report wraps long lines
    for cell, line in NEGATIVE_CELLS:
        line = "".join(line.split())
        assert squeezed[False].count(line) == squeezed[True].count(line) > 0, f"{cell} changed in {fmt}"


FRAMES_WITH_TEXT = ("findings", "causes", "coverage")


@pytest.mark.parametrize("frame", FRAMES_WITH_TEXT)
def test_no_cell_reaches_the_result_frames(matrix_results, frame: str) -> None:
    redacted, shown = matrix_results
    assert len(_leaks(shown.to_frames()[frame].to_csv())) == len(CELLS)
    assert not _leaks(redacted.to_frames()[frame].to_csv())


def test_no_cell_reaches_to_json(matrix_results) -> None:
    redacted, shown = matrix_results
    assert len(_leaks(shown.to_json())) == len(CELLS)
    assert not _leaks(redacted.to_json())


# -- through the whole pipeline: events frame, to_json(), fleet tables --------------------------
@pytest.fixture(scope="module")
def matrix_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder bundle whose waagent.log holds every cell (lines joined) and every negative cell."""
    root = tmp_path_factory.mktemp("matrix")
    (root / "var" / "log").mkdir(parents=True)
    lines = [line.replace("\n", " ") for _, _, line in CELLS] + [line for _, line in NEGATIVE_CELLS]
    (root / "var" / "log" / "waagent.log").write_bytes(waagent_log(lines))
    return root


def test_no_cell_reaches_the_events_frame_or_the_bundle_report(matrix_bundle: Path) -> None:
    bundle = open_bundle(matrix_bundle)
    events = bundle.events
    assert len(events) == len(CELLS) + len(NEGATIVE_CELLS)
    assert not _leaks("\n".join(events["message"].astype(str)))
    assert not _leaks(events.to_csv())
    negatives = list(events["message"].astype(str))[len(CELLS):]
    assert negatives == [line for _, line in NEGATIVE_CELLS]
    result = bundle.analyze()
    assert not _leaks(result.to_json())
    assert not _leaks("\n".join(t.to_csv() for t in result.to_frames().values()))
    shown = open_bundle(matrix_bundle, redact=False).events
    assert len(_leaks("\n".join(shown["message"].astype(str)))) == len(CELLS)


@pytest.mark.parametrize("with_events", [False, True], ids=["tables", "with-events"])
def test_no_cell_reaches_the_fleet_tables(matrix_bundle: Path, tmp_path: Path, with_events: bool) -> None:
    out = tmp_path / "out"
    flags = ["--with-events"] if with_events else []
    fleet_cli.main([str(matrix_bundle), "--out", str(out), "--jobs", "1", "--fail-on", "never", *flags])
    assert (out / "events.parquet").exists() == with_events
    written = sorted(p for p in out.iterdir() if p.is_file())
    assert {"bundles.parquet", "findings.parquet"} <= {p.name for p in written}
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".parquet":
            text = pq.read_table(path).to_pandas().to_csv()
        assert not _leaks(text), path.name
    if with_events:
        messages = pq.read_table(out / "events.parquet").to_pandas()["message"].astype(str)
        assert len(messages) == len(CELLS) + len(NEGATIVE_CELLS)
        assert list(messages)[len(CELLS):] == [line for _, line in NEGATIVE_CELLS]
