"""Where bytes come from: folders, archives, nested archives, single files, the live system.

The one entry point is :func:`open_source`.  It never extracts anything to disk:
members are read as streams, nested archives (``history/*.zip``) and compressed
rotations (``waagent.log.2.gz``) are opened in memory within :class:`~loganalyzer.limits.Limits`.

>>> src = open_source("sample_logs/folder-dhcp-failure")          # doctest: +SKIP
>>> [(m.path, m.kind) for m in src.members()][:1]          # doctest: +SKIP
[('var/log/waagent.log', <Kind.WAAGENT_LOG: 'waagent_log'>)]

Contract for every reader in this package:

* :meth:`Source.members` yields :class:`Member` objects in archive order.  A member's
  stream is only valid until the next member is requested (tar streams are read once).
* Entries that are not read (unsafe names, links, devices, limits, duplicates) are
  appended to :attr:`Source.entries` as :class:`~loganalyzer.model.FileCoverage`
  entries with status ``skipped`` and a reason — nothing vanishes silently.  Archives
  opened as folders (nested zips) get an entry there too.
* :attr:`Source.info` is complete once :meth:`Source.members` is exhausted
  (the bundle type of a streamed tar is only known at its end).
"""
from __future__ import annotations

from .base import BundleInfo, BundleType, Member, Source
from .open import open_bytes, open_source

__all__ = ["BundleInfo", "BundleType", "Member", "Source", "open_bytes", "open_source"]
