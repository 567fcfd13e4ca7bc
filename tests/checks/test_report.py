"""The printable evidence report: server-side map, findings, layer versions, tenancy."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.vmd.simulator import VmdSimulator, designed
from tests.checks.conftest import valid
from tests.conftest import Account, bearer
from tests.factories import store_certificate


def test_report_shows_map_findings_and_layer_versions(
    engine: Engine, client: TestClient, tenant: dict[str, Account],
    other_tenant: dict[str, Account], demo_layers: str,
) -> None:
    ca = next(c.ca_number for c in designed() if "forest_to_agriculture" in c.rules)
    cert_id = store_certificate(engine, tenant["owner"].org_id,
                                valid(VmdSimulator().fetch(ca)))
    client.post(f"/api/v1/certificates/{cert_id}/check", headers=bearer(tenant["owner"]))
    page = client.get(f"/certificates/{cert_id}/report?lang=en",
                      headers={**bearer(tenant["owner"]), "accept": "text/html"})
    assert page.status_code == 200, page.text
    html = page.text
    assert "<svg" in html and "data:image/png;base64," in html  # map with the forest mask
    assert html.count("<path") >= 3  # the area, a field block, the north arrow
    # the rule and verdict in words (issue 17: no raw codes), the layer by title and version
    assert "forest converted to agricultural land" in html and 'data-verdict="flagged"' in html
    assert "forest_to_agriculture" not in html
    assert re.search(r"<td>[^<>]*field[^<>]* v1</td>", html, re.IGNORECASE)
    assert "@media print" in html
    hidden = client.get(f"/certificates/{cert_id}/report",
                        headers={**bearer(other_tenant["owner"]), "accept": "text/html"})
    assert hidden.status_code == 404
