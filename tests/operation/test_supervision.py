"""``make run``'s services are supervised: a killed TRACES worker is replaced, and why is logged.

The script runs from a clone folder (a copy of scripts/run-services.sh and a link to .venv), so
its var/ — pid files, logs — is its own and a developer's ``make run`` here is left alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from geoservice.settings import ROOT
from tests.operation.served import command_env, free_port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.fixture()
def clone(tmp_path: Path) -> Iterator[Path]:
    folder = ROOT / "var" / f"test-run-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    (folder / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run-services.sh", folder / "scripts")
    (folder / ".venv").symlink_to(ROOT / ".venv")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_reason_logged(clone: Path, database_url: str) -> None:
    port = free_port()
    env = command_env(database_url, GEOSERVICE_HOST="127.0.0.1", GEOSERVICE_PORT=str(port),
                      GEOSERVICE_TRACES_SIMULATOR_PORT=str(free_port()), GEOSERVICE_WORKERS="1",
                      GEOSERVICE_LOG_FORMAT="text")
    out = (clone / "run.out").open("wb")
    script = subprocess.Popen(["bash", str(clone / "scripts" / "run-services.sh")], env=env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    pid_file = clone / "var" / "run" / "worker.pid"
    try:
        _wait(lambda: pid_file.exists() and pid_file.read_text().strip(), 30, "no worker started")
        first = int(pid_file.read_text())
        _wait(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
              == 200 if _port_open(port) else False, 60, "the server did not come up")
        sim_first = int((clone / "var" / "run" / "traces-sim.pid").read_text())
        assert _alive(first) and _alive(sim_first)

        os.kill(first, signal.SIGKILL)
        _wait(lambda: int(pid_file.read_text() or 0) not in (0, first), 20,
              "the worker was not replaced")
        second = int(pid_file.read_text())
        _wait(lambda: _alive(second), 10, "the new worker is not running")
        log = (clone / "var" / "log" / "worker.log").read_text()
        assert f"worker (pid {first}) killed by signal KILL" in log
        assert "restarting in 1s" in log
        # The simulator is supervised the same way; the server never noticed.
        os.kill(sim_first, signal.SIGTERM)
        _wait(lambda: int((clone / "var" / "run" / "traces-sim.pid").read_text() or 0)
              != sim_first, 20, "the simulator was not replaced")
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        os.kill(script.pid, signal.SIGTERM)
        try:
            script.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
        out.close()
    _wait(lambda: not _alive(second), 20, "the worker outlived make run")


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_refuses_ports_another_clone_holds(clone: Path, database_url: str) -> None:
    """Two clones' `make run` on the default ports: the second says which setting to change
    instead of serving nothing, or letting its worker talk to the first clone's simulator."""
    import socket

    web, sim = free_port(), free_port()
    with socket.socket() as other:  # the other clone's TRACES simulator
        other.bind(("127.0.0.1", sim))
        other.listen()
        env = command_env(database_url, GEOSERVICE_HOST="127.0.0.1", GEOSERVICE_PORT=str(web),
                          GEOSERVICE_TRACES_SIMULATOR_PORT=str(sim))
        done = subprocess.run(["bash", str(clone / "scripts" / "run-services.sh")], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"port {sim} on 127.0.0.1 is in use" in done.stderr
    assert "set GEOSERVICE_TRACES_SIMULATOR_PORT to a free port" in done.stderr
    assert not (clone / "var" / "run").exists(), "nothing was started"
