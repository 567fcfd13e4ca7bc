"""Small builders of domain objects for tests: real shapes in the Jumurda demo region."""

from __future__ import annotations

import secrets
from datetime import date

from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Engine

from geoservice.certificates.model import Certificate, FellingArea, ProductVolume, SpeciesVolume
from geoservice.certificates.store import insert_certificate

# A corner in Jumurdas pagasts, Madonas novads (EPSG:3059 easting, northing).
ORIGIN = (610_900.0, 308_950.0)


def square(x: float = ORIGIN[0], y: float = ORIGIN[1], side: float = 100.0) -> MultiPolygon:
    return MultiPolygon([Polygon([(x, y), (x + side, y), (x + side, y + side), (x, y + side)])])


def area(cirsma: int = 1, geometry: MultiPolygon | None = None, **overrides: object) -> FellingArea:
    values: dict[str, object] = dict(
        cirsma=cirsma, cadastral_designation="70600050074", quarter="4", compartment=str(cirsma),
        sub_compartment=None, felling_type="galvena", execution_method="kailcirte",
        geometry=geometry or square(ORIGIN[0] + 150 * (cirsma - 1)),
        volumes=[SpeciesVolume(1, 200.0, 200.0), SpeciesVolume(4, 50.0, 50.0)],
        products=[ProductVolume("4403", 220.0), ProductVolume("4401", 30.0)],
    )
    values.update(overrides)
    return FellingArea(**values)  # type: ignore[arg-type]


def certificate(n_areas: int = 1, **overrides: object) -> Certificate:
    values: dict[str, object] = dict(
        ca_number=f"T{secrets.token_hex(5).upper()}", issued_on=date(2026, 3, 2),
        valid_until=date(2029, 12, 31), source="manual",
        areas=[area(i + 1) for i in range(n_areas)], place="Jumurdas pagasts, Madonas novads",
    )
    values.update(overrides)
    return Certificate(**values)  # type: ignore[arg-type]


def store_certificate(engine: Engine, org_id: str, cert: Certificate | None = None) -> str:
    with engine.begin() as conn:
        return insert_certificate(conn, org_id, cert or certificate())
