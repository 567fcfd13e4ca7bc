"""``geoservice serve``: the web server (uvicorn)."""

from __future__ import annotations

import argparse

import uvicorn

from geoservice.cli.common import settings
from geoservice.web.app import create_app


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run the web server")
    parser.add_argument("--host", help="default: GEOSERVICE_HOST")
    parser.add_argument("--port", type=int, help="default: GEOSERVICE_PORT")
    parser.add_argument("--workers", type=int, default=1)
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    config = settings()
    host = args.host or config.web.host
    port = args.port or config.web.port
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                proxy_headers=True, server_header=False)
    return 0
