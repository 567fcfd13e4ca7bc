"""A separate, disposable benchmark database in the private cluster."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE
from geoservice.db.migrate import migrate


@contextmanager
def bench_database() -> Iterator[tuple[str, Engine]]:
    """(URL, engine) of a fresh migrated database, dropped afterwards."""
    admin = make_url(PRIVATE_CLUSTER_URL_FILE.read_text().strip()
                     .replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"geoservice_bench_checks_{secrets.token_hex(3)}"
    admin_engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=4)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
