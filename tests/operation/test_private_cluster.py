"""Private clusters coexist: each clone's cluster listens on its own socket in var/, TCP on request.

Every "clone" here is a folder holding a copy of ``scripts/pg.sh`` (see conftest.py); the
clusters are real PostgreSQL servers.
"""

from __future__ import annotations

import os
import socket

import psycopg
from sqlalchemy import create_engine, text

from geoservice.db.engine import libpq_environment
from geoservice.settings import ROOT
from tests.operation.conftest import Cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tcp_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_two_clones_run_their_clusters_at_once_on_the_same_port(
        new_clusters: list[Cluster]) -> None:
    # The port of the cluster serving this very test session: with TCP off it only names the
    # socket file, so two more clusters on it run beside this one.
    port = int(os.environ.get("GEOSERVICE_PG_PORT", "54329"))
    for cluster in new_clusters:
        assert "socket" in cluster.pg("start", GEOSERVICE_PG_PORT=str(port))
    clones = [cluster.clone for cluster in new_clusters]
    assert not _tcp_open(port), "a socket-only cluster must not listen on TCP"
    assert (ROOT / "var" / "pg" / "run" / f".s.PGSQL.{port}").exists()
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
    for cluster in new_clusters:
        clone = cluster.clone
        assert "server is running" in cluster.pg("status")
        url = (clone / "var" / "database_url").read_text().strip()
        with psycopg.connect(**_libpq_kwargs(url)) as conn:
            assert conn.execute("SELECT array_agg(clone) FROM mark").fetchone() == ([clone.name],)


def test_tcp_only_when_asked_and_the_port_override_holds(new_clusters: list[Cluster]) -> None:
    cluster = new_clusters[0]
    port = _free_port()
    cluster.pg("start", GEOSERVICE_PG_PORT=str(port))
    assert not _tcp_open(port)
    cluster.pg("stop")
    assert "127.0.0.1" in cluster.pg("start", GEOSERVICE_PG_PORT=str(port),
                                     GEOSERVICE_PG_TCP="1")
    assert _tcp_open(port)
    url = cluster.url
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
