"""Verdicts follow their inputs: geometry changes and replaced layers re-check certificates."""

from __future__ import annotations

import secrets
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from geoservice import events
from geoservice.checks import subscriptions
from geoservice.checks.review import submittable
from geoservice.checks.runner import check_certificate
from geoservice.cli.main import main
from geoservice.layers.importer import import_layer
from geoservice.layers.registry import LayerMeta
from tests.conftest import Account
from tests.factories import area, certificate, square, store_certificate


def _cert_at(engine: Engine, org_id: str, x: float, y: float) -> str:
    cert = certificate(areas=[area(1, geometry=square(x, y))])
    cert_id = store_certificate(engine, org_id, cert)
    with engine.begin() as conn:
        check_certificate(conn, cert_id)
    return cert_id


def _runs(engine: Engine, cert_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM check_runs WHERE certificate_id = "
                                     "CAST(:c AS uuid)"), {"c": cert_id}).scalar_one())


def _uncovered(engine: Engine, cert_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT details->>'role' FROM findings WHERE certificate_id = CAST(:c AS uuid) "
            "AND status <> 'superseded' AND rule = 'no_layer_data'"), {"c": cert_id}).scalars())


def _blocks(tmp_path: Path, x: float, y: float) -> Path:
    path = tmp_path / f"blocks{secrets.token_hex(3)}.gpkg"
    gpd.GeoDataFrame({"BLOCK": ["B1"]}, geometry=[shapely.box(x - 500, y - 500, x + 500, y + 500)],
                     crs="EPSG:3059").to_file(path)
    return path


def test_replaced_layer_rechecks_certificates_in_its_extent(
    engine: Engine, tenant: dict[str, Account], tmp_path: Path,
) -> None:
    x, y = 450_000.0, 250_000.0
    cert_id = _cert_at(engine, tenant["owner"].org_id, x, y)
    assert "agriculture" in _uncovered(engine, cert_id)  # no layer there: never "clear"
    import_layer(engine, _blocks(tmp_path, x, y), LayerMeta(
        f"Blocks {secrets.token_hex(3)}", "agriculture", "vector"), store_dir=tmp_path)
    assert _runs(engine, cert_id) == 2
    assert "agriculture" not in _uncovered(engine, cert_id)


def test_big_batches_are_queued_for_the_batch_command(
    engine: Engine, tenant: dict[str, Account], tmp_path: Path, database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    x, y = 455_000.0, 255_000.0
    cert_id = _cert_at(engine, tenant["owner"].org_id, x, y)
    monkeypatch.setattr(subscriptions, "RECHECK_NOW_LIMIT", 0)
    import_layer(engine, _blocks(tmp_path, x, y), LayerMeta(
        f"Blocks {secrets.token_hex(3)}", "agriculture", "vector"), store_dir=tmp_path)
    assert _runs(engine, cert_id) == 1
    with engine.connect() as conn:
        ok, reason = submittable(conn, cert_id)
    assert not ok
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", database_url)
    assert main(["check", "--queued"]) == 0
    assert "certificates checked" in capsys.readouterr().out
    assert _runs(engine, cert_id) == 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM check_queue WHERE certificate_id = "
                                 "CAST(:c AS uuid)"), {"c": cert_id}).scalar_one() == 0


def test_geometry_change_rechecks_in_the_same_transaction(
    engine: Engine, tenant: dict[str, Account],
) -> None:
    cert_id = _cert_at(engine, tenant["owner"].org_id, 460_000.0, 260_000.0)
    with engine.begin() as conn:
        conn.execute(text("UPDATE felling_areas SET geom = ST_Multi(ST_Buffer(geom, 5)) "
                          "WHERE certificate_id = CAST(:c AS uuid)"), {"c": cert_id})
        events.emit(events.CERTIFICATE_GEOMETRY_CHANGED, conn, certificate_id=cert_id)
    assert _runs(engine, cert_id) == 2
