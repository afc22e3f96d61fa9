"""A host name for a bundle whose content names none, read from how the bundle is named.

An ad-hoc archive usually holds one folder named after its VM (``vm-app07/var/log/…``); a folder
or an archive is often named after it (``vm-web02-logs.tar.gz``).  When no file in the bundle
says the host name, the reports show that name *marked as derived*, never as if the logs said
it.  Names that say nothing of a VM (``var``, ``logs``, ``waagent.log``, ``stdin``) are not used.

>>> derived_host_name("uploads/vm-web02-logs.tar.gz", ["vm-web02-logs/var/log/waagent.log"])
('vm-web02', "the archive's top folder")
>>> derived_host_name("cases/vm-db3", ["var/log/waagent.log", "etc/waagent.conf"])
('vm-db3', 'the folder name')
>>> derived_host_name("/tmp/vm-x/var/log/waagent.log", ["waagent.log"])
('vm-x', "the folder holding the file's var/")
>>> derived_host_name("/tmp/var/log/waagent.log", ["waagent.log"]) is None
True
>>> derived_host_name("-", ["stdin.log"]) is None
True
>>> derived_host_name("vm9.log.gz", ["vm9.log"]), derived_host_name("waagent.log.1.gz", ["waagent.log.1"])
(('vm9', "the archive's name"), None)
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from ..sources.open import ARCHIVE_SUFFIXES as _SINGLE

#: archive names, longest first (``.tar.gz`` before ``.gz``)
ARCHIVE_SUFFIXES = tuple(sorted({".tar.gz", ".tar.xz", ".tar.bz2", *_SINGLE}, key=len, reverse=True))
#: a file's own extension, dropped with it (``vm1.log.gz`` → ``vm1``)
_FILE_EXTENSION = re.compile(r"\.(?:log|txt|json|out|\d+)$", re.I)

#: what a host name may look like (RFC 1123 labels, dots allowed, at least one letter)
_HOST = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
#: a suffix that names the bundle, not the host: ``-logs``, ``_collect-logs``, ``.logs``
_SUFFIX = re.compile(r"(?:[-_.](?:waagent|collect|agent|azure|support|debug))*[-_.](?:logs?|bundle)$", re.I)
#: names that say nothing of which VM it is
_GENERIC = frozenset({
    "var", "etc", "log", "logs", "lib", "tmp", "temp", "home", "root", "data", "output", "out",
    "bundle", "bundles", "case", "cases", "upload", "uploads", "downloads", "desktop", "waagent",
    "azure", "walinuxagent", "extension", "extensions", "stdin", "paste", "pasted", "syslog",
    "messages", "journal", "kern", "daemon", "dmesg", "serial", "console", "boot", "cloud-init",
    "shell", "cmdexec", "handler", "collect", "collect-logs", "logcollector", "sosreport", "sample",
    "samples", "test", "tests", "input", "inputs",
})


def derived_host_name(path: str | None, member_paths: Iterable[str]) -> tuple[str, str] | None:
    """``(name, where it was read)`` for a bundle at ``path`` whose members sit at
    ``member_paths``, or None when neither says a usable name.

    The archive's single top folder is tried first (when it holds the VM's tree), then the name
    of the folder or archive itself; a single file's own name only when it is not a log's
    usual name."""
    member_paths = list(member_paths)
    if len(vm_folders(member_paths)) > 1:
        return None                      # several VMs: no one name (see BundleHeader.vm_folders)
    tops = {parts[0] for parts in (_parts(p) for p in member_paths) if len(parts) > 1}
    if len(tops) == 1:
        name = _usable(tops.pop())
        if name:
            return name, "the archive's top folder" if _is_archive(path) else "the bundle's top folder"
    if not path or path == "-":
        return None
    base = PurePosixPath(path.replace("\\", "/")).name
    if _is_archive(path):
        name = _usable(_strip_archive(base))
        return (name, "the archive's name") if name else None
    if "." in base:                  # a single file: its stem, else the folder holding its var/
        name = _usable(base.rsplit(".", 1)[0])
        if name:
            return name, "the file name"
        parts = _parts(path)
        above = [parts[i - 1] for i in range(len(parts) - 1, 0, -1) if parts[i] == "var"]
        name = _usable(above[0]) if above else None
        return (name, "the folder holding the file's var/") if name else None
    name = _usable(base)
    return (name, "the folder name") if name else None


def vm_folders(member_paths: Iterable[str]) -> list[str]:
    """The top folders of a bundle that each hold a VM's own tree (``<folder>/var/…``,
    ``<folder>/etc/…``), sorted: two or more mean several VMs were packed into one input.

    >>> vm_folders(["vm-a/var/log/waagent.log", "vm-b/etc/waagent.conf", "notes/readme.txt"])
    ['vm-a', 'vm-b']
    >>> vm_folders(["var/log/waagent.log"])
    []
    """
    return sorted({parts[0] for parts in (_parts(p) for p in member_paths)
                   if len(parts) > 2 and parts[1] in ("var", "etc")})


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def _is_archive(path: str | None) -> bool:
    return bool(path) and path.lower().endswith(ARCHIVE_SUFFIXES)  # type: ignore[union-attr]


def _strip_archive(name: str) -> str:
    lower = name.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lower.endswith(suffix):
            return _FILE_EXTENSION.sub("", name[: -len(suffix)])
    return name


def _usable(name: str) -> str | None:
    """``name`` without a ``-logs``-like suffix when it can be a host name that says which VM.

    >>> _usable("vm-app07"), _usable("var"), _usable("vm-web02_collect-logs"), _usable("2024-05-14")
    ('vm-app07', None, 'vm-web02', None)
    """
    name = _SUFFIX.sub("", name.strip())
    if name.lower() in _GENERIC or not _HOST.match(name):
        return None
    return name
