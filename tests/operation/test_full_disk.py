"""A full disk during an upload: 507 in the error shape, in the caller's language; nothing kept.

Every disk here is real: a small tmpfs mounted for the test and filled to its last block. It
stands for the folder uploads are spooled and unpacked in (TMPDIR: ``tempfile.tempdir``), for
the layer store, and for a PostgreSQL tablespace holding the mandates table.
"""

from __future__ import annotations

import errno
import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

from geoservice.db.disposable import disposable_database
from geoservice.errors import InsufficientStorage
from geoservice.layers.importer import import_layer
from geoservice.layers.registry import LayerMeta
from geoservice.settings import ROOT, DatabaseSettings, Settings
from geoservice.vmd.simulator import VmdSimulator
from tests.conftest import _admin_url, bearer, make_org, make_user

LV_FULL = "Servera krātuve ir pilna; nekas netika saglabāts."
EN_FULL = "The server's storage is full; nothing was saved."


@contextmanager
def small_disk(where: Path, size: str = "1m", owner: str | None = None) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``where`` (owned by ``owner``), unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0700"
    if owner is not None:
        import pwd

        entry = pwd.getpwnam(owner)
        options += f",uid={entry.pw_uid},gid={entry.pw_gid}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)


def fill(disk: Path) -> None:
    """Write zeros until the disk refuses the next block."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    assert free(disk) < 4096


def free(disk: Path) -> int:
    stat = os.statvfs(disk)
    return stat.f_bavail * stat.f_frsize


def _assert_storage_full(client: TestClient, url: str, headers: dict[str, str],
                         files: dict[str, tuple[str, bytes, str]]) -> None:
    """507 in the one error shape: in the user's Latvian, and in English when asked."""
    for query, words in (("", LV_FULL), ("?lang=en", EN_FULL)):
        answer = client.post(url + query, files=files, headers=headers)
        assert answer.status_code == 507, answer.text
        error = answer.json()["error"]
        assert set(error) == {"code", "message", "messages", "details"}
        assert error["code"] == "storage_full"
        assert error["message"].startswith(words), error
        assert error["messages"]["lv"].startswith(LV_FULL)
        assert answer.headers["retry-after"] == "60"


def _count(engine: Engine, table: str, org_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE "  # noqa: S608
                                     "organisation_id = CAST(:o AS uuid)"), {"o": org_id})
                   .scalar_one())


@pytest.fixture()
def full_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TMPDIR of this process on a full 1 MB disk: where uploads are spooled and unpacked."""
    with small_disk(tmp_path / "tmp") as disk:
        fill(disk)
        monkeypatch.setattr(tempfile, "tempdir", str(disk))
        yield disk
        monkeypatch.undo()


def _geojson(tmp_path: Path) -> bytes:
    import geopandas as gpd

    cert = VmdSimulator().fetch(VmdSimulator().numbers()[0])
    frame = gpd.GeoDataFrame(
        [{"ca_nr": cert.ca_number, "cirsma": a.cirsma, "kadastrs": a.cadastral_designation,
          "kvart": a.quarter, "nog": a.compartment, "anog": a.sub_compartment or "0",
          "cirtes_veids": a.felling_type, "izp_veids": a.execution_method,
          "izsn_dat": cert.issued_on.isoformat(), "deriga_lidz": cert.valid_until.isoformat(),
          "platiba": a.area_ha, "vieta": cert.place, "geometry": a.geometry}
         for a in cert.areas], geometry="geometry", crs="EPSG:3059")
    path = tmp_path / "extract.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path.read_bytes()


def test_certificate_import_on_a_full_disk_is_507_and_keeps_nothing(
        client: TestClient, engine: Engine, org_a, full_tmpdir: Path, tmp_path: Path) -> None:
    owner = org_a["owner"]
    files = {"file": ("mezi.geojson", _geojson(tmp_path), "application/geo+json")}
    before = free(full_tmpdir)
    _assert_storage_full(client, "/api/v1/certificates/import", bearer(owner), files)
    assert _count(engine, "certificates", owner.org_id) == 0
    assert sorted(os.listdir(full_tmpdir)) == ["filler"], "no unpacked file left behind"
    assert free(full_tmpdir) == before
    # With room again the very same upload goes through: it was the disk, nothing else.
    (full_tmpdir / "filler").unlink()
    assert client.post("/api/v1/certificates/import", files=files,
                       headers=bearer(owner)).status_code == 201
    assert _count(engine, "certificates", owner.org_id) == 1


def test_mandate_spooled_to_a_full_disk_is_507_and_keeps_nothing(
        settings: Settings, engine: Engine, org_a, full_tmpdir: Path) -> None:
    from geoservice.web.app import create_app

    # Uploads over 1 MB are spooled to TMPDIR by the multipart parser.
    app = create_app(settings.model_copy(update={"web": settings.web.model_copy(
        update={"max_body_mb": 4.0})}))
    owner = org_a["owner"]
    pdf = b"%PDF-1.7\n" + secrets.token_bytes(1_300_000)
    files = {"file": ("pilnvara.pdf", pdf, "application/pdf")}
    # Room for a part of the spooled upload: it is written, then the disk is full.
    filler = full_tmpdir / "filler"
    os.truncate(filler, filler.stat().st_size - 256 * 1024)
    before = free(full_tmpdir)
    assert before >= 256 * 1024
    with TestClient(app, raise_server_exceptions=False) as client:
        _assert_storage_full(client, "/api/v1/mandates", bearer(owner), files)
    assert _count(engine, "mandates", owner.org_id) == 0
    assert free(full_tmpdir) == before, "the spooled part of the upload was released"


def test_mandate_on_a_full_database_disk_is_507_and_keeps_nothing(settings: Settings) -> None:
    """The mandates table in a tablespace on a full disk: PostgreSQL's disk_full, not a 503."""
    space = f"full_{secrets.token_hex(3)}"
    # Under var/ (the server's user reaches it, as it reaches var/pg), not in a private tmp.
    mount = ROOT / "var" / f"test-{space}"
    try:
        with small_disk(mount, "1m", owner="postgres") as disk, \
                disposable_database(_admin_url(), "geoservice_diskfull") as (url, engine):
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f"CREATE TABLESPACE {space} LOCATION '{disk}'"))
                    conn.execute(text(f"ALTER TABLE mandates SET TABLESPACE {space}"))
                org_id, reg_no = make_org(engine)
                owner = make_user(engine, org_id, reg_no, "owner")
                _fill_tablespace(admin, space)
                from geoservice.web.app import create_app

                app = create_app(settings.model_copy(
                    update={"database": DatabaseSettings(url=url, pool_size=2)}))
                pdf = b"%PDF-1.7\n" + secrets.token_bytes(200_000)
                files = {"file": ("pilnvara.pdf", pdf, "application/pdf")}
                with TestClient(app, raise_server_exceptions=False) as client:
                    _assert_storage_full(client, "/api/v1/mandates", bearer(owner), files)
                assert _count(engine, "mandates", org_id) == 0
            finally:
                with admin.connect() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS filler"))
                    conn.execute(text("ALTER TABLE mandates SET TABLESPACE pg_default"))
                admin.dispose()
                engine.dispose()
    finally:
        drop = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with drop.connect() as conn:
            conn.execute(text(f"DROP TABLESPACE IF EXISTS {space}"))
        drop.dispose()
        mount.rmdir()


def _fill_tablespace(admin: Engine, space: str) -> None:
    """A table in the tablespace, grown row by row until PostgreSQL reports the disk full."""
    with admin.connect() as conn:
        conn.execute(text(f"CREATE TABLE filler (b bytea) TABLESPACE {space}"))
        conn.execute(text("ALTER TABLE filler ALTER b SET STORAGE EXTERNAL"))
        for _ in range(400):
            try:
                conn.execute(text("INSERT INTO filler VALUES (:b)"),
                             {"b": secrets.token_bytes(6000)})
            except Exception as exc:  # noqa: BLE001 - DiskFull is what we wait for
                assert "No space left on device" in str(exc), exc
                break
        else:
            raise AssertionError("the tablespace never filled")


def test_a_raster_layer_on_a_full_store_leaves_no_file_and_no_version(
        engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "forest.tif"
    noise = np.random.default_rng(1).integers(0, 250, (1200, 1200), dtype="uint8")
    with rasterio.open(source, "w", driver="GTiff", width=1200, height=1200, count=1,
                       dtype="uint8", crs="EPSG:3059", nodata=255,
                       transform=Affine(10, 0, 420_000, 0, -10, 200_000)) as dst:
        dst.write(noise, 1)
    title = f"Forest on a full disk {secrets.token_hex(4)}"
    with small_disk(tmp_path / "store", "1m") as store:
        with pytest.raises(InsufficientStorage) as info:
            import_layer(engine, source, LayerMeta(title, "forest_2020", "raster"),
                         store_dir=store)
        assert "is full" in info.value.message and "forest.tif" in info.value.message
        leftovers = [p for p in store.rglob("*") if p.is_file()]
        assert leftovers == [], "no half-written raster"
        assert free(store) > 1_000_000
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers WHERE title = :t"),
                            {"t": title}).scalar_one() == 0
