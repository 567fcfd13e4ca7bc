"""The benchmark database: created in the private cluster, migrated, loaded with COPY, dropped.

Loads 100 000 felling areas (with their certificates, all of one organisation whose owner's
token reads them all) and a 300 000-block agricultural layer straight into the app's tables,
and adds ``bench_felling_areas``, a view with the columns the felling-area collection serves,
for tipg and MapServer (and its CRS84 twin for pygeoapi).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url

from bench.gis import synthetic
from geoservice.accounts import store as accounts
from geoservice.db.disposable import disposable_database
from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE, libpq_environment

LAYER_ID = "lad_bench"
FELLING_TYPES = ("galvena", "galvena", "kopsanas", "sanitara", "rekonstruktiva", "cita")
METHODS = {"galvena": "kailcirte", "kopsanas": "izlases", "sanitara": "izlases",
           "rekonstruktiva": "kailcirte", "cita": "cita"}
PLACES = ("Jumurdas pagasts, Madonas novads", "Lubānas pagasts, Madonas novads",
          "Kuldīgas novads", "Alūksnes novads", "Rūjienas pagasts, Valmieras novads")
CROPS = ((710, "Pļava"), (111, "Ziemas kvieši"), (141, "Vasaras mieži"), (311, "Rapsis"),
         (720, "Ganības"), (131, "Auzas"), (620, "Papuve"))

VIEW_SQL = """
CREATE VIEW bench_felling_areas AS
SELECT fa.id::text AS id, c.ca_number, c.id::text AS certificate_id, fa.cirsma::int AS cirsma,
       fa.cadastral_designation::text AS cadastral_designation, fa.quarter, fa.compartment,
       fa.felling_type, fa.execution_method, fa.area_ha::float8 AS area_ha, c.status,
       fa.verdict, c.issued_on, c.valid_until, fa.geom
FROM felling_areas fa JOIN certificates c ON c.id = fa.certificate_id
"""
# pygeoapi reads a projected storage CRS in its authority axis order (EPSG:3059: northing
# first), so it is given the same rows in CRS84, with the GiST index such a view needs.
VIEW_4326_SQL = (
    "CREATE VIEW bench_felling_areas_4326 AS SELECT id, ca_number, certificate_id, cirsma, "
    "cadastral_designation, quarter, compartment, felling_type, execution_method, area_ha, "
    "status, verdict, issued_on, valid_until, "
    "ST_Transform(geom, 4326)::geometry(MultiPolygon, 4326) AS geom FROM bench_felling_areas")
INDEX_4326_SQL = ("CREATE INDEX bench_felling_areas_4326_idx ON felling_areas USING gist "
                  "((ST_Transform(geom, 4326)::geometry(MultiPolygon, 4326)))")


# tipg serves tiles of a table or view: the benchmark layer's rows with the properties our
# tiles of that layer carry (the attrs keys, numbers as float8 like geoservice's collection).
FIELDS_VIEW_SQL = """
CREATE VIEW bench_fields AS
SELECT id, (attrs->>'BLOCK_AREA')::float8 AS "BLOCK_AREA", attrs->>'BLOCK_NUMBER' AS "BLOCK_NUMBER",
       attrs->>'PERIOD_CODE' AS "PERIOD_CODE", (attrs->>'PRODUCT_CODE')::float8 AS "PRODUCT_CODE",
       attrs->>'PRODUCT_DESC' AS "PRODUCT_DESC", geom
FROM layer_features WHERE layer_id = '{layer}' AND version = 1
"""


@dataclass(frozen=True)
class BenchDb:
    url: URL  # postgresql+psycopg URL of the benchmark database (with password)
    engine: Engine

    @property
    def libpq(self) -> dict[str, str]:
        """PG* environment variables for libpq clients (MapServer, tipg, pygeoapi)."""
        return {"PGPASSWORD": ""} | libpq_environment(self.url)


@contextmanager
def bench_database() -> Iterator[BenchDb]:
    """A fresh migrated database, dropped afterwards whatever happens."""
    with disposable_database(PRIVATE_CLUSTER_URL_FILE.read_text().strip(),
                             "geoservice_bench_gis", pool_size=2) as (url, engine):
        yield BenchDb(make_url(url), engine)


def _copy(engine: Engine, sql: str, rows: Iterator[tuple[object, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def load_felling_areas(db: BenchDb, count: int, seed: int = 1) -> tuple[str, dict[str, float]]:
    """``count`` felling areas in certificates of 1–3 areas; returns the owner token."""
    started = time.perf_counter()
    shapes = synthetic.felling_areas(count, seed)
    generated = time.perf_counter()
    with db.engine.begin() as conn:
        org = accounts.create_organisation(conn, name="Bench forest company",
                                           reg_no="40003999999")
        accounts.create_user(conn, org_id=org, email="owner@bench-gis.example", role="owner",
                             password=secrets.token_urlsafe(16))
        token = accounts.create_token(conn, user_email="owner@bench-gis.example")
    rng = np.random.default_rng(seed)
    # Certificates of 1, 2 and 3 areas in turn: 6 areas per 3 certificates.
    per_cert = [(i % 3) + 1 for i in range(count)]
    cert_of: list[int] = []
    cirsma: list[int] = []
    certs: list[str] = []
    while len(cert_of) < count:
        n = per_cert[len(certs)]
        certs.append(str(uuid.UUID(bytes=rng.bytes(16), version=4)))
        for k in range(1, n + 1):
            if len(cert_of) < count:
                cert_of.append(len(certs) - 1)
                cirsma.append(k)
    issued = [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 800, len(certs))]
    statuses = rng.choice(["draft", "ready", "in_statement", "submitted"], len(certs),
                          p=[0.3, 0.3, 0.1, 0.3])
    _copy(db.engine, "COPY certificates (id, organisation_id, ca_number, source, issued_on, "
                     "valid_until, place, status, verdict) FROM STDIN",
          ((cid, org, f"{issued[i].year % 100}{i:08d}", "vmd", issued[i],
            issued[i] + timedelta(days=365 * 3), PLACES[i % len(PLACES)], str(statuses[i]),
            "clear" if statuses[i] != "draft" else "unchecked")
           for i, cid in enumerate(certs)))
    kinds = rng.integers(0, len(FELLING_TYPES), count)
    cadastre = rng.integers(10**10, 10**11 - 1, len(certs))
    _copy(db.engine, "COPY felling_areas (certificate_id, organisation_id, cirsma, "
                     "cadastral_designation, quarter, compartment, felling_type, "
                     "execution_method, declared_area_ha, area_ha, geom, verdict) FROM STDIN",
          ((certs[cert_of[i]], org, cirsma[i], str(cadastre[cert_of[i]]),
            str(1 + cert_of[i] % 400), str(1 + i % 37), FELLING_TYPES[kinds[i]],
            METHODS[FELLING_TYPES[kinds[i]]], round(float(shapes.area_ha[i]), 1),
            round(float(shapes.area_ha[i]), 4), shapes.ewkb[i],
            "clear" if statuses[cert_of[i]] != "draft" else "unchecked")
           for i in range(count)))
    with db.engine.begin() as conn:
        for sql in (VIEW_SQL, VIEW_4326_SQL, INDEX_4326_SQL):
            conn.execute(text(sql))
        conn.execute(text("ANALYZE certificates"))
        conn.execute(text("ANALYZE felling_areas"))
    done = time.perf_counter()
    return token, {"generate_s": generated - started, "load_s": done - generated,
                   "vertices": shapes.vertices}


def load_agricultural_layer(db: BenchDb, count: int, seed: int = 2) -> dict[str, float]:
    """One vector layer of ``count`` field blocks with LAD-style attributes (current version)."""
    started = time.perf_counter()
    shapes = synthetic.agricultural_blocks(count, seed)
    generated = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO layers (id, title, role, kind, source, licence) VALUES "
                          "(:id, 'Lauku bloki (benchmark)', 'agriculture', 'vector', "
                          "'synthetic LAD field blocks', 'CC BY 4.0')"), {"id": LAYER_ID})
        conn.execute(text("INSERT INTO layer_versions (layer_id, version, reference_date, "
                          "source_crs) VALUES (:id, 1, '2025-06-01', 'EPSG:3059')"),
                     {"id": LAYER_ID})
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, len(CROPS), count)

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(count):
            code, name = CROPS[crops[i]]
            attrs = {"BLOCK_NUMBER": f"{56000 + i // 1000:05d}-{i % 1000:03d}",
                     "BLOCK_AREA": round(float(shapes.area_ha[i]), 2), "PRODUCT_CODE": code,
                     "PRODUCT_DESC": name, "PERIOD_CODE": "2025"}
            yield LAYER_ID, 1, attrs["BLOCK_NUMBER"], json.dumps(attrs, ensure_ascii=False), \
                shapes.ewkb[i]

    _copy(db.engine, "COPY layer_features (layer_id, version, source_id, attrs, geom) "
                     "FROM STDIN", rows())
    with db.engine.begin() as conn:
        conn.execute(text(FIELDS_VIEW_SQL.format(layer=LAYER_ID)))
        conn.execute(text(
            "UPDATE layer_versions SET feature_count = :n, extent = (SELECT "
            "ST_SetSRID(ST_Extent(geom)::geometry, 3059) FROM layer_features WHERE layer_id = "
            ":id) WHERE layer_id = :id AND version = 1"), {"n": count, "id": LAYER_ID})
        conn.execute(text("UPDATE layers SET current_version = 1 WHERE id = :id"),
                     {"id": LAYER_ID})
        conn.execute(text("ANALYZE layer_features"))
    return {"generate_s": generated - started, "load_s": time.perf_counter() - generated,
            "vertices": shapes.vertices}
