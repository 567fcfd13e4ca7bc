"""The V3 request elements as the EC XSDs (release 8.2.1) declare them, for the simulator.

A declarative copy of element order, cardinalities and simple types, enough to refuse what
TRACES refuses with a ``SAXParseException``: misordered or missing elements, bad patterns.
"""

from __future__ import annotations

from lxml import etree

from geoservice.traces.model import (
    ACTIVITY_TYPES,
    IDENTIFIER_TYPES,
    OPERATOR_ROLES,
    SD_OPERATOR_ROLES,
)
from geoservice.traces.services import COMMON_NS as C
from geoservice.traces.services import DDS_NS as D
from geoservice.traces.services import ECHO_NS
from geoservice.traces.services import SD_NS as SD
from geoservice.traces.services import VERIFY_NS as V
from geoservice.traces.xml_shape import (
    El,
    SchemaViolation,
    base64_binary,
    check_element,
    decimal,
    enum,
    length,
    pattern,
)

EU_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
)  # fmt: skip
UUID = pattern(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", "UuidType")
LONG = pattern(r"[+-]?[0-9]{1,18}", "long")
BOOLEAN = enum(("true", "false", "1", "0"))
COUNTRY = pattern(r"[a-zA-Z]{2}", "CountryType")
EMAIL = pattern(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}", "EmailType")
DEC16_6 = decimal(6, 16, 0)


def _operator(ns: str) -> El:
    reference = (
        El(C, "identifierType", check=enum(IDENTIFIER_TYPES)),
        El(C, "identifierValue", check=length(0, 80)),
    )
    address = (
        El(C, "country", check=COUNTRY),
        El(C, "street", check=length(1, 300)),
        El(C, "postalCode", check=length(1, 80)),
        El(C, "city", check=length(1, 200)),
        El(C, "fullAddress", 0, check=length(1, 250)),
    )
    parts = (
        El(C, "operatorReferenceNumber", 0, 12, children=reference),
        El(C, "operatorAddress", 0, children=address),
        El(C, "operatorEmail", 0, check=EMAIL),
        El(C, "operatorPhone", 0, check=length(0, 50)),
        El(C, "operatorName", check=length(1, 200)),
    )
    return El(ns, "representedOperator", 0, children=parts)


def _descriptors(ns: str) -> El:
    measure = (
        El(C, "percentageEstimationOrDeviation", 0, check=decimal(3)),
        El(C, "netWeight", 0, check=DEC16_6),
        El(C, "supplementaryUnit", 0, check=DEC16_6),
        El(C, "supplementaryUnitQualifier", 0, check=length(3, 4)),
    )
    parts = (
        El(C, "descriptionOfGoods", check=length(0, 150)),
        El(C, "goodsMeasure", children=measure),
    )
    return El(ns, "descriptors", children=parts)


def _statement(ns: str, producers: El, reference: El, species: El | None) -> El:
    commodity = (
        El(ns, "position", 0, check=LONG),
        _descriptors(ns),
        El(ns, "hsHeading", check=pattern(r"[0-9]{2,6}", "HSHeadingType")),
        *((species,) if species is not None else ()),
        producers,
    )
    grouped = (El(C, "groupedDeclaration", check=length(0, 14)),)
    parts = (
        reference,
        El(ns, "activityType", check=enum(ACTIVITY_TYPES)),
        _operator(ns),
        El(ns, "countryOfActivity", 0, check=enum(EU_COUNTRIES)),
        El(ns, "borderCrossCountry", 0, check=enum(EU_COUNTRIES)),
        El(ns, "comment", 0, check=length(0, 2000)),
        El(ns, "commodities", 1, 200, children=commodity),
        El(ns, "geoLocationConfidential", check=BOOLEAN),
        El(ns, "groupedDeclarations", 0, 2000, children=grouped),
    )
    return El(ns, "statement", children=parts)


_SPECIES = El(
    D,
    "speciesInfo",
    0,
    500,
    children=(
        El(D, "scientificName", 0, check=length(1, 200)),
        El(D, "commonName", 0, check=length(1, 200)),
    ),
)
_DDS_PRODUCER = (
    El(D, "position", 0, check=LONG),
    El(D, "country", check=COUNTRY),
    El(D, "name", 0, check=length(0, 500)),
    El(D, "geometryGeojson", check=base64_binary),
)
_SD_ADDRESS = (
    El(SD, "producerStreet", 0, check=length(1, 300)),
    El(SD, "producerPostalCode", check=length(1, 80)),
    El(SD, "producerCity", check=length(1, 200)),
)
_SD_LOCATION = (
    El(SD, "geometryGeojson", check=base64_binary),
    El(SD, "postalAddress", 1, 100, children=_SD_ADDRESS),
    El(SD, "cadastralIdentifier", 1, 100, check=length(0, 80)),
)
_SD_PRODUCER = (
    El(SD, "producerPosition", 0, check=LONG),
    El(SD, "producerCountry", check=COUNTRY),
    El(SD, "producerName", 0, check=length(0, 500)),
    El(SD, "producerLocation", choice=True, children=_SD_LOCATION),
)
DDS_STATEMENT = _statement(
    D,
    El(D, "producers", 0, 1000, children=_DDS_PRODUCER),
    El(D, "internalReferenceNumber", 0, check=length(0, 50)),
    _SPECIES,
)
SD_STATEMENT = _statement(
    SD,
    El(SD, "producers", 0, 1000, children=_SD_PRODUCER),
    El(SD, "internalReferenceNumber", check=length(0, 14)),
    None,
)


def _pair(ns: str) -> El:
    numbers = (
        El(C, "referenceNumber", check=length(0, 14)),
        El(C, "verificationNumber", check=length(5, 35)),
    )
    return El(ns, "referenceAndVerificationNumber", children=numbers)


def _request(ns: str, name: str, *children: El) -> El:
    return El(ns, name, children=children)


_SD_UUID = (
    El(C, "uuid", check=UUID),
    El(C, "versionNumber", 0, check=pattern(r"[+-]?[0-9]+", "integer")),
)
REQUESTS: dict[str, El] = {
    e.tag: e
    for e in (
        _request(
            D, "SubmitDdsRequest", El(D, "operatorRole", check=enum(OPERATOR_ROLES)), DDS_STATEMENT
        ),
        _request(D, "AmendDdsRequest", El(D, "uuid", check=UUID), DDS_STATEMENT),
        _request(D, "WithdrawDdsRequest", El(D, "uuid", check=UUID)),
        _request(D, "GetDdsRequest", El(D, "uuidList", 1, 100, check=UUID)),
        _request(
            D, "GetDdsByInternalReferenceRequest", El(D, "internalReference", check=length(0, 50))
        ),
        _request(D, "GetDdsByIdentifiersRequest", _pair(D)),
        _request(
            SD,
            "SubmitSdRequest",
            El(SD, "operatorRole", check=enum(SD_OPERATOR_ROLES)),
            SD_STATEMENT,
        ),
        _request(SD, "UpdateSdRequest", El(SD, "sdIdentifier", check=UUID), SD_STATEMENT),
        _request(SD, "WithdrawSdRequest", El(SD, "sdIdentifier", check=UUID)),
        _request(SD, "GetSdRequest", El(SD, "uuidAndVersionNumberList", 1, 100, children=_SD_UUID)),
        _request(
            SD, "GetSdByInternalReferenceRequest", El(SD, "internalReference", check=length(0, 50))
        ),
        _request(SD, "GetSdByIdentifiersRequest", _pair(SD)),
        _request(
            V,
            "VerifyDeclarationRequest",
            El(V, "referenceNumber", check=length(0, 14)),
            El(V, "verificationNumber", check=length(5, 35)),
        ),
        _request(ECHO_NS, "EudrEchoRequest", El(ECHO_NS, "query", check=length(0, 10_000))),
    )
}


def validate(request: etree._Element) -> None:
    """Raise SchemaViolation for the first structural problem of a request element."""
    spec = REQUESTS.get(request.tag)
    if spec is None:
        name = etree.QName(request).localname
        raise SchemaViolation(
            f"cvc-elt.1: Cannot find the declaration of element '{name}'.", request.sourceline
        )
    check_element(request, spec)
