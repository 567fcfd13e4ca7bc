"""``geoservice serve``: the web server, uvicorn with N worker processes (default: one per CPU).

Every worker process builds its own app from the environment (``app_from_environment``), so each
has its own connection pool of ``GEOSERVICE_DATABASE_POOL_SIZE``. uvicorn's supervisor replaces a
worker process that dies.

With more than one worker, and when the kernel moves the connections queued at a closing
listener to the others (``net.ipv4.tcp_migrate_req = 1``, Linux 5.14+; ``make`` sets it through
``scripts/kernel.sh``, ``deploy/60-geoservice.conf`` on a server), each process listens on its
own socket (``SO_REUSEPORT``) and the kernel spreads new connections over them. Without that
setting a worker that dies would take the connections waiting in its own queue with it, so the
processes keep uvicorn's one shared socket and ``serve`` says so. That shared socket lets
whichever process wakes first accept a whole burst of connections: under 100 kept-alive
clients one of two workers held 70 connections and the other 30 (``ss -tnp``), so the busy one's
requests waited twice as long (20 s ``bench.load`` runs: p99 1.35 s, against 0.77 s with one
worker). The parent binds the port first (without listening) so a port in use is refused before
any worker starts, and holds a machine-wide lock (an abstract Unix socket named after the port)
so a second ``geoservice serve`` cannot join the same port's group and take half its traffic.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

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
    options: dict[str, Any] = dict(
        factory=True, host=host, port=port, workers=workers,
        log_level="warning", proxy_headers=True, server_header=False,
        timeout_graceful_shutdown=20,
        # Longer than the idle timeout of common proxies and load balancers (60 s), so the
        # server never closes a kept-alive connection the client is about to reuse.
        timeout_keep_alive=75)
    if workers == 1 or not connections_migrate():
        if workers > 1:
            print(f"note: {MIGRATE_REQ} is not 1, so the {workers} worker processes share one "
                  "listening socket and connections may not be spread evenly over them "
                  "(README: Processes, connections and PgBouncer)", file=sys.stderr, flush=True)
        print(f"serving on http://{host}:{port} with {workers} worker process(es)", flush=True)
        uvicorn.run(APP_FACTORY, **options)
        return 0
    with closing(_port_lock(port)), closing(reuseport_socket(host, port)) as reserved:
        print(f"serving on http://{host}:{port} with {workers} worker processes", flush=True)
        # uvicorn's supervisor (health checks, replacing dead workers, signals) with workers
        # that each listen on their own socket (see the module docstring).
        multiprocess.Process = ReusePortProcess  # type: ignore[misc]
        multiprocess.Multiprocess(uvicorn.Config(APP_FACTORY, **options),
                                  sockets=[reserved]).run()
    return 0


MIGRATE_REQ = Path("/proc/sys/net/ipv4/tcp_migrate_req")


def connections_migrate(knob: Path = MIGRATE_REQ) -> bool:
    """Whether the kernel moves a closing listener's queued connections to another socket of
    its SO_REUSEPORT group (so one socket per worker loses nothing when a worker dies)."""
    try:
        return knob.read_text().strip() == "1"
    except OSError:
        return False


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadRequest(f"Cannot serve on {host}:{port}: {exc.strerror} (is another server "
                         f"running there? choose another port with --port).") from None
    sock.set_inheritable(True)
    return sock


def _port_lock(port: int) -> socket.socket:
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0geoservice-serve-{port}")
    except OSError:
        lock.close()
        raise BadRequest(f"Another geoservice server already serves port {port}; stop it or "
                         f"choose another port with --port.") from None
    return lock


class ReusePortProcess(multiprocess.Process):
    """A uvicorn worker process that listens on its own SO_REUSEPORT socket."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        own = reuseport_socket(self.config.host, self.config.port)
        for sock in sockets or ():
            sock.close()  # the parent's reservation: bound, never listening
        super().target([own])
