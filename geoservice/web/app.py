"""The composition root: ``create_app(settings)`` wires settings, database, routes and middleware.

Nothing connects at import time; the engine is created in the lifespan and disposed after.
"""

from __future__ import annotations

import gc
import os
import secrets
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from geoservice import __version__, events
from geoservice.db.engine import make_engine
from geoservice.errors import ConfigurationError, GeoserviceError
from geoservice.logs import configure_logging
from geoservice.ogc import formats
from geoservice.settings import ROOT, Settings
from geoservice.web import errors
from geoservice.web.middleware import (
    BodyLimitMiddleware,
    CatchAllMiddleware,
    MetricsMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from geoservice.web.routing import RouteTable, combine, openapi_document
from geoservice.web.templates import make_environment

SECRET_FILE = ROOT / "var" / "secret_key"
STATIC_DIR = ROOT / "web" / "static"
NODE_MODULES = ROOT / "node_modules"
VENDOR = {
    "leaflet": NODE_MODULES / "leaflet" / "dist",
    "geoman": NODE_MODULES / "@geoman-io" / "leaflet-geoman-free" / "dist",
}


def route_tables() -> list[RouteTable]:
    """Every route module's table; a new module is added here and nowhere else."""
    from geoservice.web.routes import docs, health, pages, session

    tables = [health.routes, session.routes, docs.routes, pages.routes]
    for name in _optional_route_modules():
        module = __import__(f"geoservice.web.routes.{name}", fromlist=["routes"])
        tables.append(module.routes)
    return tables


def _optional_route_modules() -> list[str]:
    """Route modules of the domain packages, discovered so each lands without editing this file."""
    folder = Path(__file__).parent / "routes"
    core = {"__init__", "docs", "health", "pages", "session"}
    return sorted(p.stem for p in folder.glob("*.py") if p.stem not in core)


def route_templates(routes: list[BaseRoute], prefix: str = "") -> dict[object, str]:
    """Endpoint → path template (``/api/v1/certificates/{id}``), the label of request metrics."""
    found: dict[object, str] = {}
    for route in routes:
        if isinstance(route, Route):
            found[route.endpoint] = prefix + route.path
        elif isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner:
                found.update(route_templates(list(inner), prefix + route.path))
            found[route.app] = prefix + route.path + "/{path}"
    return found


def _secret_key(settings: Settings) -> str:
    key = settings.web.secret_key.get_secret_value()
    if key:
        return key
    if settings.web.environment == "test":
        return secrets.token_urlsafe(32)
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive create: server processes starting together agree on one key
        fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another process may be between create and write
        key = SECRET_FILE.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise ConfigurationError(f"{SECRET_FILE} is empty; delete it or set GEOSERVICE_SECRET_KEY.")


def content_security_policy(settings: Settings) -> str:
    img = ["'self'", "data:", "blob:"]
    for url in (settings.web.basemap_url, settings.web.orthophoto_wms_url):
        if url.startswith("http"):
            origin = "/".join(url.split("/", 3)[:3])
            img.append(origin.replace("{s}", "*"))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {' '.join(img)}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def create_app(settings: Settings) -> Starlette:
    configure_logging(settings.web.log_level, settings.web.log_format)
    events.load_handlers()
    tables = route_tables()
    routes = combine(tables)
    routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    for name, folder in VENDOR.items():
        if folder.is_dir():
            routes.append(Mount(f"/vendor/{name}", StaticFiles(directory=folder), name=name))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from geoservice.statements.connect import ClientPool, service_account

        app.state.engine = make_engine(settings.database)
        # One thread per connection the pool may open (pool_size + max_overflow).
        app.state.db_threads = ThreadPoolExecutor(2 * settings.database.pool_size,
                                                  thread_name_prefix="db")
        pool = ClientPool(settings)
        # Verification asks TRACES with the service's own account (the simulator when unset).
        app.state.traces_service = pool.client(service_account(settings))
        try:
            yield
        finally:
            pool.close()
            app.state.db_threads.shutdown(wait=True, cancel_futures=True)
            app.state.engine.dispose()
            formats.shutdown_writers()

    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(MetricsMiddleware, templates=route_templates(routes)),
        Middleware(CatchAllMiddleware),
        Middleware(SecurityHeadersMiddleware, csp=content_security_policy(settings)),
        Middleware(BodyLimitMiddleware, max_bytes=int(settings.web.max_body_mb * 1_000_000)),
        Middleware(
            SessionMiddleware,
            secret_key=_secret_key(settings),
            session_cookie="geoservice_session",
            max_age=settings.web.session_hours * 3600,
            same_site="lax",
            https_only=settings.web.environment == "production",
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            GeoserviceError: errors.handle_geoservice_error,
            HTTPException: errors.handle_http_exception,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = make_environment()
    app.state.openapi = openapi_document(tables, title="geoservice API", version=__version__)
    return app


def app_from_environment() -> Starlette:
    """The app of one server process, settings from ``GEOSERVICE_*`` (uvicorn's factory)."""
    from geoservice.settings import load_settings

    app = create_app(load_settings())
    tune_gc()
    return app


# The cyclic garbage collector's first generation is collected after this many container
# allocations (CPython's default: 700). A server process allocates a few thousand per request
# (rows, dicts, tuples) and far more per export (one tuple per row): at the default, collections
# ran every few requests and walked each export's live batch again and again.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """For a long-running server process: everything loaded so far (modules, the app) is moved
    out of the collector's sight (``gc.freeze``: it lives as long as the process anyway), and
    collections come after ``GC_THRESHOLDS`` allocations (measured with ``python -m bench.load``,
    ``bench/README.md``). Cycles are still collected, only later."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)

