"""Which extension handler (name, version) a path belongs to: the one place that says it.

Sources (the member's ``extension``), facts (handler folders on disk, log folders) and rules
(the extension a record is about) all ask :func:`identify`.

>>> identify("case-1/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/3.status")[:2]
('Microsoft.Azure.Extensions.CustomScript', '2.1.10')
>>> identify("var/log/azure/custom-script/handler.log")[:2]
('Microsoft.Azure.Extensions.CustomScript', None)
>>> identify("var/lib/waagent/WALinuxAgent-2.9.1.1/error.json").is_agent
True
>>> identify("var/log/waagent.log") is None
True
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

VERSION = r"\d+(?:\.\d+){1,3}"
#: ``<Name>-<Version>`` package folder (also the 2.x agent's own ``WALinuxAgent-<ver>``).
_PACKAGE_DIR = re.compile(rf"^(?P<name>[A-Za-z][\w-]*(?:\.[\w-]+)+|WALinuxAgent)-(?P<ver>{VERSION})$")
#: A handler folder copied on its own: Publisher.Namespace.Type (capitalised, two dots at least).
_HANDLER_NAME = re.compile(r"^[A-Z][\w-]*(?:\.[A-Za-z][\w-]*){2,}$")
_VERSION_DIR = re.compile(rf"^{VERSION}$")
#: ``[<Name>-<Version>]``: how the Python handler utilities tag every line of ``extension.log``.
HANDLER_TAG = re.compile(r"\[(?P<name>[A-Z][\w-]*(?:\.[\w-]+){2,})-\d+(?:\.\d+)*\]", re.ASCII)
AGENT = "WALinuxAgent"


class Identity(NamedTuple):
    """An extension (or the agent's own package) named by a path.

    ``place`` is ``"package"`` for a ``<Name>-<Version>`` folder (``/var/lib/waagent``),
    ``"log"`` for a log folder under ``/var/log/azure`` and ``"handler"`` for a loose
    ``Publisher.Namespace.Type`` folder; ``folder`` is the path up to that folder.
    """

    name: str
    version: str | None
    folder: str
    place: str

    @property
    def is_agent(self) -> bool:
        return self.name == AGENT

    @property
    def is_handler_name(self) -> bool:
        """A real handler name (``Publisher.Type``), not a bare log-folder name."""
        return "." in self.name


def is_package_dir(name: str) -> bool:
    """True for a ``<Name>-<Version>`` package folder name.

    >>> is_package_dir("Microsoft.Azure.Extensions.CustomScript-2.1.10"), is_package_dir("custom-script")
    (True, False)
    """
    return _PACKAGE_DIR.match(name) is not None


def is_version_dir(name: str) -> bool:
    """True for a bare version folder (``/var/log/azure/<Name>/<Version>/`` of old agents)."""
    return _VERSION_DIR.match(name) is not None


_ALIASES: dict[str, str] = {}


def log_folder_aliases() -> dict[str, str]:
    """Log folders under ``/var/log/azure`` whose name is not the handler name (from the units).

    Worked out once: every path of a bundle asks (a 50,000-member zip asked 100,000 times)."""
    if not _ALIASES:
        from . import units
        _ALIASES.update((folder, name) for unit in units() for folder, name in unit.log_folders.items())
    return _ALIASES


def identify(path: str) -> Identity | None:
    """The extension the nearest handler folder of ``path`` names, or ``None``; ``folder`` is
    ``path`` cut after that folder."""
    ends: list[int] = []
    dirs: list[str] = []
    pos = 0
    for part in path.replace("\\", "/").split("/"):
        pos += len(part) + 1
        if part not in ("", "."):
            dirs.append(part)
            ends.append(pos - 1)
    found = identify_dirs(dirs[:-1])
    if found is None:
        return None
    return found._replace(folder=path[: ends[found.folder.count("/")]])


def identify_dirs(dirs: Sequence[str]) -> Identity | None:
    """:func:`identify` over the folders of a path (its file name already removed).

    >>> found = identify_dirs(["var", "log", "azure", "Microsoft.Azure.Foo.Bar", "1.2.3"])
    >>> found.version, found.folder, found.place
    ('1.2.3', 'var/log/azure/Microsoft.Azure.Foo.Bar', 'log')
    """
    return _identify_dirs(tuple(dirs))


@lru_cache(maxsize=256)   # a bundle has few folders and many files in each
def _identify_dirs(dirs: tuple[str, ...]) -> Identity | None:
    for i in range(len(dirs) - 1, -1, -1):
        part = dirs[i]
        package = _PACKAGE_DIR.match(part)
        if package:
            return Identity(package["name"], package["ver"], "/".join(dirs[: i + 1]), "package")
        version = dirs[i + 1] if i + 1 < len(dirs) and _VERSION_DIR.match(dirs[i + 1]) else None
        under_azure_logs = i >= 2 and dirs[i - 1] == "azure" and dirs[i - 2] == "log"
        holds_the_file = i == len(dirs) - 1 or (i == len(dirs) - 2 and version is not None)
        if under_azure_logs or (holds_the_file and _HANDLER_NAME.match(part)):
            name = log_folder_aliases().get(part, part)
            return Identity(name, version, "/".join(dirs[: i + 1]), "log" if under_azure_logs else "handler")
    return None


_NAME = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"
#: How a log message mentions an extension: its tag, its package folder, its log folder, its event.
_MENTION = re.compile(rf"\[(?P<name>{_NAME})-\d+(?:\.\d+)*\]"
                      rf"|/var/lib/waagent/(?P<dir>{_NAME})-\d+(?:\.\d+)*"
                      rf"|/var/log/azure/(?P<log>{_NAME})/"
                      rf"|Event: name=(?P<event>{_NAME}), op=")


def mentioned_in_text(text: str) -> str | None:
    """The first extension a message names (tag, package or log path, ``Event: name=``).

    >>> mentioned_in_text("Non-zero exit code: 3, /var/lib/waagent/Microsoft.Azure.X.Y-1.0/main/handle.sh")
    'Microsoft.Azure.X.Y'
    """
    m = _MENTION.search(text)
    return (m.group("name") or m.group("dir") or m.group("log") or m.group("event")) if m else None


def named_in_text(text: str) -> str | None:
    """The handler a ``[<Name>-<Version>]`` tag in ``text`` names (e.g. a loose ``extension.log``).

    >>> named_in_text("2024/05/01 10:00:00 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.18] Enable")
    'Microsoft.OSTCExtensions.VMAccessForLinux'
    """
    match = HANDLER_TAG.search(text)
    return match["name"] if match else None
