"""``dds:statement`` (DueDiligenceStatementBaseType) to and from XML, in the EC schema order.

Order of the statement's children: internalReferenceNumber?, activityType,
representedOperator?, countryOfActivity?, borderCrossCountry?, comment?, commodities+,
geoLocationConfidential, groupedDeclarations*. Of a commodity: position?, descriptors,
hsHeading, speciesInfo*, producers*. Of a producer: position?, country, name?, geometryGeojson.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lxml import etree

from geoservice.traces.common_xml import (
    C,
    Measure,
    child_text,
    descriptors_from_xml,
    descriptors_to_xml,
    operator_from_xml,
    operator_to_xml,
    opt,
    parse_int,
    sub,
)
from geoservice.traces.geojson import decode_geojson, encode_geojson
from geoservice.traces.model import (
    Commodity,
    GeoJson,
    Producer,
    RepresentedOperator,
    SpeciesInfo,
    Statement,
)
from geoservice.traces.services import DDS_NS

D = DDS_NS


def xml_bool(value: bool) -> str:
    return "true" if value else "false"


class Declaration(Protocol):
    """What a DDS and a simplified declaration share, in the EC schemas' order."""

    @property
    def internal_reference(self) -> str | None: ...
    @property
    def activity_type(self) -> str: ...
    @property
    def represented_operator(self) -> RepresentedOperator | None: ...
    @property
    def country_of_activity(self) -> str | None: ...
    @property
    def border_cross_country(self) -> str | None: ...
    @property
    def comment(self) -> str | None: ...
    @property
    def geo_location_confidential(self) -> bool: ...
    @property
    def grouped_declarations(self) -> Sequence[str]: ...


def declaration_head(el: etree._Element, ns: str, doc: Declaration, *,
                     reference_required: bool) -> None:
    """The elements before the commodities (the SD schema requires the internal reference)."""
    (sub if reference_required else opt)(el, ns, "internalReferenceNumber", doc.internal_reference)
    sub(el, ns, "activityType", doc.activity_type)
    if doc.represented_operator is not None:
        operator_to_xml(el, ns, doc.represented_operator)
    opt(el, ns, "countryOfActivity", doc.country_of_activity)
    opt(el, ns, "borderCrossCountry", doc.border_cross_country)
    opt(el, ns, "comment", doc.comment)


def declaration_tail(el: etree._Element, ns: str, doc: Declaration) -> None:
    """The elements after the commodities."""
    sub(el, ns, "geoLocationConfidential", xml_bool(doc.geo_location_confidential))
    for reference in doc.grouped_declarations:
        sub(sub(el, ns, "groupedDeclarations"), C, "groupedDeclaration", reference)


def statement_to_xml(parent: etree._Element, statement: Statement) -> etree._Element:
    el = sub(parent, D, "statement")
    declaration_head(el, D, statement, reference_required=False)
    for commodity in statement.commodities:
        _commodity_to_xml(el, commodity)
    declaration_tail(el, D, statement)
    return el


def _commodity_to_xml(parent: etree._Element, commodity: Commodity) -> None:
    el = sub(parent, D, "commodities")
    if commodity.position is not None:
        sub(el, D, "position", str(commodity.position))
    descriptors_to_xml(
        el,
        D,
        commodity.description_of_goods,
        commodity.percentage_estimation_or_deviation,
        commodity.net_weight_kg,
        commodity.volume_m3,
        commodity.supplementary_unit_qualifier,
    )
    sub(el, D, "hsHeading", commodity.hs_heading)
    for species in commodity.species:
        info = sub(el, D, "speciesInfo")
        opt(info, D, "scientificName", species.scientific_name.strip())
        opt(info, D, "commonName", species.common_name.strip())
    for producer in commodity.producers:
        p = sub(el, D, "producers")
        if producer.position is not None:
            sub(p, D, "position", str(producer.position))
        sub(p, D, "country", producer.country)
        opt(p, D, "name", producer.name)
        sub(p, D, "geometryGeojson", encode_geojson(producer.geometry_geojson))


def unit_qualifier(measure: Measure) -> str:
    """The qualifier as sent; "" flags a supplementary unit sent without one."""
    if measure.qualifier is not None:
        return measure.qualifier
    return "MTQ" if measure.supplementary_unit is None else ""


def lenient_geojson(text: str | None) -> GeoJson:
    """Decoded geometry, or ``{}`` when absent or undecodable (confidential or broken data)."""
    if not text:
        return {}
    try:
        return decode_geojson(text)
    except ValueError:
        return {}


def statement_from_xml(el: etree._Element) -> Statement:
    """Read a statement leniently: unknown elements are skipped, missing ones become None."""
    operator_el = el.find(f"{{{D}}}representedOperator")
    return Statement(
        internal_reference=child_text(el, D, "internalReferenceNumber") or None,
        activity_type=(child_text(el, D, "activityType") or "DOMESTIC"),  # type: ignore[arg-type]
        represented_operator=operator_from_xml(operator_el) if operator_el is not None else None,
        country_of_activity=child_text(el, D, "countryOfActivity"),
        border_cross_country=child_text(el, D, "borderCrossCountry"),
        comment=child_text(el, D, "comment"),
        commodities=[_commodity_from_xml(c) for c in el.findall(f"{{{D}}}commodities")],
        geo_location_confidential=child_text(el, D, "geoLocationConfidential") in ("true", "1"),
        grouped_declarations=[
            child_text(g, C, "groupedDeclaration") or ""
            for g in el.findall(f"{{{D}}}groupedDeclarations")
        ],
    )


def _commodity_from_xml(el: etree._Element) -> Commodity:
    measure = descriptors_from_xml(el.find(f"{{{D}}}descriptors"))
    return Commodity(
        position=parse_int(child_text(el, D, "position")),
        description_of_goods=measure.description,
        hs_heading=child_text(el, D, "hsHeading") or "",
        volume_m3=measure.supplementary_unit,
        net_weight_kg=measure.net_weight,
        percentage_estimation_or_deviation=measure.percentage,
        supplementary_unit_qualifier=unit_qualifier(measure),
        species=[
            SpeciesInfo(
                child_text(s, D, "scientificName") or "", child_text(s, D, "commonName") or ""
            )
            for s in el.findall(f"{{{D}}}speciesInfo")
        ],
        producers=[
            Producer(
                position=parse_int(child_text(p, D, "position")),
                country=child_text(p, D, "country") or "",
                name=child_text(p, D, "name"),
                geometry_geojson=lenient_geojson(child_text(p, D, "geometryGeojson")),
            )
            for p in el.findall(f"{{{D}}}producers")
        ],
    )
