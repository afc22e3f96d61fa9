"""loganalyzer — why does Azure Backup or a VM extension fail on this Linux VM?

Public API (everything else is internal)::

    import loganalyzer
    bundle = loganalyzer.open_bundle("logs.zip")
    result = bundle.analyze()
    result.top_finding
"""
from __future__ import annotations

__version__ = "0.1.0"
