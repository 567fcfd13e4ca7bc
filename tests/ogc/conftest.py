"""Fixtures of the GIS interface tests: certificates of two tenants, a finding and a layer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Engine, text

from tests.conftest import Account
from tests.factories import ORIGIN, area, certificate, square, store_certificate


@dataclass(frozen=True)
class World:
    a: dict[str, Account]
    b: dict[str, Account]
    cert_a: str
    cert_b: str
    layer_id: str
    finding_id: str


def insert_layer(engine: Engine, polygons: list[tuple[MultiPolygon, dict[str, object]]],
                 title: str | None = None) -> str:
    layer_id = f"lad_{secrets.token_hex(4)}"
    import json

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO layers (id, title, role, kind, source, licence) VALUES "
                          "(:id, :title, 'agriculture', 'vector', 'LAD test', 'CC BY 4.0')"),
                     {"id": layer_id, "title": title or f"Field blocks {layer_id}"})
        conn.execute(text("INSERT INTO layer_versions (layer_id, version, feature_count, extent) "
                          "VALUES (:id, 1, :n, ST_GeomFromText(:ext, 3059))"),
                     {"id": layer_id, "n": len(polygons),
                      "ext": MultiPolygon([g for mp in polygons for g in mp[0].geoms])
                      .envelope.wkt})
        for geom, attrs in polygons:
            conn.execute(text("INSERT INTO layer_features (layer_id, version, source_id, attrs, "
                              "geom) VALUES (:id, 1, :sid, CAST(:attrs AS jsonb), "
                              "ST_GeomFromText(:wkt, 3059))"),
                         {"id": layer_id, "sid": str(attrs.get("BLOCK_NUMBER")),
                          "attrs": json.dumps(attrs), "wkt": geom.wkt})
        conn.execute(text("UPDATE layers SET current_version = 1 WHERE id = :id"),
                     {"id": layer_id})
    return layer_id


def insert_finding(engine: Engine, org_id: str, cert_id: str, layer_id: str,
                   geom: MultiPolygon) -> str:
    with engine.begin() as conn:
        area_id = conn.execute(text("SELECT id FROM felling_areas WHERE certificate_id = :c "
                                    "ORDER BY cirsma LIMIT 1"), {"c": cert_id}).scalar_one()
        run = conn.execute(text(
            "INSERT INTO check_runs (organisation_id, certificate_id, certificate_version, "
            "verdict) VALUES (:o, :c, 1, 'flagged') RETURNING id"),
            {"o": org_id, "c": cert_id}).scalar_one()
        return str(conn.execute(text(
            "INSERT INTO findings (organisation_id, certificate_id, area_id, run_id, rule, "
            "severity, layer_id, layer_version, overlap_ha, overlap_percent, geom, message_lv, "
            "message_en) VALUES (:o, :c, :a, :r, 'forest_to_agriculture', 'flag', :l, 1, 0.25, "
            "25.0, ST_GeomFromText(:wkt, 3059), 'Pārklājas ar lauku bloku', "
            "'Overlaps a field block') RETURNING id"),
            {"o": org_id, "c": cert_id, "a": area_id, "r": run, "l": layer_id,
             "wkt": geom.wkt}).scalar_one())


def blocks(n: int = 6) -> list[tuple[MultiPolygon, dict[str, object]]]:
    out: list[tuple[MultiPolygon, dict[str, object]]] = []
    for i in range(n):
        x, y = ORIGIN[0] + 50 + 120 * i, ORIGIN[1] + 50
        poly = Polygon([(x, y), (x + 100.5, y), (x + 100.5, y + 80.25), (x, y + 80.25)])
        out.append((MultiPolygon([poly]), {"BLOCK_NUMBER": f"59{i:04d}", "BLOCK_AREA": 0.8 + i,
                                           "PRODUCT_CODE": 710 + i, "VALID": i % 2 == 0}))
    return out


@pytest.fixture()
def world(engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]) -> World:
    cert_a = store_certificate(engine, org_a["owner"].org_id, certificate(
        n_areas=2, areas=[area(1), area(2, felling_type="kopsanas", execution_method="izlases")]))
    far = square(ORIGIN[0] + 5000, ORIGIN[1] + 5000)
    cert_b = store_certificate(engine, org_b["owner"].org_id,
                               certificate(areas=[area(1, geometry=far)]))
    layer_id = insert_layer(engine, blocks())
    overlap = square(ORIGIN[0] + 50, ORIGIN[1] + 50, side=50)
    finding_id = insert_finding(engine, org_a["owner"].org_id, cert_a, layer_id, overlap)
    return World(org_a, org_b, cert_a, cert_b, layer_id, finding_id)


@pytest.fixture(scope="session")
def live_url(settings):  # type: ignore[no-untyped-def]
    """The app served by uvicorn on 127.0.0.1 (random port) in a thread, for real GIS clients.

    A separate app instance: the session ``app`` has its engine swapped by every TestClient.
    """
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    from geoservice.web.app import create_app

    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
