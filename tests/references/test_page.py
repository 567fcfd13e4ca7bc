"""The /references page: three forms with labels and the CSRF token, each doing its job."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, login
from tests.references.builders import FIXTURES, stored


def test_page_has_three_protected_forms(client: TestClient, org_a: dict[str, Account]) -> None:
    token = login(client, org_a["owner"])
    page = client.get("/references", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count(f'name="csrf_token" value="{token}"') >= 4  # 3 forms + logout
    for action in ("/references/download", "/references/lookup", "/references/enrich"):
        assert f'action="{action}"' in page.text
    assert 'for="lookup-file"' in page.text and 'id="lookup-file"' in page.text


def test_forms_download_lookup_and_enrich(client: TestClient, engine: Engine,
                                          org_a: dict[str, Account]) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    token = login(client, org_a["owner"])
    download = client.post("/references/download",
                           data={"csrf_token": token, "ca": mine.ca_number, "sep": ";"})
    assert download.status_code == 200
    assert download.text.startswith("\ufeffca_number;")
    assert str(mine.reference) in download.text
    lookup = client.post("/references/lookup", data={"csrf_token": token, "encoding": "utf-8"},
                         files={"file": ("list.csv", f"ca\n{mine.ca_number}\n".encode())})
    rows = list(csv.reader(io.StringIO(lookup.text), delimiter=";"))
    assert rows[1] == [mine.ca_number, mine.reference, mine.verification, "found"]
    xml = (FIXTURES / "delivery_message_wood.xml").read_bytes().replace(
        b"CA-FIXTURE-0001", mine.ca_number.encode())
    enriched = client.post("/references/enrich", data={"csrf_token": token,
                                                       "mapping": "papinet"},
                           files={"file": ("waybill.xml", xml, "application/xml")})
    assert enriched.status_code == 200
    assert str(mine.verification).encode() in enriched.content
    assert enriched.headers["x-unresolved"].startswith("2 of 3")


def test_forms_without_the_token_are_refused(client: TestClient,
                                             org_a: dict[str, Account]) -> None:
    login(client, org_a["owner"])
    response = client.post("/references/lookup", data={"csrf_token": "forged"},
                           files={"file": ("list.csv", b"ca\nX-1\n")})
    assert response.status_code == 403
    missing = client.post("/references/lookup", data={"csrf_token": login(client,
                                                                         org_a["owner"])})
    assert missing.status_code == 400
