"""Who the VM is: host name and operating system, from whatever the bundle holds.

Sources, best first — host name: ``etc/hostname``, the provisioning ``HostName`` (ovf-env),
the host field of syslog lines, a sosreport folder name (``sosreport-<host>-<date>-…``);
OS: ``etc/os-release``, ``etc/redhat-release`` (or ``system-release``), the agent's own
``OS: ubuntu 22.04`` / ``Distro: rhel-9.4`` banner lines.

>>> h = HostIdentity()
>>> h.note_member("sosreport-vm-erp-db01-2024-06-03-xkqzfpa/etc/redhat-release")
>>> h.observe_text("sosreport-vm-erp-db01-2024-06-03-xkqzfpa/etc/redhat-release",
...                "Red Hat Enterprise Linux Server release 7.9 (Maipo)")
>>> h.observe_log("OS: redhat 7.9", None)
>>> sorted(h.result().items())  # doctest: +NORMALIZE_WHITESPACE
[('hostname', 'vm-erp-db01'), ('hostname_from', 'sosreport folder name'),
 ('os', 'Red Hat Enterprise Linux Server release 7.9 (Maipo)'), ('os_from', 'etc/redhat-release')]
"""
from __future__ import annotations

import re

_SOS = re.compile(r"^sosreport-(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*?)-\d{4}-\d{2}-\d{2}(?:-[a-z0-9]+)?/")
_HOST_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")
_OS_LINE = re.compile(r"^OS: (?P<name>[a-z]+) (?P<ver>[0-9][0-9.]*)$")
_DISTRO = re.compile(r"^Distro: (?P<name>[a-z]+)-(?P<ver>[0-9][0-9.]*);")
_RELEASE_FILES = ("etc/redhat-release", "etc/system-release", "etc/centos-release", "etc/SuSE-release")

#: rank of each source (lower wins)
_HOST_RANK = {"etc/hostname": 0, "provisioning (ovf-env HostName)": 1, "syslog": 2,
              "sosreport folder name": 3}
_OS_RANK = {"etc/os-release": 0, "etc/redhat-release": 1, "etc/system-release": 1, "etc/centos-release": 1,
            "etc/SuSE-release": 1, "agent log": 2}


class HostIdentity:
    """Collects candidates as files and records go by; :meth:`result` picks the best."""

    def __init__(self) -> None:
        self.host: tuple[int, str, str] | None = None
        self.os: tuple[int, str, str] | None = None
        self._os_release: dict[str, str] = {}

    def _host(self, name: str, source: str) -> None:
        name = name.strip()
        if not _HOST_OK.match(name) or name in ("localhost", "localhost.localdomain"):
            return
        rank = _HOST_RANK[source]
        if self.host is None or rank < self.host[0]:
            self.host = (rank, name, source)

    def _os(self, text: str, source: str) -> None:
        text = text.strip()[:120]
        if not text:
            return
        rank = _OS_RANK[source]
        if self.os is None or rank < self.os[0]:
            self.os = (rank, text, source)

    def note_member(self, path: str) -> None:
        m = _SOS.match(path)
        if m:
            self._host(m.group("host"), "sosreport folder name")

    def observe_text(self, path: str, line: str) -> None:
        """A line of a plain-text member (``other_text``)."""
        if path.endswith("etc/hostname") and (path == "etc/hostname" or path.endswith("/etc/hostname")):
            if self.host is None or self.host[2] != "etc/hostname":
                self._host(line.split()[0] if line.split() else "", "etc/hostname")
            return
        if path.endswith("etc/os-release"):
            key, _, value = line.partition("=")
            self._os_release[key.strip()] = value.strip().strip('"\'')
            osr = self._os_release
            pretty = osr.get("PRETTY_NAME") or " ".join(v for v in (osr.get("NAME"), osr.get("VERSION"))
                                                       if v)
            if pretty:
                self.os = None if self.os and self.os[2] == "etc/os-release" else self.os
                self._os(pretty, "etc/os-release")
            return
        for name in _RELEASE_FILES:
            if path.endswith(name) and line.strip():
                self._os(line, name)
                return

    def observe_log(self, message: str, fields: dict | None) -> None:
        """A record of the agent log or syslog."""
        if fields is not None:
            host = fields.get("host")
            if isinstance(host, str) and (self.host is None or self.host[0] > _HOST_RANK["syslog"]):
                self._host(host, "syslog")
        if message.startswith(("OS: ", "Distro: ")) \
                and (self.os is None or self.os[0] > _OS_RANK["agent log"]):
            m = _OS_LINE.match(message) or _DISTRO.match(message)
            if m:
                self._os(f"{m.group('name')} {m.group('ver')}", "agent log")

    def provisioned_hostname(self, name: str) -> None:
        self._host(name, "provisioning (ovf-env HostName)")

    def result(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.host is not None:
            out["hostname"], out["hostname_from"] = self.host[1], self.host[2]
        if self.os is not None:
            out["os"], out["os_from"] = self.os[1], self.os[2]
        return out
