"""Serve any VmdSource over the VMD HTTP contract on 127.0.0.1 (tests and local demos).

It lets the HTTP client be tested over real HTTP against the simulator, and lets a developer
point ``GEOSERVICE_VMD_URL`` at a local stand-in. Source errors map to the contract:
CertificateNotFound → 404, VmdUnavailable → 503, anything else VMD-ish → 502.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from geoservice.vmd.errors import CertificateNotFound, VmdError, VmdUnavailable
from geoservice.vmd.protocol import VmdSource
from geoservice.vmd.wire import certificate_to_geojson

PREFIX = "/certificates/"


def _handler(
    source: VmdSource, credentials: tuple[str, str] | None
) -> type[BaseHTTPRequestHandler]:
    expected = None
    if credentials is not None:
        expected = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
            return

        def _send(self, status: int, body: dict[str, Any], kind: str) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": {"code": code, "message": message}}, "application/json")

        def do_GET(self) -> None:
            if expected is not None and self.headers.get("Authorization") != expected:
                self._error(401, "unauthorized", "username or password is wrong")
                return
            if not self.path.startswith(PREFIX):
                self._error(404, "not_found", f"no resource {self.path}")
                return
            number = unquote(self.path[len(PREFIX):])
            try:
                certificate = source.fetch(number)
            except CertificateNotFound as e:
                self._error(404, "certificate_not_found", str(e))
            except VmdUnavailable as e:
                self._error(503, "unavailable", e.reason)
            except VmdError as e:
                self._error(502, "bad_gateway", str(e))
            else:
                self._send(200, certificate_to_geojson(certificate), "application/geo+json")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is normal here; nothing to print."""


@contextmanager
def serve(
    source: VmdSource, credentials: tuple[str, str] | None = None
) -> Iterator[str]:
    """Serve ``source`` in a background thread; yields the base URL, stops on exit."""
    server = _QuietServer(("127.0.0.1", 0), _handler(source, credentials))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="vmd-stub", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
