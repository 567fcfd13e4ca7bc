"""Adding the reference and verification numbers to the line items of an XML business document.

Each CA number a mapping finds gets the two number elements (replacing ones a previous run
added, so enriching twice changes nothing). A CA number without a usable pair is never skipped
silently: the document gets a comment ``<!-- EUDR: CA <number>: <status> -->`` where the pair
would have gone (a comment, not an attribute, so schema validation of the document still
passes), the response an ``X-Unresolved`` header, and ``?report=json`` a per-item report.
Everything else in the document is left as parsed (namespaces, prefixes, comments, CDATA).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from geoservice.references.mapping import Added, Mapping
from geoservice.references.model import FOUND, INVALID, Resolution, clean_ca_number


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


def _same(el: etree._Element, tag: str, spec: Added) -> bool:
    return el.tag == tag and all(el.get(k) == v for k, v in spec.attributes.items())


def _make(tag: str, spec: Added, value: str, tail: str | None) -> etree._Element:
    el = etree.Element(tag, {k: v for k, v in spec.attributes.items()})
    el.text = value
    el.tail = tail
    return el


def _namespace(mapping: Mapping, item: etree._Element) -> str | None:
    if mapping.namespace == "item":
        namespace: str | None = etree.QName(item).namespace
        return namespace
    return mapping.namespace or None


def _ours(child: etree._Element, tags: list[tuple[str, Added]]) -> bool:
    """An element or status comment a previous enrichment added."""
    if isinstance(child, etree._Comment):
        return (child.text or "").startswith(" EUDR: CA ")
    return any(_same(child, tag, spec) for tag, spec in tags)


def _remove_previous(item: etree._Element, tags: list[tuple[str, Added]]) -> None:
    for child in list(item):
        if _ours(child, tags):
            _drop(child)


def _drop(el: etree._Element) -> None:
    """Remove ``el`` keeping the whitespace that followed it (lxml drops it with the tail)."""
    parent = el.getparent()
    if parent is None:
        return
    previous = el.getprevious()
    if previous is not None:
        previous.tail = el.tail
    else:
        parent.text = el.tail
    parent.remove(el)


def _indent(parent: etree._Element) -> str | None:
    """The whitespace before the first child, reused for added children."""
    text = parent.text
    return text if text is not None and not text.strip() else None


def _insert(mapping: Mapping, item: etree._Element, anchor: etree._Element,
            nodes: list[etree._Element]) -> None:
    if mapping.where == "after-ca" and anchor is not item and anchor.getparent() is not None:
        parent = anchor.getparent()
        assert parent is not None
        indent, after = _indent(parent), anchor.tail
        anchor.tail = indent
        for node in nodes:
            node.tail = indent
        nodes[-1].tail = after
        for node in reversed(nodes):
            anchor.addnext(node)
        return
    indent = _indent(item)
    last = item[-1] if len(item) else None
    closing = last.tail if last is not None else item.text
    if last is not None:
        last.tail = indent
    elif indent is None:
        item.text = None
    for node in nodes:
        node.tail = indent
        item.append(node)
    nodes[-1].tail = closing if last is not None else None


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


def apply(found: Scan, mapping: Mapping, answers: dict[str, Resolution]) -> list[ItemResult]:
    """Add the pairs (or a status comment) to every scanned item; one result per CA match."""
    results: list[ItemResult] = []
    for number, item, pairs in found.items:
        ns = _namespace(mapping, item)
        ref_tag, ver_tag = _qname(mapping.reference, ns), _qname(mapping.verification, ns)
        _remove_previous(item, [(ref_tag, mapping.reference), (ver_tag, mapping.verification)])
        if not pairs:
            results.append(ItemResult(number, item.sourceline, "", INVALID, None, None))
            _insert(mapping, item, item, [etree.Comment(" EUDR: CA number missing ")])
            continue
        for anchor, raw in pairs:
            ca = clean_ca_number(raw)
            answer = answers.get(ca) if ca else None
            status = answer.status if answer else INVALID
            ref = answer.reference_number if answer else None
            ver = answer.verification_number if answer else None
            if status == FOUND and ref and ver:
                nodes = [_make(ref_tag, mapping.reference, ref, None),
                         _make(ver_tag, mapping.verification, ver, None)]
            else:
                shown = ca or raw.strip()[:40].replace("--", "- -")
                nodes = [etree.Comment(f" EUDR: CA {shown}: {status} ")]
            _insert(mapping, item, anchor, nodes)
            results.append(ItemResult(number, item.sourceline, ca or raw.strip()[:40], status,
                                      ref, ver))
    return results


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
