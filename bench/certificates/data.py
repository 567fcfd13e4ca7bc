"""Synthetic certificates and register extracts spread over Latvia (deterministic by seed)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from geoservice.certificates.model import Certificate, FellingArea, ProductVolume, SpeciesVolume

PLACES = ("Jumurdas pagasts, Madonas novads", "Lubānas pagasts, Madonas novads",
          "Ozolnieku pagasts, Jelgavas novads", "Kuldīgas novads", "Alūksnes novads",
          "Ērgļu pagasts, Madonas novads", "Rūjienas pagasts, Valmieras novads")
SPECIES = (1, 3, 4, 6, 8, 9)


def _polygon(rng: random.Random, x: float, y: float) -> MultiPolygon:
    """A 12-vertex blob of about 0.5–3 ha around (x, y) in EPSG:3059."""
    radius = rng.uniform(40, 95)
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    r = radius * np.array([rng.uniform(0.8, 1.1) for _ in angles])
    ring = np.column_stack([x + r * np.cos(angles), y + r * np.sin(angles)]).round(2)
    return MultiPolygon([Polygon(ring)])


def certificates(count: int, areas_per: int | None = 3, seed: int = 3,
                 prefix: str = "B") -> list[Certificate]:
    """``count`` certificates with ``areas_per`` areas (None: 1–3 at random)."""
    rng = random.Random(seed)
    out: list[Certificate] = []
    for i in range(count):
        x, y = rng.uniform(330_000, 760_000), rng.uniform(180_000, 440_000)
        cadastre = f"{rng.randint(1000, 9999)}{rng.randint(0, 9_999_999):07d}"
        areas = []
        for n in range(1, (areas_per or rng.randint(1, 3)) + 1):
            volumes = [SpeciesVolume(s, round(rng.uniform(10, 200), 1))
                       for s in rng.sample(SPECIES, 2)]
            total = round(sum(v.m3 for v in volumes), 1)
            logs = round(total * 0.8, 1)
            areas.append(FellingArea(
                cirsma=n, cadastral_designation=cadastre, quarter=str(rng.randint(1, 300)),
                compartment=str(rng.randint(1, 40)), sub_compartment=None,
                felling_type="galvena", execution_method="kailcirte",
                geometry=_polygon(rng, x + 250 * n, y), area_ha=None, volumes=volumes,
                products=[ProductVolume("4403", logs),
                          ProductVolume("4401", round(total - logs, 1))]))
        year = rng.choice((2024, 2025, 2026))
        out.append(Certificate(
            ca_number=f"{prefix}{year % 100}{i:08d}", issued_on=date(year, rng.randint(1, 12), 1),
            valid_until=date(year + 3, 12, 31), source="file", areas=areas,
            place=rng.choice(PLACES)))
    return out


def write_extract(certs: list[Certificate], path: Path) -> int:
    """A register-style GeoPackage (one row per area); returns the number of rows."""
    rows: list[dict[str, Any]] = []
    for c in certs:
        for a in c.areas:
            row: dict[str, Any] = {
                "ca_nr": c.ca_number, "cirsma": a.cirsma, "kadastrs": a.cadastral_designation,
                "kvart": a.quarter, "nog": a.compartment, "anog": "0",
                "cirtes_veids": a.felling_type, "izp_veids": a.execution_method,
                "izsn_dat": c.issued_on.isoformat(), "deriga_lidz": c.valid_until.isoformat(),
                "platiba": round(a.geometry.area / 10_000, 2), "vieta": c.place,
                "geometry": a.geometry.geoms[0]}
            row.update({f"tilp_{v.species_code}": v.m3 for v in a.volumes})
            row.update({f"prod_{p.hs_code}": p.m3 for p in a.products})
            rows.append(row)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:3059")
    frame.to_file(path, driver="GPKG", layer="cirsmas")
    return len(frame)
