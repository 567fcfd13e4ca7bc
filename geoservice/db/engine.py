"""Engine construction; the URL comes from settings or the private cluster under var/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from geoservice.errors import ConfigurationError
from geoservice.settings import ROOT, DatabaseSettings

PRIVATE_CLUSTER_URL_FILE = ROOT / "var" / "database_url"


def database_url(settings: DatabaseSettings) -> str:
    """The configured URL, else the one `scripts/pg.sh start` wrote for the private cluster."""
    if settings.url:
        url = settings.url
    elif PRIVATE_CLUSTER_URL_FILE.exists():
        url = PRIVATE_CLUSTER_URL_FILE.read_text().strip()
    else:
        raise ConfigurationError(
            "No database configured: set GEOSERVICE_DATABASE_URL or start the private "
            "cluster with `make db`."
        )
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def libpq_environment(url: str | URL) -> dict[str, str]:
    """``PG*`` variables for libpq tools (pg_dump, psql, MapServer) reaching the same database.

    Understands both TCP URLs and the private cluster's socket form
    (``postgresql+psycopg://user:pw@/db?host=/path/to/var/pg/run&port=54329``).
    """
    parsed = make_url(url) if isinstance(url, str) else url
    query = parsed.query

    def first(name: str) -> str | None:
        value = query.get(name)
        if isinstance(value, tuple):
            return value[0] if value else None
        return value

    env = {
        "PGHOST": parsed.host or first("host") or "127.0.0.1",
        "PGPORT": str(parsed.port or first("port") or 5432),
        "PGUSER": parsed.username or "",
        "PGDATABASE": parsed.database or "",
    }
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return env


def make_engine(settings: DatabaseSettings, **overrides: object) -> Engine:
    """A pooled engine; connections are checked before use so a restarted database heals.

    Connections are named ``geoservice-<pid>`` in ``pg_stat_activity``, so an operator sees
    which process holds them (every server process has its own pool).
    """
    options: dict[str, object] = {
        "pool_size": settings.pool_size,
        "max_overflow": settings.pool_size,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "future": True,
        "connect_args": {"application_name": f"geoservice-{os.getpid()}"},
    }
    options.update(overrides)
    engine = create_engine(database_url(settings), **options)
    event.listen(engine, "connect", _custom_plans)
    return engine


def _custom_plans(dbapi_connection: Any, _record: Any) -> None:
    """Plan every execution with its own parameter values.

    psycopg prepares a statement after its fifth use, and PostgreSQL then switches to a
    generic plan, in which a search geometry built from parameters (a CRS84 bbox transformed
    to EPSG:3059, a tile envelope, a CQL2 geometry) is no longer folded to a constant but
    recomputed for every row: the same OGC API count went from 9 to 120–140 ms. Statements
    stay prepared (no parsing), only planning is per execution.
    """
    with dbapi_connection.cursor() as cur:
        cur.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    with engine.begin() as conn:
        yield conn
