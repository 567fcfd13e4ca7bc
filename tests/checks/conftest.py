"""Fixtures of the check tests: the demo layers in the session database, certificates on them."""

from __future__ import annotations

import dataclasses
import secrets

import pytest
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geoservice.certificates.model import Certificate
from tests.conftest import Account, make_org, make_user


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
