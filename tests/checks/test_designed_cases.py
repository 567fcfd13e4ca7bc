"""Every designed simulator certificate gets its designed verdict from the demo layers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.vmd.simulator import VmdSimulator, designed
from tests.checks.conftest import valid
from tests.conftest import Account, bearer
from tests.factories import store_certificate

CASES = designed()


@pytest.mark.parametrize("case", CASES, ids=[c.ca_number for c in CASES])
def test_designed_verdict_and_rules(
    case, engine: Engine, client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:  # type: ignore[no-untyped-def]
    cert_id = store_certificate(engine, tenant["owner"].org_id,
                                valid(VmdSimulator().fetch(case.ca_number)))
    response = client.post(f"/api/v1/certificates/{cert_id}/check",
                           headers=bearer(tenant["owner"]))
    assert response.status_code == 200, response.text
    body = response.json()
    raised = {f["rule"] for f in body["findings"] if f["severity"] != "info"}
    assert body["verdict"] == case.verdict, (case.description, body["findings"])
    assert set(case.rules) <= raised, (case.description, raised)
    if case.verdict == "clear":
        assert not raised
