"""POST /api/v1/references/lookup: CSV in, the same rows with the pair and a status out."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import ca_number, stored

URL = "/api/v1/references/lookup"


def _rows(text: str, sep: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=sep))


def test_every_status_with_original_columns_kept(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    pending = stored(engine, org_a["owner"].org_id, status="submitted")
    draftless = stored(engine, org_a["owner"].org_id, status=None)
    theirs = stored(engine, org_b["owner"].org_id)
    unknown = ca_number()
    body = (f"krava;CA numurs;m3\n1;{mine.ca_number};10\n2;{pending.ca_number};3,5\n"
            f"3;{draftless.ca_number};1\n4;{theirs.ca_number};2\n5;{unknown};9\n6;;0\n"
            "7;=cmd|' /C calc'!A0;1\n")
    response = client.post(URL, content=body.encode(), headers=bearer(org_a["analyst"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = _rows(response.text)
    assert rows[0] == ["krava", "CA numurs", "m3", "eudr_reference_number",
                       "eudr_verification_number", "lookup_status"]
    assert rows[1] == ["1", mine.ca_number, "10", mine.reference, mine.verification, "found"]
    assert rows[2] == ["2", pending.ca_number, "3,5", "", "", "not submitted yet"]
    assert rows[3][-1] == "not submitted yet"
    assert rows[4] == ["4", theirs.ca_number, "2", "", "", "not yours"]
    assert rows[5][-1] == "unknown"
    assert rows[6][-1] == "invalid"
    assert rows[7][1].startswith("'=")  # echoed, but neutralised for spreadsheets
    assert rows[7][-1] == "invalid"
    assert "found=1" in response.headers["x-lookup-summary"]


def test_not_yours_leaks_nothing(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    theirs = stored(engine, org_b["owner"].org_id)
    response = client.post(URL, content=f"ca\n{theirs.ca_number}\n".encode(),
                           headers=bearer(org_a["owner"]))
    assert str(theirs.reference) not in response.text
    assert str(theirs.verification) not in response.text


def test_buyer_named_on_the_statement_sees_the_pair(
    client: TestClient, engine: Engine, org_a: dict[str, Account], buyer: Account
) -> None:
    shared = stored(engine, org_a["owner"].org_id, buyers=[buyer.reg_no])
    other = stored(engine, org_a["owner"].org_id, buyers=["40000000001"])
    response = client.post(URL, content=f"{shared.ca_number}\n{other.ca_number}\n".encode(),
                           headers=bearer(buyer))
    rows = _rows(response.text)
    assert rows[0] == ["ca_number", "eudr_reference_number", "eudr_verification_number",
                       "lookup_status"]  # no header in the upload: one is made
    assert rows[1] == [shared.ca_number, shared.reference, shared.verification, "found"]
    assert rows[2] == [other.ca_number, "", "", "not yours"]


def test_operator_officer_sees_every_tenant(
    client: TestClient, engine: Engine, org_b: dict[str, Account],
    operator: dict[str, Account]
) -> None:
    theirs = stored(engine, org_b["owner"].org_id)
    response = client.post(URL, content=f"ca_number\n{theirs.ca_number}\n".encode(),
                           headers=bearer(operator["compliance_officer"]))
    assert _rows(response.text)[1][-1] == "found"


def test_comma_file_with_bom_quotes_and_blank_lines(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    body = ("\ufeffnote,Ciršanas apliecinājums\r\n\r\n\"a, \"\"quoted\"\" note\","
            f"{mine.ca_number}\r\n\r\n").encode()
    response = client.post(URL, content=body, headers=bearer(org_a["owner"]))
    rows = _rows(response.text, ",")
    assert rows[0][:2] == ["note", "Ciršanas apliecinājums"]
    assert rows[1] == ['a, "quoted" note', mine.ca_number, mine.reference, mine.verification,
                       "found"]
    assert len(rows) == 2


def test_encodings(client: TestClient, engine: Engine, org_a: dict[str, Account]) -> None:
    mine = stored(engine, org_a["owner"].org_id)
    latin = f"apliecinājums;īpašnieks\n{mine.ca_number};Bērziņš\n".encode("cp1257")
    refused = client.post(URL, content=latin, headers=bearer(org_a["owner"]))
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "csv_encoding"
    assert "windows-1257" in refused.json()["error"]["messages"]["en"]
    accepted = client.post(URL + "?encoding=windows-1257", content=latin,
                           headers=bearer(org_a["owner"]))
    assert _rows(accepted.text)[1] == [mine.ca_number, "Bērziņš", mine.reference,
                                       mine.verification, "found"]
    utf16 = f"ca\t\n{mine.ca_number}\t\n".encode("utf-16")
    assert _rows(client.post(URL, content=utf16, headers=bearer(org_a["owner"])).text,
                 "\t")[1][-1] == "found"


def test_bad_files_get_clear_4xx(client: TestClient, org_a: dict[str, Account]) -> None:
    auth = bearer(org_a["owner"])
    empty = client.post(URL, content=b"\n\n", headers=auth)
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "empty_csv")
    no_column = client.post(URL, content=b"a;b\n1;2\n", headers=auth)
    assert (no_column.status_code, no_column.json()["error"]["code"]) == (422, "no_ca_column")
    broken = client.post(URL, content=b'ca\n"unterminated\n', headers=auth)
    assert broken.status_code == 400
    assert client.post(URL, content=b"ca\nX1\n").status_code == 401


def test_row_limit(client: TestClient, org_a: dict[str, Account], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from geoservice.references import csvio

    monkeypatch.setattr(csvio, "MAX_ROWS", 50)
    body = "ca\n" + "".join(f"CA-{i:06d}\n" for i in range(51))
    response = client.post(URL, content=body.encode(), headers=bearer(org_a["owner"]))
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_many_rows")
    ok = client.post(URL, content=body.encode()[:-11], headers=bearer(org_a["owner"]))
    assert ok.status_code == 200


def test_body_over_the_app_limit_is_413(client: TestClient, org_a: dict[str, Account]) -> None:
    body = b"ca\n" + b"CA-000000\n" * 120_000  # 1.2 MB; the test app allows 1 MB
    response = client.post(URL, content=body, headers=bearer(org_a["owner"]))
    assert response.status_code == 413
