"""Escaping HTML building blocks shared by the full HTML report and the notebook display.

Every piece of data goes through :func:`text` (``html.escape`` after control characters
are made visible), so a log line holding ``<script>`` shows as text.

>>> text('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
>>> link("javascript:alert(1)")
'javascript:alert(1)'
>>> link("https://learn.microsoft.com/a?b=1&c=2")
'<a href="https://learn.microsoft.com/a?b=1&amp;c=2" rel="noopener noreferrer">https://learn.microsoft.com/a?b=1&amp;c=2</a>'
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from ..model import Evidence, Finding
from .wording import evidence_time, location, printable


def text(value: object) -> str:
    """``value`` as escaped HTML text (``None`` is empty)."""
    return "" if value is None else escape(printable(str(value)), quote=True)


def link(url: str) -> str:
    """An ``<a>`` for http(s) references; anything else stays plain text."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{text(url)}" rel="noopener noreferrer">{text(url)}</a>'
    return text(url)


def badge(label: str, css: str) -> str:
    return f'<span class="badge {text(css)}">{text(label)}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    """A ``<table>`` of escaped cells; columns listed in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{text(_number(c))}</td>' if i in numeric else f"<td>{text(c)}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value: object) -> object:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def evidence_block(evidence: Evidence) -> str:
    """Where and when, then the excerpt in a ``<pre>``."""
    return (f'<div class="where">{text(location(evidence))} · {text(evidence_time(evidence))}</div>'
            f"<pre>{text(evidence.excerpt)}</pre>")


def remediation_list(finding: Finding) -> str:
    if not finding.remediation:
        return ""
    return "<ol>" + "".join(f"<li>{text(step)}</li>" for step in finding.remediation) + "</ol>"
