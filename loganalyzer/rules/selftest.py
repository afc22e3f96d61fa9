"""Rules prove themselves on their own samples (lnav/Sigma style), at load for ``--rules`` folders.

A sample is a record (``message`` with optional ``level``, ``kind``, ``source``, ``extension``,
``fields``) or a raw line of a file kind (``raw``), which the real parser of that kind reads; a
positive sample must match the rule, a negative one must not.  Two rules claiming the same sample
are reported too (one of them is probably shadowed or mis-scoped).

>>> from loganalyzer.rules.loader import load_rules
>>> rules, _ = load_rules()
>>> rule = next(r for r in rules if r.id == "provisioning.failed")
>>> check_samples(rule)
[]
>>> ev = sample_events(Sample(message="", kind="waagent_log",
...                           raw="2024-05-30T13:15:47.339279Z ERROR Daemon Provisioning failed: boom"))
>>> ev[0].level, ev[0].message
('ERROR', 'Provisioning failed: boom')
"""
from __future__ import annotations

import io
from datetime import UTC, datetime

from ..kinds import Kind
from ..model import Event, FileCoverage, TimeKind
from .model import Rule, Sample

#: where a raw sample line is said to come from (some parsers look at the path)
_VMS = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
_RAW_PATHS = {"waagent_log": "var/log/waagent.log", "syslog": "var/log/syslog",
              "vmsnapshot_log": f"{_VMS}/extension.log", "vmsnapshot_shell_log": f"{_VMS}/shell.log"}


def sample_events(sample: Sample, line: int = 1) -> list[Event]:
    """The records a sample stands for: one built from its keys, or what the parser reads of ``raw``."""
    if sample.raw is not None:
        from ..parsers.base import ParseContext
        from ..parsers.registry import PARSERS
        from ..sources.base import Member
        kind = Kind(sample.kind)
        data = sample.raw.encode("utf-8") + b"\n"
        member = Member(_RAW_PATHS.get(kind.value, f"sample/{kind.value}"), kind, lambda: io.BytesIO(data))
        return list(PARSERS[kind](member, ParseContext(FileCoverage(member.path, member.kind))))
    return [Event(timestamp=datetime(2024, 5, 30, 13, 15, line % 60, tzinfo=UTC), time_kind=TimeKind.UTC,
                  level=sample.level, message=sample.message, path="var/log/waagent.log", line_start=line,
                  line_end=line + sample.message.count("\n"), kind=sample.kind, source=sample.source,
                  extension=sample.extension, fields=sample.fields)]


def check_samples(rule: Rule) -> list[str]:
    """``path:line: message`` for each sample of ``rule`` that proves it wrong."""
    if rule.match is None:
        return []
    out = []
    for n, sample in enumerate(rule.positive, 1):
        if not any(rule.match.test(ev) for ev in sample_events(sample)):
            out.append(f"{rule.location}: rule {rule.id} sample {n} does not match")
    for n, sample in enumerate(rule.negative, 1):
        if any(rule.match.test(ev) for ev in sample_events(sample)):
            out.append(f"{rule.location}: rule {rule.id} negative sample {n} matches")
    return out


def check_signal_samples(rule: Rule, rules: list[Rule]) -> list[str]:
    """``path:line: message`` for each sample of the signal rule ``rule`` that the whole engine,
    over all of ``rules``, does not turn into a finding of this rule (a positive one) or does (a
    negative one).  A sample's ``events`` are fed in order; a sample of an ``at_least`` rule is
    fed ``count`` times.  So a sample another rule takes first (its signal goes to a more specific
    signal rule, or a word rule explains the record) proves the order wrong, not just the filter.

    >>> from loganalyzer.rules.loader import load_rules
    >>> rules, _ = load_rules()
    >>> check_signal_samples(next(r for r in rules if r.id == "signal.disk"), rules)
    []
    """
    if rule.signal is None:
        return []
    corr = rule.correlation
    repeat = corr.count if corr is not None and corr.type == "at_least" else 1
    out = []
    for n, sample in enumerate(rule.positive, 1):
        if rule.id not in _finding_rules(sample, rules, repeat):
            out.append(f"{rule.location}: rule {rule.id} sample {n} gives no finding of this rule")
    for n, sample in enumerate(rule.negative, 1):
        if rule.id in _finding_rules(sample, rules, repeat):
            out.append(f"{rule.location}: rule {rule.id} negative sample {n} gives a finding of this rule")
    return out


def _finding_rules(sample: Sample, rules: list[Rule], repeat: int) -> set[str]:
    """Ids of the rules with a finding after the whole engine saw ``sample`` ``repeat`` times."""
    from ..facts.model import Facts
    from ..sources.base import BundleInfo
    from .engine import RuleEngine
    engine = RuleEngine(rules)
    kinds: set[str] = set()
    line = 1
    for _ in range(repeat):
        for part in sample.events or [sample]:
            for event in sample_events(part, line):
                kinds.add(event.kind)
                engine.observe(event)
                line += 1
    findings, _ = engine.finish(Facts(kinds_present=kinds), BundleInfo("sample"), [])
    return {f.rule_id for f in findings}


def duplicate_claims(rules: list[Rule], of: set[str] | None = None) -> list[str]:
    """Warnings for positive samples two rules claim (only those involving rule ids ``of``, when given)."""
    first: dict[tuple[str, str, str | None, str | None], tuple[Rule, int]] = {}
    out = []
    for rule in rules:
        if rule.kind not in ("signature", "benign"):
            continue
        for n, s in enumerate(rule.positive, 1):
            key = (s.kind, s.raw if s.raw is not None else s.message, s.level, s.extension)
            if key not in first:
                first[key] = (rule, n)
                continue
            other, m = first[key]
            if other.id != rule.id and (of is None or rule.id in of or other.id in of):
                out.append(f"{rule.location}: warning: rule {rule.id} sample {n} is also claimed by rule "
                           f"{other.id} sample {m} ({other.location})")
    return out
