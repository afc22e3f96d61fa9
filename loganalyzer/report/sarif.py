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

import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..model import Evidence, Finding, Severity
from ..result import AnalysisResult
from .redaction import report_view
from .wording import by_rank, cause_label, wellformed, wellformed_data

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: What the tool implements: Microsoft's guide to Azure Backup failures caused by the agent or extension.
INFORMATION_URI = ("https://learn.microsoft.com/azure/backup/"
                   "backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}


def render_sarif(result: AnalysisResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: AnalysisResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    view = report_view(result)
    findings = by_rank(view.findings)
    rule_ids: list[str] = []
    rules: list[dict[str, Any]] = []
    catalog = _catalog(view)
    for finding in findings:
        if finding.rule_id not in rule_ids:
            rule_ids.append(finding.rule_id)
            rules.append(_rule(finding, catalog.get(finding.rule_id)))
    return wellformed_data({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "loganalyzer", "version": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "results": [_result(f, rule_ids.index(f.rule_id)) for f in findings],
            "invocations": [_invocation(view)],
            "properties": {"bundle_path": view.input.path, "bundle_type": str(view.input.bundle_type),
                           "redacted": view.options.redact, "notes": list(view.input.notes)},
        }],
    })


def _catalog(view: AnalysisResult) -> dict[str, Any]:
    """The rules by id (the catalog plus ``--rules`` folders), for help text that is the same
    in every run: a rule's description never carries one bundle's text."""
    from ..pipeline import rules_for
    rules, _ = rules_for(tuple(view.options.rule_dirs))
    return {r.id: r for r in rules}


def _static(text: str) -> str:
    """A catalog text without its per-finding placeholders (``{extension}``, ``{count}``)."""
    return " ".join(_PLACEHOLDER.sub("…", text).replace(": …", "").split())


def _invocation(view: AnalysisResult) -> dict[str, Any]:
    status = view.stats.get("exit_status")
    if status is None:
        worst = view.worst_severity
        fail_on = view.options.fail_on
        status = 1 if worst is not None and fail_on != "never" and \
            Severity(worst).rank >= Severity(fail_on).rank else 0
    return {"executionSuccessful": status in (0, 1), "exitCode": int(status),
            "exitCodeDescription": {0: "nothing at or above --fail-on", 1: "findings at or above --fail-on",
                                    2: "bad usage or unreadable input",
                                    3: "nothing could be checked"}.get(int(status), "")}


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and bundles: rule, cause, extension and the evidence file (no lines)."""
    first = finding.evidence[0].path if finding.evidence else ""
    key = "|".join((finding.rule_id, finding.cause, finding.extension or "", first.rsplit("/", 1)[-1]))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _rule(finding: Finding, rule: Any = None) -> dict[str, Any]:
    steps = (rule.remediation if rule is not None and rule.remediation else finding.remediation) \
        or [f"Look into: {cause_label(finding.cause)}."]
    steps = [_static(s) for s in steps]
    title = _static(rule.title) if rule is not None else finding.rule_id
    return {
        "id": finding.rule_id,
        "name": _pascal(finding.rule_id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{cause_label(finding.cause).capitalize()}: {title}. "
                                    f"analyze-logs --explain {finding.rule_id} tells more."},
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
        "partialFingerprints": {"loganalyzerFinding/v1": _fingerprint(finding)},
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
