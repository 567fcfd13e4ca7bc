"""Domain model of a felling certificate and its felling areas (cirsmas).

Geometries are shapely MultiPolygons in EPSG:3059 (x = easting, y = northing); conversion to
and from GeoJSON in other CRSs happens at the edges (``geoservice.spatial``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from shapely.geometry import MultiPolygon

Source = Literal["vmd", "manual", "file"]
Status = Literal["draft", "ready", "in_statement", "submitted"]
Verdict = Literal["unchecked", "clear", "flagged", "blocked"]
FellingType = Literal[
    "galvena", "kopsanas", "sanitara", "rekonstruktiva", "ainavu", "atmezosanas", "cita"
]
ExecutionMethod = Literal["kailcirte", "izlases", "cita"]

FELLING_TYPES: tuple[str, ...] = (
    "galvena", "kopsanas", "sanitara", "rekonstruktiva", "ainavu", "atmezosanas", "cita",
)
EXECUTION_METHODS: tuple[str, ...] = ("kailcirte", "izlases", "cita")
MAX_AREAS = 3


@dataclass(frozen=True)
class SpeciesVolume:
    """Volume of one species in m³; ``planned_m3`` is what the certificate planned."""

    species_code: int
    m3: float
    planned_m3: float | None = None


@dataclass(frozen=True)
class ProductVolume:
    """Volume declared under one HS heading (4403 round timber, 4401 fuel wood, 6-digit ok)."""

    hs_code: str
    m3: float


@dataclass
class FellingArea:
    """One felling area (cirsma) of a certificate."""

    cirsma: int
    cadastral_designation: str
    quarter: str
    compartment: str
    sub_compartment: str | None
    felling_type: FellingType
    execution_method: ExecutionMethod
    geometry: MultiPolygon
    area_ha: float | None = None
    volumes: list[SpeciesVolume] = field(default_factory=list)
    products: list[ProductVolume] = field(default_factory=list)
    # Plausibility warnings confirmed with a reason when the area was typed or drawn by hand.
    confirmed_warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Certificate:
    """A felling certificate as a source (VMD, a file, a form) describes it."""

    ca_number: str
    issued_on: date
    valid_until: date
    source: Source
    areas: list[FellingArea]
    place: str | None = None
    felling_from: date | None = None
    felling_to: date | None = None
