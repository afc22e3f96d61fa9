"""loganalyzer — why does Azure Backup or a VM extension fail on this Linux VM?

Public API (everything else is internal)::

    import loganalyzer
    bundle = loganalyzer.open_bundle("sample_logs/collect-logs-backup-failure.zip")
    bundle.events                 # pandas DataFrame, one row per record
    result = bundle.analyze()     # findings, cause verdicts, coverage
    result.top_finding

``loganalyzer.analyze(path)`` does the same in one streaming pass without keeping events.
Names are imported on first use, so ``import loganalyzer`` stays cheap.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "open_bundle": "api", "analyze": "api", "Bundle": "api",
    "InputError": "errors", "UsageError": "errors",
    "Finding": "model", "Evidence": "model", "CauseVerdict": "model",
    "AnalysisOptions": "result", "AnalysisResult": "result",
    "analyze_many": "fleet",
}
__all__ = [*sorted(_PUBLIC), "__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'loganalyzer' has no attribute {name!r}")
