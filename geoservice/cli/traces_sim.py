"""``geoservice traces-sim``: the built-in TRACES V3 simulator over HTTP (used when
GEOSERVICE_TRACES_URL is unset)."""

from __future__ import annotations

import argparse

from geoservice.cli.common import settings
from geoservice.traces.simulator.server import serve


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("traces-sim", help="run the TRACES V3 simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="default: GEOSERVICE_TRACES_SIMULATOR_PORT")
    parser.add_argument("--delay", type=float,
                        help="seconds until AVAILABLE; default: "
                             "GEOSERVICE_TRACES_SIMULATOR_DELAY_SECONDS")
    parser.add_argument("--rate-limit", type=int, default=5,
                        help="calls per second per client, 0 = off (default 5, as TRACES)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    config = settings().traces
    port = args.port or config.simulator_port
    delay = config.simulator_delay_seconds if args.delay is None else args.delay
    serve(args.host, port, delay, None, args.rate_limit or None)
    return 0
