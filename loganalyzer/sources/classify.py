"""Decide what a bundle member is from its path alone: ``classify(path) -> (Kind, name, version)``.

Matching looks at the *end* of the path (basename, parent folders), so a leading
top folder (``sosreport-host-2024…/``, ``case-123/``) does not matter and flat
folders of loose files work.  Compression suffixes (``.gz``, ``.xz``, ``.bz2``)
are ignored, and ``truncated__var_log_syslog.1`` names from ``waagent
-collect-logs`` are mapped back to ``var/log/syslog.1`` first.  The handler a path names
comes from :func:`loganalyzer.filekinds.identity.identify_dirs`; the kind, from the first
file-kind unit (:mod:`loganalyzer.filekinds`) that claims the path.

>>> classify("var/log/waagent.log-2023-05-01-1682899200.gz")
(<Kind.WAAGENT_LOG: 'waagent_log'>, None, None)
>>> classify("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log")[:2]
(<Kind.VMSNAPSHOT_LOG: 'vmsnapshot_log'>, 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux')
>>> classify("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/3.status")
(<Kind.HANDLER_STATUS: 'handler_status'>, 'Microsoft.Azure.Extensions.CustomScript', '2.1.10')
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..filekinds import MemberPath, kind_of
from ..filekinds.identity import identify_dirs, is_version_dir
from ..kinds import Kind

COMPRESSION_SUFFIXES = (".gz", ".xz", ".bz2")

_TRUNCATED = re.compile(r"^truncated_+(?P<rest>.+)$")
_TRUNCATED_DIRS = (("var_log_azure_", "var/log/azure/"), ("var_lib_waagent_", "var/lib/waagent/"),
                   ("var_log_", "var/log/"), ("etc_", "etc/"))


def strip_compression(name: str) -> str:
    """``waagent.log.2.gz`` → ``waagent.log.2`` (other names unchanged).

    >>> strip_compression("var/log/syslog.3.xz"), strip_compression("a.tar.gz")
    ('var/log/syslog.3', 'a.tar')
    """
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def untruncate(basename: str) -> str | None:
    """Map a collect-logs ``truncated__<path with _>`` name back to a path, or ``None``.

    >>> untruncate("truncated__var_log_syslog.1")
    'var/log/syslog.1'
    >>> untruncate("truncated__var_log_azure_Microsoft.Azure.RecoveryServices.VMSnapshotLinux_extension.log")
    'var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log'
    >>> untruncate("waagent.log") is None
    True
    """
    match = _TRUNCATED.match(basename)
    if not match:
        return None
    rest = match["rest"]
    for prefix, folder in _TRUNCATED_DIRS:
        if not rest.startswith(prefix):
            continue
        tail = rest[len(prefix):]
        if folder in ("var/log/azure/", "var/lib/waagent/") and "_" in tail:
            head, _, tail = tail.partition("_")       # the handler folder
            folder += head + "/"
            first, sep, after = tail.partition("_")   # <Version>/ (old log layout), status/, config/
            if sep and (is_version_dir(first) or first in ("status", "config")):
                folder += first + "/"
                tail = after
        return folder + tail
    return rest.replace("_", "/")


def classify(path: str) -> tuple[Kind, str | None, str | None]:
    """Kind, extension handler name and handler version of the member at ``path``.

    >>> classify("sosreport-vm1-2024-05-01/var/log/azure/custom-script/handler.log")[:2]
    (<Kind.HANDLER_LOGFMT: 'handler_logfmt'>, 'Microsoft.Azure.Extensions.CustomScript')
    >>> classify("var/lib/waagent/WALinuxAgent-2.9.1.1/error.json")
    (<Kind.AGENT_ERROR: 'agent_error'>, None, None)
    >>> classify("notes/readme.txt")
    (<Kind.OTHER_TEXT: 'other_text'>, None, None)
    >>> classify("case-1234/case.json")[0]
    <Kind.OTHER_DOCUMENT: 'other_document'>
    """
    if not _parts(path):
        return Kind.OTHER_TEXT, None, None
    where = member_path(path, None)
    identity = identify_dirs(list(where.dirs))
    if identity is None or identity.is_agent:
        return kind_of(where), None, None
    return kind_of(replace(where, extension=identity.name)), identity.name, identity.version


def member_path(path: str, extension: str | None) -> MemberPath:
    """The :class:`~loganalyzer.filekinds.MemberPath` the units see for ``path``.

    >>> member_path("var/log/azure/x/extension.log.1.gz", None)
    MemberPath(dirs=('var', 'log', 'azure', 'x'), basename='extension.log.1', extension=None)
    """
    parts = _parts(path) or [""]
    mapped = untruncate(parts[-1])
    if mapped is not None:
        parts = mapped.split("/")
    *dirs, basename = parts
    return MemberPath(tuple(dirs), strip_compression(basename), extension)


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
