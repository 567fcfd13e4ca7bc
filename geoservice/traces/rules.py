"""The TRACES business rules on a statement, as documented in the EC API reference.

Sources: "API and UI Validation Rules", the GeoJSON file description and the error codes seen
on the acceptance server (docs/traces-v3.md). Ids are returned hyphenated, as on the wire.
Where the EC texts disagree the stricter reading is used (percentage 0–25). Both sides use this
module: our pre-validation before anything is queued, and the simulator that stands in for
TRACES, so a rule cannot be known to one and not the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from geoservice.traces.errors import ErrorId
from geoservice.traces.geocheck import check_geojson
from geoservice.traces.geojson import decode_geojson
from geoservice.traces.model import (
    Commodity,
    Number,
    RepresentedOperator,
    SdCommodity,
    SimplifiedDeclaration,
    SpeciesInfo,
    Statement,
)

# Annex I headings (Regulation (EU) 2023/1115): every heading here and every longer code
# under it is accepted; wood is chapter 44 plus pulp, paper, printed matter and furniture.
WOOD_HEADINGS = (
    *(f"44{n:02d}" for n in range(1, 22)),
    "47",
    "48",
    "49",
    "9401",
    "9403",
    "9406",
)
OTHER_HEADINGS = (
    "0102",
    "0201",
    "0202",
    "0206",
    "1602",
    "4101",
    "4104",
    "4107",  # cattle
    "1801",
    "1802",
    "1803",
    "1804",
    "1805",
    "1806",  # cocoa
    "0901",
    "1201",
    "1208",
    "1507",
    "2304",  # coffee, soya
    "1207",
    "1511",
    "1513",
    "2306",
    "2905",
    "2915",
    "3823",  # oil palm
    "4001",
    "4005",
    "4006",
    "4007",
    "4008",
    "4010",
    "4011",
    "4012",
    "4013",
    "4015",
    "4016",
    "4017",
)
CATTLE_HEADINGS = ("0102", "0201", "0202", "0206", "1602", "4101", "4104", "4107")
# Supplementary units of the Combined Nomenclature (UN/ECE rec. 20 codes) TRACES knows.
SUPPLEMENTARY_UNITS = frozenset(
    {"MTQ", "MTK", "MTR", "NAR", "NPR", "KSD", "LTR", "KGM", "GRM", "TJO", "MWH", "CEN", "CCT"}
)
PERCENT_MAX = Decimal(25)
MAX_PRODUCERS_PER_STATEMENT = 10_000

ACTIVITY_TYPES = ("DOMESTIC", "IMPORT", "EXPORT")
# EU member states as the schema lists them (XI: Northern Ireland under the Windsor Framework).
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
})

E = "EUDR-COMMODITIES-"


def known_heading(code: str) -> bool:
    return any(code.startswith(h) or h.startswith(code) for h in (*WOOD_HEADINGS, *OTHER_HEADINGS))


def is_wood(code: str) -> bool:
    return any(
        code.startswith(h) or (len(code) < len(h) and h.startswith(code)) for h in WOOD_HEADINGS
    )


def check_statement(
    statement: Statement | SimplifiedDeclaration,
    geometries: Sequence[Sequence[str | None]],
    *,
    representative: bool,
    max_geo_bytes: int,
) -> list[ErrorId]:
    """Every rule the statement breaks; an empty list means TRACES would accept it."""
    errors: list[ErrorId] = []
    op = statement.represented_operator
    if representative and op is None:
        errors.append(
            ErrorId(
                "EUDR-BEHALF-OPERATOR-NOT-PROVIDED",
                "The represented operator must be provided",
                "representedOperator",
            )
        )
    elif representative and op is not None and (missing := operator_gaps(op)):
        errors.append(
            ErrorId(
                "EUDR-BEHALF-OPERATOR-NOT-PROVIDED",
                "The represented operator needs a name, an address (street, postal code, city, "
                "country) and an identifier; missing: " + ", ".join(missing),
                "representedOperator",
            )
        )
    errors.extend(_activity(statement))
    grouped = bool(statement.grouped_declarations)
    total_producers = 0
    geo_bytes = 0
    commodities: Sequence[Commodity | SdCommodity] = statement.commodities
    for index, commodity in enumerate(commodities):
        where = f"commodities[{index + 1}]"
        heading = commodity.hs_heading
        if not known_heading(heading):
            errors.append(
                ErrorId(
                    f"{E}HS-CODE-INVALID",
                    f"HS code {heading} is not a relevant product",
                    f"{where}.hsHeading",
                )
            )
        errors.extend(
            _quantities(
                statement.activity_type,
                commodity.net_weight_kg,
                commodity.volume_m3,
                commodity.supplementary_unit_qualifier,
                commodity.percentage_estimation_or_deviation,
                where,
            )
        )
        if isinstance(commodity, Commodity) and is_wood(heading):
            errors.extend(_species(commodity.species, where))
        texts = geometries[index] if index < len(geometries) else []
        total_producers += len(commodity.producers)
        if not commodity.producers and not grouped:
            errors.append(
                ErrorId(
                    f"{E}PRODUCER-GEO-EMPTY",
                    "Geolocation of the production places is missing",
                    f"{where}.producers",
                )
            )
        for number, text in enumerate(texts, 1):
            geo_bytes += len(text or "")
            cattle = heading.startswith(CATTLE_HEADINGS)
            errors.extend(
                _geometry(
                    text,
                    f"{where}.producers[{number}]",
                    cattle,
                    sd=isinstance(statement, SimplifiedDeclaration),
                )
            )
    if total_producers > MAX_PRODUCERS_PER_STATEMENT:
        # The id is not documented; the limit is (10 000 producers per statement).
        errors.append(
            ErrorId(
                "EUDR-MAXIMUM-PRODUCERS-REACHED",
                f"{total_producers} producers exceed {MAX_PRODUCERS_PER_STATEMENT}",
                "producers",
            )
        )
    if geo_bytes > max_geo_bytes:
        errors.append(
            ErrorId(
                "EUDR-MAXIMUM-GEO-SIZE-REACHED",
                f"Geolocation data of {geo_bytes} bytes exceeds {max_geo_bytes}",
                "geometryGeojson",
            )
        )
    return errors


def operator_gaps(op: RepresentedOperator) -> list[str]:
    """The represented operator's fields TRACES needs that are empty, in the wire's names."""
    wanted = (
        ("operatorName", op.name),
        ("operatorReferenceNumber", op.identifier_value),
        ("operatorAddress.country", op.country),
        ("operatorAddress.street", op.street),
        ("operatorAddress.postalCode", op.postal_code),
        ("operatorAddress.city", op.city),
    )
    return [name for name, value in wanted if not (value or "").strip()]


def _activity(statement: Statement | SimplifiedDeclaration) -> list[ErrorId]:
    """Activity type and country. The ids are not documented; the rules are (section 7)."""
    errors: list[ErrorId] = []
    if statement.activity_type not in ACTIVITY_TYPES:
        errors.append(
            ErrorId(
                "EUDR-ACTIVITY-TYPE-INVALID",
                f"Activity type {statement.activity_type!r} is not one of "
                + ", ".join(ACTIVITY_TYPES),
                "activityType",
            )
        )
    country = statement.country_of_activity
    if statement.activity_type == "DOMESTIC" and country not in EU_COUNTRIES:
        errors.append(
            ErrorId(
                "EUDR-COUNTRY-OF-ACTIVITY-INVALID",
                f"Country of activity {country!r} is not an EU member state code",
                "countryOfActivity",
            )
        )
    return errors


def _positive(value: Number | None) -> bool:
    return value is not None and Decimal(str(value)) > 0


def _quantities(
    activity: str,
    net_weight: Number | None,
    unit: Number | None,
    qualifier: str,
    percentage: Number | None,
    where: str,
) -> list[ErrorId]:
    errors: list[ErrorId] = []
    field = f"{where}.descriptors.goodsMeasure"
    if activity in ("IMPORT", "EXPORT") and not _positive(net_weight):
        errors.append(
            ErrorId(
                f"{E}DESCRIPTOR-NET-MASS-EMPTY",
                "Net mass is mandatory for import and export",
                f"{field}.netWeight",
            )
        )
    elif not _positive(net_weight) and not _positive(unit):
        errors.append(
            ErrorId(
                f"{E}DESCRIPTOR-QUANTITY-MISSING",
                "At least one positive quantity must be provided",
                field,
            )
        )
    if unit is not None and qualifier.upper() not in SUPPLEMENTARY_UNITS:
        errors.append(
            ErrorId(
                f"{E}DESCRIPTOR-SUPPLEMENTARY-UNIT-QUALIFIER-INVALID",
                f"Supplementary unit qualifier {qualifier!r} is invalid",
                f"{field}.supplementaryUnitQualifier",
            )
        )
    if percentage is not None and not 0 <= Decimal(str(percentage)) <= PERCENT_MAX:
        errors.append(
            ErrorId(
                f"{E}DESCRIPTOR-PERCENTAGE-ESTIMATION-INVALID",
                f"Percentage {percentage} is outside 0-{PERCENT_MAX}",
                f"{field}.percentageEstimationOrDeviation",
            )
        )
    return errors


def _species(species: Sequence[SpeciesInfo], where: str) -> list[ErrorId]:
    scientific = [s.scientific_name.strip() for s in species]
    common = [s.common_name.strip() for s in species]
    errors: list[ErrorId] = []
    if not species or not all(scientific):
        errors.append(
            ErrorId(
                f"{E}SPECIES-INFORMATION-SCIENTIFIC-NAME-EMPTY",
                "Scientific name is mandatory for timber",
                f"{where}.speciesInfo.scientificName",
            )
        )
    if not species or not all(common):
        errors.append(
            ErrorId(
                f"{E}SPECIES-INFORMATION-COMMON-NAME-EMPTY",
                "Common name is mandatory for timber",
                f"{where}.speciesInfo.commonName",
            )
        )
    return errors


def _geometry(text: str | None, where: str, cattle: bool, *, sd: bool) -> list[ErrorId]:
    if text is None:
        return [] if sd else [ErrorId(f"{E}PRODUCER-GEO-EMPTY", "Geolocation is missing", where)]
    if not text:
        return [
            ErrorId(f"{E}PRODUCER-GEO-EMPTY", "Geolocation is empty", f"{where}.geometryGeojson")
        ]
    try:
        geojson = decode_geojson(text)
    except ValueError as exc:
        return [ErrorId(f"{E}PRODUCER-GEO-INVALID", str(exc), f"{where}.geometryGeojson")]
    ids = {
        "GEO_INVALID": "GEO-INVALID",
        "GEO_INVALID_GEOMETRY": "GEO-INVALID-GEOMETRY",
        "GEO_AREA_INVALID": "GEO-AREA-INVALID",
    }
    return [
        ErrorId(f"{E}PRODUCER-{ids[p.kind]}", p.message, f"{where}.geometryGeojson")
        for p in check_geojson(geojson, cattle=cattle)
    ]
