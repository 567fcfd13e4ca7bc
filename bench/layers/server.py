"""nginx (Debian ``nginx-light``) serving the pre-rendered WFS pages and the COG on 127.0.0.1.

The server does no work per request beyond sending a file, so the harvest measures the client:
``GET /wfs?…request=GetFeature…&startIndex=N&count=10000`` sends ``pages/N.xml`` (``pages`` is a
symlink, switched between versions between fetches), ``resultType=hits`` an answer with
``numberMatched="unknown"`` as ArcGIS gives, GetCapabilities and DescribeFeatureType small static
documents; any other page index or page size is a 404/400, so a harvester that pages wrongly
fails loudly. The raster is a plain static file (byte ranges work as they do for any file).
The access log records each request's ``Range`` header and body bytes sent.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.layers import wfs

NGINX_HINT = ("nginx is not installed: `apt-get install -y nginx-light` "
              "(scripts/system-deps.sh) and run the benchmark again.")

CONFIG = """\
daemon off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 256; }}
http {{
    types {{ image/tiff tif; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    log_format bench '$msec $status "$request_uri" "$http_range" $body_bytes_sent $request_time';
    map $arg_startIndex $start_index {{ "" 0; default $arg_startIndex; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        access_log {run}/access.log bench;
        location = /wfs {{
            default_type "{content_type}";
            if ($arg_request ~* "^GetCapabilities$") {{ rewrite ^ /static/capabilities.xml last; }}
            if ($arg_request ~* "^DescribeFeatureType$") {{ rewrite ^ /static/describe.xsd last; }}
            if ($arg_request !~* "^GetFeature$") {{ return 400; }}
            if ($args !~* "typeNames?=(LAD(:|%3A))?lauku_bloki") {{ return 400; }}
            if ($arg_resultType ~* "^hits$") {{ rewrite ^ /static/hits.xml last; }}
            if ($arg_count != "{page_size}") {{ return 400; }}
            try_files /pages/$start_index.xml =404;
        }}
        location /static/ {{ internal; default_type "{content_type}"; }}
        location /pages/ {{ internal; default_type "{content_type}"; }}
        location = /{raster} {{ }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    pid: int
    run: Path
    root: Path

    @property
    def wfs_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wfs"

    def raster_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def serve_pages(self, folder: Path) -> None:
        """Point ``/wfs`` at another version's pages (atomically)."""
        link = self.root / "pages"
        tmp = self.root / "pages.new"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(folder.resolve(), target_is_directory=True)
        os.replace(tmp, link)

    def log_mark(self) -> int:
        """Where the access log ends now (for ``transfers`` after it)."""
        log = self.run / "access.log"
        return log.stat().st_size if log.exists() else 0

    def transfers(self, since: int = 0) -> dict[str, Any]:
        """Requests and body bytes since ``since``, by kind (wfs, raster), from the access log."""
        out: dict[str, Any] = {}
        with (self.run / "access.log").open("rb") as fh:
            fh.seek(since)
            for raw in fh:
                parts = raw.decode().rsplit(" ", 2)
                head, sent = parts[0], int(parts[1])
                status = head.split(" ", 2)[1]
                kind = "wfs" if '"/wfs' in head else "raster"
                entry = out.setdefault(kind, {"requests": 0, "bytes": 0, "ranges": 0,
                                              "status": {}})
                entry["requests"] += 1
                entry["bytes"] += sent
                entry["ranges"] += '"bytes=' in head
                entry["status"][status] = entry["status"].get(status, 0) + 1
        return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


@contextmanager
def nginx(base: Path, raster: Path, pages: Path, page_size: int) -> Iterator[Nginx]:
    """nginx on a free port serving ``pages`` and ``raster``; stopped (by its pid) afterwards."""
    binary = nginx_binary()
    if binary is None:
        raise SystemExit(NGINX_HINT)
    base.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix="nginx-", dir=base))
    run.chmod(0o755)  # the worker runs as nobody when started by root
    root = run / "root"
    (root / "static").mkdir(parents=True)
    (root / "static" / "capabilities.xml").write_bytes(wfs.capabilities())
    (root / "static" / "describe.xsd").write_bytes(wfs.describe_feature_type())
    (root / "static" / "hits.xml").write_bytes(wfs.hits("2026-11-30T05:12:44Z"))
    (root / raster.name).symlink_to(raster.resolve())
    port = free_port()
    conf = run / "nginx.conf"
    conf.write_text(CONFIG.format(run=run, root=root, port=port, page_size=page_size,
                                  content_type=wfs.CONTENT_TYPE, raster=raster.name))
    server = Nginx(port=port, pid=0, run=run, root=root)
    server.serve_pages(pages)
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(run), "-e",
                             str(run / "error.log")], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server.pid = proc.pid
    try:
        _wait_up(server, proc)
        yield server
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(run, ignore_errors=True)


def _wait_up(server: Nginx, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"nginx exited ({proc.returncode}): {err.strip()}")
        try:
            httpx.get(server.wfs_url, params={"service": "WFS", "request": "GetCapabilities"},
                      timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not answer within 10 s")
