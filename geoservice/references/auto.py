"""The ``auto`` mapping: any element text or attribute value equal to one of the caller's CA
numbers gets the pair next to it, whatever the document's schema.

Candidates are the texts of elements without child elements and all attribute values that look
like a CA number; they are resolved in one query, and only the caller's own CA numbers (those
resolving to ``found`` or ``not submitted yet``) count; any other value is just text. The pair
is added right after the element holding the number (or carrying the attribute) as
``<EUDRReferenceNumber>`` and ``<EUDRVerificationNumber>`` in that element's parent's namespace;
a number not submitted yet gets the status comment instead, as with the other mappings.
"""

from __future__ import annotations

from lxml import etree

from geoservice.references.enrich import Scan
from geoservice.references.mapping import Added, Mapping
from geoservice.references.model import FOUND, NOT_SUBMITTED, Resolution, clean_ca_number

_ANY = etree.XPath("/*")
MAPPING = Mapping(name="auto", title="Automatic: any text or attribute equal to a CA number",
                  item=_ANY, ca=_ANY, where="after-ca", namespace="item",
                  reference=Added("EUDRReferenceNumber"),
                  verification=Added("EUDRVerificationNumber"))
_OURS = {MAPPING.reference.element, MAPPING.verification.element}


def candidates(tree: etree._ElementTree) -> list[str]:
    """Distinct values of the document that could be CA numbers."""
    found: set[str] = set()
    for element in tree.getroot().iter(etree.Element):
        for value in element.attrib.values():
            if (ca := clean_ca_number(value)) is not None:
                found.add(ca)
        if element.text and len(element) == 0 \
                and etree.QName(element).localname not in _OURS \
                and (ca := clean_ca_number(element.text)) is not None:
            found.add(ca)
    return sorted(found)


def scan(tree: etree._ElementTree, answers: dict[str, Resolution]) -> Scan:
    """Line items for ``enrich.apply``: each parent of a matching element, with its anchors."""
    mine = {ca for ca, a in answers.items() if a.status in (FOUND, NOT_SUBMITTED)}
    by_parent: dict[etree._Element, list[tuple[etree._Element, str]]] = {}
    order: list[etree._Element] = []
    root = tree.getroot()
    for element in root.iter(etree.Element):
        values = [v for v in element.attrib.values() if clean_ca_number(v) in mine]
        if element.text and len(element) == 0 and clean_ca_number(element.text) in mine \
                and etree.QName(element).localname not in _OURS:
            values.insert(0, element.text)
        if not values or element is root:
            continue
        parent = element.getparent()
        assert parent is not None
        if parent not in by_parent:
            by_parent[parent] = []
            order.append(parent)
        by_parent[parent].extend((element, value) for value in values[:1])
    items = [(n + 1, parent, by_parent[parent]) for n, parent in enumerate(order)]
    wanted = sorted({ca for _, _, pairs in items for _, raw in pairs
                     if (ca := clean_ca_number(raw))})
    return Scan(items, wanted)
