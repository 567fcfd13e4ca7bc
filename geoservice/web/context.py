"""Per-request access to settings and the database, with one unit of work per call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from geoservice.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


async def db(
    request: Request,
    fn: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run ``fn(conn, …)`` in a worker thread inside one transaction (committed on success)."""
    engine = engine_of(request)

    def work() -> T:
        with engine.begin() as conn:
            return fn(conn, *args, **kwargs)

    return await run_in_threadpool(work)


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """CPU-bound or blocking work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)
