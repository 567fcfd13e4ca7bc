"""``geoservice serve``: the web server, uvicorn with N worker processes (default: one per CPU).

Every worker process builds its own app from the environment (``app_from_environment``), so each
has its own connection pool of ``GEOSERVICE_DATABASE_POOL_SIZE``. uvicorn's supervisor replaces a
worker process that dies.
"""

from __future__ import annotations

import argparse
import os
import shutil

import uvicorn

from geoservice.cli.common import settings
from geoservice.errors import BadRequest
from geoservice.metrics import MULTIPROC_ENV
from geoservice.settings import ROOT

APP_FACTORY = "geoservice.web.app:app_from_environment"


def default_workers() -> int:
    """CPUs this process may run on (affinity and cgroup pinning respected where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run the web server")
    parser.add_argument("--host", help="default: GEOSERVICE_HOST")
    parser.add_argument("--port", type=int, help="default: GEOSERVICE_PORT")
    parser.add_argument("--workers", type=int, default=None,
                        help="server processes (default: GEOSERVICE_WORKERS, else one per CPU)")
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    config = settings()  # fail fast on bad settings before any worker starts
    workers = args.workers if args.workers is not None else (
        config.web.workers or default_workers())
    if workers < 1:
        raise BadRequest(f"--workers must be 1 or more, not {workers}.")
    host = args.host or config.web.host
    port = args.port or config.web.port
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Counters of every process in one folder, so /metrics adds them up whoever answers.
        folder = ROOT / "var" / "metrics" / f"serve-{port}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ[MULTIPROC_ENV] = str(folder)
    print(f"serving on http://{host}:{port} with {workers} worker process(es)", flush=True)
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=True, server_header=False,
                timeout_graceful_shutdown=20,
                # Longer than the idle timeout of common proxies and load balancers (60 s), so
                # the server never closes a kept-alive connection the client is about to reuse.
                timeout_keep_alive=75)
    return 0
