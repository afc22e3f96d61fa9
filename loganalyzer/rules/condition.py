"""The rule condition language: parse (lark, ``grammars/rule_condition.lark``), compile to a
closure, and derive the literal substrings a matching record must contain (the pre-filter).

A compiled condition is called as ``cond(event, text, captures)``; ``text`` is the record's
message plus its decoded ``Event:`` payload (see :func:`event_text`), ``captures`` receives
the named groups of regex matches.

>>> c = compile_condition('message contains "No route exists" and level in ["WARNING", "ERROR"]')
>>> sorted(c.literals)
['No route exists']
>>> from loganalyzer.model import Event, TimeKind
>>> ev = Event(None, TimeKind.NONE, "WARNING", "No route exists to 168.63.129.16", "w.log", 1, 1,
...            "waagent_log")
>>> c.test(ev)
True
>>> c2 = compile_condition(r'message ~ /exit code: (?P<code>\\d+)/ and field.exit_code >= 126')
>>> sorted(c2.literals)
['exit code: \\x00']
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput, v_args

from ..grammars import load_grammar
from ..model import Event
from .prefilter import CUT, index_word, strip_cut
from .shapes import digit_uniform
from .versions import older_than

Predicate = Callable[[Event, str, dict[str, Any]], bool]
PolicyResolver = Callable[[Event], str | None]


def _no_policy(event: Event) -> str | None:
    return None

#: Operands a condition may name (besides ``field.<name>``).
OPERANDS = ("message", "raw_message", "event_message", "level", "source", "thread", "extension",
            "extension_version", "kind", "path", "generation", "timestamp")
_MIN_LITERAL = 3


class ConditionError(ValueError):
    """A condition that does not parse or names something unknown; ``column`` is 1-based."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(slots=True)
class Condition:
    """A compiled condition with its pre-filter facts."""

    source: str
    predicate: Predicate
    #: at least one of these substrings is in ``text`` whenever the condition holds (None: unknown)
    literals: frozenset[str] | None
    #: the condition only holds for these file kinds (None: any kind)
    kinds: frozenset[str] | None
    uses_policy: bool = False
    #: the condition reads the record's time (``timestamp`` or the dated version ``policy``)
    uses_time: bool = False
    #: ``policy[0](event)`` gives the minimum agent version in force for that record
    policy: list[PolicyResolver] = field(default_factory=lambda: [_no_policy])
    #: every operand the condition names (``message``, ``kind``, ``field.vms_event``…)
    operands: frozenset[str] = frozenset()
    #: every value compared with ``kind`` (``==``, ``!=``, ``in``): the loader checks they exist
    kind_values: frozenset[str] = frozenset()
    #: the named groups of its regexes (summary placeholders they fill)
    captures: frozenset[str] = frozenset()
    #: (literal, ignore case) of every text test, when the condition reads a record only by
    #: text tests, regexes treating all digits alike and the fields a rule decision is keyed on;
    #: None when it reads anything else (a field, a version, a digit in a regex): then its answer
    #: may change with a record's numbers (see :mod:`loganalyzer.rules.shapes`)
    text_literals: frozenset[tuple[str, bool]] | None = None
    #: it has a regex (blind to digits, not to a GUID's letters)
    text_regex: bool = False

    def __call__(self, event: Event, text: str, captures: dict[str, Any]) -> bool:
        return self.predicate(event, text, captures)

    def test(self, event: Event) -> bool:
        """Evaluate on one event (convenience for tests and samples)."""
        return self.predicate(event, event_text(event), {})


def event_text(event: Event) -> str:
    """The text rules match: the message, plus the decoded ``Event:`` payload when it was encoded.

    >>> from loganalyzer.model import Event, TimeKind
    >>> e = Event(None, TimeKind.NONE, "ERROR", "Event: name=X, op=Install, message=eJx, duration=0",
    ...           "w", 1, 1, "waagent_log", fields={"event_message": "Non-zero exit code: 51",
    ...                                             "event_encoded": True})
    >>> event_text(e).endswith("Non-zero exit code: 51")
    True
    """
    f = event.fields
    if f and f.get("event_encoded") and f.get("event_message"):
        return f"{event.message}\n{f['event_message']}"
    return event.message


# ---------------------------------------------------------------------------------------------
# parsing

@cache
def _parser() -> Lark:
    return Lark(load_grammar("rule_condition"), parser="lalr", maybe_placeholders=False)


@dataclass(slots=True)
class _Node:
    op: str                     # and | or | not | cmp | in | exists
    children: list[_Node] = field(default_factory=list)
    operand: str = ""
    cmp: str = ""
    value: Any = None


@v_args(inline=True)
class _ToAst(Transformer):
    def or_(self, *items: _Node) -> _Node:
        return _Node("or", list(items))

    def and_(self, *items: _Node) -> _Node:
        return _Node("and", list(items))

    def not_(self, item: _Node) -> _Node:
        return _Node("not", [item])

    def operand(self, *names: Token) -> str:
        return ".".join(str(n) for n in names)

    def string(self, tok: Token) -> tuple[str, str]:
        body = str(tok)[1:-1]
        return ("str", re.sub(r"\\(.)", r"\1", body))

    def regex(self, tok: Token) -> tuple[str, Any]:
        text = str(tok)
        end = text.rfind("/")
        body, flags = text[1:end].replace("\\/", "/"), text[end + 1:]
        bits = 0
        for ch in flags:
            bits |= {"i": re.I, "s": re.S, "m": re.M, "x": re.X}[ch]
        try:
            return ("re", re.compile(body, bits))
        except re.error as exc:
            raise ConditionError(f"bad regular expression /{body}/: {exc}", tok.column) from exc

    def number(self, tok: Token) -> tuple[str, float]:
        return ("num", float(tok))

    def policy(self) -> tuple[str, None]:
        return ("policy", None)

    def list(self, *items: tuple[str, Any]) -> list[tuple[str, Any]]:
        return [i for i in items if i is not None]

    def compare(self, operand: str, op: Token, value: tuple[str, Any]) -> _Node:
        return _Node("cmp", operand=operand, cmp=str(op), value=value)

    def member(self, operand: str, values: list[tuple[str, Any]]) -> _Node:
        return _Node("in", operand=operand, value=values)

    def exists(self, operand: str) -> _Node:
        return _Node("exists", operand=operand)


@lru_cache(maxsize=4096)
def parse_condition(source: str) -> _Node:
    """The condition's tree (shared by every caller asking for one source: read it, never change
    it) — the loader compiles each condition, and the engine and the prefilter read the same trees
    again for what they need to know of them."""
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as exc:
        near = source[max(0, exc.pos_in_stream or 0):][:20] if exc.pos_in_stream is not None else ""
        raise ConditionError(f"condition does not parse at column {exc.column}: near {near!r}",
                             exc.column) from None
    try:
        return _ToAst().transform(tree)
    except Exception as exc:  # lark wraps transformer errors
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, ConditionError):
            raise inner from None
        raise ConditionError(str(inner)) from None


# ---------------------------------------------------------------------------------------------
# compiling

def compile_condition(source: str) -> Condition:
    """Parse and compile ``source``; raises :class:`ConditionError`."""
    ast = parse_condition(source)
    policy: list[PolicyResolver] = [_no_policy]
    uses = _uses_policy(ast)
    pred = _compile(ast, policy)
    leaves = list(_leaves(ast))
    values = [v for n in leaves for v in (n.value if n.op == "in" else [n.value]) if isinstance(v, tuple)]
    return Condition(source=source, predicate=pred, literals=_literals(ast), kinds=_kinds(ast),
                     uses_policy=uses, uses_time=uses or _uses_timestamp(ast), policy=policy,
                     operands=frozenset(n.operand for n in leaves),
                     kind_values=frozenset(str(v[1]) for n in leaves if n.operand == "kind"
                                           for v in (n.value if n.op == "in" else [n.value])
                                           if isinstance(v, tuple) and v[0] == "str"),
                     captures=frozenset(g for v in values if v[0] == "re" for g in v[1].groupindex)
                     | frozenset(name for n in leaves if n.operand == "entry"
                                 for e in _entries_of(n) for name in e.compiled.names)
                     | frozenset(["code_name"] if any(n.operand == "vms_code" for n in leaves) else []),
                     text_literals=_text_literals(leaves),
                     text_regex=any(v[0] == "re" for v in values) or "entry" in (n.operand for n in leaves))


def _leaves(node: _Node):
    """The comparisons of a condition tree (``cmp``, ``in``, ``exists`` nodes)."""
    if node.op in ("and", "or", "not"):
        for c in node.children:
            yield from _leaves(c)
    else:
        yield node


#: operands a rule decision is keyed on (``RuleEngine`` caches decisions per kind, level, source,
#: extension, generation and text)
_KEYED_OPERANDS = frozenset({"level", "source", "kind", "extension", "generation"})
_TEXT_OPERANDS = frozenset({"message", "raw_message"})
_TEXT_TESTS = frozenset({"contains", "icontains", "startswith", "endswith", "==", "!="})


def _text_literals(leaves: list[_Node]) -> frozenset[tuple[str, bool]] | None:
    """The literals of a condition made of plain text tests and keyed operands (else None).

    >>> sorted(_text_literals(list(_leaves(parse_condition(
    ...     'message contains "No route" and level == "ERROR"')))))
    [('No route', False)]
    >>> _text_literals(list(_leaves(parse_condition('message ~ /code [0-9]+/'))))
    frozenset()
    >>> _text_literals(list(_leaves(parse_condition('message ~ /HTTP [45][0-9][0-9]/')))) is None
    True
    """
    out: set[tuple[str, bool]] = set()
    for n in leaves:
        if n.operand in _KEYED_OPERANDS:
            continue
        if n.operand == "entry":
            if not all(e.compiled.digit_uniform for e in _entries_of(n)):
                return None
            continue
        if n.operand not in _TEXT_OPERANDS:
            return None
        if n.op == "exists":
            continue
        values = n.value if n.op == "in" else [n.value]
        if n.op == "cmp" and n.cmp == "~":
            rx = values[0][1] if values[0][0] == "re" else None
            if rx is None or not digit_uniform(rx):
                return None
            continue
        if (n.op == "cmp" and n.cmp not in _TEXT_TESTS) or any(v[0] != "str" for v in values):
            return None
        out.update((str(v[1]).lower() if n.cmp == "icontains" else str(v[1]), n.cmp == "icontains")
                   for v in values)
    return frozenset(out)


def or_branches(node: _Node) -> list[_Node]:
    """The alternatives of a condition: its top-level ``or`` terms (nested ``or`` flattened), or
    the condition itself.

    >>> [b.op for b in or_branches(parse_condition('message contains "a" or (level == "X" and x.y == 1)'))]
    ['cmp', 'and']
    """
    if node.op == "or" or (node.op == "and" and len(node.children) == 1):
        return [b for c in node.children for b in or_branches(c)]
    return [node]


def _conjuncts(node: _Node) -> list[_Node]:
    """The terms that must all hold for ``node`` (nested ``and`` flattened)."""
    if node.op == "and" or (node.op == "or" and len(node.children) == 1):
        return [t for c in node.children for t in _conjuncts(c)]
    return [node]


def needed_literals(branch: _Node) -> list[frozenset[str]]:
    """Sets of literals one of which the record's text holds whenever ``branch`` holds: one set
    per plain positive term (``entry in [...]``: the entries' anchors, which the entry test
    looks for first; ``message contains/startswith/endswith "…"``).  A set is left out when a
    literal of it might appear only after a Go handler's quotes are unescaped (it holds ``"``).

    >>> needed_literals(parse_condition('message contains "No route" and field.x == 1'))
    [frozenset({'No route'})]
    >>> needed_literals(parse_condition('not message contains "a" and field.x == 1'))
    []
    """
    out: list[frozenset[str]] = []
    for term in _conjuncts(branch):
        if term.operand == "entry" and (term.op == "in" or (term.op == "cmp" and term.cmp == "==")):
            lits = frozenset(e.compiled.anchor for e in _entries_of(term))
        elif term.op == "cmp" and term.operand == "message" and term.cmp in ("contains", "startswith",
                                                                             "endswith") \
                and term.value[0] == "str":
            lits = frozenset([str(term.value[1])])
        else:
            continue
        if lits and all(lit and '"' not in lit for lit in lits):
            out.append(lits)
    return out


def _uses_timestamp(node: _Node) -> bool:
    if node.op in ("and", "or", "not"):
        return any(_uses_timestamp(c) for c in node.children)
    return node.operand == "timestamp"


def _uses_policy(node: _Node) -> bool:
    if node.op in ("and", "or", "not"):
        return any(_uses_policy(c) for c in node.children)
    return node.op == "cmp" and node.value[0] == "policy"


def _getter(operand: str) -> Callable[[Event, str], Any]:
    if operand.startswith(("field.", "fields.")):
        key = operand.split(".", 1)[1]
        return lambda ev, text: ev.fields.get(key) if ev.fields else None
    if operand == "message":
        return lambda ev, text: text
    if operand == "raw_message":
        return lambda ev, text: ev.message
    if operand == "event_message":
        return lambda ev, text: ev.fields.get("event_message") if ev.fields else None
    if operand == "level":
        return lambda ev, text: (ev.level or "").upper()
    if operand in OPERANDS:
        return lambda ev, text, _a=operand: getattr(ev, _a)
    raise ConditionError(f"unknown operand {operand!r} (use one of {', '.join(OPERANDS)} or field.<name>)")


def _plain(value: tuple[str, Any]) -> Any:
    kind, v = value
    if kind == "num":
        return int(v) if v == int(v) else v
    return v


def _compile(node: _Node, policy: list[PolicyResolver]) -> Predicate:
    if node.op in ("and", "or"):
        needles = _contains_needles(node) if node.op == "or" else None
        if needles is not None:
            return _any_needle(needles)
        parts = tuple(_compile(c, policy) for c in node.children)
        return _all_of(parts) if node.op == "and" else _any_of(parts)
    if node.op == "not":
        inner = _compile(node.children[0], policy)
        return lambda ev, text, caps: not inner(ev, text, {})
    if node.operand == "entry":
        return _entry_test(node)
    if node.operand == "vms_code":
        return _vms_code_test(node)
    get = _getter(node.operand)
    if node.op == "exists":
        return lambda ev, text, caps: get(ev, text) not in (None, "")
    if node.op == "in":
        allowed = {_norm(node.operand, _plain(v)) for v in node.value}
        return lambda ev, text, caps: _norm(node.operand, get(ev, text)) in allowed
    return _compile_cmp(node, get, policy)


def _contains_needles(node: _Node) -> tuple[str, ...] | None:
    """The strings of an ``or`` made only of ``message contains "…"`` terms (fast path)."""
    out = []
    for c in node.children:
        if c.op != "cmp" or c.operand != "message" or c.cmp != "contains" or c.value[0] != "str":
            return None
        out.append(c.value[1])
    return tuple(out)


def _any_needle(needles: tuple[str, ...]) -> Predicate:
    def any_needle(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        for n in needles:  # noqa: SIM110 - plain loops: this runs per record, generators cost more
            if n in text:
                return True
        return False
    return any_needle


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    def all_of(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110 - plain loop on the hot path
            if not p(ev, text, caps):
                return False
        return True
    return all_of


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    def any_of(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110 - plain loop on the hot path
            if p(ev, text, caps):
                return True
        return False
    return any_of


def _norm(operand: str, value: Any) -> Any:
    if operand == "level" and isinstance(value, str):
        return value.upper()
    return value


def _compile_cmp(node: _Node, get: Callable[[Event, str], Any],
                 policy: list[PolicyResolver]) -> Predicate:
    op, (kind, raw) = node.cmp, node.value
    if op == "~":
        if kind != "re":
            try:
                rx = re.compile(str(raw))
            except re.error as exc:
                raise ConditionError(f"bad regular expression {raw!r}: {exc}") from exc
        else:
            rx = raw

        def regex(ev: Event, text: str, caps: dict[str, Any]) -> bool:
            value = get(ev, text)
            if value is None:
                return False
            m = rx.search(value if isinstance(value, str) else str(value))
            if m is None:
                return False
            caps.update({k: v for k, v in m.groupdict().items() if v is not None})
            return True
        return regex
    if kind == "re":
        raise ConditionError(f"a /regex/ needs the ~ operator, not {op!r}")
    if op in ("older_than", "at_least_version"):
        want_older = op == "older_than"

        def version_cmp(ev: Event, text: str, caps: dict[str, Any]) -> bool:
            value = get(ev, text)
            floor = policy[0](ev) if kind == "policy" else str(raw)
            if value is None or floor is None:
                return False
            return older_than(str(value), floor) == want_older
        return version_cmp
    value = _plain(node.value)
    if op in ("contains", "icontains", "startswith", "endswith"):
        if not isinstance(value, str):
            raise ConditionError(f"{op} needs a string")
        needle = value.lower() if op == "icontains" else value
        method = {"contains": lambda s: needle in s, "icontains": lambda s: needle in s.lower(),
                  "startswith": lambda s: s.startswith(needle),
                  "endswith": lambda s: s.endswith(needle)}[op]

        def text_op(ev: Event, text: str, caps: dict[str, Any]) -> bool:
            v = get(ev, text)
            return isinstance(v, str) and method(v)
        return text_op
    value = _norm(node.operand, value)
    if node.operand == "timestamp":
        value = _parse_time(value)
    compare = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
               "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[op]

    def cmp(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        v = _norm(node.operand, get(ev, text))
        if v is None:
            return op == "!="
        try:
            if isinstance(value, int | float) and not isinstance(v, int | float):
                v = float(v)
            return compare(v, value)
        except (TypeError, ValueError):
            return False
    return cmp


def _parse_time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConditionError(f"timestamp needs an ISO time, got {value!r}") from exc


# ---------------------------------------------------------------------------------------------
# catalog entries: ``entry in ["wala.agent.orphan_exit", …]`` holds when the record is one of those
# statements (their template matches), so a rule names a statement instead of copying its words

def _entries_of(node: _Node) -> list[Any]:
    """The catalog entries an ``entry == "…"`` / ``entry in [...]`` comparison names."""
    from ..catalog import load_catalog  # the catalog imports the rule pre-filter: import here
    if (node.op == "cmp" and node.cmp != "==") or node.op == "exists":
        raise ConditionError("entry is compared with == \"<id>\" or in [\"<id>\", …]")
    values = node.value if node.op == "in" else [node.value]
    if not values or any(v[0] != "str" for v in values):
        raise ConditionError("entry names catalog entry ids (strings)")
    by_id = _catalog_by_id(load_catalog)
    unknown = [str(v[1]) for v in values if str(v[1]) not in by_id]
    if unknown:
        raise ConditionError(f"unknown catalog entry {', '.join(map(repr, unknown))} "
                             "(see loganalyzer/catalog/data/*.toml)")
    return [by_id[str(v[1])] for v in values]


_BY_ID: dict[str, Any] = {}


def _catalog_by_id(load: Callable[[], Any]) -> dict[str, Any]:
    if not _BY_ID:
        _BY_ID.update(load().by_id)
    return _BY_ID


def _entry_test(node: _Node) -> Predicate:
    templates = tuple(e.compiled for e in _entries_of(node))

    def entry_test(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        # a Go handler's logfmt line escapes the quotes of its values; the templates have them plain
        if ev.kind == "handler_logfmt" and '\\"' in text:
            text = text.replace('\\"', '"')
        for t in templates:
            # as the classifier does: a template is tried only where its anchor literal is (a
            # template that starts with a placeholder, '{error}; ContinueOnUpdate: {flag}', is
            # searched from every position of a record that lacks it otherwise)
            if t.anchor not in text:
                continue
            found = t.match(text)     # once per text and template (CompiledTemplate.match)
            if found is not None:
                caps.update(found)
                return True
        return False
    return entry_test


def _entry_anchors(node: _Node) -> frozenset[str]:
    """The anchor literal of each named entry (one is in every record the comparison holds for)."""
    return frozenset(e.compiled.routing_literal for e in _entries_of(node))


# VMSnapshot result codes: ``vms_code in ["FailedSnapshotLimitReached"]`` or ``vms_code startswith
# "FailedPrepost"`` holds when the record states such a code by name (the table of
# parsers/vmsnapshot_codes.py is the one place the names live; a name not in it is refused)

def _vms_code_values(node: _Node) -> tuple[str, list[str]]:
    """(``in`` or ``startswith``, the names or prefix) of a ``vms_code`` comparison, checked."""
    from ..parsers.vmsnapshot_codes import _TABLE
    names = [i.name for i in _TABLE]
    if node.op == "cmp" and node.cmp == "startswith" and node.value[0] == "str":
        prefix = str(node.value[1])
        if not any(n.startswith(prefix) and n != prefix for n in names):
            raise ConditionError(f"no VMSnapshot result code starts with {prefix!r}")
        return "startswith", [prefix]
    if node.op == "exists" or (node.op == "cmp" and node.cmp != "=="):
        raise ConditionError("vms_code is compared with ==, in [...] or startswith")
    values = node.value if node.op == "in" else [node.value]
    wanted = [str(v[1]) for v in values]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise ConditionError(f"unknown VMSnapshot result code {', '.join(map(repr, unknown))} "
                             "(the names are in loganalyzer/parsers/vmsnapshot_codes.py)")
    return "in", wanted


def _vms_code_names(node: _Node) -> list[str]:
    """Every table name a ``vms_code`` comparison accepts (a prefix stands for its names)."""
    from ..parsers.vmsnapshot_codes import _TABLE
    how, values = _vms_code_values(node)
    if how == "in":
        return values
    return [i.name for i in _TABLE if i.name.startswith(values[0])]


def _vms_code_test(node: _Node) -> Predicate:
    from ..parsers.vmsnapshot_codes import names_in
    how, values = _vms_code_values(node)
    wanted = frozenset(values)
    prefix = values[0]

    def vms_code_test(ev: Event, text: str, caps: dict[str, Any]) -> bool:
        for name in names_in(text):
            if name in wanted if how == "in" else name.startswith(prefix):
                caps["code_name"] = name
                return True
        return False
    return vms_code_test


# ---------------------------------------------------------------------------------------------
# pre-filter facts

def _literals(node: _Node) -> frozenset[str] | None:
    if node.op == "and":
        options = [s for s in (_literals(c) for c in node.children) if s]
        if not options:
            return None
        return min(options, key=lambda s: (len(s), -min(len(x) for x in s)))
    if node.op == "or":
        parts = [_literals(c) for c in node.children]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)
    if node.operand == "entry":
        return _entry_anchors(node)
    if node.operand == "vms_code":
        return frozenset(_vms_code_names(node))
    if node.op != "cmp" or node.operand != "message":
        return None
    kind, value = node.value
    if node.cmp in ("contains", "startswith", "endswith") and kind == "str" and value:
        return frozenset([value])
    if node.cmp == "~":
        rx = value if kind == "re" else None
        if rx is None or rx.flags & re.I:
            return None
        return regex_literals(rx.pattern)
    return None


def _kinds(node: _Node) -> frozenset[str] | None:
    if node.op == "and":
        options = [k for k in (_kinds(c) for c in node.children) if k is not None]
        return frozenset.intersection(*options) if options else None
    if node.op == "or":
        parts = [_kinds(c) for c in node.children]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if node.operand != "kind":
        return None
    if node.op == "cmp" and node.cmp == "==":
        return frozenset([str(node.value[1])])
    if node.op == "in":
        return frozenset(str(v[1]) for v in node.value)
    return None


def regex_literals(pattern: str) -> frozenset[str] | None:
    """Substrings one of which every match of ``pattern`` contains (None when unknown).

    An end of a substring that the regex cut next to another pattern part is marked with
    :data:`~loganalyzer.rules.prefilter.CUT` (it need not fall on a word boundary).

    >>> sorted(regex_literals(r"Non-zero exit code: (126|127)"))
    ['Non-zero exit code: \\x00']
    >>> sorted(regex_literals(r"(No route to host|Connection refused)"))
    ['Connection refused', 'No route to host']
    >>> regex_literals(r"[a-z]+\\d") is None
    True
    """
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    return _seq_literals(list(parsed), False, False)


def _is_boundary(item: Any) -> bool:
    """True for pattern parts that sit on a word boundary: anchors, ``\\b``, a non-word literal."""
    from re import _constants as c  # type: ignore[attr-defined]
    op, arg = item
    if op is c.AT:
        return arg in (c.AT_BOUNDARY, c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_END, c.AT_END_STRING)
    return op is c.LITERAL and not (chr(arg).isalnum() or chr(arg) == "_")


def _seq_literals(items: list[Any], left_cut: bool, right_cut: bool) -> frozenset[str] | None:
    from re import _constants as c  # type: ignore[attr-defined]
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    run_start = 0

    def cut_before(k: int) -> bool:
        return left_cut if k == 0 else not _is_boundary(items[k - 1])

    def cut_after(k: int) -> bool:
        return right_cut if k >= len(items) - 1 else not _is_boundary(items[k + 1])

    def flush(end: int) -> None:
        if len(run) >= _MIN_LITERAL:
            lit = "".join(run)
            if cut_before(run_start):
                lit = CUT + lit
            if cut_after(end - 1):
                lit = lit + CUT
            candidates.append(frozenset([lit]))
        run.clear()

    for k, (op, arg) in enumerate(items):
        if op is c.LITERAL:
            if not run:
                run_start = k
            run.append(chr(arg))
            continue
        flush(k)
        inner_left, inner_right = cut_before(k), cut_after(k)
        if op is c.SUBPATTERN:
            if arg[1] & re.I:
                continue
            inner = _seq_literals(list(arg[-1]), inner_left, inner_right)
            if inner:
                candidates.append(inner)
        elif op is c.BRANCH:
            branches = [_seq_literals(list(b), inner_left, inner_right) for b in arg[1]]
            if all(branches):
                candidates.append(frozenset().union(*branches))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1:
            inner = _seq_literals(list(arg[2]), True, True)
            if inner:
                candidates.append(inner)
    flush(len(items))
    if not candidates:
        return None
    return max(candidates, key=lambda s: (all(index_word(x) for x in s), min(len(strip_cut(x)) for x in s),
                                          -len(s)))
