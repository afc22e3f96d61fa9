"""SARIF 2.1.0 for pipelines and code-scanning viewers: one rule per rule id, one result per finding.

Locations point at bundle members (``artifactLocation.uri`` is the member path, percent-encoded,
relative to the bundle named in ``run.properties``); each region carries the evidence excerpt as
its snippet.  Levels: critical and error → ``error``, warning → ``warning``, info → ``note``.

>>> from loganalyzer.result import AnalysisOptions, AnalysisResult
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> doc = to_sarif(AnalysisResult(BundleInfo("logs.zip"), [], Facts(), [], [], AnalysisOptions()))
>>> doc["version"], doc["runs"][0]["results"]
('2.1.0', [])
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..model import Evidence, Finding
from ..result import AnalysisResult
from .redaction import report_view
from .wording import by_rank, cause_label, wellformed, wellformed_data

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: What the tool implements: Microsoft's guide to Azure Backup failures caused by the agent or extension.
INFORMATION_URI = ("https://learn.microsoft.com/azure/backup/"
                   "backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout")
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}


def render_sarif(result: AnalysisResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: AnalysisResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    view = report_view(result)
    findings = by_rank(view.findings)
    rule_ids: list[str] = []
    rules: list[dict[str, Any]] = []
    for finding in findings:
        if finding.rule_id not in rule_ids:
            rule_ids.append(finding.rule_id)
            rules.append(_rule(finding))
    return wellformed_data({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "loganalyzer", "version": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "results": [_result(f, rule_ids.index(f.rule_id)) for f in findings],
            "properties": {"bundle_path": view.input.path, "bundle_type": str(view.input.bundle_type),
                           "redacted": view.options.redact, "notes": list(view.input.notes)},
        }],
    })


def _rule(finding: Finding) -> dict[str, Any]:
    steps = finding.remediation or [f"Look into: {cause_label(finding.cause)}."]
    return {
        "id": finding.rule_id,
        "name": _pascal(finding.rule_id),
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": f"{cause_label(finding.cause).capitalize()}. {finding.summary}".strip()},
        "help": {"text": "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1)),
                 "markdown": "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1))},
        "helpUri": next((r for r in finding.references if r.startswith(("https://", "http://"))),
                        INFORMATION_URI),
        "properties": {"cause": finding.cause, "tags": ["loganalyzer", finding.cause]},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    message = f"{finding.title}: {finding.summary}" if finding.summary else finding.title
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS.get(str(finding.severity), "warning"),
        "message": {"text": message},
        "locations": [_location(e) for e in finding.evidence],
        "properties": {"cause": finding.cause, "confidence": str(finding.confidence),
                       "count": finding.count, "severity": str(finding.severity)},
    }


def _location(evidence: Evidence) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(wellformed(evidence.path), safe="/")}}
    if evidence.line_start > 0:
        physical["region"] = {"startLine": evidence.line_start,
                              "endLine": max(evidence.line_start, evidence.line_end),
                              "snippet": {"text": evidence.excerpt}}
    return {"physicalLocation": physical}


def _pascal(rule_id: str) -> str:
    """``vmsnapshot.enable_failed`` → ``VmsnapshotEnableFailed`` (SARIF's rule ``name``).

    >>> _pascal("vmsnapshot.enable_failed")
    'VmsnapshotEnableFailed'
    """
    return "".join(part.capitalize() for part in rule_id.replace(".", "_").replace("-", "_").split("_"))
