"""Reports: one pure renderer per format, all starting from an :class:`~loganalyzer.result.AnalysisResult`.

Every renderer redacts free text unless ``result.options.redact`` is off, and returns a string
(no I/O).  ``render(result, "json")`` picks one by name; each module is imported only when used.

>>> FORMATS
('text', 'json', 'markdown', 'html', 'sarif', 'junit')
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from ..result import AnalysisResult

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "html", "sarif", "junit")

_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "json": ("json_report", "render_json"),
    "markdown": ("markdown", "render_markdown"),
    "html": ("html", "render_html"),
    "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"),
}


def render(result: AnalysisResult, fmt: str, **options: Any) -> str:
    """``result`` rendered as ``fmt`` (one of :data:`FORMATS`); ``options`` go to the renderer
    (``color`` and ``verbose`` for text).

    Raises :class:`ValueError` naming the known formats when ``fmt`` is not one of them.
    """
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    module, function = _RENDERERS[fmt]
    renderer = getattr(import_module(f"{__name__}.{module}"), function)
    return renderer(result, **options)
