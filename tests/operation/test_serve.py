"""``geoservice serve --workers N`` runs N server processes that all answer, each with its pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from geoservice.cli.main import build_parser
from geoservice.cli.serve import connections_migrate, default_workers
from tests.operation.served import Server, command_env, server_processes


def _pids_answering(server: Server, want: int, budget: float = 30) -> set[int]:
    """PIDs of the processes whose access-log lines show they answered /healthz."""
    deadline = time.monotonic() + budget

    def hit(_: int) -> int:
        with httpx.Client(headers={"Connection": "close"}) as http:
            return http.get(server.url + "/healthz", timeout=10).status_code

    seen: set[int] = set()
    with ThreadPoolExecutor(16) as pool:
        while time.monotonic() < deadline:
            statuses = list(pool.map(hit, range(64)))
            assert set(statuses) == {200}
            seen = {line["pid"] for line in server.lines()
                    if line.get("logger") == "geoservice.access" and line.get("path") == "/healthz"}
            if len(seen) >= want:
                break
    return seen


@pytest.mark.slow
def test_two_workers_are_two_processes_answering(database_url: str, tmp_path: Path,
                                                 engine: Engine) -> None:
    env = command_env(database_url, GEOSERVICE_DATABASE_POOL_SIZE="2")
    with Server(env, tmp_path / "serve.log", workers=2) as server:
        server.wait_ready()
        workers = server_processes(server.pid)
        assert len(workers) == 2, workers
        answering = _pids_answering(server, 2)
        assert answering == workers, (answering, workers)
        # Each process holds connections of its own pool.
        with engine.connect() as conn:
            names = set(conn.execute(text(
                "SELECT application_name FROM pg_stat_activity "
                "WHERE datname = current_database()")).scalars())
        assert {f"geoservice-{pid}" for pid in workers} <= names, names

        # A server process killed under load is replaced and the service keeps answering:
        # only requests in flight on the killed process fail (their connection is cut), no
        # request is answered with an error, and after the kill every request succeeds.
        outcomes: list[tuple[float, str]] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(timeout=10) as http:
                while not stop.is_set():
                    path = "/readyz" if len(outcomes) % 2 else "/healthz"
                    try:
                        status = str(http.get(server.url + path).status_code)
                    except httpx.TransportError as exc:
                        status = type(exc).__name__
                    outcomes.append((time.monotonic(), status))

        threads = [threading.Thread(target=hammer) for _ in range(6)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)
            victim = sorted(workers)[0]
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            deadline = killed + 30
            while time.monotonic() < deadline:
                now = server_processes(server.pid)
                if len(now) == 2 and victim not in now:
                    break
                time.sleep(0.2)
            now = server_processes(server.pid)
            assert len(now) == 2 and victim not in now, now
            server.wait_ready()
            # Keep the clients going well past the kill, however fast the replacement came:
            # the assertions below count what was answered from 2 s after the kill on.
            time.sleep(max(1.0, killed + 5 - time.monotonic()))
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        answered = [status for _, status in outcomes if status.isdigit()]
        cut = [(at - killed, status) for at, status in outcomes if not status.isdigit()]
        assert set(answered) == {"200"}, set(answered)
        assert len(cut) <= len(threads), cut
        assert all(-0.5 < after < 2 for after, _ in cut), cut
        assert sum(1 for at, status in outcomes if at > killed + 2 and status == "200") > 10


def test_workers_default_to_the_cpus_and_bad_counts_are_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["serve"])
    assert args.workers is None
    assert default_workers() == len(os.sched_getaffinity(0))
    bad = build_parser().parse_args(["serve", "--workers", "0"])
    from geoservice.cli.main import main

    assert main(["serve", "--workers", "0"]) == 1
    assert "--workers must be 1 or more" in capsys.readouterr().err
    assert bad.workers == 0


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes of the TCP sockets listening on ``port`` (state 0A in /proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                found.add(fields[9])
    return found


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def test_sockets_per_worker_only_where_queued_connections_migrate(tmp_path: Path) -> None:
    knob = tmp_path / "tcp_migrate_req"
    assert not connections_migrate(knob)  # no such setting (older kernel): shared socket
    knob.write_text("0\n")
    assert not connections_migrate(knob)
    knob.write_text("1\n")
    assert connections_migrate(knob)


@pytest.mark.slow
def test_each_worker_listens_on_its_own_socket_and_the_port_is_not_shared(
        database_url: str, tmp_path: Path) -> None:
    """SO_REUSEPORT: the kernel spreads connections over one listening socket per worker (a
    shared socket let one of two workers take 70 of 100 connections); a second server on
    the same port is refused rather than joining the group. Only where the kernel migrates a
    closing socket's queued connections (net.ipv4.tcp_migrate_req, which ``make`` sets when
    it may: scripts/kernel.sh); elsewhere serve keeps the shared socket and says why."""
    env = command_env(database_url, GEOSERVICE_DATABASE_POOL_SIZE="2")
    with Server(env, tmp_path / "serve.log", workers=2) as server:
        server.wait_ready()  # the first worker answers; the second may still be starting
        if not connections_migrate():
            time.sleep(2)
            assert len(_listening_inodes(server.port)) == 1
            assert "tcp_migrate_req is not 1" in server.log.read_text()
            return
        deadline = time.monotonic() + 60
        while len(listening := _listening_inodes(server.port)) < 2:
            assert time.monotonic() < deadline, listening
            time.sleep(0.2)
        assert len(listening) == 2, listening
        workers = server_processes(server.pid)
        held = [(_socket_inodes(pid) & listening) for pid in sorted(workers)]
        assert all(len(own) == 1 for own in held) and held[0] != held[1], held
        assert not _socket_inodes(server.pid) & listening  # the parent only reserves the port

        second = subprocess.run(
            [sys.executable, "-m", "geoservice", "serve", "--host", "127.0.0.1", "--port",
             str(server.port), "--workers", "2"], env=env, capture_output=True, text=True,
            timeout=60)
        assert second.returncode != 0
        assert f"Another geoservice server already serves port {server.port}" in second.stderr
        assert _listening_inodes(server.port) == listening
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
