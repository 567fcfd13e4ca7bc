"""GET /api/v1/references.csv and its JSON variant: rows, filters, separators, visibility."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import stored

HEADER = ["ca_number", "cadastral_designation", "internal_reference", "eudr_reference_number",
          "eudr_verification_number", "status", "date", "cirsma"]


def _csv(text: str, sep: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=sep))


def test_one_row_per_area_with_the_pair(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    two = stored(engine, org_a["owner"].org_id, areas=2,
                 at=datetime(2026, 4, 2, 10, tzinfo=UTC))
    response = client.get(f"/api/v1/references.csv?ca={two.ca_number}",
                          headers=bearer(org_a["analyst"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = _csv(response.text)
    assert rows[0] == HEADER
    assert [r[7] for r in rows[1:]] == ["1", "2"]
    assert rows[1][0] == two.ca_number and rows[1][1] == "70600050074"
    assert rows[1][3:7] == [two.reference, two.verification, "available", "2026-04-02"]


def test_filters_and_comma_separator(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    org = org_a["owner"].org_id
    early = stored(engine, org, at=datetime(2026, 1, 10, tzinfo=UTC))
    late = stored(engine, org, at=datetime(2026, 6, 10, tzinfo=UTC))
    queued = stored(engine, org, status="submitted", at=datetime(2026, 6, 11, tzinfo=UTC))
    bare = stored(engine, org, status=None)
    auth = bearer(org_a["owner"])
    everything = _csv(client.get("/api/v1/references.csv", headers=auth).text)
    assert {r[0] for r in everything[1:]} >= {early.ca_number, late.ca_number,
                                              queued.ca_number, bare.ca_number}
    assert [r for r in everything if r[0] == bare.ca_number][0][5] == "none"
    june = _csv(client.get("/api/v1/references.csv?from=2026-06-01&to=2026-06-30&sep=,",
                           headers=auth).text, ",")
    assert {r[0] for r in june[1:]} == {late.ca_number, queued.ca_number}
    available = client.get("/api/v1/references.csv?status=available&from=2026-06-01",
                           headers=auth)
    assert {r[0] for r in _csv(available.text)[1:]} == {late.ca_number}
    listed = client.get(f"/api/v1/references.csv?ca={early.ca_number},{bare.ca_number}"
                        f"&ca={late.ca_number}", headers=auth)
    assert {r[0] for r in _csv(listed.text)[1:]} == {early.ca_number, bare.ca_number,
                                                    late.ca_number}


def test_bad_filters_are_422(client: TestClient, org_a: dict[str, Account]) -> None:
    auth = bearer(org_a["owner"])
    for query, code in (("from=2026-13-01", "invalid_date"), ("status=lost", "invalid_status"),
                        ("ca=%3Dcmd", "invalid_ca_number"),
                        ("from=2026-05-01&to=2026-04-01", "invalid_period")):
        response = client.get(f"/api/v1/references.csv?{query}", headers=auth)
        assert (response.status_code, response.json()["error"]["code"]) == (422, code), query
    assert client.get("/api/v1/references.csv?sep=|", headers=auth).status_code == 400


def test_other_tenants_rows_are_invisible_buyers_see_shared_only(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account],
    buyer: Account
) -> None:
    theirs = stored(engine, org_b["owner"].org_id)
    shared = stored(engine, org_b["owner"].org_id, buyers=[buyer.reg_no])
    seen_by_a = client.get(f"/api/v1/references.csv?ca={theirs.ca_number}",
                           headers=bearer(org_a["owner"]))
    assert _csv(seen_by_a.text) == [HEADER]
    seen_by_buyer = _csv(client.get("/api/v1/references.csv", headers=bearer(buyer)).text)
    assert [r[0] for r in seen_by_buyer[1:]] == [shared.ca_number]


def test_json_variant_pages(client: TestClient, engine: Engine,
                            org_a: dict[str, Account]) -> None:
    org = org_a["owner"].org_id
    made = [stored(engine, org) for _ in range(3)]
    first = client.get("/api/v1/references?limit=2", headers=bearer(org_a["owner"])).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = client.get("/api/v1/references?limit=2&offset=2",
                      headers=bearer(org_a["owner"])).json()
    assert rest["next_offset"] is None
    by_ca = {i["ca_number"]: i for i in first["items"] + rest["items"]}
    assert set(by_ca) == {m.ca_number for m in made}
    assert by_ca[made[0].ca_number]["eudr_reference_number"] == made[0].reference


def test_spreadsheet_formulas_are_neutralised() -> None:
    from geoservice.references.csvio import neutralise, write_rows

    assert [neutralise(v) for v in ("=1+1", "+3", "-2", "@SUM", "\tx", "\rx", "ok", None)] == [
        "'=1+1", "'+3", "'-2", "'@SUM", "'\tx", "'\rx", "ok", ""]
    assert "".join(write_rows([["=A1", "b"]], ";", bom=True)) == "\ufeff'=A1;b\r\n"
