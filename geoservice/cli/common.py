"""Shared pieces of the commands: settings, engine, progress bars."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from sqlalchemy import Engine
from tqdm import tqdm

from geoservice.db.engine import make_engine
from geoservice.settings import Settings, load_settings

T = TypeVar("T")


def settings() -> Settings:
    return load_settings()


def engine(pool_size: int = 2) -> Engine:
    return make_engine(settings().database, pool_size=pool_size, max_overflow=2)


def progress(items: Iterable[T], *, total: int | None = None, label: str = "") -> Iterator[T]:
    """A progress bar on a terminal, silent when output is piped (CI logs stay readable)."""
    yield from tqdm(items, total=total, desc=label, unit="", leave=False, disable=None)
