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

    @property
    def routing_literal(self) -> str:
        """The anchor as the word index routes it: ``CUT`` marks an end cut next to a placeholder."""
        from ..rules.prefilter import CUT
        return (CUT if self.anchor_left_cut else "") + self.anchor + (CUT if self.anchor_right_cut else "")

    def match(self, text: str) -> dict[str, str] | None:
        m = _regex(self.pattern).search(text)
        if m is None:
            return None
        return {k: v.strip() for k, v in m.groupdict().items() if v is not None}


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
                            anchor_right_cut=anchor_i < len(names) and not anchor[-1:].isspace())


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.S)


def literal_parts(template: str) -> tuple[str, ...]:
    """The literal runs a template's regex looks for, between its placeholders and spaces.

    >>> literal_parts("Failed to {op} {extension} (code {code})")
    ('Failed', 'to', '(code', ')')
    """
    return tuple(part for lit in _PLACEHOLDER.split(template)[0::2] for part in _SPACES.split(lit) if part)
