"""Fixtures of the operation tests: extra private clusters, each a real PostgreSQL server.

A cluster lives in a "clone" folder under var/ holding a copy of ``scripts/pg.sh``: exactly what
the script knows of a checkout, so these are the clusters other clones would run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from geoservice.settings import ROOT


def pg_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GEOSERVICE_PG_") and k != "GEOSERVICE_DATABASE_URL"}
    env["GEOSERVICE_PG_FSYNC"] = "off"
    return env | extra


class Cluster:
    """One private cluster in its own clone folder."""

    def __init__(self, clone: Path) -> None:
        self.clone = clone
        (clone / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "pg.sh", clone / "scripts" / "pg.sh")

    def pg(self, command: str, **env: str) -> str:
        done = subprocess.run(["bash", str(self.clone / "scripts" / "pg.sh"), command],
                              env=pg_env(**env), capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    @property
    def url(self) -> str:
        return (self.clone / "var" / "database_url").read_text().strip()


@pytest.fixture()
def new_clusters() -> Iterator[list[Cluster]]:
    """Two not-yet-started clusters (start them with ``.pg("start")``), removed afterwards."""
    base = ROOT / "var" / f"test-clones-{secrets.token_hex(3)}"
    made = [Cluster(base / name) for name in ("a", "b")]
    try:
        yield made
    finally:
        for cluster in made:
            subprocess.run(["bash", str(cluster.clone / "scripts" / "pg.sh"), "stop"],
                           env=pg_env(), capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)
