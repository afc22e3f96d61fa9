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
    "Limits": "limits",
    "analyze_many": "fleet", "FleetResult": "fleet",
}
__all__ = [*sorted(_PUBLIC), "__version__"]


def _grammars_from_source_checkout() -> None:
    """Installed, ``grammars/`` is the subpackage ``loganalyzer.grammars``.  Imported straight
    from a checkout (a notebook started in the repository after ``pip install .``), it sits
    beside this package instead: load it from there under the same name."""
    import importlib.util
    import sys
    from pathlib import Path

    if "loganalyzer.grammars" in sys.modules or importlib.util.find_spec(".grammars", __name__):
        return
    folder = Path(__file__).resolve().parent.parent / "grammars"
    if not (folder / "__init__.py").is_file():
        return                      # neither layout: the import error will say what is missing
    spec = importlib.util.spec_from_file_location("loganalyzer.grammars", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["loganalyzer.grammars"] = module
    spec.loader.exec_module(module)
    globals()["grammars"] = module   # what the import system sets for a subpackage it loads


_grammars_from_source_checkout()


def __dir__() -> list[str]:
    """The public API (loaded on first use) next to what is already imported."""
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'loganalyzer' has no attribute {name!r}")
