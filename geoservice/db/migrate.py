"""Forward-only numbered SQL migrations from ``postgis/``, each applied in its own transaction.

A migration file is ``NNN_name.sql``. Applied files are recorded in ``schema_migrations`` with a
checksum; a recorded file whose text changed is reported, never re-run. A session-level advisory
lock keeps two processes from migrating at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from geoservice.errors import ConfigurationError
from geoservice.settings import ROOT

MIGRATIONS_DIR = ROOT / "postgis"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_306_005_0074  # any constant; shared by every migrating process


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class MigrationState:
    migration: Migration
    applied: bool
    changed_since_applied: bool


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations in version order; a misnamed or duplicate-numbered file is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ConfigurationError(f"migration file {path.name!r} is not named NNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise ConfigurationError(
                f"migrations {found[version].path.name!r} and {path.name!r} share number {version}"
            )
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def status(engine: Engine, directory: Path = MIGRATIONS_DIR) -> list[MigrationState]:
    with engine.begin() as conn:
        conn.execute(text(_CREATE_TABLE))
        rows = conn.execute(text("SELECT version, checksum FROM schema_migrations")).all()
        applied: dict[int, str] = {int(v): str(c) for v, c in rows}
    return [
        MigrationState(m, m.version in applied,
                       m.version in applied and applied[m.version] != m.checksum)
        for m in discover(directory)
    ]


def migrate(
    engine: Engine,
    directory: Path = MIGRATIONS_DIR,
    on_applied: Callable[[Migration], None] | None = None,
) -> list[Migration]:
    """Apply every pending migration; returns those applied (empty when up to date)."""
    done: list[Migration] = []
    with engine.connect() as lock_conn:
        lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        try:
            with engine.begin() as conn:
                conn.execute(text(_CREATE_TABLE))
                rows = conn.execute(text("SELECT version FROM schema_migrations"))
                applied = {v for (v,) in rows}
            for migration in discover(directory):
                if migration.version in applied:
                    continue
                with engine.begin() as conn:
                    conn.exec_driver_sql(migration.sql)
                    conn.execute(
                        text(
                            "INSERT INTO schema_migrations (version, name, checksum) "
                            "VALUES (:v, :n, :c)"
                        ),
                        {"v": migration.version, "n": migration.name, "c": migration.checksum},
                    )
                done.append(migration)
                if on_applied:
                    on_applied(migration)
        finally:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            lock_conn.commit()
    return done
