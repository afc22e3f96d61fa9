"""JUnit XML for CI dashboards: one test case per documented cause.

A detected cause is a ``<failure>`` (message: the finding's title; text: its evidence),
a cause that could not be evaluated is ``<skipped>`` (message: what is missing), a cause
ruled out passes (its reason in ``<system-out>``).  Built with :mod:`xml.etree`, and
characters XML 1.0 cannot hold are made visible first, so the file always parses.

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> from loganalyzer.model import CauseVerdict, Verdict
>>> r = AnalysisResult(BundleInfo("logs.zip"), [], Facts(), [],
...                    [CauseVerdict("disk_full", Verdict.RULED_OUT, "no ENOSPC")], AnalysisOptions())
>>> print(render_junit(r).splitlines()[1])
<testsuites name="loganalyzer" tests="1" failures="0" errors="0" skipped="0">
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import CauseVerdict, Evidence
from ..result import AnalysisResult
from .redaction import report_view
from .wording import bundle_header, cause_label, evidence_time, finding_for, location, printable, wellformed

SUITE_NAME = "loganalyzer causes"
CLASS_NAME = "loganalyzer.causes"


def render_junit(result: AnalysisResult) -> str:
    """The JUnit XML document (UTF-8 declaration, indented)."""
    view = report_view(result)
    counts = {v: sum(1 for c in view.causes if str(c.verdict) == v) for v in ("detected", "not_evaluable")}
    totals = {"tests": str(len(view.causes)), "failures": str(counts["detected"]), "errors": "0",
              "skipped": str(counts["not_evaluable"])}
    root = ET.Element("testsuites", {"name": "loganalyzer", **totals})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name(view), **totals, "time": "0"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("bundle.path", view.input.path), ("bundle.type", str(view.input.bundle_type)),
                        ("redacted", str(view.options.redact).lower())):
        ET.SubElement(properties, "property", {"name": name, "value": _xml(value)})
    for note in view.input.notes:
        ET.SubElement(properties, "property", {"name": "note", "value": _xml(note)})
    for verdict in view.causes:
        _testcase(suite, verdict, view)
    ET.indent(root)
    document = ET.tostring(root, encoding="unicode")
    return wellformed(f'<?xml version="1.0" encoding="UTF-8"?>\n{document}\n')


def suite_name(view: AnalysisResult) -> str:
    """``loganalyzer causes: vm-backup01 (collect-logs.zip)`` — one suite per bundle, named by it."""
    head = bundle_header(view)
    name = head.path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or head.path
    return f"{SUITE_NAME}: {head.hostname} ({name})" if head.hostname else f"{SUITE_NAME}: {name}"


def _testcase(suite: ET.Element, verdict: CauseVerdict, view: AnalysisResult) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": CLASS_NAME, "name": verdict.cause, "time": "0"})
    kind = str(verdict.verdict)
    if kind == "detected":
        finding = finding_for(verdict.cause, view.findings)
        message = finding.title if finding else verdict.reason
        evidence = finding.evidence if finding else verdict.evidence
        failure = ET.SubElement(case, "failure", {"message": _xml(message),
                                                  "type": str(finding.severity) if finding else "detected"})
        lines = [f"{cause_label(verdict.cause)}: {finding.summary if finding else verdict.reason}"]
        lines += [_evidence_text(e) for e in evidence]
        if finding and finding.remediation:
            lines += ["What to do:"] + [f"  {n}. {s}" for n, s in enumerate(finding.remediation, 1)]
        failure.text = _xml("\n".join(lines))
    elif kind == "not_evaluable":
        ET.SubElement(case, "skipped", {"message": _xml(verdict.reason)})
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _xml("\n".join([f"ruled out: {verdict.reason}", *map(_evidence_text, verdict.evidence)]))


def _evidence_text(evidence: Evidence) -> str:
    return f"{location(evidence)} {evidence_time(evidence)}\n{evidence.excerpt}"


def _xml(value: str) -> str:
    """Text XML 1.0 can hold: control characters other than tab and newline become U+FFFD."""
    return printable(value)
