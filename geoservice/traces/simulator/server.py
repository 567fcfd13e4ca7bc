"""The TRACES simulator over HTTP: a ThreadingHTTPServer, an in-process background runner for
tests, an in-process transport without sockets, and ``main(argv)`` for ``geoservice traces-sim``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import requests

from geoservice.traces.simulator.core import DEFAULT_ACCOUNTS, TracesSimulator

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, {"Content-Type": "text/plain"}, b"request too large")
            return
        body = self.rfile.read(length)
        status, headers, payload = self.server.simulator.handle(
            self.path, self.headers.get("SOAPAction", ""), body, self.client_address[0]
        )
        self._send(status, headers, payload)

    def do_GET(self) -> None:  # noqa: N802
        self._send(200, {"Content-Type": "text/plain"}, b"TRACES V3 simulator\n")

    def _send(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away before the answer (expected after a client timeout)")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("traces-sim %s " + format, self.client_address[0], *args)


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], simulator: TracesSimulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("traces-sim: error answering %s", client_address, exc_info=True)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}/tracesnt/"


@contextmanager
def run_simulator(
    simulator: TracesSimulator | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``simulator`` on a background thread; yields ``http://127.0.0.1:<port>/tracesnt/``."""
    server = SimulatorHTTPServer((host, port), simulator or TracesSimulator())
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="traces-sim", daemon=True
    )
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class _Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes


@dataclass
class SimulatorTransport:
    """A ``session`` for TracesClient that calls the simulator in-process, without sockets;
    a call slower than the client's timeout raises ``requests.ReadTimeout`` like HTTP would."""

    simulator: TracesSimulator
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(4))

    def post(self, url: str, **kwargs: Any) -> _Answer:
        headers = kwargs.get("headers") or {}
        future = self._pool.submit(
            self.simulator.handle, urlsplit(url).path, headers.get("SOAPAction", ""), kwargs["data"]
        )
        try:
            status, answer_headers, content = future.result(timeout=kwargs.get("timeout"))
        except FutureTimeout as exc:
            raise requests.exceptions.ReadTimeout(
                f"simulator took longer than {kwargs.get('timeout')} s"
            ) from exc
        return _Answer(status, answer_headers, content)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def serve(
    host: str = "127.0.0.1",
    port: int = 8089,
    delay_seconds: float = 20.0,
    accounts: Mapping[str, str] | None = None,
    rate_limit: int | None = 5,
) -> None:
    """Run the simulator until interrupted."""
    simulator = TracesSimulator(delay_seconds, accounts=accounts, rate_limit=rate_limit)
    server = SimulatorHTTPServer((host, port), simulator)
    print(f"TRACES V3 simulator at {server.base_url} (accounts: {', '.join(simulator.accounts)})")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geoservice traces-sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--delay", type=float, default=20.0, help="seconds until AVAILABLE")
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="USER:KEY",
        help=f"web-service account (repeatable; default {next(iter(DEFAULT_ACCOUNTS))}:…)",
    )
    parser.add_argument("--rate-limit", type=int, default=5, help="calls/s per client, 0 = off")
    args = parser.parse_args(argv)
    accounts: dict[str, str] = {}
    for item in args.account:
        user, sep, key = item.partition(":")
        if not sep or not user or not key:
            parser.error(f"--account wants USER:KEY, got {item!r}")
        accounts[user] = key
    serve(args.host, args.port, args.delay, accounts or None, args.rate_limit or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
