"""POST /api/v1/verify: a CSV of pairs in, one result per row out."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import reference_number, stored, verification_number


def _post(client: TestClient, who: Account, body: bytes, query: str = "",
          multipart: bool = False) -> tuple[int, str, dict[str, str]]:
    if multipart:
        response = client.post(f"/api/v1/verify{query}", headers=bearer(who),
                               files={"file": ("pairs.csv", body, "text/csv")})
    else:
        response = client.post(f"/api/v1/verify{query}", content=body,
                               headers={**bearer(who), "content-type": "text/csv"})
    return response.status_code, response.text, dict(response.headers)


def _rows(text: str, sep: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=sep))


def test_one_result_per_row(client: TestClient, engine: Engine, org_a: dict[str, Account],
                            org_b: dict[str, Account]) -> None:
    usable = stored(engine, org_b["owner"].org_id)
    gone = stored(engine, org_b["owner"].org_id, status="withdrawn")
    body = (f"piegāde;reference_number;verification_number\r\n"
            f"P-1;{usable.reference};{usable.verification}\r\n"
            f"P-2;{usable.reference};{verification_number()}\r\n"
            f"P-3;{gone.reference};{gone.verification}\r\n"
            f"P-4;=HYPERLINK(\"http://x\");{usable.verification}\r\n"
            f"P-5;'{usable.reference};'{usable.verification}\r\n")
    status, text, headers = _post(client, org_a["analyst"], body.encode())
    assert status == 200, text
    rows = _rows(text)
    assert rows[0] == ["piegāde", "reference_number", "verification_number", "verify_result",
                       "verify_status", "verify_date_time"]
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        ("P-1", "EXISTING_USABLE", "AVAILABLE"), ("P-2", "NON_EXISTENT", ""),
        ("P-3", "EXISTING_NON_USABLE", "WITHDRAWN"), ("P-4", "INVALID", ""),
        ("P-5", "EXISTING_USABLE", "AVAILABLE")]
    assert rows[4][1] == "'=HYPERLINK(\"http://x\")"  # echoed, but never as a formula
    assert headers["x-verify-summary"] == ("EXISTING_NON_USABLE=1, EXISTING_USABLE=2, "
                                           "INVALID=1, NON_EXISTENT=1")


def test_encodings_delimiters_and_no_header(client: TestClient, engine: Engine,
                                            org_a: dict[str, Account]) -> None:
    pair = stored(engine, org_a["owner"].org_id)
    latvian = f"Piegādātājs,Atsauces numurs,Verifikācijas numurs\r\nKoks SIA,{pair.reference}," \
              f"{pair.verification}\r\n"
    for raw, query in ((latvian.encode("utf-8"), ""),
                       (b"\xef\xbb\xbf" + latvian.encode("utf-8"), ""),
                       (latvian.encode("cp1257"), "?encoding=windows-1257")):
        status, text, _ = _post(client, org_a["owner"], raw, query, multipart=True)
        assert status == 200, text
        rows = _rows(text, ",")
        assert rows[1][0] == "Koks SIA" and rows[1][3] == "EXISTING_USABLE"
        assert rows[0][0].lstrip("\ufeff") == "Piegādātājs"
    status, text, _ = _post(client, org_a["owner"], latvian.encode("cp1257"))
    assert status == 400 and '"csv_encoding"' in text
    headerless = f"{pair.reference}\t{pair.verification}\n{reference_number()}\tK7Q2M9XD\n"
    status, text, _ = _post(client, org_a["owner"], headerless.encode(), "?f=json")
    assert status == 200
    import json
    items = json.loads(text)["items"]
    assert [i["result"] for i in items] == ["EXISTING_USABLE", "NON_EXISTENT"]


def test_bad_files_are_4xx(client: TestClient, org_a: dict[str, Account]) -> None:
    who = org_a["owner"]
    cases = [(b"", 422, "empty_csv"), (b"name;price\r\nx;1\r\n", 422, "no_pair_columns"),
             (b'reference;verification\r\n"26LV;x\r\n', 400, "malformed_csv")]
    for body, status, code in cases:
        got, text, _ = _post(client, who, body)
        assert (got, code in text) == (status, True), text
    got, text, _ = _post(client, who, b"a;b", "?source=traces")
    assert got == 400 and "invalid_source" in text
