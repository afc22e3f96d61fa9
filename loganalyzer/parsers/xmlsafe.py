"""Hardened XML reading for untrusted agent state files.

One parser configuration for every XML file of a bundle: entities are never
resolved, nothing is fetched from the network, no DTD is loaded, huge trees are
refused, and the input is capped at ``Limits.max_xml_bytes``.  A document that
carries a ``<!DOCTYPE`` at all (entity declarations, an external DTD) is refused
before lxml sees it: agent files never have one, and refusing is simpler to
trust than expanding safely.  Namespaces are stripped so callers look elements
up by local name.

>>> root = parse_xml(b'<GoalState><Incarnation>3</Incarnation></GoalState>')
>>> root.findtext("Incarnation")
'3'
>>> parse_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
Traceback (most recent call last):
...
loganalyzer.parsers.xmlsafe.XmlRefused: refused: the XML declares a DOCTYPE with entities (not expanded)
"""
from __future__ import annotations

import io
import re

from lxml import etree

from ..limits import DEFAULT_LIMITS
from ..model import CoverageStatus
from ..sources.base import Member
from .base import ParseContext

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class XmlRefused(ValueError):
    """The document was not parsed; ``str(exc)`` is the reason shown in coverage."""


_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
                   "dtd_validation": False, "remove_comments": True, "remove_pis": True, "recover": False}


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)


def _check_prolog(data: bytes) -> None:
    probe = data
    if data[:2] in _UTF16_BOMS:
        probe = data.decode("utf-16", "replace").encode("utf-8", "replace")
    elif b"\x00" in data[:64]:
        probe = data.replace(b"\x00", b"")
    if _DOCTYPE.search(probe):
        if _ENTITY.search(probe):
            raise XmlRefused("refused: the XML declares a DOCTYPE with entities (not expanded)")
        raise XmlRefused("refused: the XML declares a DOCTYPE (DTDs are not processed)")


def _strip_namespaces(root: etree._Element) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
        if any("}" in k for k in el.attrib):
            for key in [k for k in el.attrib if "}" in k]:
                el.attrib[key.split("}", 1)[1]] = el.attrib.pop(key)


def parse_xml(data: bytes, max_bytes: int = DEFAULT_LIMITS.max_xml_bytes) -> etree._Element:
    """Parse ``data`` with the hardened parser and return the root (namespaces stripped).

    Raises :class:`XmlRefused` with a one-line reason for oversized, hostile or
    malformed input.
    """
    if len(data) > max_bytes:
        raise XmlRefused(f"refused: XML is larger than the {max_bytes}-byte limit")
    if not data.strip():
        raise XmlRefused("empty XML file")
    _check_prolog(data)
    try:
        root = etree.fromstring(data, parser=_new_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from None
    return _checked_root(root)


def parse_xml_bounded(data: bytes, max_bytes: int = DEFAULT_LIMITS.max_xml_bytes,
                      max_elements: int = DEFAULT_LIMITS.max_xml_elements,
                      ) -> tuple[etree._Element, int | None]:
    """Like :func:`parse_xml`, keeping at most ``max_elements`` elements (memory stays bounded on
    a document of a million elements); also returns the line where the document was cut, or None.

    >>> root, cut = parse_xml_bounded(b"<a><b/><b/>\\n<b/><b/></a>", max_elements=3)
    >>> len(root), cut
    (2, 2)
    """
    if len(data) > max_bytes:
        raise XmlRefused(f"refused: XML is larger than the {max_bytes}-byte limit")
    if not data.strip():
        raise XmlRefused("empty XML file")
    _check_prolog(data)
    events = etree.iterparse(io.BytesIO(data), events=("start",), **_PARSER_OPTIONS)
    root: etree._Element | None = None
    cut: int | None = None
    count = 0
    try:
        for _, element in events:
            count += 1
            if count > max_elements:
                cut = element.sourceline or 0
                _drop_from(element)
                break
            if root is None:
                root = element
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from None
    return _checked_root(root), cut


def _drop_from(element: etree._Element) -> None:
    """Remove ``element`` and everything after it in document order (the parser reads ahead)."""
    node = element
    while (parent := node.getparent()) is not None:
        for later in list(node.itersiblings()):
            parent.remove(later)
        node = parent
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _checked_root(root: etree._Element | None) -> etree._Element:
    if root is None:
        raise XmlRefused("empty XML document")
    if root.getroottree().docinfo.doctype:
        raise XmlRefused("refused: the XML declares a DOCTYPE (DTDs are not processed)")
    _strip_namespaces(root)
    return root


def read_bytes(member: Member, ctx: ParseContext, max_bytes: int) -> bytes | None:
    """Read at most ``max_bytes`` of ``member``; over the cap → coverage marked, ``None``."""
    with member.open() as stream:
        data = stream.read(max_bytes + 1)
    ctx.coverage.lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if len(data) > max_bytes:
        ctx.coverage.mark(CoverageStatus.SKIPPED, f"larger than the {max_bytes}-byte limit; not parsed")
        return None
    return data


def read_xml(member: Member, ctx: ParseContext) -> etree._Element | None:
    """Read and parse ``member``; on any refusal mark its coverage and return ``None``."""
    data = read_bytes(member, ctx, ctx.limits.max_xml_bytes)
    if data is None:
        return None
    try:
        root, cut = parse_xml_bounded(data, ctx.limits.max_xml_bytes, ctx.limits.max_xml_elements)
    except XmlRefused as exc:
        ctx.coverage.mark(CoverageStatus.UNREADABLE, str(exc))
        return None
    if cut is not None:
        ctx.coverage.mark(CoverageStatus.PARTIAL,
                          f"XML element limit ({ctx.limits.max_xml_elements:,} elements, max_xml_elements) "
                          f"reached at line {cut}; the rest of the document was not read")
    return root


def text(el: etree._Element | None, path: str) -> str | None:
    """Stripped text of the first ``path`` below ``el`` (``None`` when absent or empty).

    >>> text(parse_xml(b"<a><b> x </b></a>"), "b")
    'x'
    """
    if el is None:
        return None
    value = el.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def as_bool(value: str | None) -> bool | None:
    """``"true"``/``"false"`` (any case) → bool; anything else → ``None``.

    >>> as_bool("TRUE"), as_bool("no"), as_bool(None)
    (True, None, None)
    """
    if value is None:
        return None
    low = value.strip().lower()
    return True if low == "true" else False if low == "false" else None
