"""Load rule files (TOML, stdlib ``tomllib``) from the shipped catalog and any ``--rules`` dirs.

A file holds one rule (top-level keys) or a family (``[[rule]]`` tables).  Every problem is
reported as ``path:line: message`` and the other rules still load (pySigma's collect-all mode).
A rule from an extra directory with the id of a shipped rule replaces it.

>>> rules, errors = load_rules()
>>> errors
[]
>>> len({r.cause for r in rules if r.kind == "signature"}) >= 15
True
"""
from __future__ import annotations

import difflib
import re
import tomllib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..fields import is_declared
from ..kinds import Kind
from ..model import Confidence, Severity
from .causes import UNEXPLAINED
from .condition import ConditionError, compile_condition
from .findings import SUMMARY_PLACEHOLDERS, placeholders
from .logic import LOGIC
from .model import (
    RULE_KINDS,
    TAXONOMY,
    Correlation,
    Rule,
    Sample,
    SignalFilter,
    Transient,
    parse_duration,
)
from .selftest import check_samples, check_signal_samples, duplicate_claims

_KNOWN_KEYS = {
    "id", "title", "cause", "severity", "confidence", "summary", "match", "prefilter", "kind",
    "logic", "params", "group_by", "correlation", "transient", "rules_out", "remediation",
    "references", "false_positives", "reason", "samples", "description", "signal",
}
_TOML_LINE = re.compile(r"at line (\d+)")


class RuleFileError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def catalog_dir() -> Path:
    return Path(str(files("loganalyzer.rules") / "catalog"))


def load_rules(extra_dirs: list[str] | None = None) -> tuple[list[Rule], list[str]]:
    """All rules of the shipped catalog plus ``extra_dirs``; returns ``(rules, errors)``."""
    paths = sorted(catalog_dir().glob("*.toml")) + list(_extra_paths(extra_dirs))
    shipped = len(paths) - sum(1 for _ in _extra_paths(extra_dirs))
    by_id: dict[str, Rule] = {}
    errors: list[str] = []
    user: set[str] = set()
    for n, path in enumerate(paths):
        rules, errs = load_rule_file(path)
        errors.extend(errs)
        for rule in rules:
            if n >= shipped:  # a user rule proves itself now (the catalog's: tests/test_rules_samples.py)
                bad = check_samples(rule)
                errors.extend(bad)
                if bad:
                    continue
                user.add(rule.id)
            by_id[rule.id] = rule
    for rid in sorted(r for r in user if by_id[r].signal is not None):
        bad = check_signal_samples(by_id[rid], list(by_id.values()))  # through the whole engine
        errors.extend(bad)
        if bad:
            del by_id[rid]
            user.discard(rid)
    if user:
        errors.extend(duplicate_claims(list(by_id.values()), of=user))
    return list(by_id.values()), errors


def _extra_paths(extra_dirs: list[str] | None):
    for d in extra_dirs or []:
        p = Path(d)
        yield from (sorted(p.glob("*.toml")) if p.is_dir() else [p])


def is_warning(error: str) -> bool:
    """Whether a ``load_rules`` message is a warning (the rule still loaded)."""
    return ": warning: " in error


def load_rule_file(path: Path) -> tuple[list[Rule], list[str]]:
    """Rules of one file and the ``path:line: message`` errors found in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}:0: cannot read rule file: {exc}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        return [], [f"{path}:{m.group(1) if m else 0}: TOML syntax error: {exc}"]
    tables = data["rule"] if isinstance(data.get("rule"), list) else [data]
    rules: list[Rule] = []
    errors: list[str] = []
    for table in tables:
        line = _line_of(text, table.get("id"))
        try:
            rules.append(build_rule(table, str(path), line, text))
        except RuleFileError as exc:
            errors.append(f"{path}:{exc.line}: {exc}")
    return rules, errors


_ID_LINE = re.compile(r"^[ \t]*id[ \t]*=[ \t]*[\"']([^\"'\n]*)[\"']", re.M)


@lru_cache(maxsize=4)
def _layout(text: str) -> tuple[list[str], dict[str, int]]:
    """The lines of a rule file and the line of each ``id = "…"`` (first one wins), worked out
    once per file: each rule and each error asks for its line."""
    ids: dict[str, int] = {}
    for m in _ID_LINE.finditer(text):
        ids.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    return text.splitlines(), ids


def _line_of(text: str, rule_id: Any, key: str | None = None, start: int = 1) -> int:
    """1-based line of ``id = "<rule_id>"`` (or of ``key =`` after it) in ``text``."""
    lines, ids = _layout(text)
    first = ids.get(rule_id, start) if isinstance(rule_id, str) else start
    if key is None:
        return first
    for n in range(first, len(lines) + 1):
        if re.match(rf"\s*(?:{re.escape(key)}\s*=|\[\[?(?:rule\.)?{re.escape(key)}\b)", lines[n - 1]):
            return n
    return first


def build_rule(t: dict[str, Any], path: str, line: int, text: str = "") -> Rule:
    """Validate one rule table and build the :class:`Rule`; raises :class:`RuleFileError`."""
    def where(key: str) -> int:
        return _line_of(text, t.get("id"), key, line) if text else line

    unknown = sorted(set(t) - _KNOWN_KEYS)
    if unknown:
        raise RuleFileError(f"unknown key(s): {', '.join(unknown)}", where(unknown[0]))
    for key in ("id", "title", "cause"):
        if not isinstance(t.get(key), str) or not t[key]:
            raise RuleFileError(f"missing or empty string key {key!r}", line)
    kind = t.get("kind", "logic" if "logic" in t else "signature")
    if kind not in RULE_KINDS:
        raise RuleFileError(f"kind must be one of {', '.join(RULE_KINDS)}", where("kind"))
    _check_cause(t["cause"], kind, where("cause"))
    try:
        severity = Severity(t.get("severity", "info" if kind in ("benign", "health") else "warning"))
        confidence = Confidence(t.get("confidence", "medium"))
    except ValueError as exc:
        raise RuleFileError(str(exc), where("severity")) from None
    if kind == "benign" and severity != Severity.INFO:
        raise RuleFileError("a benign rule raises nothing above info", where("severity"))
    rule = Rule(id=t["id"], title=t["title"], cause=t["cause"], severity=severity,
                confidence=confidence, summary=str(t.get("summary", t["title"])), path=path,
                line=line, kind=kind, group_by=t.get("group_by"),
                remediation=_str_list(t, "remediation", where), references=_str_list(t, "references", where),
                false_positives=_str_list(t, "false_positives", where), reason=str(t.get("reason", "")),
                rules_out=tuple(_str_list(t, "rules_out", where)), params=dict(t.get("params", {})))
    if kind == "logic":
        rule.logic = t.get("logic")
        if rule.logic not in LOGIC:
            raise RuleFileError(f"unknown logic {rule.logic!r} (known: {', '.join(sorted(LOGIC))})",
                                where("logic"))
    elif "signal" in t:
        rule.signal = _signal_filter(t["signal"], where)
        if "match" in t:
            rule.match = _condition(t.get("match"), "match", where)
    else:
        _attach_match(rule, t, where)
    _attach_correlation(rule, t, where)
    _attach_samples(rule, t, where)
    for out in rule.rules_out:
        _check_cause(out, "signature", where("rules_out"))
    _check_vocabulary(rule, where)
    return rule


_KINDS = frozenset(k.value for k in Kind)


def _did_you_mean(word: str, known: Any) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_cause(cause: str, kind: str, line: int) -> None:
    """A rule's cause is a documented one (``causes.toml``); benign and health rules may say so."""
    allowed = set(TAXONOMY) | {UNEXPLAINED} | ({kind} if kind in ("benign", "health") else set())
    if cause not in allowed:
        raise RuleFileError(f"unknown cause {cause!r}{_did_you_mean(cause, allowed)}; the causes are the "
                            "tables of rules/causes.toml", line)


def _check_vocabulary(rule: Rule, where: Any) -> None:
    """Kinds and ``field.<name>`` operands the conditions name exist; summary placeholders are known."""
    conds = [("match", rule.match), ("other", rule.correlation.other if rule.correlation else None),
             ("recovered_by", rule.transient.recovered_by if rule.transient else None)]
    captures: set[str] = set()
    for key, cond in conds:
        if cond is None:
            continue
        captures |= cond.captures
        for k in sorted(cond.kind_values - _KINDS):
            raise RuleFileError(f"unknown kind {k!r}{_did_you_mean(k, _KINDS)}", where(key))
        kinds = sorted(cond.kinds) if cond.kinds else [None]
        for op in sorted(cond.operands):
            name = op.split(".", 1)[1] if op.startswith(("field.", "fields.")) else None
            if name is not None and not any(is_declared(name, k) for k in kinds):
                scope = f" for kind {', '.join(k for k in kinds if k)}" if kinds != [None] else ""
                raise RuleFileError(f"unknown field {name!r}{scope}{_did_you_mean(name, _field_names())}: "
                                    "fields are declared in loganalyzer/fields.py", where(key))
    for sample in [*rule.positive, *rule.negative]:
        for s in [sample, *sample.events]:
            if s.kind not in _KINDS:
                hint = _did_you_mean(s.kind, _KINDS)
                raise RuleFileError(f"sample kind {s.kind!r} is not a file kind{hint}", where("samples"))
    if rule.kind == "logic":
        return  # a logic rule fills its own placeholders
    allowed = SUMMARY_PLACEHOLDERS | captures
    if rule.signal is not None:
        from ..catalog.signals import FREE, UNEXPLAINED_ATTRS, VOCABULARY
        allowed |= {"via", "signal"} | set(FREE) | set(UNEXPLAINED_ATTRS)
        allowed |= set().union(*(VOCABULARY.get(n, {}) for n in rule.signal.names))
    for name in placeholders(rule.summary):
        if name not in allowed:
            raise RuleFileError(f"unknown summary placeholder {{{name}}}{_did_you_mean(name, allowed)} "
                                f"(known here: {', '.join(sorted(allowed))})", where("summary"))


def _field_names() -> list[str]:
    from ..fields import FIELDS
    return list(FIELDS)


def _str_list(t: dict[str, Any], key: str, where: Any) -> list[str]:
    value = t.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleFileError(f"{key!r} must be a list of strings", where(key))
    return value


def _condition(source: Any, key: str, where: Any):
    if not isinstance(source, str) or not source.strip():
        raise RuleFileError(f"{key!r} must be a non-empty condition string", where(key))
    try:
        return compile_condition(source.strip())
    except ConditionError as exc:
        raise RuleFileError(f"{key}: {exc}", where(key)) from None


def _signal_filter(spec: Any, where: Any) -> SignalFilter:
    """``signal = { name = [...], <attr> = [...], not = { <attr> = [...] }, via = [...] }``."""
    from ..catalog.signals import FREE, UNEXPLAINED_ATTRS, VOCABULARY, Via
    if not isinstance(spec, dict) or "name" not in spec:
        raise RuleFileError("'signal' must be a table with a 'name'", where("signal"))

    def values(v: Any) -> frozenset[str]:
        return frozenset([v] if isinstance(v, str) else [str(x) for x in v])

    names = values(spec["name"])
    for n in names:
        if n not in VOCABULARY and n != "unexplained":
            raise RuleFileError(f"unknown signal {n!r}", where("signal"))
    attrs = set().union(*(VOCABULARY.get(n, {}) for n in names)) | FREE
    if "unexplained" in names:
        attrs |= set(UNEXPLAINED_ATTRS)
    where_: dict[str, frozenset[str]] = {}
    exclude: dict[str, frozenset[str]] = {}
    for key, v in spec.items():
        if key in ("name", "via"):
            continue
        target = exclude if key == "not" else where_
        for k, vv in (v.items() if key == "not" else [(key, v)]):
            if k not in attrs:
                raise RuleFileError(f"signal attribute {k!r} is not one of {', '.join(sorted(attrs))}",
                                    where("signal"))
            target[k] = values(vv)
    vias = values(spec["via"]) if "via" in spec else None
    if vias is not None and not vias <= {v.value for v in Via}:
        raise RuleFileError(f"via must be among {', '.join(v.value for v in Via)}", where("signal"))
    return SignalFilter(names, where_, exclude, vias)


def _attach_match(rule: Rule, t: dict[str, Any], where: Any) -> None:
    rule.match = _condition(t.get("match"), "match", where)
    declared = t.get("prefilter")
    if declared is not None:
        if not isinstance(declared, list) or not declared \
                or not all(isinstance(x, str) and x for x in declared):
            raise RuleFileError("'prefilter' must be a non-empty list of strings", where("prefilter"))
        rule.literals = frozenset(declared)
    else:
        rule.literals = rule.match.literals
    rule.kinds = rule.match.kinds
    if rule.literals is None and rule.kinds is None:
        raise RuleFileError("the condition has no literal to pre-filter on: add a 'message contains' "
                            "term, a 'kind ==' filter or a 'prefilter' list", where("match"))


def _attach_correlation(rule: Rule, t: dict[str, Any], where: Any) -> None:
    corr = t.get("correlation")
    try:
        if corr is not None:
            ctype = corr.get("type")
            if ctype not in ("at_least", "without"):
                raise RuleFileError("correlation type must be 'at_least' or 'without'", where("correlation"))
            within = parse_duration(corr["within"]) if "within" in corr else None
            other = _condition(corr.get("other"), "other", where) if ctype == "without" else None
            if other is not None and other.literals is None and other.kinds is None:
                raise RuleFileError("'other' needs a literal or a kind filter", where("other"))
            rule.correlation = Correlation(type=ctype, count=int(corr.get("count", 1)), within=within,
                                           other=other, same_file=bool(corr.get("same_file", False)))
        tr = t.get("transient")
        if tr is not None:
            rec = _condition(tr.get("recovered_by"), "recovered_by", where)
            if rec.literals is None and rec.kinds is None:
                raise RuleFileError("'recovered_by' needs a literal or a kind filter", where("recovered_by"))
            rule.transient = Transient(recovered_by=rec,
                                       within=parse_duration(tr.get("within", "30m")),
                                       sustained=int(tr.get("sustained", 1)),
                                       per_extension=bool(tr.get("per_extension", False)),
                                       downgrade_to=Severity(tr.get("downgrade_to", "info")),
                                       burst=int(tr["burst"]) if "burst" in tr else None)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, RuleFileError):
            raise
        raise RuleFileError(f"bad correlation/transient: {exc}", where("correlation")) from None


def _sample(d: Any, where: Any) -> Sample:
    if isinstance(d, str):
        return Sample(message=d)
    if not isinstance(d, dict):
        raise RuleFileError("a sample is a string or a table", where("samples"))
    events = [_sample(e, where) for e in d.get("events", [])]
    if "message" not in d and "raw" not in d and not events:
        raise RuleFileError("a sample needs 'message', 'raw' or 'events'", where("samples"))
    raw = d.get("raw")
    if raw is not None and not isinstance(raw, str):
        raise RuleFileError("a sample's 'raw' is one log line (a string)", where("samples"))
    return Sample(message=str(d.get("message", "")), level=d.get("level"), kind=d.get("kind", "waagent_log"),
                  source=d.get("source"), extension=d.get("extension"), fields=d.get("fields"),
                  events=events, raw=raw)


def _attach_samples(rule: Rule, t: dict[str, Any], where: Any) -> None:
    samples = t.get("samples", {})
    if not isinstance(samples, dict):
        raise RuleFileError("'samples' must be a table with positive/negative lists", where("samples"))
    rule.positive = [_sample(s, where) for s in samples.get("positive", [])]
    rule.negative = [_sample(s, where) for s in samples.get("negative", [])]
    if rule.kind in ("signature", "benign") and not rule.positive and rule.signal is None:
        raise RuleFileError("a signature rule needs at least one [[samples.positive]]", where("samples"))
