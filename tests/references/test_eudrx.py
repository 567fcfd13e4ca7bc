"""EUDR-X 2.0.1: what a supplier emits validates, and round-trips into a buyer's register."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from lxml import etree
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.settings import ROOT
from tests.conftest import Account, bearer
from tests.references.builders import stored

SCHEMAS = ROOT / "geoservice" / "references" / "schemas"
EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "eudr-x"
PROFILE = {"street": "Rīgas iela 1", "postal_code": "LV-1050", "city": "Rīga",
           "contact_name": "Anna Bērziņa", "email": "anna@koks.example",
           "phone": "+371 2000 0000", "eudr_role": "LC-Operator"}


def complete_profile(client: TestClient, owner: Account) -> None:
    response = client.patch(f"/api/v1/organisations/{owner.org_id}", json=PROFILE,
                            headers=bearer(owner))
    assert response.status_code == 200, response.text


def _url(sid: str | None, extra: str = "") -> str:
    return f"/api/v1/statements/{sid}/eudr-x?order=PO-2026-17&item=3{extra}"


@pytest.fixture()
def supplier(client: TestClient, engine: Engine, org_b: dict[str, Account]) -> Any:
    complete_profile(client, org_b["owner"])
    return stored(engine, org_b["owner"].org_id)


def test_json_follows_the_schema_and_the_profile(client: TestClient, supplier: Any,
                                                 org_b: dict[str, Account]) -> None:
    response = client.get(_url(supplier.statement_id, "&hs=4403"),
                          headers=bearer(org_b["analyst"]))
    assert response.status_code == 200, response.text
    doc = response.json()
    schema = json.loads((SCHEMAS / "eudr-x-2.0.1.schema.json").read_text())
    assert not list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(doc))
    assert doc["operator"]["eudr_details"] == {"eudr_role": "LC-Operator",
                                               "taric_document_code": "C716",
                                               "hs_code": "4403"}
    assert doc["operator"]["address"] == {"street": "Rīgas iela 1", "postal_code": "LV-1050",
                                          "city": "Rīga", "country": "LV"}
    assert doc["operator"]["contact_person"]["name"] == "Anna Bērziņa"
    assert doc["order_item"]["order_reference"] == "PO-2026-17"
    assert doc["referenced_eudr_statements"] == [{"reference_number": supplier.reference,
                                                  "verification_number": supplier.verification}]
    assert doc["document_meta"]["version"] == "2.0.1"
    assert "_PO-2026-17_3_eudr-x.json" in response.headers["content-disposition"]


def test_xml_and_csv_forms(client: TestClient, supplier: Any,
                           org_b: dict[str, Account]) -> None:
    xml = client.get(_url(supplier.statement_id, "&f=xml&sscc=123456789012345678"),
                     headers=bearer(org_b["owner"]))
    assert xml.status_code == 200, xml.text
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "eudr-x-2.0.1.xsd")))
    tree = etree.fromstring(xml.content)
    assert schema.validate(tree), schema.error_log
    assert tree.findtext("referenced_eudr_statements/statement/"
                         "serial_shipping_container_reference") == "123456789012345678"
    assert tree.findtext("operator/eudr_details/taric_document_code") == "C716"
    text = client.get(_url(supplier.statement_id, "&f=csv"), headers=bearer(org_b["owner"]))
    rows = list(csv.DictReader(io.StringIO(text.text), delimiter=";"))
    assert len(rows) == 1
    assert rows[0]["referenced_eudr_statements.reference_number"] == supplier.reference
    assert rows[0]["operator.eudr_details.taric_document_code"] == "C716"


def test_supplier_side_refusals(client: TestClient, engine: Engine, supplier: Any,
                                org_a: dict[str, Account], org_b: dict[str, Account]) -> None:
    other = client.get(_url(supplier.statement_id), headers=bearer(org_a["owner"]))
    missing = client.get(_url("00000000-0000-4000-8000-000000000000"),
                         headers=bearer(org_a["owner"]))
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["code"] == missing.json()["error"]["code"]
    no_item = client.get(f"/api/v1/statements/{supplier.statement_id}/eudr-x?order=1",
                         headers=bearer(org_b["owner"]))
    assert (no_item.status_code, no_item.json()["error"]["code"]) == (422, "missing_item")
    draft = stored(engine, org_b["owner"].org_id, status="submitted")
    assert client.get(_url(draft.statement_id), headers=bearer(org_b["owner"])).json()[
        "error"]["code"] == "statement_not_available"
    incomplete = stored(engine, org_a["owner"].org_id)
    response = client.get(_url(incomplete.statement_id), headers=bearer(org_a["owner"]))
    assert response.status_code == 409
    assert "contact_name" in response.json()["error"]["message"]
    assert client.get(_url(supplier.statement_id, "&f=pdf"),
                      headers=bearer(org_b["owner"])).status_code == 400
    assert client.get(_url(supplier.statement_id, "&hs=44x"),
                      headers=bearer(org_b["owner"])).status_code == 422


@pytest.mark.parametrize("form", ["json", "xml", "csv"])
def test_round_trip_supplier_to_buyer(form: str, client: TestClient, supplier: Any,
                                      org_b: dict[str, Account], buyer: Account) -> None:
    sent = client.get(_url(supplier.statement_id, f"&f={form}"), headers=bearer(org_b["owner"]))
    assert sent.status_code == 200
    got = client.post("/api/v1/received", headers=bearer(buyer),
                      files={"file": (f"doc.{form}", sent.content)})
    assert got.status_code == 201, got.text
    body = got.json()
    assert body["stored"] == 1
    assert body["items"][0]["result"] == "EXISTING_USABLE"
    register = client.get("/api/v1/received", headers=bearer(buyer)).json()["items"]
    row = next(r for r in register if r["reference_number"] == supplier.reference)
    assert row["supplier_name"].startswith("Test org ")  # the supplier's company name
    assert (row["order_reference"], row["item_reference"], row["source"],
            row["last_result"], row["taric_document_code"]) == (
        "PO-2026-17", "3", f"eudr-x-{form}", "EXISTING_USABLE", "C716")
    # Sending it again registers nothing new, and the seller's register stays empty.
    again = client.post("/api/v1/received", headers=bearer(buyer),
                        files={"file": (f"doc.{form}", sent.content)}).json()
    assert (again["stored"], again["already_registered"]) == (0, 1)
    assert not [r for r in client.get("/api/v1/received", headers=bearer(org_b["owner"]))
                .json()["items"] if r["reference_number"] == supplier.reference]


def test_published_examples_are_received(client: TestClient, buyer: Account) -> None:
    for name in ("example.json", "example.xml", "example.csv"):
        response = client.post("/api/v1/received", headers=bearer(buyer),
                               content=(EXAMPLES / name).read_bytes())
        assert response.status_code == 201, (name, response.text)
        items = response.json()["items"]
        assert len(items) == 3
        # Not statements held here, and their verification numbers are not TRACES-shaped.
        assert {i["result"] for i in items} == {"INVALID"}


def test_bad_eudr_x_is_refused_and_nothing_stored(client: TestClient, supplier: Any,
                                                  org_b: dict[str, Account],
                                                  buyer: Account) -> None:
    doc = client.get(_url(supplier.statement_id), headers=bearer(org_b["owner"])).json()
    bad = json.loads(json.dumps(doc))
    bad["operator"]["eudr_details"]["taric_document_code"] = "Y144"  # dropped in 2.0.1
    two = json.loads(json.dumps(doc))
    two["referenced_eudr_statements"].append({"reference_number": "26LVAAAAAAAAAA",
                                              "verification_number": "AAAAAAAA"})
    no_meta = {k: v for k, v in doc.items() if k != "document_meta"}
    cases = [(json.dumps(bad), 422, "taric_document_code"), (json.dumps(two), 422, "C716"),
             (json.dumps(no_meta), 422, "document_meta"), ('{"operator": ', 400, "JSON"),
             ("<eudr><operator/></eudr>", 422, "operator"),
             ("<!DOCTYPE eudr><eudr/>", 400, "DOCTYPE")]
    for body, status, words in cases:
        response = client.post("/api/v1/received", headers=bearer(buyer),
                               content=body.encode())
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["error"]["message"], response.text
    assert client.get("/api/v1/received", headers=bearer(buyer)).json()["items"] == []
