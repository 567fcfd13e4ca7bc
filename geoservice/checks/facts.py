"""Gather the facts of a batch of certificates: areas, vector overlaps, coverage, forest mask."""

from __future__ import annotations

from collections import defaultdict

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from geoservice.checks.forest_mask import shared
from geoservice.checks.model import AreaFacts, CertificateFacts, Overlap, Thresholds
from geoservice.checks.sql import load
from geoservice.layers.registry import OVERLAY_ROLES, CurrentLayer


def certificates(conn: Connection, ids: list[str]) -> list[CertificateFacts]:
    rows = conn.execute(text(load("certificates.sql")), {"certificate_ids": ids})
    return [CertificateFacts(r.id, r.organisation_id, r.ca_number, int(r.version), r.issued_on,
                             r.valid_until, r.felling_from, r.felling_to) for r in rows]


def areas(conn: Connection, certificate_ids: list[str]) -> list[AreaFacts]:
    rows = conn.execute(text(load("areas.sql")), {"certificate_ids": certificate_ids}).all()
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return [AreaFacts(r.id, r.certificate_id, int(r.cirsma), r.felling_type, float(r.area_m2), g)
            for r, g in zip(rows, geoms, strict=True)]


def add_vector_facts(conn: Connection, batch: list[AreaFacts], layers: list[CurrentLayer],
                     ) -> None:
    """Overlaps with vector layers (set-based, in SQL) and roles whose extent misses the area."""
    if not batch:
        return
    by_id = {a.id: a for a in batch}
    ids = list(by_id)
    # The SQL picks the current overlay layers itself (matched against an array: see its header).
    overlay = any(lay.kind == "vector" and lay.role in OVERLAY_ROLES for lay in layers)
    rows = conn.execute(text(load("overlaps.sql")),
                        {"area_ids": ids, "roles": list(OVERLAY_ROLES)}).all() if overlay else []
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    for r, g in zip(rows, geoms, strict=True):
        by_id[r.area_id].overlaps.append(Overlap(
            r.layer_id, int(r.version), r.role, r.category, float(r.overlap_m2), g,
            list(r.sources)))
    # Where a role's current layers have no data (never "no conflict"). Extents are boxes (the
    # data's envelope, a raster's bounds, or the box given at import), so "covers" is a box test.
    roles = sorted({lay.role for lay in layers})
    for area in batch:
        bounds = area.geometry.bounds
        area.uncovered_roles.extend(
            role for role in roles
            if not any(lay.covers(bounds) for lay in layers if lay.role == role))


def add_forest_facts(
    batch: list[AreaFacts], layers: list[CurrentLayer], th: Thresholds,
) -> None:
    """Exact forest / other / nodata areas of each felling area and of its agricultural overlaps.

    With several forest_2020 rasters (tiles, regions) an area uses the first whose extent
    covers it, else the first one (its missing pixels then count as nodata).
    """
    rasters = [lay for lay in layers
               if lay.role == "forest_2020" and lay.kind == "raster" and lay.raster_path]
    if not rasters or not batch:
        return
    # One batched computation per raster; an agricultural overlap reuses its area's pixels.
    jobs: dict[str, list[tuple[AreaFacts, str | None, BaseGeometry]]] = defaultdict(list)
    for area in batch:
        bounds = area.geometry.bounds
        layer = next((r for r in rasters if r.covers(bounds)), rasters[0])
        area.forest = layer
        jobs[str(layer.raster_path)].append((area, None, area.geometry))
        for ov in area.overlaps:
            if ov.role == "agriculture" and not th.is_sliver(
                    ov.overlap_m2 / 10_000, 100 * ov.overlap_m2 / area.area_m2):
                jobs[str(layer.raster_path)].append(
                    (area, f"{ov.layer_id}:{ov.category}", ov.geometry))
    for path, items in jobs.items():
        covers = shared(path).covers([g for _, _, g in items],
                                     [a.geometry.bounds for a, _, _ in items])
        for (area, key, _), cover in zip(items, covers, strict=True):
            if key is None:
                area.cover = cover
            else:
                area.agri_cover[key] = cover


def by_certificate(batch: list[AreaFacts]) -> dict[str, list[AreaFacts]]:
    grouped: dict[str, list[AreaFacts]] = defaultdict(list)
    for area in batch:
        grouped[area.certificate_id].append(area)
    return grouped
