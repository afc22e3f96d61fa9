"""The result as a report may show it: every free text redacted unless the user chose ``--no-redact``.

Every renderer starts from :func:`report_view`, so no field can slip past redaction
because a renderer forgot it: excerpts, summaries, titles, paths, messages, reasons,
notes, config values, facts' state and stats are all rewritten by
:func:`loganalyzer.redact.redact` (dict keys that name a secret lose their value).

>>> from loganalyzer.model import Evidence
>>> ev = Evidence("var/log/waagent.log", 3, 3, None, "GET https://x/y?sv=1&sig=abc")
>>> scrub(ev).excerpt
'GET https://x/y?<redacted>'
>>> scrub(ConfigValue("OS.RootPassword", "hunter2", False)).value
'<redacted>'
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from ..facts.model import ConfigValue
from ..limits import Limits
from ..redact import REDACTED, redact, redact_obj, redact_setting
from ..result import AnalysisOptions, AnalysisResult
from .bounds import bounded
from .wording import local_clock_view

T = TypeVar("T")


def report_view(result: AnalysisResult, whole: bool = False) -> AnalysisResult:
    """``result`` itself when ``options.redact`` is off, else a redacted copy (the input is untouched);
    local-clock times in free text are labelled as such (:func:`~.wording.local_clock_view`).

    What a report lists is bounded first (:func:`~.bounds.bounded`: summary rows and counts past
    a few thousand rows), so redacting and rendering cost what the caps allow; ``whole`` keeps
    every row (the API's tables)."""
    if not whole:
        result = bounded(result)
    if not result.options.redact:
        return local_clock_view(result)
    return local_clock_view(scrub(result))


def scrub(value: T) -> T:
    """A copy of ``value`` (dataclasses, dicts, lists, sets, tuples of them) with every string redacted."""
    return _Scrubber().scrub(value)


#: values that hold no text: returned as they are
_PLAIN = (int, float, bool, type(None))


class _Scrubber:
    """One pass of :func:`scrub`: a text seen again (a kind, a status, a reason on thousands of
    coverage rows) is redacted once."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def text(self, value: str) -> str:
        done = self._texts.get(value)
        if done is None:
            done = self._texts[value] = redact(value)
        return done

    def scrub(self, value: Any) -> Any:
        if type(value) is str:
            return self.text(value)
        if type(value) in _PLAIN or isinstance(value, Enum | AnalysisOptions | Limits):
            return value           # (a StrEnum member stays itself)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, ConfigValue):
            return replace(value, key=self.text(value.key),
                           value=self.under_key(value.key, redact_setting(value.key, value.value)),
                           ref=self.scrub(value.ref))
        if is_dataclass(value) and not isinstance(value, type):
            changes = {name: self.scrub(getattr(value, name)) for name in _init_fields(type(value))}
            return replace(value, **changes)
        if isinstance(value, dict):
            return {self.scrub(k): self.under_key(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.scrub(v) for v in value)
        if isinstance(value, set | frozenset):
            return {self.scrub(v) for v in value}
        return value

    def under_key(self, key: Any, value: Any) -> Any:
        """``value`` scrubbed, or replaced whole when ``key`` names a secret (``password``,
        ``customData``…)."""
        if isinstance(key, str) and not is_dataclass(value) and not _empty(value) and _names_secret(key):
            return REDACTED
        return self.scrub(value)


@cache
def _init_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.init)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | dict | list | tuple) and not value)


@cache
def _names_secret(key: str) -> bool:
    return redact_obj({key: "x"}) == {key: REDACTED}
