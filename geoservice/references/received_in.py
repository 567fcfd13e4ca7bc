"""What a buyer's upload holds: its form (sniffed from the bytes) and the pairs in it.

``{…`` is JSON: EUDR-X when it has ``operator``, typed-in pairs when it has ``pairs``. ``<…`` is
XML: EUDR-X when the root is ``<eudr>``, else a business document enriched with our pairs, read
with an XML mapping (the CA number becomes the production reference). Anything else is CSV:
EUDR-X CSV when its header has the dotted EUDR-X names, else a CSV of pairs (``pairs_csv``)
with optional ``supplier``, ``supplier_reg_no``, ``order``, ``item`` and ``date`` columns.
"""

from __future__ import annotations

import json
from datetime import date

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from geoservice.errors import BadRequest, ValidationFailed
from geoservice.references import csvio, eudrx, pairs_csv, xmlsafe
from geoservice.references.lookup import _folded
from geoservice.references.mapping import Added, Mapping
from geoservice.references.model import clean_ca_number
from geoservice.references.received import Incoming, from_eudrx
from geoservice.references.say import say
from geoservice.web.body import model_from

_OPTIONAL = {"supplier": "supplier_name", "suppliername": "supplier_name",
             "piegadatajs": "supplier_name", "supplierregno": "supplier_reg_no",
             "order": "order_reference", "orderreference": "order_reference",
             "pasutijums": "order_reference", "item": "item_reference",
             "itemreference": "item_reference", "pozicija": "item_reference",
             "date": "received_on", "receivedon": "received_on", "datums": "received_on"}


class TypedPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference_number: str = Field(min_length=1, max_length=60)
    verification_number: str = Field(min_length=1, max_length=60)
    supplier_name: str = Field(default="", max_length=200)
    supplier_reg_no: str = Field(default="", max_length=40)
    order_reference: str = Field(default="", max_length=100)
    item_reference: str = Field(default="", max_length=100)
    received_on: date | None = None


class TypedPairs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pairs: list[TypedPair] = Field(min_length=1, max_length=1000)


def kind(raw: bytes) -> str:
    """``json``, ``xml`` or ``csv`` from the first meaningful byte."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if head in (b"{", b"[") else "xml" if head == b"<" else "csv"


def from_json(raw: bytes) -> tuple[str, list[Incoming]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(say("malformed_json", detail=str(exc)), code="malformed_json") from None
    if isinstance(data, dict) and "operator" in data:
        return "eudr-x-json", from_eudrx(eudrx.validate(data))
    typed = model_from(data, TypedPairs)
    return "manual", [Incoming(p.reference_number.strip(), p.verification_number.strip(),
                               supplier_name=p.supplier_name.strip(),
                               supplier_reg_no=p.supplier_reg_no.strip(),
                               order_reference=p.order_reference.strip(),
                               item_reference=p.item_reference.strip(),
                               received_on=p.received_on) for p in typed.pairs]


def from_csv(raw: bytes, encoding: str | None, language: str) -> tuple[str, list[Incoming]]:
    text = csvio.decode(raw, encoding)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "referenced_eudr_statements." in first or "operator.company_name" in first:
        return "eudr-x-csv", from_eudrx(eudrx.parse_csv(raw, encoding))
    table = pairs_csv.parse(raw, encoding, language)
    extra = {i: _OPTIONAL[f] for i, f in enumerate(_folded(h) for h in table.header)
             if f in _OPTIONAL}
    out: list[Incoming] = []
    for number, (row, (ref, ver)) in enumerate(zip(table.rows, table.pairs(), strict=True)):
        entry = Incoming(ref.strip().lstrip("'"), ver.strip().lstrip("'"))
        for index, name in extra.items():
            value = row[index].strip().lstrip("'") if index < len(row) else ""
            if name == "received_on":
                entry.received_on = _day(value, number + 2) if value else None
            else:
                setattr(entry, name, value)
        out.append(entry)
    return "csv", out


def _day(value: str, line: int) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(say("invalid_date", line=line, value=repr(value)),
                               code="invalid_date",
                               details=[{"line": line, "value": value}]) from None


def _matches(element: etree._Element, spec: Added) -> bool:
    return (isinstance(element.tag, str) and etree.QName(element).localname == spec.element
            and all(element.get(k) == v for k, v in spec.attributes.items()))


def from_enriched(tree: etree._ElementTree, mapping: Mapping, supplier: str,
                  order: str) -> list[Incoming]:
    """The pairs a mapping added to the items of a document (ours or another enricher's)."""
    items = mapping.item(tree)
    out: list[Incoming] = []
    for number, item in enumerate(i for i in (items if isinstance(items, list) else [])
                                  if isinstance(i, etree._Element)):
        refs = [c for c in item if _matches(c, mapping.reference)]
        vers = [c for c in item if _matches(c, mapping.verification)]
        cas = mapping.ca(item)
        ca = ""
        for match in cas if isinstance(cas, list) else []:
            value = match.text if isinstance(match, etree._Element) else str(match)
            ca = clean_ca_number(value or "") or ""
            break
        for ref, ver in zip(refs, vers, strict=False):
            out.append(Incoming((ref.text or "").strip(), (ver.text or "").strip(),
                                supplier_name=supplier, order_reference=order,
                                item_reference=str(number + 1), production_reference=ca))
    return out


def from_auto_enriched(tree: etree._ElementTree, supplier: str, order: str) -> list[Incoming]:
    """Pairs the ``auto`` mapping added: an EUDRReferenceNumber element followed by an
    EUDRVerificationNumber one, right after the element holding the CA number."""
    out: list[Incoming] = []
    for element in tree.getroot().iter(etree.Element):
        if etree.QName(element).localname != "EUDRReferenceNumber":
            continue
        follower = element.getnext()
        while follower is not None and not isinstance(follower.tag, str):
            follower = follower.getnext()
        if follower is None or etree.QName(follower).localname != "EUDRVerificationNumber":
            continue
        before = element.getprevious()
        while before is not None and not isinstance(before.tag, str):
            before = before.getprevious()
        ca = ""
        if before is not None:
            values = [before.text or "", *before.attrib.values()]
            ca = next((c for v in values if (c := clean_ca_number(v))), "")
        out.append(Incoming((element.text or "").strip(), (follower.text or "").strip(),
                            supplier_name=supplier, order_reference=order,
                            item_reference=str(len(out) + 1), production_reference=ca))
    return out


def from_xml(raw: bytes, chosen: Mapping, supplier: str, order: str
             ) -> tuple[str, list[Incoming]]:
    tree = xmlsafe.parse(raw)
    if etree.QName(tree.getroot()).localname == "eudr":
        return "eudr-x-xml", from_eudrx(eudrx.from_tree(tree))
    if chosen.name == "auto":
        return "xml", from_auto_enriched(tree, supplier, order)
    return "xml", from_enriched(tree, chosen, supplier, order)
