"""Pre-validation: every problem at once, each named and linked, and nothing queued."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.settings import Settings
from geoservice.statements import prevalidate, store
from geoservice.statements.messages import explain_reason, traces_message
from geoservice.statements.worker import Worker
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, prepared


def _validate(client: TestClient, owner: Any, sid: str) -> dict[str, Any]:
    answer = client.post(f"/api/v1/statements/{sid}/validate", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _outbox(engine: Engine, sid: str) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text("SELECT count(*) FROM outbox WHERE statement_id = "
                                     "CAST(:s AS uuid)"), {"s": sid}).scalar_one())


def test_every_problem_is_listed_at_once_with_its_field_and_fix(
    client: TestClient, engine: Engine, org_a,
) -> None:
    owner = org_a["owner"]  # no address
    st = prepared(client, engine, owner, n_areas=2, mandate=False)
    cert = st["certificate_ids"][0]
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'flagged' WHERE id = "
                          "CAST(:c AS uuid)"), {"c": cert})
        conn.execute(text("UPDATE area_products SET m3 = m3 + 5 WHERE hs_code = '4401' AND "
                          "area_id = (SELECT id FROM felling_areas WHERE certificate_id = "
                          "CAST(:c AS uuid) AND cirsma = 1)"), {"c": cert})
        conn.execute(text("UPDATE area_volumes SET planned_m3 = m3 * 2 WHERE area_id = (SELECT "
                          "id FROM felling_areas WHERE certificate_id = CAST(:c AS uuid) AND "
                          "cirsma = 2)"), {"c": cert})
    report = _validate(client, owner, st["id"])
    assert report["valid"] is False
    by_code: dict[str, list[dict[str, Any]]] = {}
    for problem in report["problems"]:
        by_code.setdefault(problem["code"], []).append(problem)
        assert set(problem) == {"code", "field", "severity", "message", "fix", "details"}
        assert problem["message"]["lv"] != problem["message"]["en"]
    assert set(by_code) == {"certificate_not_clear", "volumes_inconsistent",
                            "volume_deviation_over_10_percent", "mandate_required",
                            "organisation_field_missing"}
    assert report["errors"] == 6 and report["warnings"] == 1
    [unclear] = by_code["certificate_not_clear"]
    assert unclear["fix"]["href"] == f"/certificates/{cert}#check-title"
    [volumes] = by_code["volumes_inconsistent"]
    assert volumes["field"].endswith(".areas[1].products")
    assert volumes["fix"] == {"where": "volumes", "href": f"/certificates/{cert}#volumes"}
    [deviation] = by_code["volume_deviation_over_10_percent"]
    assert deviation["severity"] == "warning" and deviation["details"]["deviation_percent"] == 100
    assert "10 %" in deviation["message"]["lv"]
    assert by_code["mandate_required"][0]["fix"]["href"] == "/mandate"
    assert _outbox(engine, st["id"]) == 0
    assert fetch(client, owner, st["id"])["status"] == "draft"


def test_a_warning_alone_does_not_stop_the_submission(
    client: TestClient, engine: Engine, client_org, worker: Worker,
) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    with engine.begin() as conn:
        conn.execute(text("UPDATE area_volumes SET planned_m3 = m3 * 1.5 WHERE area_id IN "
                          "(SELECT id FROM felling_areas WHERE certificate_id::text = ANY(:i))"),
                     {"i": st["certificate_ids"]})
    report = _validate(client, owner, st["id"])
    assert report["valid"] is True and report["errors"] == 0 and report["warnings"] == 1
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 202, answer.text
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"


def test_traces_rules_are_checked_on_what_would_be_sent(
    engine: Engine, settings: Settings, client: TestClient, client_org,
) -> None:
    """A species without names reaches the shared TRACES rules, mapped to the volumes."""
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    with engine.begin() as conn:
        row = store.load(conn, None, st["id"])
        result = prevalidate.report(conn, settings, row)
        assert result.errors == []
        built = result.built
        assert built is not None
        commodity = built.statement.commodities[0]
        broken = dataclasses.replace(commodity, species=[])
        built.statement = dataclasses.replace(built.statement, commodities=[broken])
        found = prevalidate._traces(built, True, 25_000_000, organisation_checked=True)
    codes = {p.code for p in found}
    assert codes == {"EUDR_COMMODITIES_SPECIES_INFORMATION_SCIENTIFIC_NAME_EMPTY",
                     "EUDR_COMMODITIES_SPECIES_INFORMATION_COMMON_NAME_EMPTY"}
    hs = broken.hs_heading
    assert {p.field for p in found} == {f"commodities[{hs}].speciesInfo.scientificName",
                                        f"commodities[{hs}].speciesInfo.commonName"}
    assert all(p.href.endswith("#volumes") and "zinātniskais" in found[0].lv for p in found)


def test_another_tenants_statement_is_not_found(
    client: TestClient, engine: Engine, client_org, org_b,
) -> None:
    st = prepared(client, engine, client_org["owner"])
    answer = client.post(f"/api/v1/statements/{st['id']}/validate",
                         headers=bearer(org_b["owner"]))
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "statement_not_found"
    missing = client.post("/api/v1/statements/not-an-id/validate",
                          headers=bearer(org_b["owner"]))
    assert missing.status_code == 404


def test_traces_codes_read_in_both_languages() -> None:
    lv, en = traces_message("EUDR-COMMODITIES-HS-CODE-INVALID", "HS code 1234")
    assert "HS kods" in lv and "HS code" in en and en.endswith("(TRACES: HS code 1234)")
    lv, en = traces_message("EUDR_SOMETHING_NEW", "text")
    assert "EUDR_SOMETHING_NEW" in lv and "text" in en
    reason = explain_reason("EUDR_BEHALF_OPERATOR_NOT_PROVIDED: The represented operator ...")
    assert "organizācijas profilu" in reason["lv"] and "organisation profile" in reason["en"]
    plain = explain_reason("Geolocation overlaps a protected area")
    assert plain["en"] == "TRACES rejected the statement: Geolocation overlaps a protected area"
