"""Agent version numbers: parse, compare, and the minimum-version policy in force at a date.

>>> older_than("2.2.49.2", "2.2.53.1")
True
>>> older_than("WALinuxAgent-2.9.1.1", "2.2.53.1")
False
>>> p = default_policy()
>>> p.minimum_at(None).minimum
'2.2.53.1'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


def version_tuple(text: str) -> tuple[int, ...] | None:
    """``'WALinuxAgent-2.2.53.1'`` → ``(2, 2, 53, 1)``; None when there is no version number."""
    m = _VERSION.search(text or "")
    if m is None:
        return None
    return tuple(int(p) for p in m.group(1).split("."))


def older_than(version: str, minimum: str) -> bool:
    """True when ``version`` sorts before ``minimum`` (missing parts count as 0)."""
    a, b = version_tuple(version), version_tuple(minimum)
    if a is None or b is None:
        return False
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) < b + (0,) * (width - len(b))


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    """A minimum supported version, in force from ``effective`` on, with where it is documented."""

    minimum: str
    effective: datetime | None
    source: str

    def describe(self) -> str:
        since = f" in force since {self.effective:%Y-%m-%d}" if self.effective else ""
        return f"minimum supported Linux agent {self.minimum}{since} ({self.source})"


@dataclass(frozen=True, slots=True)
class VersionPolicy:
    """Entries ordered by date; :meth:`minimum_at` picks the one in force at a time."""

    entries: tuple[PolicyEntry, ...]

    def minimum_at(self, when: datetime | None) -> PolicyEntry | None:
        """The entry in force at ``when`` (None: no policy yet).  Undated logs use the newest."""
        dated = sorted(self.entries, key=lambda e: e.effective or datetime.min.replace(tzinfo=UTC))
        if when is None:
            return dated[-1] if dated else None
        in_force = [e for e in dated if e.effective is None or e.effective <= when]
        return in_force[-1] if in_force else None


#: KB 4049215 ("Minimum version support for virtual machine agents in Azure"): Linux agent
#: 2.2.53.1 from July 2022.  Earlier revisions named lower minimums that could not be confirmed,
#: so logs dated before July 2022 have no policy unless the user gives --min-agent-version.
KB4049215 = PolicyEntry("2.2.53.1", datetime(2022, 7, 1, tzinfo=UTC),
                        "Microsoft KB 4049215, July 2022")


def default_policy() -> VersionPolicy:
    return VersionPolicy((KB4049215,))


def policy_for(override: str | None) -> VersionPolicy:
    """The user's ``--min-agent-version`` replaces the documented policy at every date."""
    if override:
        return VersionPolicy((PolicyEntry(override, None, "--min-agent-version"),))
    return default_policy()
