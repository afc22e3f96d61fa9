"""Every hostile input through the Python API, rendered in all six report formats.

``loganalyzer.analyze`` and ``open_bundle(...).events`` either refuse the input
with :class:`~loganalyzer.errors.InputError` or return a result; no format (text,
JSON, Markdown, HTML, SARIF, JUnit), no events table and no coverage table holds
a marker from outside the bundle, a skipped entry's content or expanded entity
text; nothing is written to the CWD or the temp folder.  Tighter :class:`Limits`
keep the slowest shapes fast here (the CLI test runs them with the defaults).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hostile_inputs import BUILDERS, MiB, Snapshot, built_case

import loganalyzer
from loganalyzer.errors import InputError
from loganalyzer.limits import DEFAULT_LIMITS, Limits
from loganalyzer.report import FORMATS, render

#: Limits that keep the bundle-wide shapes quick in-process; every other shape uses the defaults.
FAST_LIMITS = {"zip_many_small_bombs": Limits(max_total_bytes=32 * MiB),
               "zip_text_bomb": Limits(max_member_bytes=32 * MiB)}


@pytest.fixture(scope="session")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture
def quiet_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty CWD and an empty temp folder for the code under test."""
    (tmp_path / "cwd").mkdir()
    (tmp_path / "tmp").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_api_reports_hold_nothing_from_outside_the_bundle(name: str, hostile_base: Path,
                                                          quiet_disk: Path) -> None:
    case = built_case(name, hostile_base)
    limits = FAST_LIMITS.get(name, DEFAULT_LIMITS)
    watched = (hostile_base / name, *case.watch)
    before = Snapshot.of(*watched)
    try:
        result = loganalyzer.analyze(case.path, limits=limits)
    except InputError as exc:
        assert case.expect in ("exit2", "exit2_or_reason"), f"{name} refused: {exc}"
        assert "\n" not in str(exc).strip()
        with pytest.raises(InputError):
            loganalyzer.open_bundle(case.path, limits=limits).events  # noqa: B018
        return
    assert case.expect != "exit2", "a path that cannot be read must raise InputError"
    outputs = {fmt: render(result, fmt) for fmt in FORMATS}
    bundle = loganalyzer.open_bundle(case.path, limits=limits)
    outputs["events"] = bundle.events.to_csv()
    outputs["coverage"] = bundle.coverage.to_csv()
    for where, text in outputs.items():
        reported = where in FORMATS
        for forbidden in case.forbidden + (case.report_only if reported else ()):
            assert forbidden not in text, f"{forbidden!r} reached the {where} output"
    assert Snapshot.of(*watched) == before
    assert list((quiet_disk / "cwd").iterdir()) == []
    assert list((quiet_disk / "tmp").iterdir()) == []
