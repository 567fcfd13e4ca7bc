"""FlatGeobuf and GeoParquet downloads: read back by GDAL (ogrinfo/ogr2ogr) and geopandas,
same features and coordinates as the GeoJSON download, same tenancy, written in batches."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import geopandas
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.ogc import formats
from geoservice.ogc.collections import get_collection
from geoservice.ogc.query import FeatureQuery
from tests.conftest import bearer
from tests.factories import ORIGIN
from tests.ogc.conftest import World
from tests.operation.served import children

CRS84 = "?crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _ogr(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path)],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _corners(features: list[dict]) -> list[tuple[float, float]]:  # type: ignore[type-arg]
    return sorted((round(x, 6), round(y, 6)) for f in features
                  for x, y in f["geometry"]["coordinates"][0][0])


def _get(client: TestClient, path: str, headers: dict[str, str], tmp: Path) -> Path:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    target = tmp / path.split("?")[0].rsplit("/", 1)[-1]
    target.write_bytes(response.content)
    return target


def test_flatgeobuf_read_by_ogr(client: TestClient, world: World, tmp_path: Path) -> None:
    h = bearer(world.a["owner"])
    reference = client.get("/download/felling_areas.geojson", headers=h).json()["features"]
    path = _get(client, f"/download/felling_areas.fgb{CRS84}", h, tmp_path)
    info = subprocess.run(["ogrinfo", "-al", "-so", str(path)], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    assert "Feature Count: 2" in info and "FlatGeobuf" in subprocess.run(
        ["ogrinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "cirsma: Integer64" in info and "issued_on: Date" in info
    read = _ogr(path)["features"]
    assert sorted(f["properties"]["id"] for f in read) == sorted(f["id"] for f in reference)
    assert _corners(read) == _corners(reference)
    by_id = {f["id"]: f["properties"] for f in reference}
    for f in read:
        assert f["properties"]["ca_number"] == by_id[f["properties"]["id"]]["ca_number"]
    (tmp_path / "b").mkdir()
    theirs = _ogr(_get(client, "/download/felling_areas.fgb", bearer(world.b["owner"]),
                       tmp_path / "b"))
    assert {f["properties"]["certificate_id"] for f in theirs["features"]} == {world.cert_b}
    # Without crs: the storage CRS, EPSG:3059 (easting, northing in metres).
    layer_file = _get(client, f"/download/{world.layer_id}.fgb", h, tmp_path)
    assert "LKS92 / Latvia TM" in subprocess.run(["ogrinfo", "-al", "-so", str(layer_file)],
                                      capture_output=True, text=True, check=True).stdout
    lks = _ogr(layer_file)
    assert len(lks["features"]) == 6
    xs = [x for x, _ in _corners(lks["features"])]
    assert min(xs) == pytest.approx(ORIGIN[0] + 50, abs=0.01)  # easting first, in metres
    assert client.get("/download/felling_areas.fgb").status_code == 401
    assert client.get("/download/nope.fgb", headers=h).status_code == 404


def test_geoparquet_read_by_geopandas(client: TestClient, world: World, tmp_path: Path) -> None:
    h = bearer(world.a["owner"])
    reference = client.get("/download/felling_areas.geojson", headers=h).json()["features"]
    path = _get(client, f"/download/felling_areas.parquet{CRS84}", h, tmp_path)
    frame = geopandas.read_parquet(path)
    assert sorted(frame["id"]) == sorted(f["id"] for f in reference)
    assert frame.crs.to_string() == "OGC:CRS84"  # GeoParquet's default: lon/lat
    corners = sorted((round(x, 6), round(y, 6)) for g in frame.geometry
                     for x, y in g.geoms[0].exterior.coords)
    assert corners == _corners(reference)
    assert str(frame["cirsma"].dtype) == "int64"
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["primary_column"] == "geometry" and geo["version"] == "1.0.0"
    other = geopandas.read_parquet(io.BytesIO(client.get(
        f"/download/felling_areas.parquet{CRS84}", headers=bearer(world.b["owner"])).content))
    assert set(other["certificate_id"]) == {world.cert_b}
    lks = geopandas.read_parquet(io.BytesIO(client.get(
        f"/download/{world.layer_id}.parquet", headers=h).content))
    assert lks.crs.to_epsg() == 3059 and len(lks) == 6
    assert lks.total_bounds[0] == pytest.approx(ORIGIN[0] + 50, abs=0.01)
    assert sorted(lks["BLOCK_NUMBER"]) == [f"59{i:04d}" for i in range(6)]
    assert client.get("/download/felling_areas.parquet").status_code == 401


def test_written_batch_by_batch(engine: Engine, world: World, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Row groups of BATCH rows reach the client as they are written, not all at the end."""
    monkeypatch.setattr(formats, "BATCH", 2)
    with engine.connect() as conn:
        query = FeatureQuery(get_collection(conn, world.layer_id), None, crs=formats.DEFAULT_CRS)
    chunks = list(formats.geoparquet(engine, query))
    assert len([c for c in chunks if c]) >= 3
    (tmp_path / "l.parquet").write_bytes(b"".join(chunks))
    assert pq.ParquetFile(tmp_path / "l.parquet").num_row_groups == 3
    fgb = tmp_path / "l.fgb"
    fgb.write_bytes(b"".join(formats.flatgeobuf(engine, query)))
    assert len(_ogr(fgb)["features"]) == 6


def _helpers() -> set[int]:
    """This process's spawned children (the FlatGeobuf writers)."""
    return {pid for pid in children(os.getpid())
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()}


def test_flatgeobuf_writer_errors_and_deaths(engine: Engine, world: World,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """GDAL writes in a helper process: its error reaches the caller (no hang, no file left
    behind), and a helper that was killed is replaced for the next download."""
    folders = set(Path(tempfile.gettempdir()).glob("geoservice-fgb-*"))
    with engine.connect() as conn:
        query = FeatureQuery(get_collection(conn, world.layer_id), None, crs=formats.DEFAULT_CRS)
    bad = replace(query, crs=replace(query.crs, srid=999_999))  # GDAL knows no EPSG:999999
    with pytest.raises(Exception, match="999999"):
        b"".join(formats.flatgeobuf(engine, bad))
    assert set(Path(tempfile.gettempdir()).glob("geoservice-fgb-*")) == folders
    # The same with more rows than the pipe holds: this side meets the broken pipe first.
    real = list(formats.batches(engine, query, formats._schema(query.collection)))
    monkeypatch.setattr(formats, "batches", lambda *a, **k: iter(real * 3000))
    with pytest.raises(Exception, match="999999"):
        b"".join(formats.flatgeobuf(engine, bad))
    monkeypatch.undo()
    assert set(Path(tempfile.gettempdir()).glob("geoservice-fgb-*")) == folders
    assert len(b"".join(formats.flatgeobuf(engine, query))) > 0
    for pid in _helpers():
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:  # the first download after the kill may find the pool broken or a new helper
        try:
            data = b"".join(formats.flatgeobuf(engine, query))
            break
        except BrokenProcessPool:
            assert time.monotonic() < deadline
    assert data.startswith(b"fgb\x03")
    assert set(Path(tempfile.gettempdir()).glob("geoservice-fgb-*")) == folders
