"""One parser per file kind.  :func:`parser_for` is the only lookup.

>>> parser_for(Kind.VMSNAPSHOT_LOG).__module__
'loganalyzer.parsers.vmsnapshot'
>>> parser_for(Kind.WAAGENT_LOG).__name__     # waagent_log.parse, unless the file is one pasted line
'parse_agent_log'
"""
from __future__ import annotations

from ..kinds import Kind
from .base import Document, ParseContext, Parser
from .registry import PARSERS


def parser_for(kind: Kind) -> Parser | None:
    """The parser for ``kind``; ``None`` for kinds that are only listed (binary)."""
    return PARSERS.get(kind)


__all__ = ["PARSERS", "Document", "ParseContext", "Parser", "parser_for"]
