"""``/etc/waagent.conf`` (formats.md §6): every key with its line number, plus the code defaults.

The agent reads ``key=value`` lines that do not start with ``#``; the value ends
at an inline ``#``, quotes and blanks are stripped and ``None`` means "not
set".  Keys are case-sensitive: a key that only differs in case from a known
one is ignored by the agent, which is noted in the coverage.  Values are kept as
written: reports, frames and fleet tables redact them where they leave the tool
(:func:`loganalyzer.redact.redact_setting`, unless ``--no-redact``).

>>> conf = parse_conf_lines(["# comment", "Logs.Verbose=y  # debug", "HttpProxy.Host=None"])
>>> conf.entries["Logs.Verbose"].value, conf.entries["Logs.Verbose"].line
('y', 2)
>>> conf.effective("AutoUpdate.UpdateToLatestVersion")
('y', True, None)
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..limits import DEFAULT_LIMITS
from ..model import CoverageStatus, Event
from ..sources.base import Member
from ..textio import iter_lines
from .base import ParseContext

#: Code defaults of the keys that matter for triage (value when the key is absent).
#: ``AutoUpdate.UpdateToLatestVersion`` defaults to the value of ``AutoUpdate.Enabled``.
DEFAULTS: dict[str, str | None] = {
    "Extensions.Enabled": "y",
    "AutoUpdate.Enabled": "y",
    "AutoUpdate.UpdateToLatestVersion": None,
    "AutoUpdate.GAFamily": "Prod",
    "Autoupdate.Frequency": "3600",
    "Logs.Verbose": "n",
    "Logs.Console": "y",
    "Logs.Collect": "y",
    "Logs.CollectPeriod": "3600",
    "HttpProxy.Host": None,
    "HttpProxy.Port": None,
    "OS.EnableFirewall": "n",
    "OS.EnableFirewallPeriod": "300",
    "OS.AllowHTTP": "n",
    "OS.EnableFIPS": "n",
    "OS.OpensslPath": "/usr/bin/openssl",
    "Protocol.EndpointDiscovery": "dhcp",
    "Provisioning.Agent": "auto",
    "Extensions.GoalStatePeriod": "6",
    "Extensions.InitialGoalStatePeriod": "6",
    "Extensions.WaitForCloudInit": "n",
    "Extensions.WaitForCloudInitTimeout": "3600",
    "EnableOverProvisioning": "y",
    "Debug.CgroupDisableOnQuotaCheckFailure": "y",
    "Debug.AgentCpuQuota": "50",
    "Debug.CgroupCheckPeriod": "300",
    "Lib.Dir": "/var/lib/waagent",
    "Extension.LogDir": "/var/log/azure",
    "Pid.File": "/var/run/waagent.pid",
}
_LOWER_KNOWN = {k.lower(): k for k in DEFAULTS}


@dataclass(slots=True)
class ConfEntry:
    key: str
    value: str | None
    line: int


@dataclass(slots=True)
class WaagentConf:
    entries: dict[str, ConfEntry] = field(default_factory=dict)
    #: keys the agent ignores because their case differs from a known key: (written, expected, line)
    miscased: list[tuple[str, str, int]] = field(default_factory=list)
    #: settings lines read (every ``key=value`` line, kept or not)
    settings: int = 0
    #: settings not kept because ``max_keys`` other keys were kept already (known keys are always kept)
    dropped: int = 0
    first_dropped_line: int | None = None

    def effective(self, key: str) -> tuple[str | None, bool, int | None]:
        """``(value, is_default, line)`` of ``key`` as the agent sees it."""
        entry = self.entries.get(key)
        if entry is not None:
            return entry.value, False, entry.line
        if key == "AutoUpdate.UpdateToLatestVersion":
            legacy = self.entries.get("AutoUpdate.Enabled")
            return (legacy.value if legacy else DEFAULTS["AutoUpdate.Enabled"]), True, None
        return DEFAULTS.get(key), True, None


def _clean_value(key: str, raw: str) -> str | None:
    value = raw.split("#", 1)[0].strip('" ').strip()
    if value == "None":
        return None
    return value


def parse_conf_lines(lines: Iterable[str], on_unparsed=None,
                     max_keys: int = DEFAULT_LIMITS.max_conf_keys) -> WaagentConf:
    """Parse ``waagent.conf`` lines; ``on_unparsed(line_no, text)`` gets lines that are not settings.

    Keys the agent knows (:data:`DEFAULTS`) are always kept; of the others at most ``max_keys``
    (a file of a million keys stays small), the rest counted in ``dropped``:

    >>> conf = parse_conf_lines(["A=1", "B=2", "C=3", "Logs.Verbose=y"], max_keys=1)
    >>> sorted(conf.entries), conf.dropped, conf.first_dropped_line
    (['A', 'Logs.Verbose'], 2, 2)
    """
    conf = WaagentConf()
    others = 0                      # keys kept that the agent does not know
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, raw = line.partition("=")
        key = key.strip()
        if not sep or not key:
            if on_unparsed is not None:
                on_unparsed(number, line)
            continue
        conf.settings += 1
        known = _LOWER_KNOWN.get(key.lower())
        if key not in conf.entries and key not in DEFAULTS:
            if others >= max_keys:
                conf.dropped += 1
                conf.first_dropped_line = conf.first_dropped_line or number
                continue
            others += 1
        conf.entries[key] = ConfEntry(key, _clean_value(key, raw), number)
        if known is not None and known != key and len(conf.miscased) < _MAX_MISCASED:
            conf.miscased.append((key, known, number))
    return conf


_MAX_MISCASED = 20


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """``waagent.conf``: document :class:`WaagentConf` (no events)."""
    counted = 0

    def counting(stream_lines: Iterable[str]) -> Iterator[str]:
        nonlocal counted
        for line in stream_lines:
            counted += 1
            yield line

    with member.open() as stream:
        conf = parse_conf_lines(counting(iter_lines(stream, ctx.limits.max_line_bytes, ctx.coverage)),
                                ctx.coverage.add_unparsed, ctx.limits.max_conf_keys)
    ctx.coverage.lines = counted
    ctx.coverage.records = len(conf.entries)
    if conf.dropped:
        ctx.coverage.mark(CoverageStatus.PARTIAL,
                          f"setting limit ({ctx.limits.max_conf_keys:,} keys besides the agent's own, "
                          f"max_conf_keys) reached at line {conf.first_dropped_line}: {conf.dropped:,} "
                          "settings not kept (every key the agent knows was kept)")
    for written, expected, line in conf.miscased:
        ctx.coverage.notes.append(f"line {line}: {written} is not {expected} (keys are case-sensitive; "
                                  "the agent ignores it)")
    ctx.add_document(str(member.kind), member.path, conf)
    yield from ()
