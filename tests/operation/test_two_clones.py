"""Two clones of the repository at once: ``make run`` serves in one while ``make test`` passes in
the other, each with its own cluster, pid files, logs and metrics in its own var/.

The clones are ``git clone``s of this checkout's committed HEAD, made under var/. Installing the
Python and front-end packages again would take minutes and the network, so each clone gets a
virtualenv of its own that imports geoservice from the clone and finds every other package in
this checkout's .venv (a .pth file), and a link to this checkout's node_modules; the package
files are dated before the install markers, so make sees them installed. Everything else is the
real thing: make, scripts/pg.sh, migrations, the demo data, scripts/run-services.sh with the
TRACES simulator and the worker, the server, and pytest.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from geoservice.settings import ROOT
from tests.operation.served import free_port, stop_group

pytestmark = pytest.mark.slow

# A quick part of the suite that uses the database, the app and the private cluster.
SUBSET = "tests/test_errors.py tests/test_settings.py"
LONG_AGO = 946_684_800  # 2000-01-01: package files older than the install markers


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without what ties it to this checkout, this make or this pytest."""
    dropped = ("GEOSERVICE_", "MAKE", "MFLAGS", "PYTEST_", "PROMETHEUS_MULTIPROC_DIR",
               "VIRTUAL_ENV", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["GEOSERVICE_PG_FSYNC"] = "off"
    return env | extra


def make_clone(target: Path) -> Path:
    """A clone of HEAD at ``target`` that make sees as set up (see the module's docstring)."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True,
                   timeout=120)
    for name in ("pyproject.toml", "package.json", "package-lock.json"):
        os.utime(target / name, (LONG_AGO, LONG_AGO))
    venv = target / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    shared = sysconfig.get_paths()["purelib"]
    (venv / "lib" / version / "site-packages" / "_clone.pth").write_text(
        f"{target}\n{shared}\n")
    script = venv / "bin" / "geoservice"
    script.write_text(f"#!{venv}/bin/python\nimport sys\n\nfrom geoservice.cli.main import "
                      "main\n\nsys.exit(main())\n")
    script.chmod(0o755)
    (venv / ".installed").touch()
    (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


def _pg(clone: Path, command: str) -> None:
    subprocess.run(["bash", str(clone / "scripts" / "pg.sh"), command], env=_clean_env(),
                   capture_output=True, timeout=120)


def _processes_under(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(folder).encode() in cmdline:
                found.append(int(entry.name))
    return found


@pytest.fixture()
def clones() -> Iterator[tuple[Path, Path]]:
    base = ROOT / "var" / f"test-two-clones-{secrets.token_hex(3)}"
    base.mkdir(parents=True)
    made: list[Path] = []
    try:
        made = [make_clone(base / "a"), make_clone(base / "b")]
        yield made[0], made[1]
    finally:
        for clone in made:
            _pg(clone, "stop")
        for pid in _processes_under(base):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)


def _answers(url: str) -> int:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_make_run_in_one_clone_and_make_test_in_another(
        clones: tuple[Path, Path]) -> None:
    a, b = clones
    markers = {p: p.stat().st_mtime_ns for p in (ROOT / ".venv" / ".installed",
                                                  ROOT / "node_modules" / ".installed")}
    port = free_port()
    run_log = (a / "make-run.log").open("wb")
    # Clone A serves on a port of its own (8000 may be taken by a developer's `make run` on
    # this machine); both clusters keep the default port, which only names their sockets.
    make_run = subprocess.Popen(
        ["make", "run"], cwd=a, stdout=run_log, stderr=subprocess.STDOUT,
        env=_clean_env(GEOSERVICE_PORT=str(port), GEOSERVICE_WORKERS="1",
                       GEOSERVICE_TRACES_SIMULATOR_PORT=str(free_port())),
        start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while _answers(f"http://127.0.0.1:{port}/readyz") != 200:
            assert make_run.poll() is None, (a / "make-run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (a / "make-run.log").read_text()[-3000:]
            time.sleep(0.5)

        with (b / "make-test.log").open("wb") as test_log:
            make_test = subprocess.Popen(
                ["make", "test", f"PYTEST_ARGS=-q -p no:cacheprovider {SUBSET}"], cwd=b,
                stdout=test_log, stderr=subprocess.STDOUT, env=_clean_env())
            seen: list[tuple[int, int]] = []
            while make_test.poll() is None:
                seen.append((_answers(f"http://127.0.0.1:{port}/healthz"),
                             _answers(f"http://127.0.0.1:{port}/readyz")))
                time.sleep(0.5)
        output = (b / "make-test.log").read_text()
        assert make_test.returncode == 0, output[-3000:]
        assert " passed" in output and "failed" not in output, output[-2000:]
        assert seen and set(seen) == {(200, 200)}, seen
        assert make_run.poll() is None, "make run is still serving"
        assert _answers(f"http://127.0.0.1:{port}/readyz") == 200

        # Each clone's own cluster, on the same port number, in its own var/.
        directories = []
        for clone in (a, b):
            assert (clone / "var" / "pg" / "run" / ".s.PGSQL.54329").exists()
            engine = create_engine((clone / "var" / "database_url").read_text().strip())
            with engine.connect() as conn:
                directories.append(conn.execute(text("SHOW data_directory")).scalar_one())
            engine.dispose()
        assert directories == [str(a / "var" / "pg" / "data"), str(b / "var" / "pg" / "data")]
        # make run's services keep their pid files and logs in A's var/ only.
        assert {p.name for p in (a / "var" / "run").iterdir()} >= {"worker.pid",
                                                                    "traces-sim.pid"}
        assert (a / "var" / "log" / "worker.log").exists()
        assert not (b / "var" / "run").exists() and not (b / "var" / "services.pids").exists()
    finally:
        stop_group(make_run)
        run_log.close()
    # This checkout's packages were used, never installed again.
    assert {p: p.stat().st_mtime_ns for p in markers} == markers
