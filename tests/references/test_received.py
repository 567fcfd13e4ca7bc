"""The buyer's register: CSV, enriched XML, typed-in pairs, export, re-verify, 5 years."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from geoservice.cli.main import main
from tests.conftest import Account, bearer, login
from tests.references.builders import FIXTURES, stored, verification_number


def _post(client: TestClient, who: Account, body: bytes, query: str = "") -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/received{query}", content=body, headers=bearer(who))
    return response.status_code, response.json()


def _register(client: TestClient, who: Account, query: str = "") -> list[dict]:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/received{query}", headers=bearer(who))
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]  # type: ignore[type-arg]
    return items


def test_csv_of_pairs_with_supplier_and_item(client: TestClient, engine: Engine,
                                             org_b: dict[str, Account], buyer: Account) -> None:
    pair = stored(engine, org_b["owner"].org_id)
    body = ("Piegādātājs;Pasūtījums;Pozīcija;Datums;Atsauces numurs;Verifikācijas numurs\r\n"
            f"Meža SIA;PO-9;1;2026-11-02;{pair.reference};{pair.verification}\r\n"
            f"Meža SIA;PO-9;2;2026-11-02;{pair.reference};{verification_number()}\r\n")
    status, answer = _post(client, buyer, body.encode("cp1257"), "?encoding=windows-1257")
    assert status == 201, answer
    rows = _register(client, buyer, "?supplier=meža")
    assert sorted((r["item_reference"], r["last_result"], r["received_on"], r["source"])
                  for r in rows) == [("1", "EXISTING_USABLE", "2026-11-02", "csv"),
                                     ("2", "NON_EXISTENT", "2026-11-02", "csv")]
    assert [r["item_reference"] for r in _register(client, buyer, "?result=NON_EXISTENT")] == \
        ["2"]
    assert rows[0]["keep_until"] >= "2031-"


def test_typed_in_and_the_page(client: TestClient, engine: Engine, org_b: dict[str, Account],
                               buyer: Account) -> None:
    pair = stored(engine, org_b["owner"].org_id)
    typed = {"pairs": [{"reference_number": pair.reference,
                        "verification_number": pair.verification,
                        "supplier_name": "Zāģis", "item_reference": "7"}]}
    status, answer = _post(client, buyer, json.dumps(typed).encode())
    assert status == 201 and answer["items"][0]["result"] == "EXISTING_USABLE"
    token = login(client, buyer)
    page = client.get("/received")
    assert page.status_code == 200 and pair.reference in page.text and "Zāģis" in page.text
    other = stored(engine, org_b["owner"].org_id)
    response = client.post("/received/add", data={
        "csrf_token": token, "reference_number": other.reference,
        "verification_number": other.verification, "supplier_name": "Ar roku"},
        follow_redirects=False)
    assert response.status_code == 303
    assert "Ar roku" in client.get("/received").text
    # Another organisation sees none of it.
    assert _register(client, org_b["owner"], "?supplier=Zāģis") == []


def test_enriched_document_is_received(client: TestClient, engine: Engine,
                                       org_b: dict[str, Account], buyer: Account) -> None:
    pair = stored(engine, org_b["owner"].org_id)
    waybill = (FIXTURES / "delivery_message_wood.xml").read_text("utf-8")
    import re
    cas = re.findall(r'FellingCertificateNumber">([^<]+)<', waybill)
    assert cas
    waybill = waybill.replace(cas[0], pair.ca_number)
    enriched = client.post("/api/v1/documents/enrich", content=waybill.encode(),
                           headers=bearer(org_b["owner"]))
    assert enriched.status_code == 200 and pair.reference.encode() in enriched.content
    status, answer = _post(client, buyer, enriched.content, "?supplier=Meži&order=W-77")
    assert status == 201, answer
    assert [(i["reference_number"], i["result"]) for i in answer["items"]] == [
        (pair.reference, "EXISTING_USABLE")]
    row = next(r for r in _register(client, buyer) if r["order_reference"] == "W-77")
    assert (row["supplier_name"], row["production_reference"], row["source"]) == (
        "Meži", pair.ca_number, "xml")


def test_export_reverify_and_nightly(client: TestClient, engine: Engine,
                                     org_b: dict[str, Account], buyer: Account,
                                     capsys: pytest.CaptureFixture[str], database_url: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", database_url)
    pair = stored(engine, org_b["owner"].org_id)
    status, _ = _post(client, buyer, f"supplier;reference_number;verification_number\r\n"
                      f"=cmd|' /C calc'!A0;{pair.reference};{pair.verification}\r\n".encode())
    assert status == 201
    export = client.get("/api/v1/received?f=csv", headers=bearer(buyer))
    assert export.status_code == 200 and export.text.startswith("\ufeffid;received_on")
    assert "=cmd" not in export.text.replace("'=cmd", "")  # formula cells neutralised
    with engine.begin() as conn:
        conn.execute(text("UPDATE statements SET status = 'withdrawn' WHERE id = "
                          "CAST(:id AS uuid)"), {"id": pair.statement_id})
    nothing = client.post("/api/v1/received/reverify", json={"ids": ["not-an-id"]},
                          headers=bearer(buyer))
    assert nothing.json() == {"verified": {}}
    answer = client.post("/api/v1/received/reverify", json={}, headers=bearer(buyer))
    assert answer.status_code == 200, answer.text
    row = next(r for r in _register(client, buyer) if r["reference_number"] == pair.reference)
    assert (row["last_result"], row["last_status"]) == ("EXISTING_NON_USABLE", "WITHDRAWN")
    with engine.begin() as conn:
        conn.execute(text("UPDATE statements SET status = 'available' WHERE id = "
                          "CAST(:id AS uuid)"), {"id": pair.statement_id})
    assert main(["received", "reverify", "--older-than-hours", "0"]) == 0
    assert "received pairs verified" in capsys.readouterr().out
    row = next(r for r in _register(client, buyer) if r["reference_number"] == pair.reference)
    assert row["last_result"] == "EXISTING_USABLE"


def test_kept_five_years(client: TestClient, engine: Engine, org_b: dict[str, Account],
                         buyer: Account) -> None:
    pair = stored(engine, org_b["owner"].org_id)
    _post(client, buyer, f"{pair.reference};{pair.verification}\r\n".encode())
    with pytest.raises(DBAPIError, match="must be kept until"), engine.begin() as conn:
        conn.execute(text("DELETE FROM received_pairs WHERE reference_number = :r"),
                     {"r": pair.reference})
    with pytest.raises(DBAPIError, match="only its verification"), engine.begin() as conn:
        conn.execute(text("UPDATE received_pairs SET supplier_name = 'x' "
                          "WHERE reference_number = :r"), {"r": pair.reference})
    assert len([r for r in _register(client, buyer) if r["reference_number"] == pair.reference]) \
        == 1


def test_bad_input_stores_nothing(client: TestClient, buyer: Account) -> None:
    cases = [
        (b"reference_number;verification_number\r\n26LVAAAAAAAAAA;AAAAAAAA\r\nx;y\r\n", "",
         422, "invalid_received_pair"),
        (b"Datums;reference_number;verification_number\r\n02.11.2026;26LVAAAAAAAAAA;AAAAAAAA\r\n",
         "", 422, "invalid_date"),
        ("reference_number;verification_number\r\n26LVĀAAAAAAAA;AAAAAAAA\r\n".encode("cp1257"),
         "", 400, "csv_encoding"),
        (b'{"pairs": []}', "", 422, "validation_failed"),
        (b'{"pairs": [{"reference_number": "26LVAAAAAAAAAA"}]}', "", 422, "validation_failed"),
        (b"<Doc><Item/></Doc>", "?mapping=nosuch", 400, "unknown_mapping"),
        (b"<Doc><Item/></Doc>", "", 422, "no_pairs"),
        (b"", "", 400, "empty_body"),
    ]
    for body, query, status, code in cases:
        got, answer = _post(client, buyer, body, query)
        assert (got, answer["error"]["code"]) == (status, code), (body, answer)
    assert _register(client, buyer) == []
    assert client.get("/api/v1/received?result=MAYBE", headers=bearer(buyer)).status_code == 400


def test_readers_cannot_receive(client: TestClient, org_a: dict[str, Account]) -> None:
    got, answer = _post(client, org_a["compliance_officer"], b"26LVAAAAAAAAAA;AAAAAAAA\r\n")
    assert got == 403


def test_errors_speak_the_callers_language(client: TestClient, engine: Engine,
                                           buyer: Account) -> None:
    body = b"reference_number;verification_number\r\nx;y\r\n"
    latvian = _post(client, buyer, body)[1]["error"]["message"]
    assert "nekas netika saglabāts" in latvian
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET language = 'en' WHERE email = :e"),
                     {"e": buyer.email})
    english = _post(client, buyer, body)[1]["error"]["message"]
    assert "nothing was stored" in english
