"""Fleet inputs: turn paths, folders, globs and fsspec URLs into bundle locations, and hash them.

A *location* is a local path or an fsspec URL (``memory://``, ``s3://``, ``abfs://`` …).
:func:`expand_inputs` runs on the driver and only lists names; hashing and reading
happen in the workers (:func:`local_bundle_id`, :func:`read_remote`), streamed.

* a folder → each archive and each sub-folder in it is one bundle (other files,
  hidden entries and the ``exclude`` folder are left out) — unless the folder is itself one
  bundle: a VM's file tree (``var/``, ``etc/``), a sosreport (``sos_commands/``) or a folder
  holding the agent's own files (``waagent.log``, ``waagent.conf`` …);
* a glob (``*``, ``?``, ``[``) → every match is one bundle;
* anything else (an archive, a single log file, a URL) → one bundle.

The bundle id is the SHA-256 of the bundle's bytes, so the same bundle copied or
renamed keeps its id; for a folder it is a hash over the sorted relative paths and
contents of its files (each framed by its length, so moving bytes between files
changes the id).

>>> is_remote("memory://fleet/a.tar.gz"), is_remote("/data/a.tar.gz"), is_remote("file:///data/a.zip")
(True, False, False)
>>> is_archive_name("vm1-logs.tar.gz"), is_archive_name("vm1.tar.gz.truth.json")
(True, False)
"""
from __future__ import annotations

import glob
import hashlib
import io
import os
from collections.abc import Iterable
from pathlib import Path

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
CHUNK_BYTES = 1 << 20
#: A remote bundle is read into memory to be analysed; larger ones are refused (error row).
DEFAULT_MAX_REMOTE_BYTES = 2 << 30
_GLOB_CHARS = ("*", "?", "[")


def is_remote(location: str) -> bool:
    """True for fsspec URLs other than ``file://`` (those are read through fsspec in the worker)."""
    return "://" in location and not location.startswith("file://")


def local_path(location: str) -> str:
    """``file:///x`` → ``/x``; plain paths unchanged.

    >>> local_path("file:///data/a.zip"), local_path("b.zip")
    ('/data/a.zip', 'b.zip')
    """
    return location[len("file://"):] if location.startswith("file://") else location


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def expand_inputs(inputs: Iterable[str | os.PathLike[str]], exclude: str | None = None) -> list[str]:
    """The bundle locations behind ``inputs``, in a stable order, without duplicates.

    A location that does not exist is kept as it is: the worker reports it as an
    unreadable bundle, so a typo shows up in the table instead of vanishing.
    """
    excluded = os.path.realpath(exclude) if exclude else None
    seen: dict[str, None] = {}
    for item in inputs:
        text = os.fspath(item)
        found = _expand_remote(text) if is_remote(text) else _expand_local(local_path(text), excluded)
        for location in found:
            seen.setdefault(location, None)
    return list(seen)


def _expand_local(path: str, excluded: str | None) -> list[str]:
    if any(c in path for c in _GLOB_CHARS) and not os.path.exists(path):
        return sorted(p for p in glob.glob(path, recursive=True) if _wanted(p, excluded))
    if os.path.isdir(path) and not is_bundle_folder(path):
        children = sorted(os.path.join(path, name) for name in os.listdir(path) if not name.startswith("."))
        return [c for c in children if _is_bundle_entry(c, os.path.isdir(c)) and _wanted(c, excluded)]
    return [path]


#: top-level folders that make a folder one bundle (a VM's root, a sosreport)
_ROOT_FOLDERS = frozenset({"var", "etc", "sos_commands"})


def is_bundle_folder(path: str) -> bool:
    """Whether folder ``path`` is one bundle rather than a folder of bundles: it holds a VM's
    ``var/`` or ``etc/``, a sosreport's ``sos_commands/``, or a file of the agent's own
    (``waagent*``) at its top.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     os.makedirs(os.path.join(root, "vm1", "var", "log"))
    ...     is_bundle_folder(root), is_bundle_folder(os.path.join(root, "vm1"))
    (False, True)
    """
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    for entry in entries:
        try:
            if entry.name in _ROOT_FOLDERS and entry.is_dir(follow_symlinks=False):
                return True
            if entry.name.lower().startswith("waagent") and entry.is_file(follow_symlinks=False):
                return True
        except OSError:
            continue
    return False


def _wanted(path: str, excluded: str | None) -> bool:
    return excluded is None or os.path.realpath(path) != excluded


def _is_bundle_entry(path: str, is_dir: bool) -> bool:
    return is_dir or is_archive_name(path)


def _expand_remote(url: str) -> list[str]:
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(url)
    if any(c in path for c in _GLOB_CHARS):
        return sorted(fs.unstrip_protocol(p) for p in fs.glob(path) if fs.isfile(p))
    if fs.isdir(path):
        entries = fs.ls(path, detail=True)
        return sorted(fs.unstrip_protocol(e["name"]) for e in entries
                      if not Path(e["name"]).name.startswith(".")
                      and _is_bundle_entry(e["name"], e.get("type") == "directory"))
    return [url]


def local_bundle_id(path: str) -> str:
    """SHA-256 of a local bundle: the file's bytes, or for a folder its relative paths and contents.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     _ = f.write(b"abc"); f.flush()
    ...     local_bundle_id(f.name)[:12]
    'ba7816bf8f01'
    """
    from ..sources.folder import open_regular_file
    digest = hashlib.sha256()
    if os.path.isdir(path):
        _hash_folder(Path(path), digest)
    else:
        # O_NONBLOCK + fstat: a FIFO or device swapped in after the worker's check is refused, not read
        with open_regular_file(Path(os.path.realpath(path))) as stream:
            _hash_stream(stream, digest)
    return digest.hexdigest()


def _hash_folder(root: Path, digest: hashlib._Hash) -> None:
    from ..sources.folder import open_regular_file
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    for file in files:
        name = file.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(file.stat().st_size.to_bytes(8, "big"))
        try:
            stream = open_regular_file(file)
        except OSError:
            continue                 # replaced by a FIFO or link meanwhile: the analysis lists it
        with stream:
            _hash_stream(stream, digest)


def _hash_stream(stream: io.RawIOBase | io.BufferedIOBase, digest: hashlib._Hash) -> None:
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)


class RemoteTooLarge(Exception):
    """A remote bundle is bigger than the in-memory cap."""


def read_remote(url: str, max_bytes: int = DEFAULT_MAX_REMOTE_BYTES) -> tuple[bytes, str]:
    """Read a remote bundle into memory (at most ``max_bytes``) and hash it on the way.

    Returns ``(content, sha256 hex)``.  Raises :class:`RemoteTooLarge` past the cap,
    :class:`IsADirectoryError` for a remote folder (archive it first), and whatever
    fsspec raises when the URL cannot be opened.
    """
    import fsspec
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(url)
    if fs.isdir(path):
        raise IsADirectoryError(f"{url}: a remote folder cannot be read as one bundle; archive it first")
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with fsspec.open(url, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if buffer.tell() + len(chunk) > max_bytes:
                raise RemoteTooLarge(f"{url}: larger than {max_bytes >> 20} MiB, the in-memory limit "
                                     "for remote bundles")
            buffer.write(chunk)
            digest.update(chunk)
    return buffer.getvalue(), digest.hexdigest()
