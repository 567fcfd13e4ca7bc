"""Fixtures of the check tests: the demo layers in the session database, certificates on them."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geoservice.certificates.model import Certificate
from geoservice.layers.manifest import load_demo_layers
from geoservice.settings import ROOT
from tests.conftest import Account, make_org, make_user


@pytest.fixture(scope="session")
def layers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the manifest; the demo files are generated next to it."""
    folder = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "layers" / "manifest.toml", folder / "manifest.toml")
    return folder


@pytest.fixture(scope="session")
def demo_layers(engine: Engine, layers_dir: Path) -> Iterator[str]:
    yield load_demo_layers(engine, layers_dir)


def valid(cert: Certificate) -> Certificate:
    """A copy with a unique CA number and valid areas (the simulator designs one bow-tie)."""
    areas = []
    for area in cert.areas:
        geom = area.geometry
        if not geom.is_valid:
            geom = MultiPolygon([p for p in shapely.make_valid(geom).geoms
                                 if p.geom_type == "Polygon"])
        areas.append(dataclasses.replace(area, geometry=geom))
    return dataclasses.replace(cert, areas=areas,
                               ca_number=f"{cert.ca_number}-{secrets.token_hex(3)}")


@pytest.fixture(scope="module")
def tenant(engine: Engine) -> dict[str, Account]:
    """One client organisation per test module (hashing passwords per test is slow)."""
    org_id, reg_no = make_org(engine)
    return {r: make_user(engine, org_id, reg_no, r)
            for r in ("owner", "analyst", "compliance_officer")}


@pytest.fixture(scope="module")
def other_tenant(engine: Engine) -> dict[str, Account]:
    org_id, reg_no = make_org(engine)
    return {r: make_user(engine, org_id, reg_no, r) for r in ("owner", "compliance_officer")}


@pytest.fixture(scope="module")
def service(engine: Engine) -> dict[str, Account]:
    org_id, reg_no = make_org(engine, operator=True)
    return {"compliance_officer": make_user(engine, org_id, reg_no, "compliance_officer")}
