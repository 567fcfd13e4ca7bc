"""Cadastral parcels (land units) by designation, from the current land-use cadastre layers.

A parcel is a feature of a ``land_use_cadastre`` layer whose attributes name its designation
(State Land Service open data: ``CODE``); when no cadastre layer knows it, the forest
compartments (``kadastrs``) of that land unit, merged, stand in for it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

# Attribute names that hold an 11-digit designation in the sources we import.
DESIGNATION_KEYS = ("CODE", "code", "kadastrs", "KADASTRS", "kad_apz", "KAD_APZ")

_CADASTRE = text("""
SELECT l.id AS layer_id, l.title, f.version, f.attrs,
       ST_AsGeoJSON(ST_Transform(f.geom, 4326), 7) AS geometry,
       ST_Area(f.geom) / 10000.0 AS area_ha
FROM layers l
JOIN layer_features f ON f.layer_id = l.id AND f.version = l.current_version
WHERE l.role = 'land_use_cadastre' AND l.kind = 'vector'
  AND (f.attrs ->> 'CODE' = :d OR f.attrs ->> 'code' = :d OR f.attrs ->> 'kadastrs' = :d
       OR f.attrs ->> 'KADASTRS' = :d OR f.attrs ->> 'kad_apz' = :d OR f.attrs ->> 'KAD_APZ' = :d)
ORDER BY l.id, f.id
LIMIT 20
""")

# The plausibility check's question: the parcel's own shape in the storage CRS (EPSG:3059),
# from the cadastre layer's ``CODE`` only (the indexed attribute, migration 060).
_CADASTRE_WKB = text("""
SELECT ST_AsBinary(ST_Union(f.geom)) FROM layer_features f
JOIN layers l ON l.id = f.layer_id AND f.version = l.current_version
WHERE l.role = 'land_use_cadastre' AND f.attrs ? 'CODE' AND f.attrs->>'CODE' = :code
""")

_COMPARTMENTS = text("""
SELECT l.id AS layer_id, l.title, f.version,
       ST_AsGeoJSON(ST_Transform(ST_Union(f.geom), 4326), 7) AS geometry,
       ST_Area(ST_Union(f.geom)) / 10000.0 AS area_ha, count(*) AS stands
FROM layers l
JOIN layer_features f ON f.layer_id = l.id AND f.version = l.current_version
WHERE l.role = 'forest_compartments' AND l.kind = 'vector'
  AND (f.attrs ->> 'kadastrs' = :d OR f.attrs ->> 'KADASTRS' = :d)
GROUP BY l.id, l.title, f.version
ORDER BY l.id
LIMIT 5
""")


def parcel_features(conn: Connection, designation: str) -> list[dict[str, Any]]:
    """GeoJSON features (EPSG:4326) of the parcel, empty when our layers do not know it."""
    rows = conn.execute(_CADASTRE, {"d": designation}).mappings().all()
    kind = "cadastre"
    if not rows:
        rows = conn.execute(_COMPARTMENTS, {"d": designation}).mappings().all()
        kind = "compartments"
    features = []
    for row in rows:
        props: dict[str, Any] = {
            "cadastral_designation": designation, "source": kind,
            "layer": {"id": row["layer_id"], "title": row["title"], "version": row["version"]},
            "area_ha": round(float(row["area_ha"]), 4)}
        if kind == "cadastre":
            attrs = row["attrs"] or {}
            for key in ("PURPOSE", "PURPOSE_NAME", "AREA_SCALE"):
                if key in attrs:
                    props[key.lower()] = attrs[key]
        else:
            props["stands"] = int(row["stands"])
        features.append({"type": "Feature", "properties": props,
                         "geometry": json.loads(row["geometry"])})
    return features


def cadastre_wkb(conn: Connection, designation: str) -> bytes | None:
    """WKB (EPSG:3059) of the cadastre layer's land unit with this ``CODE``; None when unknown."""
    raw = conn.execute(_CADASTRE_WKB, {"code": designation}).scalar()
    return None if raw is None else bytes(raw)
