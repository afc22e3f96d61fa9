"""Safety limits for reading untrusted bundles.  Every limit is reported when hit, never silent.

>>> Limits().max_depth
4
>>> Limits(max_members=10).max_members
10
"""
from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied while walking a bundle.

    * ``max_members`` — entries looked at across all archives (the rest are skipped).
    * ``max_total_bytes`` — uncompressed bytes read across the bundle.
    * ``max_member_bytes`` — uncompressed bytes read from one member (the rest is cut).
    * ``max_ratio`` — uncompressed/compressed ratio allowed once ``ratio_grace_bytes`` are out.
    * ``max_depth`` — archives inside archives (a history zip inside a zip is depth 2).
    * ``max_nested_archive_bytes`` — a nested archive is held in memory to be read; cap it.
    * ``max_line_bytes`` — a longer physical line is cut (and counted once).
    * ``max_xml_bytes`` / ``max_json_bytes`` — state documents larger than this are not parsed.
    """

    max_members: int = 50_000
    max_total_bytes: int = 16 * GiB
    max_member_bytes: int = 4 * GiB
    max_ratio: float = 250.0
    ratio_grace_bytes: int = 16 * MiB
    max_depth: int = 4
    max_nested_archive_bytes: int = 256 * MiB
    max_line_bytes: int = 1 * MiB
    max_xml_bytes: int = 32 * MiB
    max_json_bytes: int = 32 * MiB


DEFAULT_LIMITS = Limits()


class LimitExceeded(Exception):
    """Raised by a guarded stream when a limit is reached; the caller keeps what was read."""
