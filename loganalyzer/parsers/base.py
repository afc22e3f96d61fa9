"""The contract every parser follows.

A parser is a function ``parse(member, ctx) -> Iterator[Event]``.  It reads
``member.open()`` as a stream, yields log records as :class:`~loganalyzer.model.Event`,
hands structured state (a goal state, a status file…) to ``ctx.add_document``, and
keeps ``ctx.coverage`` true: ``lines`` physical lines read, ``records`` records
produced, every line that is neither part of a record nor understood counted with
``ctx.coverage.add_unparsed(line_no, text)``.

A parser may raise: the pipeline catches :class:`~loganalyzer.limits.LimitExceeded`,
``EOFError``, ``OSError`` and any other exception per member, keeps the events
already yielded and marks the member ``partial`` with the reason.  Parsers never
know about causes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from typing import Any

from ..limits import DEFAULT_LIMITS, Limits
from ..model import Event, FileCoverage
from ..sources.base import Member
from ..sources.guard import Budget


@dataclass(slots=True)
class Document:
    """Structured state read from one file (``data`` is the parser's own typed object)."""

    kind: str
    path: str
    data: Any


@dataclass(slots=True)
class ParseContext:
    coverage: FileCoverage
    tz: tzinfo = timezone.utc          # offset applied to local-time formats (``--tz``)
    limits: Limits = DEFAULT_LIMITS
    documents: list[Document] = field(default_factory=list)
    #: what the whole bundle has used (shared by every member's context); one per context if not given
    budget: Budget | None = None

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = Budget(self.limits)

    def add_document(self, kind: str, path: str, data: Any) -> None:
        self.documents.append(Document(kind, path, data))


Parser = Callable[[Member, ParseContext], Iterator[Event]]
