"""The demo mandate step, the limit checks with a split suggestion, and the backoff."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, text

from geoservice.accounts import store
from geoservice.errors import ValidationFailed
from geoservice.statements import builder, outbox
from geoservice.statements.demo import DEMO_CLIENT_REG_NO, load_demo
from geoservice.statements.rules import has_active_mandate
from tests.statements.conftest import ready_certificate


def test_demo_gives_the_client_an_active_mandate_once(engine: Engine) -> None:
    with engine.begin() as conn:
        if store.find_organisation(conn, DEMO_CLIENT_REG_NO) is None:
            store.create_organisation(conn, name="SIA Meža Vēji", reg_no=DEMO_CLIENT_REG_NO)
    first, second = load_demo(engine), load_demo(engine)
    assert "active mandate until" in first and "already" in second
    with engine.begin() as conn:
        org = conn.execute(text("SELECT id::text FROM organisations WHERE reg_no = :r"),
                           {"r": DEMO_CLIENT_REG_NO}).scalar_one()
        assert has_active_mandate(conn, org)
        count = conn.execute(text("SELECT count(*) FROM mandates WHERE organisation_id = "
                                  "CAST(:o AS uuid) AND status = 'active'"), {"o": org})
        assert count.scalar_one() == 1


def test_over_the_size_limit_suggests_a_split(engine: Engine, client_org) -> None:
    owner = client_org["owner"]
    ids = [ready_certificate(engine, owner.org_id, n_areas=3) for _ in range(4)]
    with engine.begin() as conn:
        built = builder.build(conn, owner.org_id, ids, "GSLIMITTEST001", max_geo_bytes=4000)
    assert not built.limits.ok
    with pytest.raises(ValidationFailed) as raised:
        builder.ensure_within_limits(built, max_geo_bytes=4000)
    error = raised.value
    assert error.code == "statement_over_limits" and error.status == 422
    split = error.details[-1]
    assert split["code"] == "split_suggestion" and split["statements_needed"] >= 2
    groups = split["certificate_groups"]
    assert sorted(c for g in groups for c in g) == sorted(ids)
    assert {p["code"] for p in error.details[:-1]} == {"geolocation_too_large"}


def test_backoff_grows_exponentially_with_jitter() -> None:
    rng = random.Random(7)
    waits = [outbox.backoff_seconds(n, rng) for n in range(1, 8)]
    for n, wait in enumerate(waits, 1):
        step = min(outbox.BACKOFF_CAP_SECONDS, outbox.BACKOFF_BASE_SECONDS * 2 ** (n - 1))
        assert step / 2 <= wait <= step
    assert outbox.backoff_seconds(40, rng) <= outbox.BACKOFF_CAP_SECONDS
