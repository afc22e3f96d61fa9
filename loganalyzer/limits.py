"""Safety limits for reading untrusted bundles.  Every limit is reported when hit, never silent.

>>> Limits().max_depth
4
>>> Limits(max_members=10).max_members
10
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied while walking a bundle.

    * ``max_members`` — entries looked at across all archives (the rest are skipped).
    * ``max_total_bytes`` — uncompressed bytes read across the bundle.
    * ``max_member_bytes`` — uncompressed bytes read from one member (the rest is cut).
    * ``max_ratio`` — uncompressed/compressed ratio allowed once ``ratio_grace_bytes`` are out; streams
      above it share one allowance of four graces per bundle (nested bombs cannot each take one).
    * ``max_depth`` — archives inside archives (a history zip inside a zip is depth 2).
    * ``max_nested_archive_bytes`` — a nested archive is held in memory to be read; cap it.
    * ``max_line_bytes`` — a longer physical line is cut (and counted once).
    * ``max_xml_bytes`` / ``max_json_bytes`` — state documents larger than this are not parsed.
    * ``max_xml_elements`` — elements kept of one XML document (the rest is not read).
    * ``max_json_depth`` — deeper-nested JSON is not loaded (no ``RecursionError``).
    * ``max_extended_header_bytes`` — a tar PAX header or GNU long name larger than this stops the tar.
    * ``max_xz_memory`` — memory liblzma may use to decode one xz stream (its dictionary); a stream
      that declares more is not read.
    * ``max_conf_keys`` — settings kept from ``waagent.conf`` besides the ones the agent knows.
    * ``max_extension_events`` — extension telemetry events read across the bundle (``events/*.json``).
    * ``max_seconds`` — wall-clock budget of the whole run, counted from when the bundle is opened
      (loading the rules included) to the last rule concluded; files not reached by then are
      listed as cut by the time limit (their findings so far are kept), and the facts and rules
      get ``FINISH_GRACE_SECONDS`` (3 s) more to conclude on what was read.

    Every limit that is hit is reported in the coverage, naming what was not read.

    Change them from the command line with ``--limit NAME=VALUE`` (sizes take KiB/MiB/GiB):

    >>> Limits().with_overrides(["max_total_bytes=8GiB", "max_seconds=60"]).max_total_bytes == 8 * GiB
    True
    """

    max_members: int = 50_000
    max_total_bytes: int = 16 * GiB
    max_member_bytes: int = 4 * GiB
    max_ratio: float = 100.0
    ratio_grace_bytes: int = 16 * MiB
    max_depth: int = 4
    max_nested_archive_bytes: int = 256 * MiB
    max_line_bytes: int = 1 * MiB
    max_xml_bytes: int = 32 * MiB
    max_json_bytes: int = 32 * MiB
    max_xml_elements: int = 20_000
    max_json_depth: int = 64
    max_extended_header_bytes: int = 1 * MiB
    max_xz_memory: int = 256 * MiB
    max_conf_keys: int = 10_000
    max_extension_events: int = 100_000
    max_seconds: float = 600.0

    def with_overrides(self, assignments: list[str]) -> Limits:
        """A copy with ``NAME=VALUE`` assignments applied; raises ``ValueError`` naming the problem."""
        changes: dict[str, int | float] = {}
        known = {f.name: f.type for f in fields(self)}
        for item in assignments:
            name, sep, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in known:
                raise ValueError(f"--limit {item!r}: expected NAME=VALUE with NAME one of {', '.join(known)}")
            changes[name] = _parse_amount(raw, as_float=known[name] == "float")
        return replace(self, **changes)


DEFAULT_LIMITS = Limits()

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(k|m|g|t)?(?:i?b)?\s*$", re.IGNORECASE)
_SCALE = {None: 1, "k": 1 << 10, "m": MiB, "g": GiB, "t": 1 << 40}


def _parse_amount(raw: str, *, as_float: bool) -> int | float:
    m = _AMOUNT.match(raw)
    if not m:
        raise ValueError(f"--limit: not a number or size like 512MiB: {raw!r}")
    value = float(m.group(1)) * _SCALE[m.group(2).lower() if m.group(2) else None]
    if value <= 0:
        raise ValueError(f"--limit: must be positive: {raw!r}")
    return value if as_float else int(value)


class LimitExceeded(Exception):
    """Raised by a guarded stream when a limit is reached; the caller keeps what was read."""
