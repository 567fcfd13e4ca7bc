"""A new layer version re-checks only the certificates that its changed features touch."""

from __future__ import annotations

import secrets
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from sqlalchemy import Engine, text

from geoservice.checks import subscriptions
from geoservice.checks.runner import check_certificates
from geoservice.cli.main import main
from geoservice.layers.fetch.simulator import LadWfs, SimFeature
from geoservice.layers.importer import import_layer
from geoservice.layers.registry import LayerMeta
from tests.conftest import make_org
from tests.factories import area, certificate, square, store_certificate

X, Y = 520_000.0, 330_000.0
EXTENT = f"{X - 1000},{Y - 1000},{X + 3000},{Y + 3000}"


def _block(oid: int, x: float, y: float, w: float = 200, h: float = 200) -> SimFeature:
    return SimFeature(oid, [("OBJECTID", oid), ("SHAPE", None)],
                      shapely.MultiPolygon([shapely.box(x, y, x + w, y + h)]))


def _forest(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "forest.tif"
    with rasterio.open(path, "w", driver="GTiff", width=400, height=400, count=1, dtype="uint8",
                       crs="EPSG:3059", nodata=255,
                       transform=Affine(10, 0, X - 1000, 0, -10, Y + 3000)) as dst:
        dst.write(np.ones((400, 400), dtype="uint8"), 1)
    import_layer(engine, path, LayerMeta(f"Forest {secrets.token_hex(3)}", "forest_2020",
                                         "raster"), store_dir=tmp_path / "store")
    box = tuple(float(v) for v in EXTENT.split(","))
    for role in ("deforestation_permit", "protected_area"):  # covered, nothing near the areas
        other = tmp_path / f"{role}.gpkg"
        gpd.GeoDataFrame({"purpose": ["construction"]},
                         geometry=[shapely.box(X + 2900, Y - 950, X + 2950, Y - 900)],
                         crs="EPSG:3059").to_file(other)
        import_layer(engine, other, LayerMeta(f"{role} {secrets.token_hex(3)}", role, "vector"),
                     store_dir=tmp_path / "store", extent=box)  # type: ignore[arg-type]


def _cert(engine: Engine, org: str, x: float, y: float) -> str:
    cert_id = store_certificate(engine, org, certificate(areas=[area(1, geometry=square(x, y))]))
    with engine.begin() as conn:
        check_certificates(conn, [cert_id])
    return cert_id


def _state(engine: Engine, ids: dict[str, str]) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        return {name: tuple(conn.execute(text(
            "SELECT c.verdict, (SELECT count(*) FROM check_runs r WHERE r.certificate_id = c.id) "
            "FROM certificates c WHERE c.id = CAST(:c AS uuid)"), {"c": cid}).one())
            for name, cid in ids.items()}


def _fetch(url: str, title: str) -> int:
    return main(["layers", "fetch", "wfs", url, "--type-name", "LAD:Lauki", "--role",
                 "agriculture", "--title", title, "--page-size", "2", "--extent", EXTENT])


@pytest.mark.parametrize("queued", [False, True], ids=["in the import", "queued, then run"])
def test_only_what_changed_is_rechecked_and_submitted_ones_only_alerted(
    queued: bool, fetch_db: tuple[str, Engine], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    url_db, engine = fetch_db
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", url_db)
    monkeypatch.setenv("GEOSERVICE_CHECK_LAYERS_DIR", str(tmp_path))
    if queued:
        monkeypatch.setattr(subscriptions, "RECHECK_NOW_LIMIT", 0)
    with engine.begin() as conn:  # the other case's layers and certificates are not this one's
        conn.execute(text("DELETE FROM certificates"))
        conn.execute(text("DELETE FROM layers"))
    _forest(engine, tmp_path)
    title = f"Blocks {secrets.token_hex(3)}"
    sim = LadWfs(type_name="Lauki", features=[
        _block(1, X, Y), _block(2, X + 1000, Y), _block(3, X + 2000, Y)])
    org, _ = make_org(engine)
    with sim.serve() as url:
        assert _fetch(url, title) == 0
        ids = {
            "moved_away": _cert(engine, org, X + 50, Y + 50),  # in block 1, which moves
            "unchanged": _cert(engine, org, X + 1050, Y + 50),  # in block 2, untouched
            "added_over": _cert(engine, org, X + 50, Y + 1050),  # where block 4 is added
            "removed": _cert(engine, org, X + 2050, Y + 50),  # in block 3, which goes
            "far": _cert(engine, org, X + 2800, Y + 2800),
            "submitted": _cert(engine, org, X + 50, Y + 1250),  # under block 4 too
        }
        with engine.begin() as conn:
            conn.execute(text("UPDATE certificates SET status = 'submitted' "
                              "WHERE id = CAST(:c AS uuid)"), {"c": ids["submitted"]})
        before = _state(engine, ids)
        assert before == {"moved_away": ("flagged", 1), "unchanged": ("flagged", 1),
                          "added_over": ("clear", 1), "removed": ("flagged", 1),
                          "far": ("clear", 1), "submitted": ("clear", 1)}
        capsys.readouterr()
        sim.features = [_block(1, X, Y - 600), _block(2, X + 1000, Y),
                        _block(4, X, Y + 1000, h=400)]
        assert _fetch(url, title) == 0
    out = capsys.readouterr().out
    assert "v2:" in out
    assert "re-check: 3 certificates re-checked of 4 affected" in out
    assert "2 features added or altered, 2 removed or altered since v1" in out
    assert "3 verdicts changed" in out and "1 submitted certificates would now be worse" in out
    assert _state(engine, ids) == {
        "moved_away": ("clear", 2), "unchanged": ("flagged", 1), "added_over": ("flagged", 2),
        "removed": ("clear", 2), "far": ("clear", 1), "submitted": ("clear", 1)}
    with engine.connect() as conn:
        history = conn.execute(text(
            "SELECT entity_id, action, changes->'verdict' AS verdict FROM audit_log "
            "WHERE action IN ('recheck', 'recheck_alert') AND organisation_id = :o "
            "ORDER BY entity_id"), {"o": org}).all()
        alert = conn.execute(text("SELECT certificate_id::text, previous_verdict, new_verdict, "
                                  "rules, status FROM recheck_alerts WHERE organisation_id = :o"),
                             {"o": org}).one()
        queue = conn.execute(text("SELECT count(*) FROM check_queue")).scalar_one()
    assert {(h.entity_id, h.action, tuple(h.verdict)) for h in history} == {
        (ids["moved_away"], "recheck", ("flagged", "clear")),
        (ids["added_over"], "recheck", ("clear", "flagged")),
        (ids["removed"], "recheck", ("flagged", "clear")),
        (ids["submitted"], "recheck_alert", ("clear", "flagged"))}
    assert tuple(alert) == (ids["submitted"], "clear", "flagged", ["forest_to_agriculture"],
                            "open")
    assert queue == 0
