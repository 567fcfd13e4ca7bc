"""Request and response shapes of the certificate API (the api.md Certificate shape, extended)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geoservice.certificates.model import ExecutionMethod, FellingType

CA_PATTERN = r"^[0-9A-Za-z/-]{3,40}$"
HS_PATTERN = r"^(4401|4403)([0-9]{2})?$"
CADASTRE_PATTERN = r"^[0-9]{11}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class ConfirmWarningIn(_In):
    """A plausibility warning the user confirms, and why (kept with the area and audited)."""

    code: str = Field(pattern=r"^[a-z_]{1,40}$", description="The warning's code")
    field: str | None = Field(default=None, max_length=80,
                              description="The warning's field (areas[0].geometry); leave out to "
                              "confirm the code for every area")
    reason: str = Field(min_length=1, max_length=1000, description="Why the value is right")


class VolumeIn(_In):
    species_code: int = Field(description="Forest State Register species code (1 pine, 3 spruce…)")
    m3: float = Field(ge=0, le=999_999, description="Volume in m³")


class ManualVolumeIn(VolumeIn):
    """A species volume typed from a paper certificate: planned (on it) and accounted."""

    planned_m3: float | None = Field(default=None, ge=0, le=999_999,
                                     description="Volume the certificate plans (default: m3)")


class ProductIn(_In):
    hs_code: str = Field(pattern=HS_PATTERN, description="4403, 4401 or a 6-digit sub-heading")
    m3: float = Field(ge=0, le=999_999)


class AreaIn(_In):
    cirsma: int = Field(ge=1, le=3)
    cadastral_designation: str = Field(pattern=CADASTRE_PATTERN)
    quarter: str = Field(min_length=1, max_length=20)
    compartment: str = Field(min_length=1, max_length=40)
    sub_compartment: str | None = Field(default=None, max_length=20)
    felling_type: FellingType
    execution_method: ExecutionMethod
    area_ha: float | None = Field(default=None, gt=0, le=10_000,
                                  description="Declared area; the stored area is computed")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon/MultiPolygon (or Feature)")
    volumes: list[ManualVolumeIn] = Field(default_factory=list, max_length=30)
    products: list[ProductIn] = Field(default_factory=list, max_length=20)


class CertificateIn(_In):
    """A certificate typed in by hand (``"source": "manual"``)."""

    source: Literal["manual"]
    ca_number: str = Field(pattern=CA_PATTERN)
    issued_on: date
    valid_until: date
    felling_from: date | None = None
    felling_to: date | None = None
    place: str | None = Field(default=None, max_length=200)
    crs: str | None = Field(default=None, description="EPSG:4326 (default) or EPSG:3059")
    areas: list[AreaIn] = Field(min_length=1, max_length=3)
    confirm_warnings: list[ConfirmWarningIn] = Field(
        default_factory=list, max_length=30,
        description="Plausibility warnings confirmed with a reason (see the 422 "
        "plausibility_unconfirmed answer)")


class FetchIn(_In):
    """Fetch the certificate from the State Forest Service (VMD)."""

    ca_number: str = Field(pattern=CA_PATTERN)
    source: Literal["vmd"] = "vmd"


class AreaPatch(_In):
    cirsma: int = Field(ge=1, le=3, description="Which felling area to change")
    cadastral_designation: str | None = Field(default=None, pattern=CADASTRE_PATTERN)
    quarter: str | None = Field(default=None, min_length=1, max_length=20)
    compartment: str | None = Field(default=None, min_length=1, max_length=40)
    sub_compartment: str | None = Field(default=None, max_length=20)
    felling_type: FellingType | None = None
    execution_method: ExecutionMethod | None = None
    geometry: dict[str, Any] | None = None


class CertificatePatch(_In):
    issued_on: date | None = None
    valid_until: date | None = None
    felling_from: date | None = None
    felling_to: date | None = None
    place: str | None = Field(default=None, max_length=200)
    status: Literal["draft", "ready"] | None = None
    crs: str | None = None
    areas: list[AreaPatch] = Field(default_factory=list, max_length=3)
    confirm_warnings: list[ConfirmWarningIn] = Field(default_factory=list, max_length=30)


class AreaVolumesIn(_In):
    cirsma: int = Field(ge=1, le=3)
    volumes: list[VolumeIn] = Field(max_length=30)
    products: list[ProductIn] = Field(default_factory=list, max_length=20)


class VolumesIn(_In):
    """Corrected volumes per area; the product split per area, or once for the certificate."""

    areas: list[AreaVolumesIn] = Field(min_length=1, max_length=3)
    products: list[ProductIn] | None = Field(
        default=None, description="Split for the whole certificate, shared out over the areas "
        "in proportion to their volume; leave out to split per area")


class VolumeOut(BaseModel):
    species_code: int
    m3: float
    planned_m3: float | None = None


class ProductOut(BaseModel):
    hs_code: str
    m3: float


class VolumeCheck(BaseModel):
    """Planned (certificate) against accounted volume; Art. 8 of the round timber law."""

    planned_m3: float
    accounted_m3: float
    deviation_m3: float
    deviation_percent: float | None
    within_tolerance: bool
    authoritative: Literal["planned", "accounted"]
    message: str


class ConfirmedWarningOut(BaseModel):
    """A plausibility warning confirmed when the area was saved, with the reason given."""

    code: str
    field: str
    params: dict[str, Any]
    reason: str
    confirmed_at: str
    confirmed_by: str | None
    messages: dict[str, str]


class AreaOut(BaseModel):
    id: str
    cirsma: int
    cadastral_designation: str
    quarter: str
    compartment: str
    sub_compartment: str | None
    felling_type: str
    execution_method: str
    area_ha: float
    declared_area_ha: float | None
    verdict: str
    geometry: dict[str, Any]
    volumes: list[VolumeOut]
    products: list[ProductOut]
    volume_check: VolumeCheck
    confirmed_warnings: list[ConfirmedWarningOut] = []


class CertificateOut(BaseModel):
    id: str
    ca_number: str
    source: Literal["vmd", "manual", "file"]
    issued_on: date
    valid_until: date
    felling_from: date | None
    felling_to: date | None
    place: str | None
    status: Literal["draft", "ready", "in_statement", "submitted"]
    verdict: Literal["unchecked", "clear", "flagged", "blocked"]
    version: int
    organisation_id: str
    created_at: datetime
    updated_at: datetime
    crs: str
    areas: list[AreaOut]
    volume_check: VolumeCheck


class CertificateList(BaseModel):
    items: list[CertificateOut]
    total: int = Field(description="Matches; capped at 1 000 when total_exact is false")
    total_exact: bool
    limit: int
    offset: int
