"""Adding the reference and verification numbers to the line items of an XML business document.

Each CA number a mapping finds gets the two number elements (replacing ones a previous run
added, so enriching twice changes nothing). A CA number without a usable pair is never skipped
silently: the document gets a comment ``<!-- EUDR: CA <number>: <status> -->`` where the pair
would have gone (a comment, not an attribute, so schema validation of the document still
passes), the response an ``X-Unresolved`` header, and ``?report=json`` a per-item report.
The additions are spliced into the original bytes (``splice``): everything else stays as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from geoservice.errors import BadRequest
from geoservice.references.mapping import Added, Mapping
from geoservice.references.model import FOUND, INVALID, Resolution, clean_ca_number
from geoservice.references.splice import Edit, Layout


@dataclass(frozen=True)
class ItemResult:
    """What happened to one CA number of one line item."""

    item: int
    line: int | None
    ca_number: str
    status: str
    reference_number: str | None
    verification_number: str | None

    def as_json(self) -> dict[str, object]:
        return {"item": self.item, "line": self.line, "ca_number": self.ca_number,
                "status": self.status, "eudr_reference_number": self.reference_number,
                "eudr_verification_number": self.verification_number}


def _anchor_and_value(match: object) -> tuple[etree._Element, str] | None:
    if isinstance(match, etree._Element):
        return match, (match.text or "")
    if isinstance(match, etree._ElementUnicodeResult):
        parent = match.getparent()
        if parent is not None:
            return parent, str(match)
    return None


def _qname(spec: Added, namespace: str | None) -> str:
    return f"{{{namespace}}}{spec.element}" if namespace else spec.element


def _namespace(mapping: Mapping, item: etree._Element) -> str | None:
    if mapping.namespace == "item":
        namespace: str | None = etree.QName(item).namespace
        return namespace
    return mapping.namespace or None


def _ours(child: etree._Element, tags: list[tuple[str, Added]]) -> bool:
    """An element or status comment a previous enrichment added."""
    if isinstance(child, etree._Comment):
        return (child.text or "").startswith(" EUDR: ")
    return any(child.tag == tag and all(child.get(k) == v for k, v in spec.attributes.items())
               for tag, spec in tags)


class _Writer:
    """Builds the bytes of added elements and comments in the document's encoding."""

    def __init__(self, where: Layout, item: etree._Element, namespace: str | None) -> None:
        self.encoding = where.encoding
        self.prefix = ""
        self.declare = ""
        if namespace is not None and namespace == etree.QName(item).namespace:
            self.prefix = f"{item.prefix}:" if item.prefix else ""
            return
        prefixes = {uri: prefix for prefix, uri in item.nsmap.items()}
        if namespace is None:
            if None in item.nsmap:
                self.declare = ' xmlns=""'
        elif namespace in prefixes:
            prefix = prefixes[namespace]
            self.prefix = f"{prefix}:" if prefix else ""
        else:
            self.declare = f" xmlns={quoteattr(namespace)}"

    def element(self, spec: Added, value: str) -> bytes:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in spec.attributes.items())
        name = self.prefix + spec.element
        text = f"<{name}{self.declare}{attrs}>{escape(value)}</{name}>"
        return text.encode(self.encoding, "xmlcharrefreplace")

    def comment(self, text: str) -> bytes:
        safe = text.replace("--", "- -")
        return f"<!-- EUDR: {safe} -->".encode(self.encoding, "xmlcharrefreplace")


def _removals(where: Layout, item: etree._Element, tags: list[tuple[str, Added]]) -> list[Edit]:
    edits: list[Edit] = []
    for child in item:
        if not _ours(child, tags):
            continue
        if isinstance(child, etree._Comment):
            begin, stop = where.comments[where.comment_index[child]]
        else:
            number = where.index[child]
            begin, stop = where.starts[number], where.ends[number]
        edits.append((where.space_start(begin), stop, b""))
    return edits


def _placement(mapping: Mapping, where: Layout, item: etree._Element,
               anchor: etree._Element) -> tuple[int, bytes]:
    """Where added nodes go and the line break + indentation put before each."""
    nl = where.newline
    if mapping.where == "after-ca" and anchor is not item:
        number = where.index[anchor]
        indent = where.indent_before(where.starts[number])
        return where.ends[number], (nl + indent if indent is not None else b"")
    number = where.index[item]
    children = [c for c in item if isinstance(c, etree._Element) and c in where.index]
    pos = where.space_start(where.end_tags[number])
    if children:
        indent = where.indent_before(where.starts[where.index[children[0]]])
    else:
        outer = where.indent_before(where.starts[number])
        indent = outer + b"  " if outer is not None else None
    if where.end_tags[number] == where.ends[number]:  # <item/>: cannot append inside
        raise BadRequest("A line item is an empty element (<…/>); the mapping must add the "
                         "numbers after the CA number instead.", code="mapping_mismatch")
    return pos, (nl + indent if indent is not None else b"")


@dataclass
class Scan:
    """Line items of a parsed document with their CA matches, before any change."""

    items: list[tuple[int, etree._Element, list[tuple[etree._Element, str]]]]
    wanted: list[str]


def scan(tree: etree._ElementTree, mapping: Mapping) -> Scan:
    """The line items and the distinct CA numbers they name."""
    items = mapping.item(tree)
    found: list[tuple[int, etree._Element, list[tuple[etree._Element, str]]]] = []
    wanted: set[str] = set()
    elements = [i for i in items if isinstance(i, etree._Element)] \
        if isinstance(items, list) else []
    for index, item in enumerate(elements):
        matches = mapping.ca(item)
        pairs = [p for m in (matches if isinstance(matches, list) else [])
                 if (p := _anchor_and_value(m)) is not None]
        found.append((index + 1, item, pairs))
        wanted.update(ca for _, raw in pairs if (ca := clean_ca_number(raw)))
    return Scan(found, sorted(wanted))


def apply(found: Scan, mapping: Mapping, where: Layout, answers: dict[str, Resolution]
          ) -> tuple[list[Edit], list[ItemResult]]:
    """Edits adding the pairs (or a status comment) to every item; one result per CA match."""
    results: list[ItemResult] = []
    edits: list[Edit] = []
    for number, item, pairs in found.items:
        ns = _namespace(mapping, item)
        tags = [(_qname(mapping.reference, ns), mapping.reference),
                (_qname(mapping.verification, ns), mapping.verification)]
        edits.extend(_removals(where, item, tags))
        writer = _Writer(where, item, ns)
        if not pairs:
            results.append(ItemResult(number, item.sourceline, "", INVALID, None, None))
            pos, lead = _placement(mapping, where, item, item)
            edits.append((pos, pos, lead + writer.comment("CA number missing")))
            continue
        for anchor, raw in pairs:
            ca = clean_ca_number(raw)
            answer = answers.get(ca) if ca else None
            status = answer.status if answer else INVALID
            ref = answer.reference_number if answer else None
            ver = answer.verification_number if answer else None
            if status == FOUND and ref and ver:
                nodes = [writer.element(mapping.reference, ref),
                         writer.element(mapping.verification, ver)]
            else:
                nodes = [writer.comment(f"CA {ca or raw.strip()[:40]}: {status}")]
            pos, lead = _placement(mapping, where, item, anchor)
            edits.append((pos, pos, b"".join(lead + node for node in nodes)))
            results.append(ItemResult(number, item.sourceline, ca or raw.strip()[:40], status,
                                      ref, ver))
    return edits, results


def summary(results: list[ItemResult]) -> str:
    """The ``X-Unresolved`` header: ``<n> of <m> items[: status=count, …]``."""
    unresolved: dict[str, int] = {}
    for result in results:
        if result.status != FOUND:
            unresolved[result.status] = unresolved.get(result.status, 0) + 1
    text = f"{sum(unresolved.values())} of {len(results)} items"
    if unresolved:
        text += ": " + ", ".join(f"{k}={v}" for k, v in sorted(unresolved.items()))
    return text
