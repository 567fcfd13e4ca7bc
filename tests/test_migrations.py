"""Migrations apply on an empty database, are idempotent, and refuse misnamed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from geoservice.db.migrate import discover, migrate, status
from geoservice.errors import ConfigurationError


def test_every_migration_recorded_once(engine: Engine) -> None:
    with engine.connect() as conn:
        versions = [v for (v,) in conn.execute(text("SELECT version FROM schema_migrations"))]
    assert versions == sorted({m.version for m in discover()})


def test_second_run_applies_nothing_and_status_is_clean(engine: Engine) -> None:
    assert migrate(engine) == []
    states = status(engine)
    assert all(s.applied and not s.changed_since_applied for s in states)


def test_postgis_and_core_tables_exist(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT postgis_lib_version()")).scalar()
    tables = set(inspect(engine).get_table_names())
    for table in ("organisations", "users", "api_tokens", "audit_log", "certificates",
                  "felling_areas", "layers", "findings", "statements", "outbox", "charges"):
        assert table in tables


def test_species_table_matches_code_list(engine: Engine) -> None:
    from geoservice.certificates.species import SPECIES

    with engine.connect() as conn:
        rows = {r.code: (r.name_lv, r.scientific) for r in conn.execute(
            text("SELECT code, name_lv, scientific FROM species"))}
    assert rows == {c: (s.name_lv, s.scientific) for c, s in SPECIES.items()}


def test_misnamed_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "two.sql").write_text("SELECT 2;")
    with pytest.raises(ConfigurationError, match="two.sql"):
        discover(tmp_path)


def test_failed_migration_leaves_nothing_behind(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "901_good.sql").write_text("CREATE TABLE mig_probe_a (id int);")
    (tmp_path / "902_bad.sql").write_text(
        "CREATE TABLE mig_probe_b (id int); SELECT no_such_function();")
    eng = create_engine(database_url)
    try:
        with pytest.raises(Exception, match="no_such_function"):
            migrate(eng, tmp_path)
        tables = set(inspect(eng).get_table_names())
        assert "mig_probe_a" in tables and "mig_probe_b" not in tables
        with eng.begin() as conn:
            recorded = conn.execute(text(
                "SELECT count(*) FROM schema_migrations WHERE name IN ('good', 'bad')")).scalar()
            assert recorded == 1
            conn.execute(text("DROP TABLE mig_probe_a"))
            conn.execute(text("DELETE FROM schema_migrations WHERE name = 'good'"))
    finally:
        eng.dispose()
