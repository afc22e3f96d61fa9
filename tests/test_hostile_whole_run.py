"""``max_seconds`` holds over the whole run, and a report stays bounded whatever the bundle holds.

Reading was already paced by the time limit; the stages after it were not: 20,000 extensions
failing each (a 3 MB waagent.log) spent 124 s relating their findings to each other (every pair
was tried) and gave a 20 MB JSON report; a 200,000-member zip gave one coverage row per member;
an ExtensionsConfig of hundreds of thousands of plugins (the element limit raised) a report of
hundreds of MB.  Every input is generated here in batches; nothing is committed.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_inputs import WAAGENT_LINES, ZipEntry, extensions_config_plugins, run_cli, write_zip
from jsonschema import Draft202012Validator

import loganalyzer
from loganalyzer.analysis import Scan, iter_events
from loganalyzer.facts.collector import FactsCollector
from loganalyzer.limits import LimitExceeded, Limits
from loganalyzer.model import CoverageStatus, FileCoverage
from loganalyzer.parsers import ParseContext, parser_for
from loganalyzer.parsers.base import Document
from loganalyzer.pipeline import Pipeline
from loganalyzer.report.bounds import MAX_COVERAGE_ROWS, MAX_EXTENSIONS, MAX_FINDINGS, MAX_SUMMARY_ROWS
from loganalyzer.report.json_report import schema, to_dict
from loganalyzer.result import AnalysisOptions
from loganalyzer.sources import open_source
from loganalyzer.sources.guard import FINISH_GRACE_SECONDS, Budget

pytestmark = pytest.mark.slow


def _failing_extensions(path: Path, count: int) -> Path:
    """``count`` extensions, each failing to enable once (one finding each)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for start in range(0, count, 5000):
            out.write(b"".join(
                b"2022-12-02T05:%02d:%02d.%06dZ ERROR ExtHandler ExtHandler Event: "
                b"name=Microsoft.Fake.Ext%d, op=Enable, message=Enable failed with exit code %d, duration=0\n"
                % ((i // 60) % 60, i % 60, i, i, i % 7 + 1) for i in range(start, min(count, start + 5000))))
    return path


def _valid(document: dict) -> None:
    errors = [e.message for e in Draft202012Validator(schema()).iter_errors(document)]
    assert not errors, errors[:5]


def test_max_seconds_holds_when_the_cost_lies_in_the_rules_and_the_report(tmp_path: Path) -> None:
    _failing_extensions(tmp_path / "vm" / "var/log/waagent.log", 20_000)
    run = run_cli(["--format", "json", "--limit", "max_seconds=4", str(tmp_path / "vm")], tmp_path / "run",
                  timeout=120)
    assert not run.timed_out and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.returncode in (0, 1, 2, 3), run.stderr[-2000:]
    assert run.seconds < 4 + 5 + 1, f"{run.seconds:.1f} s for a 4 s budget"      # 1 s to start up
    report = json.loads(run.stdout)
    _valid(report)
    listed, omitted = len(report["findings"]), report["omitted"]["findings"]
    assert listed <= MAX_FINDINGS + 50                # the most likely ones, and their incidents' roots
    assert report["summary"]["findings"] == listed + omitted
    said = [f.get("reason") or "" for f in report["coverage"]["files"]] + report["input"]["notes"]
    if omitted:
        assert any("findings are listed" in s for s in report["input"]["notes"]), report["input"]["notes"]
    if any("time limit (4 s)" in s for s in said):     # a loaded machine stops it while reading
        assert report["coverage"]["totals"]["partial"] >= 1


def test_relating_findings_costs_in_proportion_to_the_pairs_that_can_relate(tmp_path: Path) -> None:
    _failing_extensions(tmp_path / "vm" / "var/log/waagent.log", 6_000)
    result = loganalyzer.analyze(tmp_path / "vm")
    stats = result.stats
    failing = [f for f in result.findings if f.cause == "extension_enable_failed"]
    assert len(failing) == 6_000, stats
    assert len({f.incident for f in failing}) == 6_000      # no two extensions' failures are one incident
    assert result.stats["seconds"] < 60


def _many_members(path: Path, count: int) -> Path:
    entries = [ZipEntry.stored("var/log/waagent.log", WAAGENT_LINES)]
    entries += [ZipEntry.stored(f"var/log/azure/Ext.A.B/f{i}.log", b"x\n") for i in range(count)]
    entries += [ZipEntry.stored(f"var/lib/waagent/../x{i}.log", b"x\n") for i in range(300)]
    return write_zip(path, entries)


def test_a_report_of_a_bundle_of_many_members_lists_the_first_and_summarises_the_rest(tmp_path: Path) -> None:
    bundle = _many_members(tmp_path / "many.zip", 12_000)
    result = loganalyzer.analyze(bundle)
    assert len(result.coverage) >= 12_301                  # the API's result keeps every row
    report = to_dict(result)
    _valid(report)
    rows = report["coverage"]["files"]
    summary = [r for r in rows if "files" in r]
    assert len(rows) - len(summary) == MAX_COVERAGE_ROWS
    assert 0 < len(summary) <= MAX_SUMMARY_ROWS
    totals = report["coverage"]["totals"]
    assert sum(r.get("files", 1) for r in rows) == len(result.coverage) == totals["files"]
    assert report["omitted"]["coverage_files"] == len(result.coverage) - MAX_COVERAGE_ROWS
    assert report["coverage"]["totals"]["skipped"] == 300
    unsafe = [r for r in summary if r["status"] == "skipped"]
    assert sum(r["files"] for r in unsafe) == 300 and all("leaves the bundle" in r["reason"] for r in unsafe)
    assert report["coverage"]["totals"]["lines"] == sum(c.lines for c in result.coverage)
    assert any(f"{MAX_COVERAGE_ROWS:,} of {len(result.coverage):,} files are listed" in n
               for n in report["input"]["notes"])
    assert len(json.dumps(report)) < 2_000_000
    for fmt in ("text", "markdown", "html"):
        text = loganalyzer.report.render(result, fmt) if fmt != "text" else \
            loganalyzer.report.render(result, fmt, verbose=True)
        assert f"{len(result.coverage):,}" in text or f"{len(result.coverage)}" in text, fmt


def test_a_report_of_hundreds_of_thousands_of_plugins_stays_small(tmp_path: Path) -> None:
    extensions_config_plugins(tmp_path / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", 300_000)
    (tmp_path / "vm" / "var/log").mkdir(parents=True)
    (tmp_path / "vm" / "var/log/waagent.log").write_bytes(WAAGENT_LINES)
    run = run_cli(["--format", "json", "--limit", "max_xml_elements=1000000", str(tmp_path / "vm")],
                  tmp_path / "run", timeout=300)
    assert not run.timed_out and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert len(run.stdout) < 3_000_000, len(run.stdout)
    report = json.loads(run.stdout)
    _valid(report)
    assert len(report["extensions"]) == MAX_EXTENSIONS
    assert report["omitted"]["extensions"] == 300_000 - MAX_EXTENSIONS
    assert any(f"{MAX_EXTENSIONS:,} of 300,000 extensions are listed" in n for n in report["input"]["notes"])
    assert run.peak_rss_mib < 900, run.peak_rss_mib


# -- the one budget, consulted by each stage after reading (built from bytes, no clock races) ------
def _expired(**limits: float) -> Budget:
    budget = Budget(Limits(**limits))
    budget.deadline = time.monotonic() - FINISH_GRACE_SECONDS - 1     # reading and finishing both over
    return budget


def _extensions_config_document(tmp_path: Path, plugins: int) -> Document:
    path = extensions_config_plugins(tmp_path / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", plugins)
    member = next(open_source(tmp_path / "vm").members())
    ctx = ParseContext(FileCoverage(member.path, member.kind), limits=Limits(max_xml_elements=10 * plugins))
    list(parser_for(member.kind)(member, ctx))
    [document] = ctx.documents
    assert path.name in document.path
    return document


def test_taking_the_facts_of_a_big_document_stops_at_the_time_limit_and_says_how_much(tmp_path: Path) -> None:
    document = _extensions_config_document(tmp_path, 5_000)
    collector = FactsCollector()
    collector.budget = _expired(max_seconds=7)
    with pytest.raises(LimitExceeded, match=r"time limit \(7 s\) reached while its extension requests were "
                                            r"taken: [\d,]+ of 5,000 not examined"):
        collector.add_document(document)
    assert 0 < len(collector.facts.extensions) < 5_000          # what was taken is kept


def test_a_time_limit_hit_while_taking_facts_marks_the_file_partial_instead_of_raising(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extensions_config_plugins(tmp_path / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", 10)
    scan = Scan(source=open_source(tmp_path / "vm"))

    def out_of_time(doc: Document) -> None:
        raise LimitExceeded(f"{doc.path}: time limit (7 s) reached while its extension requests were taken")
    monkeypatch.setattr(scan.facts, "add_document", out_of_time)
    list(iter_events(scan, AnalysisOptions()))
    [entry] = [c for c in scan.coverage if c.path.endswith("ExtensionsConfig.1.xml")]
    assert entry.status == CoverageStatus.PARTIAL and "time limit (7 s)" in (entry.reason or "")


def test_the_parsers_the_facts_and_the_rules_share_the_sources_one_budget(tmp_path: Path) -> None:
    extensions_config_plugins(tmp_path / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", 10)
    source = open_source(tmp_path / "vm")
    pipeline = Pipeline(source, AnalysisOptions())
    assert pipeline.scan.budget is source.budget is pipeline.scan.facts.budget


class _RunsOutAfter(Budget):
    """A budget whose finishing time runs out after ``steps`` looks at the clock."""

    def __init__(self, steps: int) -> None:
        super().__init__(Limits(max_seconds=7))
        self._after = steps

    def finish_out_of_time(self) -> bool:
        return self._steps > self._after


def _failing_extension_facts(count: int) -> Any:
    from loganalyzer.facts.model import ExtensionFact, Facts
    facts = Facts(kinds_present={"handler_status"})
    for i in range(count):
        facts.extensions[f"X.Y.E{i}"] = ExtensionFact(name=f"X.Y.E{i}", status="error", operation="Enable")
    return facts


@pytest.mark.parametrize("budget", [lambda: _RunsOutAfter(2_000), lambda: _expired(max_seconds=7)],
                         ids=["runs-out-among-the-facts", "out-before-finishing"])
def test_concluding_the_rules_stops_at_the_finishing_deadline_and_says_what_was_not_examined(
        budget: Callable[[], Budget]) -> None:
    from loganalyzer.rules import RuleEngine, load_rules
    from loganalyzer.sources.base import BundleInfo
    rules, _ = load_rules()
    info = BundleInfo("x")
    findings, _ = RuleEngine(rules).finish(_failing_extension_facts(5_000), info, [], budget())
    failed = [f for f in findings if f.cause == "extension_enable_failed"]
    notes = " ".join(info.notes)
    assert "time limit (7 s) reached" in notes, info.notes
    if failed:      # the status rule started: it stopped among the extensions and counted the rest
        assert re.search(r"extension status facts were examined: [\d,]+ of 5,000 extensions not examined",
                         notes), notes
        assert len(failed) < 5_000
    else:
        assert "before these rules looked at the facts" in notes and "extension.status_files" in notes


def test_concluding_the_rules_without_a_time_limit_examines_every_extension() -> None:
    from loganalyzer.rules import RuleEngine, load_rules
    from loganalyzer.sources.base import BundleInfo
    rules, _ = load_rules()
    facts = _failing_extension_facts(3_000)
    findings, _ = RuleEngine(rules).finish(facts, BundleInfo("x"), [], Budget(Limits()))
    assert len([f for f in findings if f.cause == "extension_enable_failed"]) == 3_000


def test_a_pass_of_the_rules_over_kept_records_stops_at_the_finishing_deadline(tmp_path: Path) -> None:
    _failing_extensions(tmp_path / "vm" / "var/log/waagent.log", 3_000)
    pipeline = Pipeline(open_source(tmp_path / "vm"), AnalysisOptions())
    events = pipeline.read()
    assert len(events) == 3_000
    pipeline.facts()
    pipeline.scan.budget.deadline = time.monotonic() - FINISH_GRACE_SECONDS - 1
    result = pipeline.result()
    assert any("records not examined by the rules" in n for n in result.input.notes), result.input.notes
    assert len([f for f in result.findings if f.cause == "extension_enable_failed"]) < 3_000
