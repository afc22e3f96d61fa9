"""Candidates from a folder on disk (an unpacked bundle, loose files, or the live system).

Symbolic links are never followed onto the host (listed as skipped, with their target),
devices, FIFOs and sockets are never opened, unreadable folders and files are listed with the reason.  Program
folders of extension packages (``<Handler>-<Version>/bin``, ``main``, …) are not
walked: only their ``status/`` and ``config/`` folders and top-level state files.

Under a root (the live system, or a mounted OS disk with ``--root``) the folders leading to
the selected paths are resolved as in a chroot: a link on ``var``, ``var/log``… is followed
with the root as ``/`` (absolute targets and ``..`` never leave it), so a rescue VM reads the
mounted disk's files, never its own; a link that leads nowhere inside the root is listed.
"""
from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..filekinds.identity import is_package_dir
from .archives import _mode_reason
from .walker import Candidate, Walker, describe, printable

#: What a live VM (or a mounted OS disk under ``--root``) holds for the analyzer.
LIVE_SELECTION = (
    "var/log/waagent.log*", "var/log/syslog*", "var/log/messages*", "var/log/azure",
    "var/lib/waagent", "etc/waagent.conf",
)


def iter_folder(walker: Walker, base: Path, selection: tuple[str, ...] | None = None) -> Iterator[Candidate]:
    """Candidates under ``base`` (all of it, or the ``selection`` of relative paths/globs)."""
    if selection is None:
        yield from _walk(walker, base, "")
        return
    listed: set[str] = set()
    for pattern in selection:
        parent_rel, _, leaf = pattern.rpartition("/")
        links: list[tuple[str, str]] = []
        parent = resolve_in_root(base, parent_rel, links)
        for link, target in links:
            if link not in listed:
                listed.add(link)
                where = "leads nowhere inside the root; not followed" if parent is None else \
                    "followed inside the root (the root taken as /)"
                walker.skip(f"{link}/", f"symbolic link to {printable(target)}; {where}", kind="link")
        if parent is None:
            continue
        for name in _matching(parent, leaf):
            rel = f"{parent_rel}/{name}" if parent_rel else name
            yield from _entry(walker, parent / name, rel)


def selection_exists(base: Path, selection: tuple[str, ...]) -> bool:
    """True when at least one selected path exists under ``base`` (links resolved inside it)."""
    for pattern in selection:
        parent_rel, _, leaf = pattern.rpartition("/")
        parent = resolve_in_root(base, parent_rel, [])
        if parent is not None and _matching(parent, leaf):
            return True
    return False


_MAX_LINK_HOPS = 40


def resolve_in_root(base: Path, rel: str, links: list[tuple[str, str]]) -> Path | None:
    """The real folder ``rel`` names when ``base`` is ``/`` (None: it does not exist there).

    Every symbolic link met is resolved against the root, never the host, and appended to
    ``links`` as (its path under the root, its target).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "data" / "log").mkdir(parents=True)
    >>> (root / "var").symlink_to("/data")
    >>> found = []; resolve_in_root(root, "var/log", found) == root / "data" / "log", found
    (True, [('var', '/data')])
    >>> (root / "etc").mkdir(); resolve_in_root(root, "var/../../../etc", []) == root / "etc"
    True
    """
    pending = [p for p in rel.split("/") if p not in ("", ".")]
    real: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if real:
                real.pop()
            continue
        path = base.joinpath(*real, part)
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            target = _link_target(path)
            links.append(("/".join([*real, part]), target))
            hops += 1
            if hops > _MAX_LINK_HOPS or target == "?":
                return None
            if target.startswith("/"):
                real = []
            pending[:0] = [p for p in target.split("/") if p not in ("", ".")]
            continue
        if not stat.S_ISDIR(info.st_mode):
            return None
        real.append(part)
    return base.joinpath(*real)


def _matching(parent: Path, leaf: str) -> list[str]:
    if not any(ch in leaf for ch in "*?["):
        return [leaf] if os.path.lexists(parent / leaf) else []
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    return sorted(n for n in names if fnmatch.fnmatchcase(n, leaf))


def _walk(walker: Walker, folder: Path, rel: str) -> Iterator[Candidate]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as error:
        walker.skip(f"{rel}/" if rel else "./", f"folder unreadable: {describe(error)}")
        return
    for entry in entries:
        if walker.stopped:
            return
        shown = printable(entry.name)
        child = f"{rel}/{shown}" if rel else shown
        yield from _entry(walker, Path(entry.path), child)


def _entry(walker: Walker, path: Path, rel: str) -> Iterator[Candidate]:
    try:
        info = os.lstat(path)
    except OSError as error:
        walker.skip(rel, f"unreadable: {describe(error)}")
        return
    if os.path.islink(path):
        target = _link_target(path)
        walker.skip(rel, f"symbolic link to {target}; not followed")
        return
    if os.path.isdir(path):
        if _is_package_program_dir(rel):
            walker.skip(f"{rel}/", "extension package program folder; not read")
            return
        yield from _walk(walker, path, rel)
        return
    if not walker.budget.take_entry():
        walker.stopped = True
        walker.stop_container(rel, walker.member_limit_reason())
        return
    reason = _mode_reason(info.st_mode)
    if reason:
        walker.skip(rel, reason)
        return
    yield Candidate(rel, lambda: open_regular_file(path), 0, info.st_size)


def open_regular_file(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is (still) a regular file: no links, no FIFOs."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _is_package_program_dir(rel: str) -> bool:
    """``…/<Handler>-<Version>/<sub>`` where ``<sub>`` is not ``status`` or ``config``."""
    parts = rel.split("/")
    return len(parts) >= 2 and is_package_dir(parts[-2]) and parts[-1] not in ("status", "config")
