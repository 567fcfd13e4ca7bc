"""Due diligence statements, simplified declarations and TRACES answers as frozen values.

Field names are ours; the XML element each maps to is named in the class docstring when it is
not obvious. Sequences are stored as tuples, so callers may pass lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

OperatorRole = Literal["OPERATOR", "REPRESENTATIVE_OPERATOR"]
SdOperatorRole = Literal["MICRO_OPERATOR", "REPRESENTATIVE_MSPO", "MEMBER_STATE"]
ActivityType = Literal["DOMESTIC", "IMPORT", "EXPORT"]
VerifyOutcome = Literal["EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT"]
IdentifierType = Literal[
    "eori", "vat", "gln", "tin", "cbr", "cin", "duns", "comp_num", "comp_reg", "oni"
]
Number = Decimal | float | int
GeoJson = dict[str, Any]

OPERATOR_ROLES: tuple[str, ...] = ("OPERATOR", "REPRESENTATIVE_OPERATOR")
SD_OPERATOR_ROLES: tuple[str, ...] = ("MICRO_OPERATOR", "REPRESENTATIVE_MSPO", "MEMBER_STATE")
ACTIVITY_TYPES: tuple[str, ...] = ("DOMESTIC", "IMPORT", "EXPORT")
IDENTIFIER_TYPES: tuple[str, ...] = (
    "eori",
    "vat",
    "gln",
    "tin",
    "cbr",
    "cin",
    "duns",
    "comp_num",
    "comp_reg",
    "oni",
)
# EudrStatusType; statuses stay plain strings so a value added by the EC does not break parsing.
STATUSES: tuple[str, ...] = (
    "SUBMITTED",
    "AVAILABLE",
    "REJECTED",
    "WITHDRAWN",
    "ARCHIVED",
    "SUSPENDED",
    "UPDATED",
    "GROUPED",
    "OBSOLETE",
)
LATVIAN_DEVIATION_PERCENT = 10


def _freeze(obj: object, *names: str) -> None:
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name)))


@dataclass(frozen=True)
class SpeciesInfo:
    """``speciesInfo``: timber needs both names."""

    scientific_name: str
    common_name: str


@dataclass(frozen=True)
class Producer:
    """``producers``: ``geometry_geojson`` is the decoded GeoJSON; it travels base64-encoded."""

    position: int | None
    country: str
    name: str | None
    geometry_geojson: GeoJson


@dataclass(frozen=True)
class Commodity:
    """``commodities``: ``volume_m3`` is ``supplementaryUnit`` (qualifier MTQ = m³)."""

    position: int | None
    description_of_goods: str
    hs_heading: str
    volume_m3: Number | None
    net_weight_kg: Number | None = None
    percentage_estimation_or_deviation: Number | None = LATVIAN_DEVIATION_PERCENT
    species: Sequence[SpeciesInfo] = ()
    producers: Sequence[Producer] = ()
    supplementary_unit_qualifier: str = "MTQ"

    def __post_init__(self) -> None:
        _freeze(self, "species", "producers")


@dataclass(frozen=True)
class RepresentedOperator:
    """``representedOperator`` (eudrCommon:EconomicOperatorIdentificationType).

    The address is sent only when country, street, postal code and city are all known, because
    the schema requires all four once ``operatorAddress`` is present.
    """

    name: str
    identifier_type: IdentifierType | None = None
    identifier_value: str | None = None
    country: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None
    full_address: str | None = None


@dataclass(frozen=True)
class Statement:
    """``dds:statement`` (DueDiligenceStatementBaseType); ``grouped_declarations`` holds
    reference numbers of the statements this one groups."""

    internal_reference: str | None
    activity_type: ActivityType = "DOMESTIC"
    represented_operator: RepresentedOperator | None = None
    country_of_activity: str | None = "LV"
    comment: str | None = None
    commodities: Sequence[Commodity] = ()
    geo_location_confidential: bool = False
    grouped_declarations: Sequence[str] = ()
    border_cross_country: str | None = None

    def __post_init__(self) -> None:
        _freeze(self, "commodities", "grouped_declarations")


@dataclass(frozen=True)
class CommunicationToOperator:
    """A message of the competent authority to the operator."""

    date: datetime
    content: str


@dataclass(frozen=True)
class DdsOverview:
    """eudrCommon:OverviewType, for a DDS or a simplified declaration.

    Reference and verification numbers are present only once the status is AVAILABLE (or later).
    """

    uuid: str
    internal_reference: str
    reference_number: str | None
    verification_number: str | None
    status: str
    rejection_reason: str | None = None
    date: datetime | None = None
    updated_by: str | None = None
    version: int | None = None
    communication: CommunicationToOperator | None = None


@dataclass(frozen=True)
class Modification:
    """Answer of amend/withdraw (DDS) and update/withdraw (SD): the resulting status."""

    uuid: str
    status: str
    version: int | None = None


@dataclass(frozen=True)
class VerifyResult:
    """Answer of verifyDeclaration; NON_EXISTENT is a normal answer, not a fault."""

    result: VerifyOutcome
    status: str | None
    date_time: datetime


@dataclass(frozen=True)
class SdPostalAddress:
    """``postalAddress`` of a simplified-declaration producer."""

    postal_code: str
    city: str
    street: str | None = None


@dataclass(frozen=True)
class SdProducer:
    """``producers`` of a simplified declaration: exactly one kind of location.

    The schema makes the location a choice of GeoJSON, postal addresses or cadastral
    identifiers (Latvian cadastral designations fit the last).
    """

    position: int | None
    country: str
    name: str | None
    geometry_geojson: GeoJson | None = None
    postal_addresses: Sequence[SdPostalAddress] = ()
    cadastral_identifiers: Sequence[str] = ()

    def __post_init__(self) -> None:
        _freeze(self, "postal_addresses", "cadastral_identifiers")
        kinds = sum(
            (
                self.geometry_geojson is not None,
                bool(self.postal_addresses),
                bool(self.cadastral_identifiers),
            )
        )
        if kinds != 1:
            raise ValueError(
                "SdProducer needs exactly one location: geometry_geojson, postal_addresses "
                f"or cadastral_identifiers (got {kinds})"
            )


@dataclass(frozen=True)
class SdCommodity:
    """``commodities`` of a simplified declaration: no species block in the SD schema."""

    position: int | None
    description_of_goods: str
    hs_heading: str
    volume_m3: Number | None
    net_weight_kg: Number | None = None
    percentage_estimation_or_deviation: Number | None = None
    producers: Sequence[SdProducer] = ()
    supplementary_unit_qualifier: str = "MTQ"

    def __post_init__(self) -> None:
        _freeze(self, "producers")


@dataclass(frozen=True)
class SimplifiedDeclaration:
    """``sd:statement`` (SimplifiedDeclarationBaseType), the one-off declaration of a micro or
    small primary operator; its ``internalReferenceNumber`` is mandatory and at most 14 long."""

    internal_reference: str
    activity_type: ActivityType = "DOMESTIC"
    represented_operator: RepresentedOperator | None = None
    country_of_activity: str | None = "LV"
    comment: str | None = None
    commodities: Sequence[SdCommodity] = ()
    geo_location_confidential: bool = False
    grouped_declarations: Sequence[str] = ()
    border_cross_country: str | None = None

    def __post_init__(self) -> None:
        _freeze(self, "commodities", "grouped_declarations")
