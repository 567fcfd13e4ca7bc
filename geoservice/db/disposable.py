"""Disposable databases in the same PostgreSQL server: for the test suite and benchmarks."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geoservice.db.migrate import migrate


@contextmanager
def disposable_database(
    admin_url: str, prefix: str, *, pool_size: int = 5, migrated: bool = True
) -> Iterator[tuple[str, Engine]]:
    """(URL, engine) of a fresh database named ``<prefix>_<random>``, dropped afterwards.

    ``admin_url`` is any URL of the server whose role may create databases.
    """
    admin = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin_engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    try:
        if migrated:
            migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
