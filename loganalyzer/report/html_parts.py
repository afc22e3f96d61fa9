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


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = (),
          css: str = "", whole: Sequence[int] = ()) -> str:
    """A ``<table>`` of escaped cells; columns listed in ``numeric`` are right-aligned and, with
    those in ``whole`` (versions, times, states), never broken inside a word — the other columns
    (paths, messages) take the breaks, so a narrow page does not cut "goal_state" in two;
    ``css`` names the table's class.

    >>> table(["v", "msg"], [("2.11.1.4", "Enable failed")], whole=(0,))
    '<table><thead><tr><th class="whole">v</th><th>msg</th></tr></thead><tbody><tr><td \
class="whole">2.11.1.4</td><td>Enable failed</td></tr></tbody></table>'
    """
    def cls(i: int) -> str:
        names = [n for n, cols in (("num", numeric), ("whole", whole)) if i in cols]
        return f' class="{" ".join(names)}"' if names else ""

    whole_head = ' class="whole"'
    head = "".join(f"<th{whole_head if i in numeric or i in whole else ''}>{text(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{text(_number(c) if i in numeric else c)}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    table_cls = f' class="{text(css)}"' if css else ""
    return f"<table{table_cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
