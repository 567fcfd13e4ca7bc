"""``python -m bench.gis.mapserv_cgi PORT``: MapServer's ``mapserv`` as CGI behind http.server.

One ``mapserv`` process per request, as under Apache or nginx + fcgiwrap in plain CGI mode:
the request's query string goes in ``QUERY_STRING``, the CGI headers come back on stdout and
the body is streamed to the client as mapserv writes it. The mapfile (``MS_MAPFILE``), the
MapServer config (``MAPSERVER_CONFIG_FILE``) and libpq's ``PG*`` variables come from this
process's environment. Standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class MapservHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when mapserv does

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        address = self.server.server_address
        assert isinstance(address, tuple)
        host, port = address[0], address[1]
        env = {**os.environ, "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
               "QUERY_STRING": urlsplit(self.path).query, "SCRIPT_NAME": "/mapserv",
               "SERVER_NAME": str(host), "SERVER_PORT": str(port),
               "SERVER_PROTOCOL": "HTTP/1.0"}
        proc = subprocess.Popen(["mapserv"], env=env, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        status, headers = 200, []
        while True:
            line = proc.stdout.readline().rstrip(b"\r\n")
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            else:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        while chunk := proc.stdout.read(65536):
            self.wfile.write(chunk)
        proc.wait()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def main(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), MapservHandler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
