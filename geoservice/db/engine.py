"""Engine construction; the URL comes from settings or the private cluster under var/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine

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


def make_engine(settings: DatabaseSettings, **overrides: object) -> Engine:
    """A pooled engine; connections are checked before use so a restarted database heals."""
    options: dict[str, object] = {
        "pool_size": settings.pool_size,
        "max_overflow": settings.pool_size,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "future": True,
    }
    options.update(overrides)
    return create_engine(database_url(settings), **options)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    with engine.begin() as conn:
        yield conn
