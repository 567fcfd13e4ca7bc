"""Document mappings at runtime: uploaded per organisation, validated; and the auto mapping."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import stored

URL = "/api/v1/documents/mappings"
# A shape no built-in mapping knows: a Latvian sawmill's own intake note.
NOTE = """<?xml version="1.0" encoding="UTF-8"?>
<Pieņemšana xmlns="urn:example:zagetava:1">
  <Kravas>
    <Krava nr="1"><Apliecinajums>{ca1}</Apliecinajums><Apjoms>12.5</Apjoms></Krava>
    <Krava nr="2"><Apliecinajums>{ca2}</Apliecinajums><Apjoms>3</Apjoms></Krava>
    <Krava nr="3" ca="{ca3}"><Apjoms>4</Apjoms></Krava>
  </Kravas>
</Pieņemšana>
"""
MAPPING = """title = "Zāģētavas pieņemšanas akts"
item = "//z:Krava"
ca = "z:Apliecinajums"

[namespaces]
z = "urn:example:zagetava:1"

[added]
where = "append"
namespace = "item"

[added.reference]
element = "EudrAtsauce"

[added.verification]
element = "EudrVerifikacija"
"""
NS = "{urn:example:zagetava:1}"


def _upload(client: TestClient, who: Account, body: str, name: str = "zagetava",
            content_type: str = "application/toml") -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(f"{URL}?name={name}", content=body.encode(),
                           headers={**bearer(who), "content-type": content_type})
    return response.status_code, response.json()


def test_uploaded_mapping_enriches_an_unknown_shape(client: TestClient, engine: Engine,
                                                    org_a: dict[str, Account],
                                                    org_b: dict[str, Account]) -> None:
    one, two = (stored(engine, org_a["owner"].org_id) for _ in range(2))
    status, body = _upload(client, org_a["analyst"], MAPPING)
    assert status == 201, body
    names = [m["name"] for m in client.get(URL, headers=bearer(org_a["owner"])).json()["items"]]
    assert names[-1] == "zagetava" and "auto" in names and "papinet" in names
    note = NOTE.format(ca1=one.ca_number, ca2=two.ca_number, ca3="CA-NONE").encode()
    response = client.post("/api/v1/documents/enrich?mapping=zagetava", content=note,
                           headers=bearer(org_a["owner"]))
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    loads = root.findall(f".//{NS}Krava")
    assert [(k.findtext(f"{NS}EudrAtsauce"), k.findtext(f"{NS}EudrVerifikacija"))
            for k in loads[:2]] == [(one.reference, one.verification),
                                    (two.reference, two.verification)]
    assert response.headers["x-unresolved"] == "1 of 3 items: invalid=1"
    # Another tenant cannot use it, delete it or see it.
    other = client.post("/api/v1/documents/enrich?mapping=zagetava", content=note,
                        headers=bearer(org_b["owner"]))
    assert (other.status_code, other.json()["error"]["code"]) == (400, "unknown_mapping")
    assert "zagetava" not in other.json()["error"]["details"][0]["available"]
    gone = client.delete(f"{URL}?name=zagetava", headers=bearer(org_b["owner"]))
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "mapping_not_found")
    assert "zagetava" not in str(client.get(URL, headers=bearer(org_b["owner"])).json())
    # Replacing is allowed; deleting works for the owner organisation.
    assert _upload(client, org_a["owner"], MAPPING)[0] == 200
    assert client.delete(f"{URL}?name=zagetava", headers=bearer(org_a["owner"])
                         ).status_code == 204
    assert client.post("/api/v1/documents/enrich?mapping=zagetava", content=note,
                       headers=bearer(org_a["owner"])).status_code == 400


def test_json_upload(client: TestClient, org_a: dict[str, Account]) -> None:
    import json
    import tomllib
    definition = {"name": "json-shape", **tomllib.loads(MAPPING)}
    status, body = _upload(client, org_a["owner"], json.dumps(definition), name="",
                           content_type="application/json")
    assert status == 201 and body["name"] == "json-shape", body


def test_bad_mappings_name_the_key_or_xpath(client: TestClient,
                                            org_a: dict[str, Account]) -> None:
    cases = [
        (MAPPING.replace('item = "//z:Krava"', 'item = "//z:Krava[["'), "item", "//z:Krava[["),
        (MAPPING.replace('item = "//z:Krava"', 'item = "//z:Krava/@nr"'), "item",
         "selects attributes"),
        (MAPPING.replace('ca = "z:Apliecinajums"', 'ca = "z:Apliecinajums/text()"'), "ca",
         "element or the attribute"),
        (MAPPING.replace('ca = "z:Apliecinajums"', 'ca = "q:Apliecinajums"'), "ca",
         "does not compile"),
        ('items = "//x"\n' + MAPPING, "items", "unknown key"),
        (MAPPING.replace('where = "append"', 'where = "before"'), "added.where", "before"),
        (MAPPING.replace('element = "EudrAtsauce"', 'element = "Eudr Atsauce"'),
         "added.reference.element", "not an XML element name"),
        (MAPPING.replace('element = "EudrAtsauce"', 'elemnt = "EudrAtsauce"'),
         "added.reference.elemnt", "unknown key"),
    ]
    for body, key, words in cases:
        status, answer = _upload(client, org_a["owner"], body, name="bad")
        assert status == 422, (key, answer)
        error = answer["error"]
        assert (error["code"], error["details"][0]["field"]) == ("invalid_mapping", key), error
        assert words in error["message"], error["message"]
    assert _upload(client, org_a["owner"], "item = ", name="bad")[1]["error"]["code"] == \
        "malformed_mapping"
    assert _upload(client, org_a["owner"], MAPPING, name="papinet")[0] == 409
    assert _upload(client, org_a["owner"], MAPPING, name="Bad Name")[0] == 422
    assert _upload(client, org_a["compliance_officer"], MAPPING)[0] == 403
    names = [m["name"] for m in client.get(URL, headers=bearer(org_a["owner"])).json()["items"]]
    assert "bad" not in names


def test_auto_mapping_on_any_shape(client: TestClient, engine: Engine,
                                   org_a: dict[str, Account], org_b: dict[str, Account],
                                   buyer: Account) -> None:
    one, pending = stored(engine, org_a["owner"].org_id), stored(
        engine, org_a["owner"].org_id, status="submitted")
    attr = stored(engine, org_a["owner"].org_id)
    theirs = stored(engine, org_b["owner"].org_id)
    note = NOTE.format(ca1=one.ca_number, ca2=theirs.ca_number, ca3=attr.ca_number)
    note = note.replace("<Apjoms>3</Apjoms>", f"<Apjoms>3</Apjoms><Cits>{pending.ca_number}"
                                              "</Cits>")
    url = "/api/v1/documents/enrich?mapping=auto"
    response = client.post(url, content=note.encode(), headers=bearer(org_a["owner"]))
    assert response.status_code == 200, response.text
    out = response.content
    root = etree.fromstring(out)
    first, second, third = root.findall(f".//{NS}Krava")
    assert [c.tag.split("}")[1] for c in first] == [
        "Apliecinajums", "EUDRReferenceNumber", "EUDRVerificationNumber", "Apjoms"]
    assert first.findtext(f"{NS}EUDRReferenceNumber") == one.reference
    # The attribute's element gets the pair right after it, in its parent.
    kravas = third.getparent()
    assert kravas is not None
    after = third.getnext()
    assert after is not None and after.text == attr.reference
    # Another tenant's CA number is just text; a statement not yet available gets a comment.
    assert str(theirs.reference).encode() not in out
    assert second.find(f"{NS}EUDRReferenceNumber") is None
    assert f"<!-- EUDR: CA {pending.ca_number}: not submitted yet -->".encode() in out
    assert response.headers["x-unresolved"] == "1 of 3 items: not submitted yet=1"
    again = client.post(url, content=out, headers=bearer(org_a["owner"]))
    assert again.content == out  # enriching twice changes nothing more
    # The buyer registers what auto added.
    got = client.post("/api/v1/received?mapping=auto&supplier=Mežs&order=N-1", content=out,
                      headers=bearer(buyer))
    assert got.status_code == 201, got.text
    assert sorted((i["reference_number"], i["result"]) for i in got.json()["items"]) == sorted(
        [(one.reference, "EXISTING_USABLE"), (attr.reference, "EXISTING_USABLE")])
