"""The servers under test, each its own process on 127.0.0.1 with a free port.

geoservice runs from the project's venv; tipg and pygeoapi from a separate venv
(``var/bench-venv``, created here when missing) so their dependencies never meet ours; MapServer
is Debian's ``mapserv`` as a FastCGI pool behind nginx (``bench/gis/fastcgi.py``). Every process
is started in its own session and stopped by its process id.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.gis import fastcgi
from bench.gis.database import BenchDb
from geoservice.settings import ROOT

HERE = Path(__file__).parent
BENCH_VENV = ROOT / "var" / "bench-venv"
# Versions measured; pinned so a rerun compares the same tools.
COMPARED = ("tipg==1.6.1", "pygeoapi==0.21.0", "geoalchemy2==0.20.0", "psycopg2-binary==2.9.13",
            "uvicorn==0.54.0", "py-spy==0.4.3")
MAPSERVER_HINT = ("MapServer 8 is not installed: `apt-get install -y mapserver-bin` "
                  "(Debian 12 ships 8.0.0) and run the benchmark again.")


@dataclass
class Server:
    name: str
    base: str  # URL prefix of the service
    pid: int
    log: Path
    version: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_bench_venv() -> Path:
    """The comparison venv's python, creating the venv and installing the tools if missing."""
    python = BENCH_VENV / "bin" / "python"
    probe = [str(python), "-c", "import tipg, pygeoapi, geoalchemy2, psycopg2"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {BENCH_VENV.relative_to(ROOT)} with {', '.join(COMPARED)} …", flush=True)
    subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *COMPARED], check=True)
    return python


def ensure_mapserver() -> str | None:
    """None when ``mapserv`` is there (installed now when root and missing), else why not."""
    if shutil.which("mapserv"):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's mapserver-bin (root, missing) …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", "-q", "mapserver-bin"], env=env,
                              capture_output=True, text=True)
        if done.returncode == 0 and shutil.which("mapserv"):
            return None
        return f"{MAPSERVER_HINT} (apt-get failed: {done.stderr.strip()[-200:]})"
    return MAPSERVER_HINT


def version_of(python: Path, package: str) -> str:
    out = subprocess.run([str(python), "-c", f"import importlib.metadata as m; "
                          f"print(m.version({package!r}))"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _wait(server: Server, url: str, headers: dict[str, str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        try:
            os.kill(server.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.3)
    tail = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.name} did not come up at {url}:\n{tail}")


@contextmanager
def _process(name: str, argv: list[str], env: dict[str, str], workdir: Path, base: str,
             ready: str, headers: dict[str, str] | None = None) -> Iterator[Server]:
    log = workdir / f"{name.split()[0].lower()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(name, base, proc.pid, log)
    try:
        _wait(server, base + ready, headers or {})
        yield server
    finally:
        # The process leads its own session: signal that group (its CGI children too).
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _base_env(db: BenchDb) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ} | db.libpq


def ours(db: BenchDb, token: str, workdir: Path) -> AbstractContextManager[Server]:
    port = free_port()
    url = db.url.render_as_string(hide_password=False)
    return _process("geoservice", [sys.executable, "-m", "bench.gis.serve_ours", url, str(port)],
                    {**_base_env(db), "PYTHONPATH": str(ROOT)}, workdir,
                    f"http://127.0.0.1:{port}", "/ogc/collections/felling_areas",
                    {"Authorization": f"Bearer {token}"})


def tipg(db: BenchDb, python: Path, workdir: Path) -> AbstractContextManager[Server]:
    port = free_port()
    dsn = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    socket_dir = db.url.query.get("host")
    if not db.url.host and isinstance(socket_dir, str):
        # The private cluster's Unix socket, in the authority (percent-encoded, as asyncpg
        # reads it): the pydantic the venv gets now (2.14) refuses an empty host.
        pg_port = db.url.query.get("port") or db.url.port or 5432
        dsn = (f"postgresql://{quote(db.url.username or '', safe='')}:"
               f"{quote(db.url.password or '', safe='')}@{quote(socket_dir, safe='')}:{pg_port}/"
               f"{db.url.database}")
    env = {**_base_env(db), "DATABASE_URL": dsn,
           "TIPG_DB_TABLES": '["public.bench_felling_areas", "public.bench_fields"]',
           "TIPG_DB_FUNCTIONS": "[]"}
    argv = [str(python), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "warning", "--no-access-log"]
    return _process("tipg", argv, env, workdir, f"http://127.0.0.1:{port}",
                    "/collections/public.bench_felling_areas")


@contextmanager
def pygeoapi(db: BenchDb, python: Path, workdir: Path) -> Iterator[Server]:
    port = free_port()
    openapi = workdir / "pygeoapi-openapi.yml"
    env = {**_base_env(db), "BENCH_PORT": str(port),
           "PYGEOAPI_CONFIG": str(HERE / "pygeoapi.yml"), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(python.parent / "pygeoapi"), "openapi", "generate",
                    env["PYGEOAPI_CONFIG"], "--output-file", str(openapi)], env=env, cwd=workdir,
                   check=True, capture_output=True)
    argv = [str(python), "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log"]
    with _process("pygeoapi", argv, env, workdir, f"http://127.0.0.1:{port}",
                  "/collections/felling_areas?f=json") as server:
        yield server


@contextmanager
def mapserver(db: BenchDb, workdir: Path) -> Iterator[Server]:
    """``mapserv`` as two FastCGI processes (spawn-fcgi) behind nginx."""
    fcgi_port, port = free_port(), free_port()
    mapfile = str(HERE / "felling_areas.map")
    env = {**_base_env(db), "MAPSERVER_CONFIG_FILE": str(HERE / "mapserver.conf"),
           "MS_MAPFILE": mapfile}
    # fcgi_stdio swaps the process environment for each request's FastCGI parameters, so
    # libpq's PG* variables and MapServer's own travel as parameters from nginx.
    params = {k: v for k, v in env.items() if k.startswith(("PG", "MS_", "MAPSERVER_"))}
    with fastcgi.pool([shutil.which("mapserv") or "mapserv"], fcgi_port, env, workdir):
        conf = fastcgi.nginx_conf(workdir, port, [("/mapserv", fcgi_port, params)])
        argv = ["nginx", "-p", str(workdir), "-c", str(conf)]
        with _process("MapServer", argv, env, workdir, f"http://127.0.0.1:{port}/mapserv",
                      "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities") as server:
            yield server


QGIS_FCGI = Path("/usr/lib/cgi-bin/qgis_mapserv.fcgi")


@contextmanager
def qgis_server(db: BenchDb, workdir: Path) -> Iterator[Server]:
    """QGIS Server (``qgis_mapserv.fcgi``) as two FastCGI processes behind nginx: WFS 1.1 at
    ``base`` and OGC API Features at ``base/wfs3``."""
    if not QGIS_FCGI.exists():
        raise RuntimeError(f"{QGIS_FCGI} is missing: scripts/system-deps.sh bench installs "
                           "qgis-server")
    project = workdir / "bench.qgs"
    env = {**_base_env(db), "QT_QPA_PLATFORM": "offscreen", "HOME": str(workdir),
           "XDG_RUNTIME_DIR": str(workdir)}
    subprocess.run(["/usr/bin/python3", str(HERE / "qgis_project.py"), str(project)], env=env,
                   cwd=workdir, check=True, capture_output=True, timeout=300)
    env |= {"QGIS_PROJECT_FILE": str(project), "QGIS_SERVER_LOG_STDERR": "1",
            "QGIS_SERVER_LOG_LEVEL": "2", "MAX_CACHE_LAYERS": "10"}
    fcgi_port, port = free_port(), free_port()
    with fastcgi.pool([str(QGIS_FCGI)], fcgi_port, env, workdir):
        conf = fastcgi.nginx_conf(workdir, port, [("/qgis", fcgi_port,
                                                   {"QGIS_PROJECT_FILE": str(project)})])
        argv = ["nginx", "-p", str(workdir), "-c", str(conf)]
        with _process("QGIS Server", argv, env, workdir, f"http://127.0.0.1:{port}/qgis",
                      "?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetCapabilities") as server:
            yield server


@dataclass
class Fleet:
    ours: Server
    tipg: Server | None
    pygeoapi: Server | None
    mapserver: Server | None
    qgis: Server | None
    missing: dict[str, str]


@contextmanager
def fleet(db: BenchDb, token: str, workdir: Path) -> Iterator[Fleet]:
    """Every server that can run here; ``missing`` says why any other cannot."""
    missing: dict[str, str] = {}
    with ExitStack() as stack:
        mine = stack.enter_context(ours(db, token, workdir))
        mine.version = version_of(Path(sys.executable), "geoservice")
        tipg_server: Server | None = None
        pygeoapi_server: Server | None = None
        ms_server: Server | None = None
        try:
            python = ensure_bench_venv()
        except subprocess.CalledProcessError as exc:
            missing["tipg"] = missing["pygeoapi"] = f"{BENCH_VENV} could not be set up: {exc}"
        else:
            for name in ("tipg", "pygeoapi"):
                start = tipg if name == "tipg" else pygeoapi
                try:
                    server = stack.enter_context(start(db, python, workdir))
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    missing[name] = f"{name} did not start: {str(exc)[-300:]}"
                    continue
                server.version = version_of(python, name)
                if name == "tipg":
                    tipg_server = server
                else:
                    pygeoapi_server = server
        why = ensure_mapserver() or fastcgi.missing()
        if why:
            missing["MapServer"] = why
        else:
            try:
                ms_server = stack.enter_context(mapserver(db, workdir))
                done = subprocess.run(["mapserv", "-v"], capture_output=True, text=True)
                ms_server.version = done.stdout.split()[2] if done.stdout else "?"
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                missing["MapServer"] = f"mapserv did not answer: {str(exc)[-300:]}"
        qgis_srv: Server | None = None
        why = fastcgi.missing()
        if why:
            missing["QGIS Server"] = why
        else:
            try:
                qgis_srv = stack.enter_context(qgis_server(db, workdir))
                done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "qgis-server"],
                                      capture_output=True, text=True)
                qgis_srv.version = done.stdout.split("+")[0] or "?"
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                missing["QGIS Server"] = f"QGIS Server did not start: {str(exc)[-300:]}"
        yield Fleet(mine, tipg_server, pygeoapi_server, ms_server, qgis_srv, missing)
