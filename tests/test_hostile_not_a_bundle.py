"""Inputs that hold nothing to analyse: an empty file, a web page saved where an archive was expected.

Neither may count as analysed: the bundle says what the input is, the coverage lists it as
skipped with that reason, the command line exits 3 (nothing could be checked, README's exit
contract) and a fleet run marks the row ``failed`` with the reason and exits 4.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hostile_inputs import HTML_PAGE, WAAGENT_LINES, run_cli

from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.sources import open_bytes

EMPTY = "the input is empty (0 bytes); nothing to analyse"
NOT_AN_ARCHIVE = "not an archive: looks like an HTML page (a download that failed?); not read"
XML_ERROR = (b'<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
             b"<Message>Server failed to authenticate the request.</Message></Error>")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bundle.zip", b"", EMPTY),
    ("waagent.log", b"", EMPTY),
    ("logs.zip", HTML_PAGE, NOT_AN_ARCHIVE),
    ("logs.tar.gz", b"\n  " + HTML_PAGE.upper(), NOT_AN_ARCHIVE),
    ("logs.zip", b"\xef\xbb\xbf" + HTML_PAGE, NOT_AN_ARCHIVE),
    ("logs.zip", XML_ERROR, NOT_AN_ARCHIVE.replace("an HTML page", "an XML error response")),
])
def test_an_input_with_nothing_to_analyse_gives_no_member_and_says_what_it_is(
        name: str, content: bytes, reason: str) -> None:
    source = open_bytes(content, f"memory://{name}")
    assert list(source.members()) == []
    assert [(e.path, str(e.status), e.reason) for e in source.entries] == [(name, "skipped", reason)]
    assert f"{name}: {reason}" in source.info.notes


@pytest.mark.parametrize(("name", "content"), [
    ("waagent.log", HTML_PAGE),                         # a page pasted into a log is still read
    ("notes.txt", b"<html> is mentioned here\n"),
    ("logs.zip", b"2024-01-01T00:00:00.000000Z INFO Daemon <html> in a text file named .zip\n"),
])
def test_text_that_is_not_a_web_page_where_an_archive_was_expected_is_still_read(
        name: str, content: bytes) -> None:
    source = open_bytes(content, f"memory://{name}")
    assert [m.path for m in source.members()] == [name]
    assert source.entries == []


def test_a_real_zip_is_not_mistaken_for_a_page() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("var/log/waagent.log", WAAGENT_LINES)
        archive.writestr("index.html", HTML_PAGE)
    source = open_bytes(buf.getvalue(), "memory://logs.zip")
    assert sorted(m.path for m in source.members()) == ["index.html", "var/log/waagent.log"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bundle.zip", b"", EMPTY), ("logs.zip", HTML_PAGE, NOT_AN_ARCHIVE),
])
def test_the_command_line_reports_it_and_exits_nothing_checked(tmp_path: Path, name: str, content: bytes,
                                                               reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = run_cli([str(path), "--format", "json"], tmp_path)
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert f"{name}: {reason}" in report["input"]["notes"]
    files = report["coverage"]["files"]
    assert [(f["status"], f["reason"], f["lines"]) for f in files] == [("skipped", reason, 0)]
    assert report["coverage"]["totals"]["read"] == 0
    text = run_cli([str(path)], tmp_path)
    assert text.returncode == 3 and reason in text.stdout
    assert run_cli([str(path), "--fail-on", "never"], tmp_path).returncode == 0


def test_a_fleet_run_marks_them_failed_with_the_reason(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "vm1" / "var" / "log").mkdir(parents=True)
    (inputs / "vm1" / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    (inputs / "empty.zip").write_bytes(b"")
    (inputs / "page.zip").write_bytes(HTML_PAGE)
    out = tmp_path / "out"
    assert fleet_cli.main([str(inputs), "--out", str(out), "--jobs", "1", "--fail-on", "never"]) == 4
    rows = pq.read_table(out / "bundles.parquet").to_pandas().set_index("path")
    assert rows.loc[str(inputs / "empty.zip"), ["status", "error"]].tolist() == ["failed", EMPTY]
    assert rows.loc[str(inputs / "page.zip"), ["status", "error"]].tolist() == ["failed", NOT_AN_ARCHIVE]
    assert rows.loc[str(inputs / "vm1"), "status"] == "analyzed"
