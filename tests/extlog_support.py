"""Run one parser on bytes in memory, the way the pipeline does (used by the extension-log tests)."""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import tzinfo
from pathlib import Path

from loganalyzer.kinds import Kind
from loganalyzer.model import Event, FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "extlogs"


def run(parse: Callable[[Member, ParseContext], Iterator[Event]], data: bytes, kind: Kind,
        path: str = "x.log", tz: tzinfo | None = None,
        extension: str | None = None) -> tuple[list[Event], ParseContext]:
    member = Member(path, kind, lambda: io.BytesIO(data), size=len(data), extension=extension)
    ctx = ParseContext(FileCoverage(path, str(kind)))
    if tz is not None:
        ctx.tz = tz
    return list(parse(member, ctx)), ctx


def physical_lines(data: bytes) -> int:
    """How many lines :func:`loganalyzer.textio.iter_lines` returns for ``data``."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def assert_lines_accounted(events: list[Event], ctx: ParseContext, data: bytes) -> None:
    """Records are in file order, do not overlap, and cover every line except leading orphans."""
    total = physical_lines(data)
    assert ctx.coverage.lines == total
    assert ctx.coverage.records == len(events)
    covered = 0
    previous_end = 0
    for e in events:
        assert previous_end < e.line_start <= e.line_end <= total
        previous_end = e.line_end
        covered += e.lines
    first = events[0].line_start if events else total + 1
    assert covered == total - (first - 1)
    assert ctx.coverage.unparsed_lines <= first - 1
