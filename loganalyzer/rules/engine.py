"""The rule engine: streams events through the catalog, then builds findings and verdicts.

>>> from loganalyzer.rules import load_rules
>>> from loganalyzer.model import Event, TimeKind
>>> from loganalyzer.facts.model import Facts
>>> from loganalyzer.sources.base import BundleInfo
>>> rules, _ = load_rules()
>>> engine = RuleEngine(rules)
>>> engine.observe(Event(None, TimeKind.NONE, "ERROR", "Provisioning failed: [ProtocolError] boom (116.92s)",
...                      "var/log/waagent.log", 7, 7, "waagent_log", source="Daemon"))
>>> findings, verdicts = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("x"), [])
>>> [f.cause for f in findings if f.severity != "info"]
['provisioning_failed']
>>> len(verdicts) >= 20
True
"""
from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from ..catalog.signals import CONFIDENCE_OF, Via
from ..facts.model import Facts
from ..filekinds import kinds_where
from ..model import CauseVerdict, Confidence, Event, FileCoverage, Finding, Severity, finding_rank
from ..result import AnalysisOptions
from ..sources.base import BundleInfo
from .condition import (
    _KEYED_OPERANDS,
    _TEXT_OPERANDS,
    _TEXT_TESTS,
    _entries_of,
    _leaves,
    event_text,
    needed_literals,
    or_branches,
    parse_condition,
)
from .findings import finding_from_matches, reads_captures
from .incidents import assign_incidents
from .logic import LOGIC, FinishContext, LogicRule
from .matches import MatchSet, extension_of, fmt_time
from .model import Rule
from .prefilter import Prefilter, strip_cut
from .shapes import (
    Presence,
    ShapeGuard,
    digit_shape_of,
    digit_uniform,
    literal_alternatives,
    mask_safe,
    masks_letters,
    shape_of,
)
from .signal_order import precedence
from .verdicts import build_verdicts
from .versions import VersionPolicy, policy_for

_ROLE_ORDER = {"benign": 0, "health": 1, "signature": 2}
_VIA_RANK = {Via.KEYWORD.value: 0, Via.STRUCTURE.value: 1, Via.CATALOG.value: 2}
_RANK_VIA = {rank: Via(via) for via, rank in _VIA_RANK.items()}
#: ``('<extension>', 'success')`` in the agent's extension summaries (2.5+)
_SUCCESS = re.compile(r"\('([\w.]+)', 'success'\)")
#: error findings whose last match is this much older than the newest record become warnings
STALE_AFTER = timedelta(days=7)
Mark = tuple[datetime | None, int, str, frozenset[str]]
_NO_NAMES: frozenset[str] = frozenset()
_NO_CAPS: dict[str, Any] = {}
#: (watcher id, regex captures, extension named, extensions reported successful)
_Decision = tuple[int, dict[str, Any], str | None, frozenset[str]]
#: what observe does with one fired watcher (see ``RuleEngine._compile``)
_LOGIC, _MARK, _MATCH = 0, 1, 2
_Action = tuple[Any, ...]
#: kinds whose fields come from the record text alone, so identical records decide alike
_CACHEABLE_KINDS = kinds_where(lambda unit: unit.cacheable)
_CACHE_SIZE = 20000
#: share decisions between records of one shape (see :mod:`loganalyzer.rules.shapes`); tests
#: switch it off to compare both ways
SHAPES = True
#: decide every record by itself, with no cache, shape or compiled action: the plain reading of
#: the rules that the fast path must agree with (tests/test_identical_results.py); also set by
#: the environment variable ``LOGANALYZER_REFERENCE_MATCH=1`` for engines made afterwards
REFERENCE = os.environ.get("LOGANALYZER_REFERENCE_MATCH", "") not in ("", "0")
#: a shape whose records may decide differently: each is decided by itself
_NOT_SHARED: tuple[list[_Decision], tuple[int, ...], tuple[int, ...]] = ([], (), ())
#: roles asked again for each record of a shared shape when their condition is not blind to its
#: numbers: marks and health matches change nothing else in a record's decision; a signature
#: only whether signals are looked for, and the shape is shared only when they would add none
_ASKED_AGAIN = frozenset({"other", "recovery", "health", "signature"})
_NO_GUARD = ShapeGuard(())
#: marks a shape key made by :func:`~loganalyzer.rules.shapes.digit_shape_of` (GUIDs kept)
_DIGITS_ONLY = "digits"
#: kinds that carry copies of the same agent records (waagent.log, and syslog/console behind a prefix)
_AGENT_COPIES = frozenset({"waagent_log", "syslog", "serial_console"})
#: failure records remembered to recognise their copies in another file (about 20 MB at most)
MAX_REMEMBERED_MATCHES = 100_000
MARK_SPACING = 600.0       # seconds: recovery marks closer than this collapse
_MARK_SPACING = timedelta(seconds=MARK_SPACING)
MAX_MARKS = 200_000


@dataclass(slots=True)
class _Watcher:
    role: str                       # benign | health | signature | other | recovery | logic
    rule: Rule
    check: Callable[[Event, str, dict[str, Any]], bool] | None
    #: a logic trigger: its logic rule's index in the run's logic instances; a partner or recovery
    #: condition: its index in the run's mark lists (per-run state lives in the engine, not here)
    slot: int = -1
    trigger: int = 0
    #: whether match times are kept (correlations and transients need them)
    keep_times: bool = False
    #: False when the condition looks at the time (its answer cannot be reused for an identical text)
    reusable: bool = True
    #: the condition's literals that numbers can change (None: the condition reads more than
    #: plain text and keyed fields, so its answer cannot be shared between records of a shape)
    guard: ShapeGuard | None = _NO_GUARD
    #: the condition has a regex: blind to digits, not to a GUID's letters
    regex: bool = False
    #: with no guard: the facts of each ``or`` branch (None: nothing known), see :func:`_blind`
    branches: tuple[Any, ...] | None = None
    #: whether its matches keep what the condition captured (False: the rule's findings do not
    #: read it, :func:`~loganalyzer.rules.findings.reads_captures`; records of one shape then
    #: share the decision without asking the condition again for their own captures)
    keeps_caps: bool = True


@dataclass(slots=True)
class _RuleState:
    groups: dict[str | None, MatchSet] = field(default_factory=dict)
    others: list[Mark] = field(default_factory=list)
    recoveries: list[Mark] = field(default_factory=list)


#: the version policy that ``policy`` comparisons in conditions read (conditions are compiled once
#: and shared by every engine): the engine deciding records sets it, see :meth:`RuleEngine.observe`
_ACTIVE_POLICY: list[VersionPolicy | None] = [None]


def _active_policy_floor(event: Event) -> str | None:
    entry = _ACTIVE_POLICY[0].minimum_at(event.timestamp)  # type: ignore[union-attr]
    return entry.minimum if entry else None


class _Plan:
    """What an engine needs that depends on the rule list alone — watchers, the frozen word
    index, the signal rules' order, the catalog's entry anchors, shape guards — built once per
    rule list (:func:`_plan_for`) and only read afterwards: whatever a run changes (matches,
    marks, logic rule instances, decision caches) lives in the :class:`RuleEngine`."""

    _policy_floor = staticmethod(_active_policy_floor)

    def __init__(self, rules: list[Rule]) -> None:
        #: the rules (a copy: the plan's key holds their ids, which stay theirs while it lives)
        self.rules = list(rules)
        self._watchers: list[_Watcher] = []
        #: rules with match state; (rule id, role) -> watcher id of its partner / recovery condition
        self._state: dict[str, _RuleState] = {}
        self._partners: dict[tuple[str, str], int] = {}
        #: logic rules in registration order (each run makes its own instances)
        self._logic: list[Rule] = []
        self._shared: dict[tuple[str, str], int] = {}
        #: watcher ids of partner / recovery conditions, by slot (each run has its own mark lists)
        self._marked: list[int] = []
        #: catalog entry index -> the literals of its template that numbers can change
        self._entry_guards: dict[int, ShapeGuard] = {}
        self._prefilter = Prefilter()
        #: watcher ids of signal rules by precedence (rules/signal_order.py): the first taking a signal wins
        self._signal_ids: list[int] = []
        self._classifier: Any = None
        #: watcher id of the first catalog entry (entries are routed by the shared word index)
        self._entry_base = 0
        ordered = sorted(rules, key=lambda r: _ROLE_ORDER.get(r.kind, 3))
        for rule in ordered:
            self._register(rule)
        self._prefilter.freeze()
        # the catalog imports the rule prefilter: its classifier module is imported here, not above
        from ..catalog.classify import STRONG_FAILURE_WORDS, STRUCTURE_WORDS, needs_structure
        self._needs_structure = needs_structure
        #: literals any record is routed or classified by: one that numbers change may change the route
        self._shape_guard = ShapeGuard(
            [(strip_cut(lit), False) for lit in self._prefilter.literals()]
            + [(w, False) for w in (*STRUCTURE_WORDS, *STRONG_FAILURE_WORDS, "'success')")])

    # -- set-up ------------------------------------------------------------------------------
    def _add(self, watcher: _Watcher, literals: frozenset[str] | None, kinds: frozenset[str] | None) -> None:
        self._prefilter.add(len(self._watchers), literals, kinds)
        self._watchers.append(watcher)

    def _register(self, rule: Rule) -> None:
        if rule.kind == "logic":
            slot = len(self._logic)
            self._logic.append(rule)
            for n, (lits, kinds) in enumerate(LOGIC[rule.logic].triggers):  # type: ignore[index]
                self._add(_Watcher("logic", rule, None, slot, n), lits, kinds)
            return
        if rule.signal is not None:
            self._state[rule.id] = _RuleState()
            if rule.match is not None:
                rule.match.policy[0] = self._policy_floor
            timed = rule.correlation is not None or rule.transient is not None
            self._watchers.append(_Watcher("signal", rule, rule.match.predicate if rule.match else None,
                                           keep_times=timed,
                                           reusable=not (rule.match and rule.match.uses_time),
                                           **_shape_facts(rule.match)))
            # offered signals by precedence across all rule files, ties in load order
            insort(self._signal_ids, len(self._watchers) - 1,
                   key=lambda j: tuple(-v for v in precedence(self._watchers[j].rule)))
            if self._classifier is None:
                from ..catalog.classify import Classifier  # the catalog imports the rule prefilter
                self._classifier = Classifier.default()
                # catalog anchors share the rules' word index: one pass routes a record to both
                self._entry_base = len(self._watchers)
                for lit in self._classifier.anchors():
                    self._add(_Watcher("entry", rule, None), frozenset([lit]), None)
            if rule.correlation and rule.correlation.other is not None:
                self._add_shared("other", rule, rule.correlation.other)
            if rule.transient is not None:
                self._add_shared("recovery", rule, rule.transient.recovered_by)
            return
        assert rule.match is not None
        rule.match.policy[0] = self._policy_floor
        self._state[rule.id] = _RuleState()
        self._add(_Watcher(rule.kind, rule, rule.match.predicate,
                           keep_times=rule.correlation is not None or rule.transient is not None,
                           reusable=not rule.match.uses_time, keeps_caps=reads_captures(rule),
                           **_shape_facts(rule.match)),
                  rule.literals, rule.kinds)
        if rule.correlation and rule.correlation.other is not None:
            self._add_shared("other", rule, rule.correlation.other)
        if rule.transient is not None:
            self._add_shared("recovery", rule, rule.transient.recovered_by)

    def _add_shared(self, role: str, rule: Rule, cond: Any) -> None:
        """One watcher per distinct partner condition, whatever the number of rules using it."""
        key = (role, cond.source)
        i = self._shared.get(key)
        if i is None:
            i = self._shared[key] = len(self._watchers)
            self._add(_Watcher(role, rule, cond.predicate, len(self._marked), reusable=not cond.uses_time,
                               **_shape_facts(cond)), cond.literals, cond.kinds)
            self._marked.append(i)
        self._partners[(rule.id, role)] = i

    def _entry_guard(self, entry: int) -> ShapeGuard:
        guard = self._entry_guards.get(entry)
        if guard is None:
            from ..catalog.templates import literal_parts
            template = self._classifier.entries[entry].template  # type: ignore[union-attr]
            guard = self._entry_guards[entry] = ShapeGuard((p, False) for p in literal_parts(template))
        return guard


#: plans by the ids of their rules, most recently used last
_PLANS: OrderedDict[tuple[int, ...], _Plan] = OrderedDict()
MAX_PLANS = 8


def _plan_for(rules: list[Rule]) -> _Plan:
    """The plan of ``rules`` (the same rule objects in the same order share one)."""
    key = tuple(map(id, rules))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(rules)
        while len(_PLANS) > MAX_PLANS:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(key)
    return plan


def clear_plans() -> None:
    """Forget every cached plan (rule objects changed in place: the next engine plans afresh)."""
    _PLANS.clear()



class RuleEngine:
    """Feed every event to :meth:`observe`, then call :meth:`finish` once.

    The rules' static plan is built once per rule list and shared; each engine has its own
    matches, marks, logic rule instances and caches, so engines never see each other's records."""

    def __init__(self, rules: list[Rule], options: AnalysisOptions | None = None) -> None:
        self.options = options or AnalysisOptions()
        self.policy = policy_for(self.options.min_agent_version)
        _ACTIVE_POLICY[0] = self.policy
        self.rules = rules
        plan = self._plan = _plan_for(rules)
        self._watchers = plan._watchers
        self._prefilter = plan._prefilter
        self._signal_ids = plan._signal_ids
        self._classifier = plan._classifier
        self._entry_base = plan._entry_base
        self._needs_structure = plan._needs_structure
        self._shape_guard = plan._shape_guard
        self._entry_guard = plan._entry_guard
        # -- per-run state
        #: marks of each partner / recovery condition, one list shared by every rule using it
        self._marks: list[list[Mark]] = [[] for _ in plan._marked]
        self._state: dict[str, _RuleState] = {}
        partners = plan._partners
        for rule_id in plan._state:
            state = self._state[rule_id] = _RuleState()
            other = partners.get((rule_id, "other"))
            if other is not None:
                state.others = self._marks[self._watchers[other].slot]
            recovery = partners.get((rule_id, "recovery"))
            if recovery is not None:
                state.recoveries = self._marks[self._watchers[recovery].slot]
        self._logic: list[LogicRule] = [LOGIC[r.logic](r, self.policy, self.options)  # type: ignore[index]
                                        for r in plan._logic]
        self._order = 0
        self._last_ts: dict[str, datetime] = {}
        self._last_order: dict[str, int] = {}
        self._decided: dict[tuple[Any, ...], list[_Decision]] = {}
        self._by_shape: dict[tuple[Any, ...], list[_Decision]] = {}
        #: (rule, time, hash of the first line) → file of each timed agent record a signature matched
        self._matched: dict[tuple[str, datetime, int], str] = {}
        #: (rule id, group) -> best rank of the ways its signals were reached
        self._via_rank: dict[tuple[str, str | None], int] = {}
        if REFERENCE:
            self.observe = self._observe_reference  # type: ignore[method-assign]

    #: set by :meth:`_decide` when given a shape: (the decision, positions to redo) for every
    #: record of that shape, or None when they may decide differently
    _shared_by_shape: tuple[list[_Decision], tuple[int, ...], tuple[int, ...]] | None = None

    # -- streaming ---------------------------------------------------------------------------
    def observe(self, event: Event) -> None:
        """Match one event against every rule that could apply (cheap for most events)."""
        ts = event.timestamp       # the caller (loganalyzer.pipeline) passes only in-window events
        _ACTIVE_POLICY[0] = self.policy     # conditions comparing with the version policy read it
        self._order += 1
        order = self._order
        path = event.path
        self._last_order[path] = order
        if ts is not None:
            self._last_ts[path] = ts
        text = event_text(event)
        key = (event.kind, event.level, event.source, event.extension, event.generation, text) \
            if event.kind in _CACHEABLE_KINDS else None
        actions = self._decided.get(key) if key is not None else None
        if actions is None:
            actions = self._actions_for(event, text, key)
        if not actions:
            return
        mark: Mark | None = None
        for act in actions:
            code = act[0]
            if code == _LOGIC:
                act[1](act[2], event, text, order)
            elif code == _MARK:
                # _add_mark inlined: one tuple per record, shared by every mark list it goes to
                names = act[2]
                if mark is None or mark[3] is not names:
                    mark = (ts, order, path, names)
                marks = act[1]
                if marks:
                    last = marks[-1]
                    if last[0] is not None and ts is not None and last[2] == path and last[3] == names \
                            and ts - last[0] < _MARK_SPACING:
                        marks[-1] = mark
                        continue
                if len(marks) >= MAX_MARKS:
                    del marks[::2]
                marks.append(mark)
            else:
                self._add_match(event, text, order, *act[1:])

    def _observe_reference(self, event: Event) -> None:
        """:meth:`observe` as the rules read: every record decided alone, each fired watcher
        applied in the decision's order."""
        ts = event.timestamp
        _ACTIVE_POLICY[0] = self.policy
        self._order += 1
        order = self._order
        self._last_order[event.path] = order
        if ts is not None:
            self._last_ts[event.path] = ts
        text = event_text(event)
        decided, _ = self._decide(event, text)
        for i, caps, ext, names in decided:
            w = self._watchers[i]
            if w.role == "logic":
                self._logic[w.slot].observe(w.trigger, event, text, order)
            elif w.role == "other" or w.role == "recovery":
                _add_mark(self._marks[w.slot], (ts, order, event.path, names))
            else:
                self._add_match(event, text, order, *self._match_action(w, caps, ext))

    def _actions_for(self, event: Event, text: str, key: tuple[Any, ...] | None) -> tuple[_Action, ...]:
        """The actions of a record the exact-text cache did not know: from its shape's shared
        decision, else decided here (and remembered when the answer depends on the text alone)."""
        skey = None
        if key is not None and SHAPES and not self._needs_structure(event, text):
            shape = shape_of(text)
            skey = (*key[:-1], shape)
            shared = self._by_shape.get(skey)
            if shared is _NOT_SHARED and masks_letters(shape):
                # GUID letters may have decided: share among records that differ in digits only
                skey = (*key[:-1], digit_shape_of(text), _DIGITS_ONLY)
                shared = self._by_shape.get(skey)
            if shared is _NOT_SHARED:
                skey = None
            elif shared is not None:
                if not (shared[1] or shared[2]):
                    return shared[3]
                decided = self._redo(event, text, *shared[:3])
                if decided is not None:
                    return self._compile(decided)
        decided, reusable = self._decide(event, text, skey[len(key) - 1] if skey else None)
        actions = self._compile(decided)
        if key is not None and reusable:
            if len(self._decided) >= _CACHE_SIZE:
                self._decided.clear()
            self._decided[key] = actions
            if skey is not None:
                if len(self._by_shape) >= _CACHE_SIZE:
                    self._by_shape.clear()
                by_shape = self._shared_by_shape
                self._by_shape[skey] = (*by_shape, self._compile(by_shape[0])) if by_shape else _NOT_SHARED
        return actions

    def _compile(self, decided: list[_Decision]) -> tuple[_Action, ...]:
        """A decision as what :meth:`observe` does with it, in the decision's order: a logic
        rule's observe and trigger, a mark list and the names of a mark, or a match's watcher."""
        out: list[_Action] = []
        watchers = self._watchers
        for i, caps, ext, names in decided:
            w = watchers[i]
            role = w.role
            if role == "logic":
                out.append((_LOGIC, self._logic[w.slot].observe, w.trigger))
            elif role == "other" or role == "recovery":
                out.append((_MARK, self._marks[w.slot], names))
            else:
                out.append((_MATCH, *self._match_action(w, caps, ext)))
        return tuple(out)

    def _match_action(self, w: _Watcher, caps: dict[str, Any], ext: str | None) -> tuple[Any, ...]:
        """What :meth:`_add_match` needs of a watcher's match, settled once per decision: the
        watcher, captures and extension, the rule's groups and this match's group key, whether
        an agent record's copy in another file must be skipped, and a signal's (rule, group) key
        with the rank of the way it was reached (None for other roles)."""
        role = w.role
        gkey = ext if w.rule.group_by == "extension" else \
            caps.get("template") if w.rule.group_by == "template" else None
        via = ((w.rule.id, gkey), _VIA_RANK[caps["via"]]) if role == "signal" else None
        return (w, caps, ext, self._state[w.rule.id].groups, gkey, role in ("signature", "signal"), via)

    def _add_match(self, event: Event, text: str, order: int, w: _Watcher, caps: dict[str, Any],
                   ext: str | None, groups: dict[Any, MatchSet], gkey: Any, copies: bool,
                   via: tuple[tuple[str, Any], int] | None) -> None:
        if copies and event.timestamp is not None and event.kind in _AGENT_COPIES \
                and self._copy_of_a_match(w.rule.id, event, text):
            return
        if via is not None:
            vkey, rank = via
            if rank > self._via_rank.get(vkey, -1):
                self._via_rank[vkey] = rank
        group = groups.get(gkey)
        if group is None:
            group = groups[gkey] = MatchSet(keep_times=w.keep_times)
        group.add(event, caps, order, ext)

    def _copy_of_a_match(self, rule_id: str, event: Event, text: str) -> bool:
        """True when another file already gave this rule the same agent record (same time, same
        first line): the agent writes to waagent.log and syslog alike, and a bundle often holds
        both, so one failure must not count twice."""
        key = (rule_id, event.timestamp, hash(text.partition("\n")[0]))
        first = self._matched.get(key)
        if first is None:
            if len(self._matched) < MAX_REMEMBERED_MATCHES:
                self._matched[key] = event.path
            return False
        return first != event.path

    def _decide(self, event: Event, text: str, shape: str | None = None) -> tuple[list[_Decision], bool]:
        """Which watchers fire for this record, and whether that answer depends on the text alone
        (then identical records reuse it: log files repeat the same lines thousands of times).

        Given the record's ``shape``, it also sets ``_shared_by_shape``: the decision with the
        positions whose values come from the text (captures, extension names), when every
        record of that shape fires the same watchers — each condition asked is blind to numbers
        (:func:`_blind`) and no literal that numbers change can be in the shape — else None."""
        decided: list[_Decision] = []
        reusable = True
        benign = False
        explained = False
        settled = False     # explained by a signature whose answer the shape shares
        blind = shape is not None
        letters = blind and masks_letters(shape)  # type: ignore[arg-type]
        shared: list[_Decision] = []    # what every record of the shape shares …
        redo: list[int] = []            # … with these positions from the record's own text
        recheck: list[int] = []         # … and these watchers asked again for each record
        entries: list[int] = []
        for i in self._prefilter.candidates(event.kind, text):
            w = self._watchers[i]
            role = w.role
            if role == "entry":
                entries.append(i - self._entry_base)
                continue
            if role == "logic":
                decided.append((i, _NO_CAPS, None, _NO_NAMES))
                shared.append(decided[-1])
                continue
            if role == "signature" and benign:
                continue
            reusable = reusable and w.reusable
            asked_again = False
            if blind and not _blind(w, shape, letters):  # type: ignore[arg-type]
                # a partner or health condition changes nothing else in the decision, a
                # signature only whether signals are looked for (checked below): ask it again
                # for each record rather than not share the shape
                asked_again = role in _ASKED_AGAIN
                blind = asked_again
                if asked_again:
                    recheck.append(i)
            caps: dict[str, Any] = {}
            if not w.check(event, text, caps):  # type: ignore[misc]
                continue
            entry = self._fired(w, i, event, text, caps)
            if not asked_again:
                if entry[1] or entry[2] is not None or (entry[3] and entry[3] != _names_of(event, "")):
                    redo.append(len(shared))
                shared.append(entry)
            decided.append(entry)
            benign = benign or role == "benign"
            explained = explained or role == "signature"
            settled = settled or (role == "signature" and not asked_again)
        if self._signal_ids and not benign and not explained:
            blind = self._decide_signals(event, text, decided, entries, shape if blind else None, letters)
        elif blind and self._signal_ids and not benign and not settled:
            # explained by a signature asked again only: a record of this shape that it does not
            # explain has its signals decided, and they must add nothing to share the shape
            blind = self._decide_signals(event, text, [], entries, shape, letters)
        if blind:
            blind = not self._shape_guard.may_hold(shape)  # type: ignore[arg-type]
        self._shared_by_shape = (shared, tuple(redo), tuple(recheck)) if blind else None
        return decided, reusable

    def _fired(self, w: _Watcher, i: int, event: Event, text: str, caps: dict[str, Any]) -> _Decision:
        """The decision entry of watcher ``i`` that fired for this record."""
        if w.role == "other" or w.role == "recovery":
            return (i, _NO_CAPS, None, _names_of(event, text))
        kept = caps if w.keeps_caps else _NO_CAPS
        if w.role == "signature":
            return (i, kept, extension_of(event, text, caps), _NO_NAMES)
        return (i, kept, None, _NO_NAMES)

    def _redo(self, event: Event, text: str, shared: list[_Decision], redo: tuple[int, ...],
              recheck: tuple[int, ...]) -> list[_Decision] | None:
        """A shared decision with this record's own values at ``redo`` and the watchers of
        ``recheck`` asked again (None: a watcher did not fire again — it cannot happen for a
        blind condition; the record is then decided alone)."""
        out = list(shared)
        watchers = self._watchers
        for k in redo:
            i = out[k][0]
            w = watchers[i]
            caps: dict[str, Any] = {}
            if not w.check(event, text, caps):  # type: ignore[misc]
                return None
            out[k] = self._fired(w, i, event, text, caps)
        for i in recheck:
            w = watchers[i]
            caps = {}
            if w.check(event, text, caps):  # type: ignore[misc]
                out.append(self._fired(w, i, event, text, caps))
        return out

    def _decide_signals(self, event: Event, text: str, decided: list[_Decision], entries: list[int],
                        shape: str | None = None, letters: bool = False) -> bool:
        """Signals of a record no signature explained, each to the first signal rule taking it.
        With ``shape``: True when every record of that shape gets the same (no signal, or only the
        benign "none" of a template blind to numbers)."""
        assert self._classifier is not None
        signals = self._classifier.classify(event, text, entries)
        before = len(decided)
        for sig in signals:
            for i in self._signal_ids:
                w = self._watchers[i]
                if not w.rule.signal.accepts(sig):  # type: ignore[union-attr]
                    continue
                caps: dict[str, Any] = {**sig.attrs, "via": sig.via.value, "signal": sig.name}
                if sig.entry:
                    caps["entry"] = sig.entry
                if w.check is not None:
                    if shape is not None and not _blind(w, shape, letters):
                        shape = None
                    if not w.check(event, text, caps):
                        continue
                ext = sig.attrs.get("extension") or extension_of(event, text, caps)
                decided.append((i, caps, ext, _NO_NAMES))
                break
        return shape is not None and len(decided) == before and all(s.name == "none" for s in signals) \
            and not any(self._entry_guard(e).may_hold(shape) for e in entries)

    # -- results -----------------------------------------------------------------------------
    def finish(self, facts: Facts, info: BundleInfo, coverage: list[FileCoverage], budget: Any = None
               ) -> tuple[list[Finding], list[CauseVerdict]]:
        """Findings (sorted most severe first) and one verdict per documented cause.

        With the run's ``budget``, concluding stops at its finishing deadline (``max_seconds`` plus
        a short grace): what was not concluded is said in the bundle's notes, the rest is kept."""
        last_by_path = {p: (self._last_ts.get(p), o) for p, o in self._last_order.items()}
        ctx = FinishContext(facts=facts, info=info, coverage=coverage, options=self.options,
                            policy=self.policy, last_by_path=last_by_path, budget=budget)
        findings: list[Finding] = []
        health: dict[str, list[tuple[Rule, MatchSet]]] = {}
        groups = sum(len(self._state[r.id].groups) for r in self.rules if r.kind != "logic")
        concluded, stopped = 0, False
        for rule in self.rules:
            if rule.kind == "logic" or stopped:
                continue
            state = self._state[rule.id]
            for key, matches in state.groups.items():
                if budget is not None and budget.every(finishing=True):
                    stopped = True
                    break
                concluded += 1
                if rule.kind == "health":
                    for cause in rule.rules_out:
                        health.setdefault(cause, []).append((rule, matches))
                    continue
                finding = self._conclude(rule, key, matches, state, ctx)
                if finding is not None:
                    if rule.signal is not None:
                        via = _RANK_VIA[self._via_rank.get((rule.id, key), 0)]
                        finding.confidence = Confidence(CONFIDENCE_OF[via])
                        if via is Via.KEYWORD and Severity(finding.severity).rank > Severity.WARNING.rank:
                            finding.severity = Severity.WARNING
                    findings.append(finding)
        if concluded < groups:
            ctx.notes.append(f"time limit ({budget.limits.max_seconds:g} s) reached while the rules were "
                             f"concluded: {groups - concluded:,} of {groups:,} groups of matching records "
                             "not examined")
        skipped: list[str] = []
        for logic in self._logic:
            if budget is not None and budget.finish_out_of_time():
                skipped.append(logic.rule.id)
                continue
            try:
                findings.extend(logic.finish(ctx))
            except Exception as exc:  # a logic bug must not lose the other findings
                ctx.notes.append(f"logic rule {logic.rule.id} failed: {exc!r}")
        if skipped:
            ctx.notes.append(f"time limit ({budget.limits.max_seconds:g} s) reached before these rules "
                             f"looked at the facts: {', '.join(skipped)}")
        info.notes.extend(n for n in ctx.notes if n not in info.notes)
        # rules naming catalog entries are as specific as word signatures: only the general
        # signal rules fold into what a more specific rule already found
        findings = _fold_signal_findings(findings, {r.id for r in self.rules if r.signal is not None
                                                    and "entry" not in r.signal.where})
        findings.sort(key=finding_rank, reverse=True)
        assign_incidents(findings)
        verdicts = build_verdicts(findings, health, ctx)
        return findings, verdicts

    def _conclude(self, rule: Rule, key: str | None, matches: MatchSet, state: _RuleState,
                  ctx: FinishContext) -> Finding | None:
        notes: list[str] = []
        severity = rule.severity
        corr = rule.correlation
        if corr is not None and corr.type == "at_least" \
                and not _at_least(matches.times, corr.count, corr.within):
            return None
        if corr is not None and corr.type == "without":
            if corr.same_file:
                answered = {m[2] for m in state.others}
                lonely = [t for t in matches.times if t[2] not in answered]
            else:
                lonely = _unanswered(matches.times, state.others, corr.within)
            if not lonely:
                return None
            notes.append(f"{len(lonely)} of {matches.count} had no follow-up record")
        if rule.transient is not None:
            answers = state.recoveries
            if rule.transient.per_extension:
                answers = [a for a in answers if key is not None and key in a[3]]
            open_ = _unanswered(matches.times, answers, rule.transient.within)
            outage, since, until = _outage(open_, answers)
            if outage >= rule.transient.sustained > 1 and since is not None and until is not None \
                    and outage < matches.count:
                notes.append(f"the longest outage: {outage} failures in a row with no recovery, "
                             f"{fmt_time(since)} to {fmt_time(until)}")
            if outage < rule.transient.sustained:
                severity = min(severity, rule.transient.downgrade_to, key=lambda s: Severity(s).rank)
                burst = rule.transient.burst
                in_a_row = _outage(matches.times, answers)[0] if burst else 0
                if burst and in_a_row >= burst and Severity(severity).rank < Severity.WARNING.rank:
                    severity = min(rule.severity, Severity.WARNING, key=lambda s: Severity(s).rank)
                    notes.append(f"{in_a_row} failures in a row before it recovered")
                elif open_:
                    notes.append(f"only {len(open_)} without a later sign of recovery (transient)")
                else:
                    notes.append("each was followed by a sign of recovery (transient)")
        end = ctx.last_record_time
        if Severity(severity).rank >= Severity.ERROR.rank and matches.last_seen and end \
                and end - matches.last_seen > STALE_AFTER:
            severity = Severity.WARNING
            notes.append(f"last seen {(end - matches.last_seen).days} days before the newest record")
        group = key if rule.group_by == "extension" else None   # a template key is no extension
        return finding_from_matches(rule, matches, group, severity, notes)


#: unexplained-error groups kept (the most frequent), so a noisy log cannot flood the report
MAX_UNEXPLAINED_GROUPS = 25


def _fold_signal_findings(findings: list[Finding], signal_rules: set[str]) -> list[Finding]:
    """A signal finding adds nothing where a signature already found the same cause for the same
    extension at the same or a higher severity; unexplained groups are capped."""
    covered: dict[tuple[str, str | None], int] = {}
    for f in findings:
        if f.rule_id not in signal_rules:
            key = (f.cause, f.extension)
            covered[key] = max(covered.get(key, -1), Severity(f.severity).rank)
    kept: list[Finding] = []
    unexplained_groups: list[Finding] = []
    for f in findings:
        if f.rule_id in signal_rules:
            rank = max(covered.get((f.cause, f.extension), -1), covered.get((f.cause, None), -1))
            if rank >= Severity(f.severity).rank:
                continue
            if f.cause == "unexplained_error":
                unexplained_groups.append(f)
                continue
        kept.append(f)
    unexplained_groups.sort(key=lambda f: (Severity(f.severity).rank, f.count), reverse=True)
    return kept + unexplained_groups[:MAX_UNEXPLAINED_GROUPS]


def _add_mark(marks: list[Mark], mark: Mark) -> None:
    """Remember a recovery / partner record, bounded but spanning the whole log.

    Marks of the same file less than :data:`MARK_SPACING` apart collapse into the later one
    (one per ten minutes is plenty to answer failures within half an hour), so a year of
    heartbeats costs tens of thousands of marks; past :data:`MAX_MARKS` every other goes.

    >>> from datetime import datetime, timedelta, UTC
    >>> marks: list[Mark] = []
    >>> for minute in (0, 5, 20):
    ...     _add_mark(marks, (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minute), minute,
    ...                       "a", frozenset()))
    >>> [m[1] for m in marks]
    [5, 20]
    """
    if marks:
        last = marks[-1]
        if last[0] is not None and mark[0] is not None and last[2] == mark[2] and last[3] == mark[3] \
                and (mark[0] - last[0]).total_seconds() < MARK_SPACING:
            marks[-1] = mark
            return
    if len(marks) >= MAX_MARKS:
        del marks[::2]
    marks.append(mark)


def _outage(open_: list[tuple[datetime | None, int, str]], answers: list[Mark]
            ) -> tuple[int, datetime | None, datetime | None]:
    """The longest run of unanswered failures with no recovery between them (an outage, not
    noise), and the times of its first and last failure.  Sporadic failures months apart, each
    eventually followed by successes, are runs of one.

    >>> from datetime import datetime, UTC
    >>> t = lambda d: datetime(2024, 1, d, tzinfo=UTC)
    >>> _outage([(t(1), 1, "a"), (t(9), 9, "a")], [(t(5), 5, "a", frozenset())])[0]
    1
    >>> _outage([(t(1), 1, "a"), (t(2), 2, "a"), (t(3), 3, "a")], [])[0]
    3
    >>> n, first, last = _outage([(t(1), 1, "a"), (t(6), 6, "a"), (t(7), 7, "a")],
    ...                          [(t(5), 5, "a", frozenset())])
    >>> (n, first.day, last.day)
    (2, 6, 7)
    """
    timed = sorted(t for t, _, _ in open_ if t is not None)
    if len(timed) < len(open_):          # no times to place them: count them all as one run
        return len(open_), None, None
    marks = sorted(a[0] for a in answers if a[0] is not None)
    longest, span = 0, (None, None)
    run = 0
    start: datetime | None = None
    previous: datetime | None = None
    for ts in timed:
        recovered = previous is not None and bisect_right(marks, previous) < bisect_left(marks, ts)
        if previous is None or recovered:
            run, start = 1, ts
        else:
            run += 1
        if run > longest:
            longest, span = run, (start, ts)
        previous = ts
    return longest, span[0], span[1]


def _at_least(times: list[tuple[datetime | None, int, str]], count: int, within: float | None) -> bool:
    if len(times) < count:
        return False
    if within is None:
        return True
    stamps = sorted(t for t, _, _ in times if t is not None)
    if len(stamps) < count:
        return len(times) >= count and not stamps
    span = timedelta(seconds=within)
    return any(stamps[i + count - 1] - stamps[i] <= span for i in range(len(stamps) - count + 1))


def _unanswered(times: list[tuple[datetime | None, int, str]], answers: list[Mark], within: float | None
                ) -> list[tuple[datetime | None, int, str]]:
    """Matches with no answer after them (within ``within`` seconds when both have times;
    by observation order in the same file otherwise).

    >>> from datetime import datetime, UTC
    >>> t = lambda m: datetime(2024, 1, 1, 0, m, tzinfo=UTC)
    >>> len(_unanswered([(t(0), 1, "a"), (t(30), 5, "a")], [(t(2), 2, "a", frozenset())], 300))
    1
    """
    span = timedelta(seconds=within) if within is not None else None
    stamps = sorted(a[0] for a in answers if a[0] is not None)
    last_order: dict[str, int] = {}
    for _, order, path, _names in answers:
        last_order[path] = max(order, last_order.get(path, 0))
    lonely = []
    for ts, order, path in times:
        if ts is not None and stamps:
            i = bisect_left(stamps, ts)
            if i < len(stamps) and (span is None or stamps[i] - ts <= span):
                continue
        elif last_order.get(path, 0) > order:
            continue
        lonely.append((ts, order, path))
    return lonely


def _names_of(event: Event, text: str) -> frozenset[str]:
    """Extensions a success record names: ``('<name>', 'success')`` summaries and its own."""
    names = frozenset(_SUCCESS.findall(text)) if "'success')" in text else _NO_NAMES
    if event.extension:     # a success record of that extension ("Enable,success,…")
        names = names | {event.extension}
    return names


def _blind(w: _Watcher, shape: str, letters: bool) -> bool:
    """Whether a watcher's condition answers alike for every record of ``shape`` (``letters``:
    the shape masks a GUID's letters, which a regex may read): its text is blind, or each of
    its ``or`` branches is — false for every record (a literal it needs cannot be in the
    shape) or blind by its text."""
    if w.guard is not None:
        return not (letters and w.regex) and not w.guard.may_hold(shape)
    if w.branches is None:
        return False
    for needs, guard, regex in w.branches:
        impossible = False
        for need in needs:
            if not need.may_occur(shape):
                impossible = True
                break
        if not impossible and (guard is None or (letters and regex) or guard.may_hold(shape)):
            return False
    return True


def _shape_facts(cond: Any) -> dict[str, Any]:
    """What a watcher's condition needs to be blind to a record's numbers: the guard of its
    literals (None: it reads more than text), and whether it has a regex; for a condition
    reading more, the same of each of its ``or`` branches (see :func:`_branch_facts`)."""
    if cond is None:
        return {"guard": _NO_GUARD, "regex": False}
    literals, regex = cond.text_literals, cond.text_regex
    if literals is None or regex:
        literals, regex = _text_facts(cond.source, literals, regex)
    if literals is None:
        return {"guard": None, "regex": regex, "branches": _branch_facts(cond.source)}
    return {"guard": ShapeGuard(literals), "regex": regex}


#: one ``or`` branch of a condition: presence tests one of whose literals a record holds when
#: the branch holds, the guard of its literals (None: it reads more than text), it has a regex
_Branch = tuple[tuple[Presence, ...], ShapeGuard | None, bool]


@lru_cache(maxsize=4096)
def _branch_facts(source: str) -> tuple[_Branch, ...] | None:
    """The facts of each ``or`` branch of a condition that reads more than text, so that it is
    still blind to a shape where every branch is (:func:`_blind`): a recovery such as
    ``entry in [<goal state done>] or (entry in [<heartbeats>] and field.hb_update_gs_errors
    == 0)`` answers alike for every record of a shape no heartbeat template's anchor can be in.
    None when no branch says anything."""
    try:
        branches = or_branches(parse_condition(source))
    except Exception:   # not the language of this version: nothing known
        return None
    out: list[_Branch] = []
    for branch in branches:
        literals, regex = _leaf_facts(list(_leaves(branch)))
        needs = tuple(Presence(lits) for lits in needed_literals(branch))
        if literals is None and not needs:
            return None     # a branch that may hold for some records of any shape
        out.append((needs, None if literals is None else ShapeGuard(literals), regex))
    return tuple(out)


@lru_cache(maxsize=4096)
def _text_facts(source: str, literals: frozenset[tuple[str, bool]] | None, regex: bool
                ) -> tuple[frozenset[tuple[str, bool]] | None, bool]:
    """The condition's text literals and whether it has a regex, as the condition says, except
    that a regex made only of alternative plain strings (``Timeout|\\[502: Bad Gateway\\]``)
    counts as those literals: then a shape guard decides about them, digits and GUID letters
    included, instead of the regex making the condition unshareable."""
    try:
        leaves = list(_leaves(parse_condition(source)))
    except Exception:   # not the language of this version: keep what the condition says
        return literals, regex
    return _leaf_facts(leaves)


@lru_cache(maxsize=1024)
def templates_letter_blind(templates: tuple[str, ...]) -> bool:
    """Whether each catalog template matches alike in every record of a shape, GUID letters
    masked included, given it is :func:`~loganalyzer.rules.shapes.digit_uniform`: its regex is its
    literal runs (whitespace between them, lazy captures of anything around), so only a run
    that may overlap a GUID token (not :func:`~loganalyzer.rules.shapes.mask_safe`) can make two
    records of one shape differ.

    >>> templates_letter_blind(("Fetched new vmSettings [HostGAPlugin correlation ID: {id} eTag: {etag}",))
    True
    >>> templates_letter_blind(("unit {name} is a {state}",))      # "a" may be a GUID's letter
    False
    """
    from ..catalog.templates import literal_parts  # the catalog imports the rule prefilter
    return all(mask_safe(part) for t in templates for part in literal_parts(t))


def _leaf_facts(leaves: list[Any]) -> tuple[frozenset[tuple[str, bool]] | None, bool]:
    """:func:`_text_facts` of the comparisons ``leaves`` (a whole condition or one branch)."""
    out: set[tuple[str, bool]] = set()
    regex = False
    for n in leaves:
        if n.operand in _KEYED_OPERANDS:
            continue
        if n.operand == "entry":        # a catalog statement: its template is a regex
            if not all(e.compiled.digit_uniform for e in _entries_of(n)):
                return None, False
            # its literal runs joined by whitespace and lazy captures of anything: a GUID's letters
            # can change whether it matches only through a run that may touch a GUID
            regex = regex or not templates_letter_blind(tuple(e.template for e in _entries_of(n)))
            continue
        if n.op == "exists":
            continue
        if n.operand not in _TEXT_OPERANDS:
            return None, False
        values = n.value if n.op == "in" else [n.value]
        if n.op == "cmp" and n.cmp == "~":
            rx = values[0][1] if values[0][0] == "re" else None
            alternatives = literal_alternatives(rx) if rx is not None else None
            if alternatives is not None:
                out.update(alternatives)
                continue
            if rx is None or not digit_uniform(rx):
                return None, False
            regex = True
            continue
        if (n.op == "cmp" and n.cmp not in _TEXT_TESTS) or any(v[0] != "str" for v in values):
            return None, False
        out.update((str(v[1]).lower() if n.cmp == "icontains" else str(v[1]), n.cmp == "icontains")
                   for v in values)
    return frozenset(out), regex
