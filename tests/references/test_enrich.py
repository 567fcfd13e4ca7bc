"""POST /api/v1/documents/enrich: pairs written into papiNet and other shapes, attacks refused."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import FIXTURES, ca_number, stored

URL = "/api/v1/documents/enrich"
PAPINET = "http://www.papinet.org/papiNet_V2R31"
MR = "urn:example:dace:measurement-report:1"


def _document(name: str, numbers: list[str]) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for index, number in enumerate(numbers, start=1):
        text = text.replace(f"CA-FIXTURE-{index:04d}", number)
    return text.encode("utf-8")


def test_papinet_waybill_gets_pairs_and_unresolved_items_are_reported(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    theirs = stored(engine, org_b["owner"].org_id)
    unknown = ca_number()
    original = _document("delivery_message_wood.xml", [mine.ca_number, theirs.ca_number, unknown])
    response = client.post(URL, content=original, headers={**bearer(org_a["owner"]),
                                                           "content-type": "application/xml"})
    assert response.status_code == 200, response.text
    assert response.headers["x-unresolved"] == "2 of 3 items: not yours=1, unknown=1"
    out = response.content
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- papiNet')
    root = etree.fromstring(out)
    items = root.findall(f".//{{{PAPINET}}}DeliveryShipmentLineItem")
    refs = items[0].findall(f"{{{PAPINET}}}DeliveryMessageReference")
    assert [(r.get("DeliveryMessageReferenceType"), r.text) for r in refs] == [
        ("FellingCertificateNumber", mine.ca_number),
        ("EUDRReferenceNumber", mine.reference),
        ("EUDRVerificationNumber", mine.verification)]
    assert f"<!-- EUDR: CA {theirs.ca_number}: not yours -->".encode() in out
    assert f"<!-- EUDR: CA {unknown}: unknown -->".encode() in out
    assert str(theirs.reference).encode() not in out
    assert "<![CDATA[Bērza".encode() in out
    assert f'{mine.ca_number}</DeliveryMessageReference>\n        <DeliveryMessageReference ' \
           f'DeliveryMessageReferenceType="EUDRReferenceNumber">'.encode() in out
    # everything outside the added lines is unchanged
    added = {line for line in out.splitlines() if b"EUDR" in line}
    assert [line for line in out.splitlines() if line not in added] == original.splitlines()


def test_enriching_twice_changes_nothing_more(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    pairs = [stored(engine, org_a["owner"].org_id) for _ in range(3)]
    document = _document("delivery_message_wood.xml", [p.ca_number for p in pairs])
    once = client.post(URL, content=document, headers=bearer(org_a["owner"]))
    twice = client.post(URL, content=once.content, headers=bearer(org_a["owner"]))
    assert once.headers["x-unresolved"] == "0 of 3 items"
    assert twice.content == once.content


def test_json_report(client: TestClient, engine: Engine, org_a: dict[str, Account]) -> None:
    mine = stored(engine, org_a["owner"].org_id, status="submitted")
    document = _document("delivery_message_wood.xml", [mine.ca_number, "bad cell!", ""])
    report = client.post(URL + "?report=json", content=document,
                         headers=bearer(org_a["owner"])).json()
    assert [i["status"] for i in report["items"]] == ["not submitted yet", "invalid", "invalid"]
    assert report["items"][0]["line"] == 19 and report["mapping"] == "papinet"


def test_measurement_report_mapping(client: TestClient, engine: Engine,
                                    org_a: dict[str, Account]) -> None:
    first, second = (stored(engine, org_a["owner"].org_id) for _ in range(2))
    document = _document("measurement_report.xml", [first.ca_number, second.ca_number])
    response = client.post(URL + "?mapping=measurement", content=document,
                           headers=bearer(org_a["owner"]))
    assert response.status_code == 200, response.text
    lots = etree.fromstring(response.content).findall(f"{{{MR}}}Lot")
    assert [(lot.findtext(f"{{{MR}}}EudrReferenceNumber"),
             lot.findtext(f"{{{MR}}}EudrVerificationNumber")) for lot in lots] == [
        (first.reference, first.verification), (second.reference, second.verification)]
    assert b"</mr:Volume>\n    <mr:EudrReferenceNumber>" in response.content
    unknown = client.post(URL + "?mapping=nope", content=document, headers=bearer(org_a["owner"]))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown_mapping")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<DeliveryMessageWood><DeliveryShipmentLineItem>&x;</DeliveryShipmentLineItem></DeliveryMessageWood>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE DeliveryMessageWood SYSTEM "http://127.0.0.1:9/papinet.dtd">
<DeliveryMessageWood/>
"""


def test_doctype_attacks_are_refused(client: TestClient, org_a: dict[str, Account]) -> None:
    for attack in (XXE, LAUGHS, EXTERNAL_DTD, XXE.decode().encode("utf-16")):
        response = client.post(URL, content=attack, headers=bearer(org_a["owner"]))
        assert response.status_code == 400, attack[:60]
        assert response.json()["error"]["code"] == "xml_doctype_forbidden"


def test_malformed_and_empty_documents(client: TestClient, org_a: dict[str, Account]) -> None:
    broken = client.post(URL, content=b"<a><b></a>", headers=bearer(org_a["owner"]))
    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "malformed_xml")
    assert "line 1" in broken.json()["error"]["messages"]["en"]
    entity = client.post(URL, content=b"<a>&undeclared;</a>", headers=bearer(org_a["owner"]))
    assert entity.status_code == 400
    empty = client.post(URL, content=b"", headers=bearer(org_a["owner"]))
    assert (empty.status_code, empty.json()["error"]["code"]) == (400, "empty_body")
    assert client.post(URL, content=b"<a/>").status_code == 401


def test_other_encodings_are_kept(client: TestClient, engine: Engine,
                                  org_a: dict[str, Account]) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    text = _document("measurement_report.xml", [mine.ca_number, ca_number()]).decode()
    latin = text.replace('encoding="UTF-8"', 'encoding="windows-1257"').encode("cp1257")
    response = client.post(URL + "?mapping=measurement", content=latin,
                           headers=bearer(org_a["owner"]))
    assert response.content.startswith(b'<?xml version="1.0" encoding="windows-1257"?>')
    assert "bērzs".encode("cp1257") in response.content
    assert str(mine.reference).encode() in response.content
