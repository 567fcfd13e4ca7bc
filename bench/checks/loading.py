"""Load the synthetic layers and felling areas into the benchmark database (product code paths)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine, text

from geoservice.accounts import store as accounts
from geoservice.layers import registry, vector
from geoservice.layers.gml import fingerprint

Array = np.ndarray[Any, Any]


def _rows(chunks: Iterable[Array], prefix: str) -> Iterator[vector.Row]:
    n = 0
    for geoms in chunks:
        multi = shapely.set_srid(shapely.multipolygons(np.asarray(geoms).reshape(-1, 1)), 3059)
        for wkb in shapely.to_wkb(multi, include_srid=True):
            n += 1
            attrs = json.dumps({"id": n})
            yield f"{prefix}{n}", attrs, bytes(wkb), fingerprint(bytes(wkb), attrs)


def vector_layer(
    engine: Engine, title: str, role: str, chunks: Iterable[Array], attrs: dict[str, str] | None
    = None,
) -> dict[str, float]:
    """COPY + repair + ST_Subdivide through geoservice.layers.vector; returns timings."""
    started = time.perf_counter()
    with engine.begin() as conn:
        layer_id, version = registry.next_version(
            conn, registry.LayerMeta(title=title, role=role, kind="vector", source="synthetic"))
        registry.add_version(conn, layer_id, version, reference_date=date(2026, 1, 1),
                             source_crs="EPSG:3059", source_path="synthetic", checksum="",
                             imported_by="bench")
        count = vector.copy_features(conn, layer_id, version, _rows(chunks, layer_id[:3]))
        if attrs:
            conn.execute(text("UPDATE layer_features SET attrs = attrs || CAST(:a AS jsonb) "
                              "WHERE layer_id = :l"), {"a": json.dumps(attrs), "l": layer_id})
        copied = time.perf_counter()
        stats = vector.finalize(conn, layer_id, version)
        registry.finish_version(conn, layer_id, version, feature_count=stats.features,
                                extent_wkb=vector.extent_wkb(conn, layer_id, version))
    done = time.perf_counter()
    return {"features": count, "parts": stats.parts, "copy_s": copied - started,
            "subdivide_index_s": done - copied, "total_s": done - started}


def felling_areas(engine: Engine, geoms: Array, per_certificate: int = 3) -> tuple[str, str]:
    """An organisation with an owner token, and certificates of ``per_certificate`` areas."""
    reg_no = "4" + "".join(secrets.choice("0123456789") for _ in range(10))
    with engine.begin() as conn:
        org = accounts.create_organisation(conn, name="Bench forest owner", reg_no=reg_no)
        email = f"owner@{reg_no}.example"
        accounts.create_user(conn, org_id=org, email=email, role="owner",
                             password=secrets.token_urlsafe(16))
        token = accounts.create_token(conn, user_email=email)
        n_certs = len(geoms) // per_certificate
        cert_ids = [str(v) for v in conn.execute(text(
            "INSERT INTO certificates (organisation_id, ca_number, source, issued_on, "
            "valid_until) SELECT CAST(:org AS uuid), 'B' || lpad(g::text, 8, '0'), 'manual', "
            "DATE '2026-03-01', DATE '2029-12-31' FROM generate_series(1, :n) AS g "
            "RETURNING id"), {"org": org, "n": n_certs}).scalars()]
        wkbs = shapely.to_wkb(shapely.multipolygons(np.asarray(geoms).reshape(-1, 1)))
        rows = [{"cert": cert_ids[i // per_certificate], "org": org,
                 "cirsma": i % per_certificate + 1, "wkb": bytes(wkbs[i]),
                 "ftype": "atmezosanas" if i % 997 == 0 else "galvena"}
                for i in range(n_certs * per_certificate)]
        conn.execute(text(
            "INSERT INTO felling_areas (certificate_id, organisation_id, cirsma, "
            "cadastral_designation, quarter, compartment, felling_type, execution_method, "
            "area_ha, geom) SELECT CAST(:cert AS uuid), CAST(:org AS uuid), :cirsma, "
            "'70600050074', '1', '1', :ftype, 'kailcirte', ST_Area(g) / 10000, g "
            "FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(:wkb, 3059)), "
            "3)) AS g) AS s"), rows)
        conn.execute(text("ANALYZE felling_areas"))
    return org, token
