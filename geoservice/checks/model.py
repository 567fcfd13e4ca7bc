"""What the checks look at (facts) and what they produce (findings and verdicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from geoservice.layers.registry import CurrentLayer
from geoservice.settings import CheckSettings

Severity = Literal["info", "flag", "block"]
Verdict = Literal["clear", "flagged", "blocked"]
RULES = ("forest_to_agriculture", "deforestation_permit", "deforestation_felling",
         "not_forest_2020", "protected_area", "certificate_validity", "no_layer_data")
# Roles without which a verdict cannot be "clear": their absence is a no_layer_data flag.
REQUIRED_ROLES = ("forest_2020", "agriculture", "deforestation_permit", "protected_area")
_RANK = {"clear": 0, "flagged": 1, "blocked": 2}


@dataclass(frozen=True)
class Thresholds:
    sliver_ha: float
    sliver_percent: float
    min_forest_2020_percent: float

    @classmethod
    def of(cls, settings: CheckSettings) -> Thresholds:
        return cls(settings.sliver_ha, settings.sliver_percent, settings.min_forest_2020_percent)

    def is_sliver(self, ha: float, percent: float) -> bool:
        """Below both limits: digitising noise, not evidence."""
        return ha < self.sliver_ha and percent < self.sliver_percent

    def as_dict(self) -> dict[str, float]:
        return {"sliver_ha": self.sliver_ha, "sliver_percent": self.sliver_percent,
                "min_forest_2020_percent": self.min_forest_2020_percent}


@dataclass(frozen=True)
class Cover:
    """Exact areas (m²) of a geometry by 2020 forest-mask class."""

    forest_m2: float
    other_m2: float
    nodata_m2: float


@dataclass(frozen=True)
class Overlap:
    """A felling area's overlap with one vector layer (one permit purpose class)."""

    layer_id: str
    version: int
    role: str
    category: str
    overlap_m2: float
    geometry: BaseGeometry
    sources: list[str]


@dataclass
class AreaFacts:
    id: str
    certificate_id: str
    cirsma: int
    felling_type: str
    area_m2: float
    geometry: BaseGeometry
    overlaps: list[Overlap] = field(default_factory=list)
    uncovered_roles: list[str] = field(default_factory=list)
    cover: Cover | None = None
    forest: CurrentLayer | None = None  # the forest_2020 raster that covers this area
    agri_cover: dict[str, Cover] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificateFacts:
    id: str
    organisation_id: str
    ca_number: str
    version: int
    issued_on: date
    valid_until: date
    felling_from: date | None
    felling_to: date | None


@dataclass
class Finding:
    rule: str
    severity: Severity
    area_id: str | None
    message_lv: str
    message_en: str
    layer_id: str | None = None
    layer_version: int | None = None
    overlap_ha: float | None = None
    overlap_percent: float | None = None
    geometry: BaseGeometry | None = None
    details: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    id: str = ""

    def __post_init__(self) -> None:
        if self.severity == "info" and self.status == "open":
            self.status = "info"


def effective_verdict(severity: str, status: str) -> Verdict:
    """What one finding does to a verdict, after any review."""
    if status in ("superseded", "info", "cleared") or severity == "info":
        return "clear"
    if severity == "block" or status == "confirmed":
        return "blocked"
    return "flagged"


def worst(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=_RANK.__getitem__, default="clear")
