"""eudrCommon types (operator, goods measure, overview) and number/date formats, to and from XML."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from lxml import etree

from geoservice.traces.model import (
    CommunicationToOperator,
    DdsOverview,
    Number,
    RepresentedOperator,
)
from geoservice.traces.services import COMMON_NS
from geoservice.traces.wsse import parse_timestamp

C = COMMON_NS


def sub(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        el.text = text
    return el


def opt(parent: etree._Element, ns: str, name: str, text: str | None) -> None:
    """Append ``name`` only when there is a value: optional elements are left out, not empty."""
    if text is not None and text != "":
        sub(parent, ns, name, text)


def child_text(el: etree._Element, ns: str, name: str) -> str | None:
    found = el.find(f"{{{ns}}}{name}")
    if found is None:
        return None
    return (found.text or "").strip()


def fmt_decimal(value: Number, places: int = 6) -> str:
    """Plain decimal text with at most ``places`` fraction digits (xs:decimal, no exponent)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_decimal(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_int(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def parse_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        return None


def operator_to_xml(parent: etree._Element, ns: str, op: RepresentedOperator) -> None:
    """``representedOperator`` in ``ns``; its children are eudrCommon, in schema order."""
    el = sub(parent, ns, "representedOperator")
    if op.identifier_type and op.identifier_value:
        ref = sub(el, C, "operatorReferenceNumber")
        sub(ref, C, "identifierType", op.identifier_type)
        sub(ref, C, "identifierValue", op.identifier_value)
    if op.country and op.street and op.postal_code and op.city:
        address = sub(el, C, "operatorAddress")
        sub(address, C, "country", op.country)
        sub(address, C, "street", op.street)
        sub(address, C, "postalCode", op.postal_code)
        sub(address, C, "city", op.city)
        opt(address, C, "fullAddress", op.full_address)
    opt(el, C, "operatorEmail", op.email)
    opt(el, C, "operatorPhone", op.phone)
    sub(el, C, "operatorName", op.name)


def operator_from_xml(el: etree._Element) -> RepresentedOperator:
    ref = el.find(f"{{{C}}}operatorReferenceNumber")
    address = el.find(f"{{{C}}}operatorAddress")
    identifier_type = child_text(ref, C, "identifierType") if ref is not None else None
    return RepresentedOperator(
        name=child_text(el, C, "operatorName") or "",
        identifier_type=identifier_type,  # type: ignore[arg-type]
        identifier_value=child_text(ref, C, "identifierValue") if ref is not None else None,
        country=child_text(address, C, "country") if address is not None else None,
        street=child_text(address, C, "street") if address is not None else None,
        postal_code=child_text(address, C, "postalCode") if address is not None else None,
        city=child_text(address, C, "city") if address is not None else None,
        full_address=child_text(address, C, "fullAddress") if address is not None else None,
        email=child_text(el, C, "operatorEmail"),
        phone=child_text(el, C, "operatorPhone"),
    )


def descriptors_to_xml(
    parent: etree._Element,
    ns: str,
    description: str,
    percentage: Number | None,
    net_weight_kg: Number | None,
    supplementary_unit: Number | None,
    qualifier: str | None,
) -> None:
    """``descriptors{descriptionOfGoods, goodsMeasure{…}}``; the qualifier goes with the unit."""
    el = sub(parent, ns, "descriptors")
    sub(el, C, "descriptionOfGoods", description)
    measure = sub(el, C, "goodsMeasure")
    if percentage is not None:
        sub(measure, C, "percentageEstimationOrDeviation", fmt_decimal(percentage, 3))
    if net_weight_kg is not None:
        sub(measure, C, "netWeight", fmt_decimal(net_weight_kg))
    if supplementary_unit is not None:
        sub(measure, C, "supplementaryUnit", fmt_decimal(supplementary_unit))
        sub(measure, C, "supplementaryUnitQualifier", qualifier or "MTQ")


class Measure(NamedTuple):
    """What ``descriptors`` holds."""

    description: str
    percentage: Decimal | None
    net_weight: Decimal | None
    supplementary_unit: Decimal | None
    qualifier: str | None


def descriptors_from_xml(el: etree._Element | None) -> Measure:
    if el is None:
        return Measure("", None, None, None, None)
    measure = el.find(f"{{{C}}}goodsMeasure")

    def num(name: str) -> Decimal | None:
        return parse_decimal(child_text(measure, C, name)) if measure is not None else None

    qualifier = (
        child_text(measure, C, "supplementaryUnitQualifier") if measure is not None else None
    )
    return Measure(
        child_text(el, C, "descriptionOfGoods") or "",
        num("percentageEstimationOrDeviation"),
        num("netWeight"),
        num("supplementaryUnit"),
        qualifier,
    )


def overview_from_xml(el: etree._Element) -> DdsOverview:
    """eudrCommon:OverviewType (``ddsOverviewList`` / ``sdOverviewList`` items)."""
    comm_el = el.find(f"{{{C}}}communicationToOperator")
    communication = None
    if comm_el is not None:
        when = parse_datetime(child_text(comm_el, C, "date"))
        if when is not None:
            communication = CommunicationToOperator(when, child_text(comm_el, C, "content") or "")
    return DdsOverview(
        uuid=child_text(el, C, "uuid") or "",
        internal_reference=child_text(el, C, "internalReferenceNumber") or "",
        reference_number=child_text(el, C, "referenceNumber") or None,
        verification_number=child_text(el, C, "verificationNumber") or None,
        status=child_text(el, C, "status") or "",
        rejection_reason=child_text(el, C, "rejectionReason") or None,
        date=parse_datetime(child_text(el, C, "date")),
        updated_by=child_text(el, C, "updatedBy") or None,
        version=parse_int(child_text(el, C, "version")),
        communication=communication,
    )
