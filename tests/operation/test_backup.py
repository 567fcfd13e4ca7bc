"""backup → restore into a fresh cluster → identical row counts, contents and checksums."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from geoservice.accounts import store
from geoservice.cli.main import main
from geoservice.db.backup import mandate_checksums, row_counts
from geoservice.statements import mandates
from tests.conftest import Account
from tests.operation.conftest import Cluster

PDF = b"%PDF-1.7\n% a signed mandate, as far as this test is concerned\n%%EOF\n"


def _contents(engine: Engine) -> dict[str, str]:
    """An MD5 over each table's rows in a stable order: equal contents, equal digests."""
    with engine.connect() as conn:
        tables = list(row_counts(conn))
        return {t: str(conn.execute(text(
            f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {t} r"
        )).scalar_one()) for t in tables}


def _use(monkeypatch: pytest.MonkeyPatch, url: str, layers_dir: Path) -> None:
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", url)
    monkeypatch.setenv("GEOSERVICE_CHECK_LAYERS_DIR", str(layers_dir))


@pytest.mark.slow
def test_backup_then_restore_into_a_fresh_cluster_is_identical(
        engine: Engine, database_url: str, demo_layers: str, layers_dir: Path,
        org_a: dict[str, Account], new_clusters: list[Cluster], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with engine.begin() as conn:
        owner = store.authenticate_token(conn, org_a["owner"].token)
        mandates.create(conn, owner, owner.organisation_id, "pilnvara.pdf", PDF)
        rasters = [Path(p) for (p,) in conn.execute(text(
            "SELECT raster_path FROM layer_versions WHERE raster_path IS NOT NULL"))]
        before_counts = row_counts(conn)
        before_mandates = mandate_checksums(conn)
    before_contents = _contents(engine)
    assert rasters, "the demo layers include a raster"

    _use(monkeypatch, database_url, layers_dir)
    folder = tmp_path / "backup-1"
    assert main(["backup", str(folder)]) == 0
    assert "backup written" in capsys.readouterr().out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["row_counts"] == before_counts
    assert manifest["mandates"] == before_mandates
    assert {f["path"] for f in manifest["files"]} >= {str(p.resolve()) for p in rasters}
    assert not (tmp_path / "backup-1.partial").exists()
    assert main(["backup", str(folder)]) == 1  # never over an existing folder
    assert "already exists" in capsys.readouterr().err

    # The raster files are gone too, as on a new machine; restore puts them back.
    raster_bytes = {p: p.read_bytes() for p in rasters}
    for path in rasters:
        path.unlink()
    target = new_clusters[1]
    target.pg("start")
    _use(monkeypatch, target.url, layers_dir)
    assert main(["restore", str(folder)]) == 0
    assert "counts match the manifest" in capsys.readouterr().out
    restored = create_engine(target.url)
    try:
        with restored.connect() as conn:
            assert row_counts(conn) == before_counts
            assert mandate_checksums(conn) == before_mandates
            assert sum(before_counts.values()) > 100
        assert _contents(restored) == before_contents
    finally:
        restored.dispose()
    assert {p: p.read_bytes() for p in rasters} == raster_bytes

    # Into a database that is not empty: refused, nothing touched.
    assert main(["restore", str(folder)]) == 1
    assert "Restore needs an empty database" in capsys.readouterr().err


def test_a_damaged_backup_is_refused_before_anything_happens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"PGDMP not really")
    (folder / "manifest.json").write_text(json.dumps({
        "format": 1, "database": {"file": "database.dump", "sha256": "0" * 64},
        "files": [], "row_counts": {}, "mandates": {}}))
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", "postgresql+psycopg://nobody@/nowhere")
    assert main(["restore", str(folder)]) == 1
    assert "The backup is damaged: database.dump" in capsys.readouterr().err
    assert main(["restore", str(tmp_path)]) == 1
    assert "has no manifest.json" in capsys.readouterr().err
