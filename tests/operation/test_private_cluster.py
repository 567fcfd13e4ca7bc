"""Private clusters coexist: each clone's cluster listens on its own socket in var/, TCP on request.

Every "clone" here is a folder holding a copy of ``scripts/pg.sh``, which is exactly what the
script knows of its checkout; the clusters are real PostgreSQL servers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from geoservice.db.engine import libpq_environment
from geoservice.settings import ROOT

PG_SH = ROOT / "scripts" / "pg.sh"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GEOSERVICE_PG_") and k != "GEOSERVICE_DATABASE_URL"}
    env["GEOSERVICE_PG_FSYNC"] = "off"
    return env | extra


def _pg(clone: Path, command: str, **env: str) -> str:
    done = subprocess.run(["bash", str(clone / "scripts" / "pg.sh"), command],
                          env=_env(**env), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture()
def clones() -> Iterator[list[Path]]:
    # Under var/ (not /tmp): short socket paths, and a folder the postgres user may enter.
    base = ROOT / "var" / f"test-clones-{secrets.token_hex(3)}"
    made = []
    for name in ("a", "b"):
        (base / name / "scripts").mkdir(parents=True)
        shutil.copy(PG_SH, base / name / "scripts" / "pg.sh")
        made.append(base / name)
    try:
        yield made
    finally:
        for clone in made:
            subprocess.run(["bash", str(clone / "scripts" / "pg.sh"), "stop"], env=_env(),
                           capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tcp_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_two_clones_run_their_clusters_at_once_on_the_same_port(clones: list[Path]) -> None:
    port = _free_port()  # the same for both: only a socket file name when TCP is off
    for clone in clones:
        assert "socket" in _pg(clone, "start", GEOSERVICE_PG_PORT=str(port))
    assert not _tcp_open(port), "a socket-only cluster must not listen on TCP"
    seen = []
    for clone in clones:
        url = (clone / "var" / "database_url").read_text().strip()
        assert str(clone / "var" / "pg" / "run") in url
        engine = create_engine(url)
        with engine.begin() as conn:
            seen.append(conn.execute(text("SHOW data_directory")).scalar_one())
            assert conn.execute(text("SHOW listen_addresses")).scalar_one() == ""
            conn.execute(text("CREATE TABLE IF NOT EXISTS mark (clone text)"))
            conn.execute(text("INSERT INTO mark VALUES (:c)"), {"c": clone.name})
        engine.dispose()
    assert seen[0] != seen[1]
    # Both are still up, each with only its own row.
    for clone in clones:
        assert "server is running" in _pg(clone, "status")
        url = (clone / "var" / "database_url").read_text().strip()
        with psycopg.connect(**_libpq_kwargs(url)) as conn:
            assert conn.execute("SELECT array_agg(clone) FROM mark").fetchone() == ([clone.name],)


def test_tcp_only_when_asked_and_the_port_override_holds(clones: list[Path]) -> None:
    clone = clones[0]
    port = _free_port()
    _pg(clone, "start", GEOSERVICE_PG_PORT=str(port))
    assert not _tcp_open(port)
    _pg(clone, "stop")
    assert "127.0.0.1" in _pg(clone, "start", GEOSERVICE_PG_PORT=str(port), GEOSERVICE_PG_TCP="1")
    assert _tcp_open(port)
    url = (clone / "var" / "database_url").read_text().strip()
    assert f"@127.0.0.1:{port}/" in url
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW port")).scalar_one() == str(port)
    engine.dispose()


def _libpq_kwargs(url: str) -> dict[str, str]:
    env = libpq_environment(url)
    return {"host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"],
            "dbname": env["PGDATABASE"], "password": env.get("PGPASSWORD", "")}


def test_libpq_environment_reads_socket_and_tcp_urls() -> None:
    socket_env = libpq_environment("postgresql+psycopg://u:p@/db?host=/x/var/pg/run&port=5444")
    assert socket_env == {"PGHOST": "/x/var/pg/run", "PGPORT": "5444", "PGUSER": "u",
                          "PGDATABASE": "db", "PGPASSWORD": "p"}
    tcp_env = libpq_environment("postgresql+psycopg://u@db.example:5432/geo")
    assert tcp_env == {"PGHOST": "db.example", "PGPORT": "5432", "PGUSER": "u",
                       "PGDATABASE": "geo"}
