"""JSON documents of no known name, read by what they hold (issue 14: every text file read for meaning).

A JSON file whose name says nothing (``status-copy.json``, ``deployment-error.json``,
``journal.json``) is read when its content has a shape we know:

* a ``journalctl -o json`` export (one object with ``MESSAGE`` per line) → the syslog parser;
* an extension status (``[{"status": {"operation", "status", "code", "formattedMessage"}}]``, a
  ``N.status`` file copied out of its folder) → the status-file parser, the handler named by the
  status's ``name`` when the path names none;
* an agent status blob (``aggregateStatus`` / ``extensions_status``) → the status-blob parser;
* an error object anywhere inside (``{"code": …, "message": …}``: an ARM deployment error, a
  backup job's error, a portal error copied as JSON) → one ``other_text`` event per error
  object, ``code: message``, at the line its code is on, so the rules read it as text.

Anything else — a ticket's case file, instance metadata — stays unread, as before: reading its
quoted strings as log lines would turn descriptions into evidence.

>>> import io
>>> from loganalyzer.kinds import Kind
>>> from loganalyzer.model import FileCoverage
>>> from loganalyzer.sources.base import Member
>>> data = b'{"error": {"code": "DeploymentFailed", "details": [{"code": "UserErrorRpCollectionLimitReached",'
>>> data += b' "message": "The Restore Point collection max limit has reached."}]}}'
>>> m = Member("deployment-error.json", Kind.OTHER_DOCUMENT, lambda: io.BytesIO(data))
>>> [e.message for e in parse(m, ParseContext(FileCoverage(m.path, m.kind)))]
['DeploymentFailed', 'UserErrorRpCollectionLimitReached: The Restore Point collection max limit has reached.']
"""
from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..kinds import Kind
from ..model import CoverageStatus, Event, TimeKind
from ..sources.base import Member
from .base import ParseContext
from .jsonsafe import JsonRefused, loads_bounded
from .payloads import exit_code_of
from .xmlsafe import read_bytes

#: Error objects taken from one document at most (a hostile file could hold millions).
MAX_ERRORS = 200
UNREAD = "JSON/XML document of an unknown kind (listed, not read as log text)"


def parse(member: Member, ctx: ParseContext) -> Iterator[Event]:
    """Read ``member`` by the shape of its content (see the module docstring)."""
    data = read_bytes(member, ctx, ctx.limits.max_json_bytes)
    if data is None:
        return
    stripped = data.lstrip()
    if not stripped.startswith((b"{", b"[")):
        ctx.coverage.mark(CoverageStatus.SKIPPED, UNREAD)
        return
    first = stripped.split(b"\n", 1)[0]
    if b'"MESSAGE"' in first and _one_object(first):
        yield from _delegate("syslog", Kind.SYSLOG, member, ctx, data, "a journalctl -o json export")
        return
    try:
        doc = loads_bounded(data, ctx.limits.max_json_bytes)
    except JsonRefused:
        ctx.coverage.mark(CoverageStatus.SKIPPED, UNREAD)
        return
    if _is_status(doc):
        name = _status_name(doc)
        target = member if member.extension or not name else replace(member, extension=name)
        yield from _delegate("handler_files", Kind.HANDLER_STATUS, target, ctx, data, "an extension status",
                             "parse_status")
        return
    if isinstance(doc, dict) and ("aggregateStatus" in doc or "extensions_status" in doc):
        yield from _delegate("agent_files", Kind.STATUS_BLOB, member, ctx, data, "an agent status blob",
                             "parse_status_blob")
        return
    errors = list(_errors(doc))
    if not errors:
        ctx.coverage.mark(CoverageStatus.SKIPPED, UNREAD)
        return
    ctx.coverage.notes.append(f"read {len(errors)} error object(s) (code and message) of a JSON document")
    text = data.decode("utf-8", "replace")
    for code, message in errors:
        line = _line_of(text, code)
        ctx.coverage.records += 1
        fields: dict[str, Any] = {"error_code": code}
        exit_code = exit_code_of(message)
        if exit_code is not None:
            fields["exit_code"] = exit_code
        yield Event(None, TimeKind.NONE, "ERROR", f"{code}: {message}" if message else code, member.path,
                    line, line, str(Kind.OTHER_TEXT), "json-error", extension=member.extension,
                    fields=fields)


def _one_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _delegate(module: str, kind: Kind, member: Member, ctx: ParseContext, data: bytes, what: str,
              func: str = "parse") -> Iterator[Event]:
    parser = getattr(importlib.import_module(f"{__package__}.{module}"), func)
    ctx.coverage.notes.append(f"read as {what} (recognised by its content)")
    ctx.coverage.lines = 0          # the parser counts the lines again as it reads them
    yield from parser(replace(member, kind=kind, opener=lambda: io.BytesIO(data)), ctx)


def _is_status(doc: Any) -> bool:
    item = doc[0] if isinstance(doc, list) and doc and isinstance(doc[0], dict) else doc
    status = item.get("status") if isinstance(item, dict) else None
    return isinstance(status, dict) and "operation" in status and "status" in status


def _status_name(doc: Any) -> str | None:
    item = doc[0] if isinstance(doc, list) else doc
    name = item["status"].get("name")
    return name if isinstance(name, str) and name.count(".") >= 2 and " " not in name else None


def _errors(doc: Any) -> Iterator[tuple[str, str]]:
    """``(code, message)`` of every ``{"code": str, "message": str}`` object, innermost last."""
    stack = [doc]
    found = 0
    while stack and found < MAX_ERRORS:
        node = stack.pop()
        if isinstance(node, dict):
            code, message = node.get("code"), node.get("message")
            if isinstance(code, str) and code.strip() and isinstance(message, str | None):
                found += 1
                yield code.strip(), (message or "").strip()
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _line_of(text: str, code: str) -> int:
    at = text.find(f'"{code}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
