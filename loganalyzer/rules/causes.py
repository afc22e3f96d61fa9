"""The documented causes, owned by ``causes.toml``: one table per cause, nothing else lists them.

:data:`TAXONOMY` (the checklist order), :func:`label` (the reports' phrase) and
:func:`causes_named_by` (which portal codes name a cause) all derive from that file; adding a
cause is one table there plus its rules.  :func:`load_causes` reads any such file (tests use a
temporary one).

>>> TAXONOMY[0], CAUSES["agent_outdated"].label
('no_network', 'the guest agent is out of date')
>>> causes_named_by("UserErrorRpCollectionLimitReached")
['restore_point_limit_or_lock']
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Cause:
    """One documented cause (a ``[<id>]`` table of ``causes.toml``)."""

    id: str
    order: int
    label: str
    title: str
    #: file kinds that can show it; empty: nothing in the guest can (a portal code decides it)
    needs: tuple[str, ...]
    collect: str
    portal_codes: tuple[str, ...] = ()
    remediation: str = ""
    leads_to: tuple[str, ...] = ()
    #: the raw table (``proof`` and any other key the verdicts read)
    table: Mapping[str, Any] = field(default_factory=dict)

    @property
    def outside_guest(self) -> bool:
        """Nothing in a guest bundle can show it: only the portal error decides it."""
        return not self.needs


def load_causes(text: str) -> dict[str, Cause]:
    """The causes of a ``causes.toml`` text, in checklist (``order``) order; raises ``ValueError``
    naming the cause when a required key is missing.

    >>> list(load_causes('[b]\\norder = 2\\nlabel = "b"\\ntitle = "B"\\nneeds = []\\ncollect = ""\\n'
    ...                  '[a]\\norder = 1\\nlabel = "a"\\ntitle = "A"\\nneeds = []\\ncollect = ""\\n'))
    ['a', 'b']
    """
    out = []
    for cid, t in tomllib.loads(text).items():
        missing = [k for k in ("order", "label", "title", "needs", "collect") if k not in t]
        if missing:
            raise ValueError(f"cause {cid!r}: missing {', '.join(missing)}")
        out.append(Cause(cid, int(t["order"]), str(t["label"]), str(t["title"]), tuple(t["needs"]),
                         str(t["collect"]), tuple(t.get("portal_codes", ())), str(t.get("remediation", "")),
                         tuple(t.get("leads_to", ())), t))
    by_order: dict[int, str] = {}
    for c in out:
        if c.order in by_order:
            raise ValueError(f"cause {c.id!r}: order {c.order} is also {by_order[c.order]!r}'s")
        by_order[c.order] = c.id
    return {c.id: c for c in sorted(out, key=lambda c: c.order)}


def _shipped() -> dict[str, Cause]:
    return load_causes((files("loganalyzer.rules") / "causes.toml").read_text(encoding="utf-8"))


def read_causes_file(path: Path) -> dict[str, Cause]:
    """The causes of a ``causes.toml`` on disk."""
    return load_causes(path.read_text(encoding="utf-8"))


#: The pseudo-cause of errors no rule explains (not a documented cause: no verdict of its own).
UNEXPLAINED = "unexplained_error"
#: Every documented cause by id, in checklist order.
CAUSES: dict[str, Cause] = _shipped()
#: The documented causes (GUIDE §3), in checklist order: every one gets a verdict.
TAXONOMY: tuple[str, ...] = tuple(CAUSES)


def label(cause: str, causes: Mapping[str, Cause] = CAUSES) -> str:
    """The reports' phrase for a cause (an unknown id reads as its words).

    >>> label("some_new_cause")
    'some new cause'
    """
    c = causes.get(cause)
    return c.label if c is not None else cause.replace("_", " ")


def causes_named_by(code: str, causes: Mapping[str, Cause] = CAUSES) -> list[str]:
    """The causes whose ``portal_codes`` hold ``code``, in checklist order."""
    return [c.id for c in causes.values() if code in c.portal_codes]
