"""Portal errors and cause metadata (``portal_errors.toml``, ``causes.toml``).

>>> order_for_error("UserErrorRpCollectionLimitReached")[0]
'restore_point_limit_or_lock'
>>> order_for_error("Could not communicate with the VM agent for snapshot status")[:2]
['agent_not_running', 'agent_crash_loop']
>>> order_for_error(None) == list(TAXONOMY)
True
"""
from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from .causes import CAUSES, TAXONOMY, causes_named_by


@cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((files("loganalyzer.rules") / name).read_text(encoding="utf-8"))


def cause_info(cause: str) -> dict[str, Any]:
    """The ``causes.toml`` table of a cause (``title``, ``needs``, ``collect``, ``proof``…)."""
    c = CAUSES.get(cause)
    return dict(c.table) if c is not None else {"title": cause, "needs": [], "collect": ""}


@cache
def portal_errors() -> list[dict[str, Any]]:
    """Every entry of ``portal_errors.toml`` (code, English message, lower-case ``match`` phrases),
    with ``means``: the causes whose ``portal_codes`` (``causes.toml``) name the code.

    >>> [e["means"] for e in portal_errors() if e["code"] == "ExtensionSnapshotFailedNoNetwork"]
    [['no_network']]
    """
    return [{**e, "means": causes_named_by(e["code"])} for e in _data("portal_errors.toml")["error"]]


def portal_error(text: str | None) -> dict[str, Any] | None:
    """The portal-error entry named by a code or (part of) its English message."""
    if not text:
        return None
    low = text.strip().lower()
    for entry in portal_errors():
        if low == entry["code"].lower() or low.startswith(entry["code"].lower()) \
                or any(m in low for m in entry["match"]):
            return entry
    return None


def known_error_codes() -> list[str]:
    """Every portal error code the checklist can be ordered for."""
    return [entry["code"] for entry in portal_errors()]


def order_for_error(error_code: str | None) -> list[str]:
    """Causes in the order Microsoft's page checks them for ``error_code``, then the rest."""
    entry = portal_error(error_code)
    first = [c for c in entry["causes"] if c in TAXONOMY] if entry else []
    return first + [c for c in TAXONOMY if c not in first]


