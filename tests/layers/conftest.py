"""Fixtures of the layer tests: a private database for fetches, the LAD WFS stand-in, settings."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geoservice.db.disposable import disposable_database
from geoservice.layers.fetch.http import Client
from geoservice.layers.fetch.simulator import LadWfs, from_sample
from geoservice.settings import CheckSettings, DatabaseSettings, FetchSettings, Settings
from tests.conftest import _admin_url

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "latvia"
LAD_SAMPLE = SHARED / "lad_lauki_2024_sample100_wfs_gml32.xml.gz"


@pytest.fixture(scope="module")
def fetch_db() -> Iterator[tuple[str, Engine]]:
    """A database of its own: fetched national layers never reach the other tests' verdicts."""
    with disposable_database(_admin_url(), "geoservice_fetch") as created:
        yield created


@pytest.fixture()
def fetch_settings(fetch_db: tuple[str, Engine], tmp_path: Path) -> Settings:
    return Settings(database=DatabaseSettings(url=fetch_db[0], pool_size=2),
                    check=CheckSettings(layers_dir=str(tmp_path / "layers")),
                    fetch=FetchSettings(backoff_seconds=0.01, retries=3, timeout_seconds=2.0))


@pytest.fixture()
def fast_client() -> Client:
    return Client(timeout=2.0, retries=3, backoff=0.01)


@pytest.fixture()
def lad() -> LadWfs:
    return from_sample(LAD_SAMPLE)


@dataclass
class RangeServer:
    """nginx serving a folder: static files with Range requests, ETag and Last-Modified."""

    url: str
    root: Path
    access_log: Path

    def requests(self) -> list[dict[str, str]]:
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        out = []
        for line in lines:
            method, uri, status, sent, ranged = line.split("\t")
            out.append({"method": method, "uri": uri, "status": status, "bytes": sent,
                        "range": ranged})
        return out


@pytest.fixture()
def range_server(tmp_path: Path) -> Iterator[RangeServer]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix = tmp_path / "nginx"
    root = tmp_path / "www"
    for folder in (prefix / "logs", prefix / "tmp", root):
        folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = prefix / "logs" / "access.log"
    (prefix / "nginx.conf").write_text(f"""
daemon off;
master_process off;
worker_processes 1;
error_log {prefix}/logs/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    log_format ranged '$request_method\\t$uri\\t$status\\t$body_bytes_sent\\t$http_range';
    access_log {log} ranged;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    types {{ image/tiff tif tiff; application/geopackage+sqlite3 gpkg; application/zip zip; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
""")
    process = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            errors = (prefix / "logs" / "error.log").read_text()
            raise RuntimeError(f"nginx did not start: {errors}")
        time.sleep(0.05)
    try:
        yield RangeServer(f"http://127.0.0.1:{port}", root, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
