"""Fixtures of the reference tests: a buyer organisation next to the sellers org_a and org_b."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.conftest import Account, make_org, make_user


@pytest.fixture()
def buyer(engine: Engine) -> Account:
    """An analyst of a fresh organisation that buys timber (a market system's user)."""
    org_id, reg_no = make_org(engine, name="Kokzāģētava")
    return make_user(engine, org_id, reg_no, "analyst")
