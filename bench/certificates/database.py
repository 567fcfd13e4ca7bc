"""A separate, disposable benchmark database in the private cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from geoservice.db.disposable import disposable_database
from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE


@contextmanager
def bench_database() -> Iterator[tuple[str, Engine]]:
    """(URL, engine) of a fresh migrated database, dropped afterwards."""
    with disposable_database(PRIVATE_CLUSTER_URL_FILE.read_text().strip(),
                             "geoservice_bench_certs", pool_size=4) as (url, engine):
        yield url, engine
