"""One redaction boundary: results hold text as logged; text is redacted where it leaves the tool.

A secret planted in a log line and in an extension's status message must be in the result
objects, absent from every report format, the events frame and the fleet rows by default,
and present in all of them with ``--no-redact`` (``redact=False``).
"""
from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest

from loganalyzer.api import open_bundle
from loganalyzer.cli import FORMATS, render_many
from loganalyzer.fleet.worker import analyze_location
from loganalyzer.report import render
from loganalyzer.result import AnalysisOptions

SECRET = "PLANTEDBOUNDARYx7k"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs" / "folder-dhcp-failure"
EXT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9"
STATUS = [{"version": 1.0, "timestampUTC": "2024-05-30T13:15:47Z", "status": {
    "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "error",
    "code": 1, "formattedMessage": {"lang": "en-US", "message":
        f"Upload failed: https://a.blob.core.windows.net/c/x?sv=2018-03-28&sr=b&sig=S{SECRET}&se=1"}}}]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planted") / "bundle"
    shutil.copytree(SAMPLE, root)
    first = open_bundle(root).analyze().findings[0].evidence[0]
    log = root / first.path
    lines = log.read_text().splitlines(keepends=True)
    at = first.line_start - 1
    lines[at] = lines[at].rstrip("\n") + f" GET https://h/x?sv=1&sig=L{SECRET} failed\n"
    log.write_text("".join(lines))
    with (root / "etc" / "waagent.conf").open("a") as conf:
        conf.write(f"\nOS.RootPassword=C{SECRET}\nHttpProxy.Host=http://proxyuser:P{SECRET}@proxy.example\n")
    status = root / "var/lib/waagent" / EXT / "status"
    status.mkdir(parents=True)
    (status / "0.status").write_text(json.dumps(STATUS))
    return root


def _reports(result) -> dict[str, str]:
    out = {fmt: render_many([result], fmt, color=False, verbose=True) for fmt in FORMATS if fmt != "html"}
    out["html"] = html.unescape(render(result, "html"))
    return out


def _status_message(result) -> str:
    return " ".join(e.status_message or "" for e in result.facts.extensions.values())


@pytest.mark.parametrize("redact", [True, False])
def test_results_hold_text_as_logged(planted: Path, redact: bool) -> None:
    result = open_bundle(planted, redact=redact).analyze()
    excerpts = [ev.excerpt for f in result.findings for ev in f.evidence]
    assert any(f"L{SECRET}" in x for x in excerpts), "the log line's secret is in the evidence as logged"
    assert f"S{SECRET}" in _status_message(result), "the status message is as logged"


def test_no_secret_leaves_by_default(planted: Path) -> None:
    bundle = open_bundle(planted)
    for fmt, text in _reports(bundle.analyze()).items():
        assert SECRET not in text, f"leaked in {fmt}"
    frame = bundle.events
    assert not frame["message"].astype(str).str.contains(SECRET).any()
    for name, table in bundle.analyze().to_frames().items():
        assert SECRET not in table.to_csv(), f"leaked in the {name} frame"
    assert SECRET not in bundle.extensions.to_csv()
    outcome = analyze_location(str(planted), options=AnalysisOptions(), with_events=True)
    assert SECRET not in repr(outcome.bundle) + repr(outcome.findings)
    assert outcome.events is not None and SECRET not in outcome.events.to_csv()


def test_no_redact_reveals_the_log_line_and_the_status_message(planted: Path) -> None:
    bundle = open_bundle(planted, redact=False)
    reports = _reports(bundle.analyze())
    assert f"L{SECRET}" in reports["json"] and f"L{SECRET}" in reports["markdown"]
    assert f"S{SECRET}" in json.dumps(json.loads(reports["json"])), "status message shown with --no-redact"
    assert bundle.events["message"].astype(str).str.contains(f"L{SECRET}").any()
    assert f"S{SECRET}" in bundle.extensions.to_csv()


@pytest.mark.parametrize("redact", [True, False])
def test_config_values_are_held_as_written(planted: Path, redact: bool) -> None:
    """waagent.conf is not redacted at parse time any more: the facts hold what the file says."""
    config = open_bundle(planted, redact=redact).analyze().facts.config
    assert config["OS.RootPassword"].value == f"C{SECRET}"
    assert config["HttpProxy.Host"].value == f"http://proxyuser:P{SECRET}@proxy.example"


def test_config_secrets_leave_only_with_no_redact(planted: Path) -> None:
    bundle = open_bundle(planted)
    for fmt, text in _reports(bundle.analyze()).items():
        assert SECRET not in text, f"config secret leaked in {fmt}"
    shown = bundle.config
    assert shown["OS.RootPassword"]["value"] == "<redacted>"
    assert shown["HttpProxy.Host"]["value"] == "http://<redacted>@proxy.example"
    assert bundle.facts.config["OS.RootPassword"].value == f"C{SECRET}"   # a result object: as read
    revealed = open_bundle(planted, redact=False)
    assert revealed.config["OS.RootPassword"]["value"] == f"C{SECRET}"
    assert f"P{SECRET}" in revealed.config["HttpProxy.Host"]["value"]
