"""Catalog templates compiled into matchers: literal anchors plus placeholder captures.

A template is log text with ``{name}`` where a value is filled at run time.  It compiles to one
regex (literals escaped, runs of spaces flexible, placeholders as lazy captures) and to its
*anchor*, the longest literal run, which routes records to the few templates worth trying
(see :class:`TemplateIndex`); no record ever tries every template.

>>> t = compile_template("Fetch failed: {error}")
>>> t.anchor
'Fetch failed:'
>>> t.match("[ProtocolError] Fetch failed: IOError timed out")
{'error': 'IOError timed out'}
>>> compile_template("Failed to {op} {extension} (code {code})").match("Failed to enable X.Y (code 12)")
{'op': 'enable', 'extension': 'X.Y', 'code': '12'}
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SPACES = re.compile(r"\s+")
_ASCII_DIGITS = frozenset("0123456789")
#: a template must have a literal run at least this long to be matched at all
MIN_ANCHOR = 8


class TemplateError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    template: str
    #: the regex source; compiled on first use (a run compiles only the templates its records
    #: reach, not all ~1,800 at start-up)
    pattern: str
    anchor: str
    names: tuple[str, ...]
    #: the anchor sits at an outer end of the template (so its outer edge is a word boundary)
    anchor_left_cut: bool
    anchor_right_cut: bool
    #: literal runs besides the anchor that every matching text holds verbatim, longest first (at
    #: most :data:`MAX_REQUIRED`): a text lacking one is turned away before the regex runs, which
    #: otherwise stretches each lazy capture to the end before it fails (a heartbeat of one agent
    #: generation tried against the template of another: 4-5 µs each)
    required: tuple[str, ...] = ()

    @property
    def digit_uniform(self) -> bool:
        """Whether the regex treats every ASCII digit alike (see
        :func:`loganalyzer.rules.shapes.digit_uniform`), known without compiling it: its only
        literal characters are the template's own words, the rest is whitespace and captures of
        anything, so it is when those words hold no digit.

        >>> compile_template("Fetch failed: {error}").digit_uniform
        True
        >>> compile_template("Wire protocol version:2012-11-30 {rest}").digit_uniform
        False
        """
        return not any(c in _ASCII_DIGITS for c in _PLACEHOLDER.sub("", self.template))

    @property
    def routing_literal(self) -> str:
        """The anchor as the word index routes it: ``CUT`` marks an end cut next to a placeholder."""
        from ..rules.prefilter import CUT
        return (CUT if self.anchor_left_cut else "") + self.anchor + (CUT if self.anchor_right_cut else "")

    def match(self, text: str) -> dict[str, str] | None:
        """The captures when the template matches ``text`` (a new dict each call), else None.

        A template is tried once per record text: the conditions, the logic rules and the
        facts that ask about one record (a heartbeat is asked about by a dozen) share the
        result through :data:`_LAST`.
        """
        last = _LAST[0]
        if last[0] is text:
            known = last[1]
            if self.pattern in known:
                found = known[self.pattern]
                return None if found is None else dict(found)
        else:
            known = {}
            _LAST[0] = (text, known)
        for part in self.required:
            if part not in text:
                known[self.pattern] = None
                return None
        m = _regex(self.pattern).search(text)
        found = None if m is None else {k: v.strip() for k, v in m.groupdict().items() if v is not None}
        known[self.pattern] = found
        return None if found is None else dict(found)


#: (the text last matched, each pattern's captures on it so far).  One tuple, replaced whole, so
#: a reader (another thread too) sees a consistent pair; the text is held, so no other string can
#: be the same object while the pair lives, and a result depends on the text and pattern alone.
_LAST: list[tuple[str, dict[str, dict[str, str] | None]]] = [("", {})]


def _literal_regex(literal: str) -> str:
    return r"\s+".join(re.escape(part) for part in _SPACES.split(literal))


def compile_template(template: str) -> CompiledTemplate:
    """Compile one template; raises :class:`TemplateError` when it cannot be matched safely."""
    parts = _PLACEHOLDER.split(template)
    literals = parts[0::2]
    names = tuple(parts[1::2])
    pattern: list[str] = []
    seen: set[str] = set()
    for i, lit in enumerate(literals):
        lead = lit
        if i == 0:
            lead = lit.lstrip()
        if i == len(literals) - 1:
            lead = lead.rstrip()
        pattern.append(_literal_regex(lead))
        if i < len(names):
            name = names[i]
            last = i == len(names) - 1 and not literals[-1].strip()
            body = ".*" if last else ".*?"
            pattern.append(f"(?P<{name}>{body})" if name not in seen else f"(?:{body})")
            seen.add(name)
    anchor_i = max(range(len(literals)), key=lambda k: len(literals[k].strip()))
    anchor = literals[anchor_i]
    core = anchor.strip()
    if len(core) < MIN_ANCHOR:
        raise TemplateError(f"no literal run of {MIN_ANCHOR}+ characters in {template!r}")
    # escaped literals and lazy captures always compile, so compiling waits for the first match
    return CompiledTemplate(template, "".join(pattern), core, names,
                            anchor_left_cut=anchor_i > 0 and not anchor[:1].isspace(),
                            anchor_right_cut=anchor_i < len(names) and not anchor[-1:].isspace(),
                            required=required_parts(template, core))


#: how many literal runs :attr:`CompiledTemplate.required` checks (each is one substring scan)
MAX_REQUIRED = 4


def required_parts(template: str, anchor: str) -> tuple[str, ...]:
    """The longest literal runs of ``template`` (4+ characters, not inside ``anchor``), longest
    first: each is in every text the template's regex matches, since the regex is those runs
    escaped, joined by whitespace and captures.

    >>> required_parts("[DEBUG Counter: {c};HeartbeatId: {i};DroppedPackets: {d}]", "Counter:")
    (';DroppedPackets:', ';HeartbeatId:', '[DEBUG')
    """
    parts = {p for p in literal_parts(template) if len(p) >= 4 and p not in anchor}
    return tuple(sorted(parts, key=lambda p: (-len(p), p))[:MAX_REQUIRED])


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.S)


def literal_parts(template: str) -> tuple[str, ...]:
    """The literal runs a template's regex looks for, between its placeholders and spaces.

    >>> literal_parts("Failed to {op} {extension} (code {code})")
    ('Failed', 'to', '(code', ')')
    """
    return tuple(part for lit in _PLACEHOLDER.split(template)[0::2] for part in _SPACES.split(lit) if part)


#: whose version a statement names (an entry's ``names_version``) and how the parser reports a
#: logged one (``version_how``): the closed vocabularies of ``Event.fields`` ``agent_role`` and
#: ``version_how``
VERSION_ROLES = ("daemon", "goal_state")
VERSION_HOWS = ("banner", "heartbeat", "determined", "installed")
#: the placeholders a version is read from: ``{version}``, or the tail of ``{agent}``
#: (``WALinuxAgent-2.9.1.1``: the agent's name, a dash, its version)
VERSION_NAMES = ("version", "agent")
_VERSION_RE = r"(?P<v>\d+(?:\.\d+)+)"
#: the data file that holds every statement naming a version (the parser reads only that file)
VERSION_FILE = "walinuxagent-progress.toml"


def check_version_keys(program: str, template: str, role: object, how: object,
                       path: str = VERSION_FILE) -> list[str]:
    """Problems of an entry's ``names_version`` / ``version_how`` (an empty list when none).

    >>> check_version_keys("walinuxagent", "Installed Agent {agent} is the most current agent",
    ...                    "goal_state", "installed")
    []
    >>> check_version_keys("walinuxagent", "[{level}] Agent {agent} started", "daemon", "banner")
    ['version_how needs the template to start with its words, then {version} or {agent}']
    """
    if program != "walinuxagent":
        return ["names_version / version_how belong to walinuxagent entries only"]
    if not path.endswith(VERSION_FILE):
        return [f"a statement that names a version lives in {VERSION_FILE} (the parser reads only that file)"]
    if role not in VERSION_ROLES:
        return [f"names_version {role!r} is not one of {', '.join(VERSION_ROLES)}"]
    names = _PLACEHOLDER.findall(template)
    if not any(n in VERSION_NAMES for n in names):
        return ["names_version needs a {version} or {agent} placeholder"]
    if how is None:
        return []
    if how not in VERSION_HOWS:
        return [f"version_how {how!r} is not one of {', '.join(VERSION_HOWS)}"]
    if names[0] not in VERSION_NAMES or not leading_literal(template):
        return ["version_how needs the template to start with its words, then {version} or {agent}"]
    return []


def leading_literal(template: str) -> str:
    """The words a template starts with, before its first placeholder.

    >>> leading_literal("Determined Agent {agent} to be the latest agent")
    'Determined Agent '
    """
    return _PLACEHOLDER.split(template)[0].lstrip()


def version_start_pattern(template: str) -> str:
    """A regex source that matches at a record's start: the template's leading words, the version
    (``{version}``, or ``{agent}`` as ``<name>-<version>``) as group ``v``, then the words that
    follow it up to the next placeholder (spaces flexible, as in the template's own regex).

    >>> import re
    >>> p = re.compile(version_start_pattern("Agent {agent} is running as the goal state agent {x}"))
    >>> p.match("Agent WALinuxAgent-2.2.53 is running as the goal state agent [DEBUG]")["v"]
    '2.2.53'
    >>> p.match("Agent WALinuxAgent-2.2.53 is an orphan") is None
    True
    """
    parts = _PLACEHOLDER.split(template)
    lead, name, after = parts[0].lstrip(), parts[1], parts[2] if len(parts) > 2 else ""
    if len(parts) == 3:
        after = after.rstrip()
    capture = _VERSION_RE if name == "version" else r"\S+?-" + _VERSION_RE
    return _literal_regex(lead) + capture + (_literal_regex(after) if after else "")
