"""Per-request access to settings and the database, with one unit of work per call."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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

    threads: ThreadPoolExecutor | None = getattr(request.app.state, "db_threads", None)
    if threads is None:
        return await run_in_threadpool(work)
    # The database's own threads (as many as the pool has connections): handing work to a
    # ThreadPoolExecutor (a C SimpleQueue) costs far less than anyio's worker hand-off
    # (queue.Queue with a Python Condition), the largest per-request cost in a profile of
    # small requests. The context (request id for logs) travels along as with anyio.
    call = contextvars.copy_context().run
    return await asyncio.get_running_loop().run_in_executor(threads, call, work)


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """CPU-bound or blocking work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)
