"""The shared insert path: areas computed in EPSG:3059, volumes and products stored."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.conftest import Account
from tests.factories import certificate, store_certificate


def test_insert_certificate_with_areas(engine: Engine, org_a: dict[str, Account]) -> None:
    cert_id = store_certificate(engine, org_a["owner"].org_id, certificate(n_areas=3))
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT cirsma, area_ha, ST_SRID(geom) AS srid FROM felling_areas "
            "WHERE certificate_id = :c ORDER BY cirsma"), {"c": cert_id}).all()
        volumes = conn.execute(text(
            "SELECT sum(v.m3) FROM area_volumes v JOIN felling_areas a ON a.id = v.area_id "
            "WHERE a.certificate_id = :c"), {"c": cert_id}).scalar()
    assert [r.cirsma for r in rows] == [1, 2, 3]
    assert all(float(r.area_ha) == 1.0 and r.srid == 3059 for r in rows)
    assert float(volumes) == 750.0
