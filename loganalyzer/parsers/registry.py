"""Kind → parser, from the file-kind units; a parser module is imported only when a bundle
holds a member of its kind.

>>> from loganalyzer.kinds import Kind
>>> Kind.BINARY in PARSERS, PARSERS[Kind.HANDLER_LOGFMT].__module__
(False, 'loganalyzer.parsers.logfmt')
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..filekinds import unit_for, units
from ..kinds import Kind
from .base import Parser


class _UnitParsers(Mapping[Kind, Parser]):
    """The parser each unit names (kinds that are only listed, like binaries, have none)."""

    def __getitem__(self, kind: Kind) -> Parser:
        try:
            parse = unit_for(kind).parse
        except KeyError:
            raise KeyError(kind) from None
        if parse is None:
            raise KeyError(kind)
        return parse

    def __iter__(self) -> Iterator[Kind]:
        return (u.kind for u in units() if u.parser is not None)

    def __len__(self) -> int:
        return sum(1 for u in units() if u.parser is not None)


PARSERS: Mapping[Kind, Parser] = _UnitParsers()
