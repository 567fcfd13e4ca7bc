"""What the printable evidence report of a certificate shows, gathered within tenancy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import shapely
from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.certificates import read
from geoservice.checks import queries, report_map

_FEATURES = text("""
SELECT l.role, l.title, v.version, ST_AsBinary(f.geom) AS wkb
FROM layer_features f
JOIN layers l ON l.id = f.layer_id AND l.current_version = f.version
JOIN layer_versions v ON v.layer_id = l.id AND v.version = l.current_version
WHERE l.role IN ('agriculture', 'deforestation_permit', 'protected_area')
  AND f.geom && ST_Expand(ST_GeomFromWKB(:bbox, 3059), 60)
ORDER BY l.role, l.id
LIMIT 2000
""")


def gather(conn: Connection, principal: Principal, certificate_id: str) -> dict[str, Any]:
    where, params = principal.org_filter("c.organisation_id")
    cert = conn.execute(text(
        "SELECT c.id::text AS id, c.ca_number, c.issued_on, c.valid_until, c.felling_from, "
        "c.felling_to, c.place, c.verdict, c.checked_at, c.version, o.name AS organisation, "
        "o.reg_no FROM certificates c JOIN organisations o ON o.id = c.organisation_id "
        f"WHERE c.id = CAST(:id AS uuid) AND {where}"),
        {"id": read.parse_id(certificate_id), **params}).first()
    if cert is None:
        raise read.not_found(certificate_id)
    areas = conn.execute(text(
        "SELECT id::text AS id, cirsma, cadastral_designation, quarter, compartment, "
        "felling_type, area_ha, verdict, ST_AsBinary(geom) AS wkb FROM felling_areas "
        "WHERE certificate_id = CAST(:id AS uuid) ORDER BY cirsma"), {"id": cert.id}).all()
    run = conn.execute(text(
        "SELECT r.id::text AS id, r.at, r.verdict, r.layer_versions, r.thresholds, "
        "u.email AS by_email FROM check_runs r LEFT JOIN users u ON u.id = r.by_user_id "
        "WHERE r.certificate_id = CAST(:id AS uuid) ORDER BY r.at DESC LIMIT 1"),
        {"id": cert.id}).first()
    findings = queries.of_certificate(conn, principal, cert.id) if run else []
    cirsma = {a.id: a.cirsma for a in areas}
    for finding in findings:
        finding["cirsma"] = cirsma.get(finding["area_id"])
    layer_rows = conn.execute(text(
        "SELECT l.id, l.title, l.role, v.version, v.reference_date, l.source, l.licence "
        "FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
        "WHERE (l.id, v.version) IN (SELECT key, value::int FROM jsonb_each_text("
        "CAST(:lv AS jsonb))) ORDER BY l.role, l.id"),
        {"lv": json.dumps(run.layer_versions if run else {})}).mappings().all()
    return {"certificate": cert, "areas": areas, "run": run, "findings": findings,
            "layers": [dict(r) for r in layer_rows],
            "map": _map(conn, areas) if areas else None}


def _map(conn: Connection, areas: Sequence[Any]) -> report_map.EvidenceMap:
    geoms = [(f"{a.cirsma}", shapely.from_wkb(bytes(a.wkb))) for a in areas]
    bbox = shapely.box(*shapely.union_all([g for _, g in geoms]).bounds)
    by_layer: dict[tuple[str, str], report_map.MapLayer] = {}
    for row in conn.execute(_FEATURES, {"bbox": shapely.to_wkb(bbox)}):
        key = (row.role, row.title)
        layer = by_layer.setdefault(key, report_map.MapLayer(row.role,
                                                             f"{row.title} v{row.version}"))
        layer.geometries.append(shapely.from_wkb(bytes(row.wkb)))
    forest = conn.execute(text(
        "SELECT v.raster_path FROM layers l JOIN layer_versions v ON v.layer_id = l.id AND "
        "v.version = l.current_version WHERE l.role = 'forest_2020' AND l.kind = 'raster' "
        "AND v.raster_path IS NOT NULL AND (v.extent IS NULL OR ST_Intersects(v.extent, "
        "ST_GeomFromWKB(:bbox, 3059))) ORDER BY l.id LIMIT 1"),
        {"bbox": shapely.to_wkb(bbox)}).scalar_one_or_none()
    return report_map.build(geoms, list(by_layer.values()), forest)
