"""An analysis result as pandas DataFrames (the notebook's tables; pandas is imported here only).

``findings`` — one row per finding: rule_id, cause, severity (ordered categorical, the JSON
spelling ``critical|error|warning|info``), confidence, title, count, first_seen, last_seen
(UTC), extension, evidence_path, evidence_line (the first evidence item), summary.
``causes`` — one row per documented cause: cause, verdict, reason, evidence_path, evidence_line.

Text is redacted unless the analysis ran with ``redact=False`` (as in every report).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Verdict
from .redaction import report_view
from .wording import SEVERITY_ORDER, by_rank

if TYPE_CHECKING:
    import pandas as pd

FINDING_COLUMNS = ("rule_id", "cause", "severity", "confidence", "title", "count", "first_seen",
                   "last_seen", "extension", "evidence_path", "evidence_line", "summary")
CAUSE_COLUMNS = ("cause", "verdict", "reason", "evidence_path", "evidence_line")


def findings_frame(result: Any) -> pd.DataFrame:
    import pandas as pd
    view = report_view(result)
    rows = []
    for f in by_rank(view.findings):
        first = f.evidence[0] if f.evidence else None
        rows.append({"rule_id": f.rule_id, "cause": f.cause, "severity": str(f.severity),
                     "confidence": str(f.confidence), "title": f.title, "count": f.count,
                     "first_seen": f.first_seen, "last_seen": f.last_seen, "extension": f.extension,
                     "evidence_path": first.path if first else None,
                     "evidence_line": first.line_start if first else None, "summary": f.summary})
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    frame["severity"] = pd.Categorical(frame["severity"], categories=list(SEVERITY_ORDER[::-1]), ordered=True)
    frame["confidence"] = pd.Categorical(frame["confidence"], categories=["low", "medium", "high"],
                                         ordered=True)
    frame["cause"] = frame["cause"].astype("category")
    for name in ("first_seen", "last_seen"):
        frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[ns, UTC]")
    frame["count"] = frame["count"].astype("int64")
    frame["evidence_line"] = frame["evidence_line"].astype("Int64")
    return frame


def causes_frame(result: Any) -> pd.DataFrame:
    import pandas as pd
    view = report_view(result)
    rows = [{"cause": v.cause, "verdict": str(v.verdict), "reason": v.reason,
             "evidence_path": v.evidence[0].path if v.evidence else None,
             "evidence_line": v.evidence[0].line_start if v.evidence else None} for v in view.causes]
    frame = pd.DataFrame(rows, columns=list(CAUSE_COLUMNS))
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=[v.value for v in Verdict])
    frame["evidence_line"] = frame["evidence_line"].astype("Int64")
    return frame


def coverage_frame(result: Any) -> pd.DataFrame:
    import pandas as pd
    rows = [{"path": c.path, "kind": c.kind, "size": c.size, "status": str(c.status), "parser": c.parser,
             "lines": c.lines, "records": c.records, "unparsed_lines": c.unparsed_lines, "reason": c.reason}
            for c in report_view(result, whole=True).coverage]  # a reason may quote a member name or a line
    return pd.DataFrame(rows, columns=["path", "kind", "size", "status", "parser", "lines", "records",
                                       "unparsed_lines", "reason"])


def result_frames(result: Any) -> dict[str, pd.DataFrame]:
    """Every table of one result: findings, causes, coverage, extensions, agent, goal_states, backups."""
    from ..facts import frames
    facts = report_view(result, whole=True).facts
    return {"findings": findings_frame(result), "causes": causes_frame(result),
            "coverage": coverage_frame(result), "extensions": frames.extensions_frame(facts),
            "agent": frames.agent_frame(facts), "goal_states": frames.goal_states_frame(facts),
            "backups": frames.backups_frame(facts)}
