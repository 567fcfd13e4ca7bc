"""Byte positions of elements in the original document, and edits spliced into its bytes.

lxml finds the line items (XPath); a second pass with expat records where each element and
comment starts and ends in the uploaded bytes. Additions are then inserted into the original
bytes, so everything else — declaration, attribute order and quotes, character references,
empty-element style, line endings — stays byte for byte. UTF-16 documents are not spliced
(the enrichment refuses them with a clear 415; business documents are UTF-8 or a single-byte
code page). Call only on documents that ``xmlsafe.parse`` accepted (no DOCTYPE).
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

from lxml import etree

from geoservice.errors import BadRequest

_SPACE = b" \t\r\n"


_TAG_REST = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _tag_end(raw: bytes, pos: int) -> int:
    """The index just after the ``>`` closing the tag that starts at ``pos`` (quote-aware)."""
    match = _TAG_REST.match(raw, pos)
    if match is None:
        raise BadRequest("The document ends inside a tag.", code="malformed_xml")
    return match.end()


@dataclass
class Layout:
    """Where each element (document order) and each comment inside the root sits in ``raw``."""

    raw: bytes
    encoding: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    end_tags: list[int] = field(default_factory=list)
    comments: list[tuple[int, int]] = field(default_factory=list)
    index: dict[etree._Element, int] = field(default_factory=dict)
    comment_index: dict[etree._Element, int] = field(default_factory=dict)

    @property
    def newline(self) -> bytes:
        return b"\r\n" if b"\r\n" in self.raw[:4096] else b"\n"

    def indent_before(self, pos: int) -> bytes | None:
        """The whitespace from the line start up to ``pos``, or None if the line has content."""
        start = self.raw.rfind(b"\n", 0, pos) + 1
        prefix = self.raw[start:pos]
        return prefix if not prefix.strip(_SPACE) else None

    def space_start(self, pos: int) -> int:
        while pos > 0 and self.raw[pos - 1] in _SPACE:
            pos -= 1
        return pos


def layout(tree: etree._ElementTree, raw: bytes) -> Layout:
    encoding = tree.docinfo.encoding or "UTF-8"
    if encoding.upper().startswith(("UTF-16", "UTF-32", "UCS")):
        from geoservice.errors import UnsupportedMediaType

        raise UnsupportedMediaType(f"Documents in {encoding} cannot be enriched; send UTF-8 or "
                                   "a single-byte encoding such as windows-1257.",
                                   code="xml_encoding")
    found = Layout(raw, encoding)
    open_at: list[int] = []
    root_seen = False
    parser = xml.parsers.expat.ParserCreate()

    def start(_name: str, _attrs: object) -> None:
        nonlocal root_seen
        root_seen = True
        open_at.append(len(found.starts))
        found.starts.append(parser.CurrentByteIndex)
        found.ends.append(-1)
        found.end_tags.append(-1)

    def end(_name: str) -> None:
        number = open_at.pop()
        begin = found.starts[number]
        head_end = _tag_end(raw, begin)
        if raw[head_end - 2:head_end] == b"/>":
            found.ends[number] = found.end_tags[number] = head_end
        else:
            found.end_tags[number] = parser.CurrentByteIndex
            found.ends[number] = _tag_end(raw, parser.CurrentByteIndex)

    def comment(_text: str) -> None:
        if root_seen:
            begin = parser.CurrentByteIndex
            found.comments.append((begin, raw.index(b"-->", begin) + 3))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CommentHandler = comment
    try:
        parser.Parse(raw, True)
    except (xml.parsers.expat.ExpatError, LookupError) as exc:
        raise BadRequest(f"The document could not be read for enrichment: {exc}.",
                         code="malformed_xml") from None
    root = tree.getroot()
    found.index = {el: i for i, el in enumerate(root.iter(etree.Element))}
    found.comment_index = {c: i for i, c in enumerate(root.iter(etree.Comment))}
    return found


Edit = tuple[int, int, bytes]  # replace raw[start:end] with bytes


def apply_edits(raw: bytes, edits: list[Edit]) -> bytes:
    """``raw`` with every edit applied (edits must not overlap; inserts at one point keep
    their order, and go before a removal starting there)."""
    parts: list[bytes] = []
    cursor = 0
    for begin, stop, data in sorted(edits, key=lambda e: (e[0], e[1])):
        parts.append(raw[cursor:begin])
        parts.append(data)
        cursor = max(cursor, stop)
    parts.append(raw[cursor:])
    return b"".join(parts)
