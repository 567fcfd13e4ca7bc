"""``dds:statement`` (DueDiligenceStatementBaseType) to and from XML, in the EC schema order.

Order of the statement's children: internalReferenceNumber?, activityType,
representedOperator?, countryOfActivity?, borderCrossCountry?, comment?, commodities+,
geoLocationConfidential, groupedDeclarations*. Of a commodity: position?, descriptors,
hsHeading, speciesInfo*, producers*. Of a producer: position?, country, name?, geometryGeojson.
"""

from __future__ import annotations

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
    SpeciesInfo,
    Statement,
)
from geoservice.traces.services import DDS_NS

D = DDS_NS


def xml_bool(value: bool) -> str:
    return "true" if value else "false"


def statement_to_xml(parent: etree._Element, statement: Statement) -> etree._Element:
    el = sub(parent, D, "statement")
    opt(el, D, "internalReferenceNumber", statement.internal_reference)
    sub(el, D, "activityType", statement.activity_type)
    if statement.represented_operator is not None:
        operator_to_xml(el, D, statement.represented_operator)
    opt(el, D, "countryOfActivity", statement.country_of_activity)
    opt(el, D, "borderCrossCountry", statement.border_cross_country)
    opt(el, D, "comment", statement.comment)
    for commodity in statement.commodities:
        _commodity_to_xml(el, commodity)
    sub(el, D, "geoLocationConfidential", xml_bool(statement.geo_location_confidential))
    for reference in statement.grouped_declarations:
        sub(sub(el, D, "groupedDeclarations"), C, "groupedDeclaration", reference)
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
