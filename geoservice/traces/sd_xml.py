"""``sd:statement`` (SimplifiedDeclarationBaseType) to and from XML, in the EC schema order.

Same statement order as a DDS, but internalReferenceNumber is mandatory, commodities have no
speciesInfo, and producers are producerPosition?, producerCountry, producerName?,
producerLocation{geometryGeojson | postalAddress+ | cadastralIdentifier+}.
"""

from __future__ import annotations

from lxml import etree

from geoservice.traces.common_xml import (
    C,
    child_text,
    descriptors_from_xml,
    descriptors_to_xml,
    operator_from_xml,
    opt,
    parse_int,
    sub,
)
from geoservice.traces.geojson import encode_geojson
from geoservice.traces.model import (
    SdCommodity,
    SdPostalAddress,
    SdProducer,
    SimplifiedDeclaration,
)
from geoservice.traces.services import SD_NS
from geoservice.traces.statement_xml import (
    declaration_head,
    declaration_tail,
    lenient_geojson,
    unit_qualifier,
)

S = SD_NS


def declaration_to_xml(
    parent: etree._Element, declaration: SimplifiedDeclaration
) -> etree._Element:
    el = sub(parent, S, "statement")
    declaration_head(el, S, declaration, reference_required=True)
    for commodity in declaration.commodities:
        _commodity_to_xml(el, commodity)
    declaration_tail(el, S, declaration)
    return el


def _commodity_to_xml(parent: etree._Element, commodity: SdCommodity) -> None:
    el = sub(parent, S, "commodities")
    if commodity.position is not None:
        sub(el, S, "position", str(commodity.position))
    descriptors_to_xml(
        el,
        S,
        commodity.description_of_goods,
        commodity.percentage_estimation_or_deviation,
        commodity.net_weight_kg,
        commodity.volume_m3,
        commodity.supplementary_unit_qualifier,
    )
    sub(el, S, "hsHeading", commodity.hs_heading)
    for producer in commodity.producers:
        p = sub(el, S, "producers")
        if producer.position is not None:
            sub(p, S, "producerPosition", str(producer.position))
        sub(p, S, "producerCountry", producer.country)
        opt(p, S, "producerName", producer.name)
        location = sub(p, S, "producerLocation")
        if producer.geometry_geojson is not None:
            sub(location, S, "geometryGeojson", encode_geojson(producer.geometry_geojson))
        for address in producer.postal_addresses:
            a = sub(location, S, "postalAddress")
            opt(a, S, "producerStreet", address.street)
            sub(a, S, "producerPostalCode", address.postal_code)
            sub(a, S, "producerCity", address.city)
        for identifier in producer.cadastral_identifiers:
            sub(location, S, "cadastralIdentifier", identifier)


def declaration_from_xml(el: etree._Element) -> SimplifiedDeclaration:
    """Read leniently; the EC sample answer carries an ``operator`` block, which is skipped."""
    operator_el = el.find(f"{{{S}}}representedOperator")
    return SimplifiedDeclaration(
        internal_reference=child_text(el, S, "internalReferenceNumber") or "",
        activity_type=(child_text(el, S, "activityType") or "DOMESTIC"),  # type: ignore[arg-type]
        represented_operator=operator_from_xml(operator_el) if operator_el is not None else None,
        country_of_activity=child_text(el, S, "countryOfActivity"),
        border_cross_country=child_text(el, S, "borderCrossCountry"),
        comment=child_text(el, S, "comment"),
        commodities=[_commodity_from_xml(c) for c in el.findall(f"{{{S}}}commodities")],
        geo_location_confidential=child_text(el, S, "geoLocationConfidential") in ("true", "1"),
        grouped_declarations=[
            child_text(g, C, "groupedDeclaration") or ""
            for g in el.findall(f"{{{S}}}groupedDeclarations")
        ],
    )


def _commodity_from_xml(el: etree._Element) -> SdCommodity:
    measure = descriptors_from_xml(el.find(f"{{{S}}}descriptors"))
    return SdCommodity(
        position=parse_int(child_text(el, S, "position")),
        description_of_goods=measure.description,
        hs_heading=child_text(el, S, "hsHeading") or "",
        volume_m3=measure.supplementary_unit,
        net_weight_kg=measure.net_weight,
        percentage_estimation_or_deviation=measure.percentage,
        supplementary_unit_qualifier=unit_qualifier(measure),
        producers=[p for p in map(_producer_from_xml, el.findall(f"{{{S}}}producers")) if p],
    )


def _producer_from_xml(el: etree._Element) -> SdProducer | None:
    """None when the answer holds no location (e.g. geolocation withheld as confidential)."""
    location = el.find(f"{{{S}}}producerLocation")
    if location is None:
        return None
    geometry = child_text(location, S, "geometryGeojson")
    addresses = [
        SdPostalAddress(
            postal_code=child_text(a, S, "producerPostalCode") or "",
            city=child_text(a, S, "producerCity") or "",
            street=child_text(a, S, "producerStreet"),
        )
        for a in location.findall(f"{{{S}}}postalAddress")
    ]
    cadastral = [(c.text or "").strip() for c in location.findall(f"{{{S}}}cadastralIdentifier")]
    if geometry is None and not addresses and not cadastral:
        return None
    return SdProducer(
        position=parse_int(child_text(el, S, "producerPosition")),
        country=child_text(el, S, "producerCountry") or "",
        name=child_text(el, S, "producerName"),
        geometry_geojson=lenient_geojson(geometry) if geometry is not None else None,
        postal_addresses=addresses if geometry is None else (),
        cadastral_identifiers=cadastral if geometry is None and not addresses else (),
    )
