"""GET /api/v1/verify: TRACES-style answers from our records, visibility, the TRACES mode."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import reference_number, stored, verification_number


def _verify(client: TestClient, who: Account, ref: str | None, ver: str | None,
            extra: str = "") -> dict[str, object]:
    response = client.get(f"/api/v1/verify?reference={ref}&verification={ver}{extra}",
                          headers=bearer(who))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_outcomes_from_records(client: TestClient, engine: Engine,
                               org_a: dict[str, Account]) -> None:
    org = org_a["owner"].org_id
    usable = stored(engine, org, at=datetime(2026, 5, 1, 8, tzinfo=UTC))
    gone = stored(engine, org, status="withdrawn")
    rejected = stored(engine, org, status="rejected")
    answer = _verify(client, org_a["owner"], usable.reference, usable.verification)
    assert answer["result"] == "EXISTING_USABLE" and answer["status"] == "AVAILABLE"
    assert str(answer["date_time"]).startswith("2026-05-01")
    for pair in (gone, rejected):
        assert _verify(client, org_a["owner"], pair.reference,
                       pair.verification)["result"] == "EXISTING_NON_USABLE"
    wrong = _verify(client, org_a["owner"], usable.reference, verification_number())
    assert wrong["result"] == "NON_EXISTENT" and wrong["status"] is None
    assert _verify(client, org_a["owner"], reference_number(),
                   verification_number())["result"] == "NON_EXISTENT"


def test_the_pair_is_the_proof(client: TestClient, engine: Engine, org_a: dict[str, Account],
                               org_b: dict[str, Account], buyer: Account,
                               operator: dict[str, Account]) -> None:
    """A buyer of another organisation, named on the statement or not, learns the state."""
    pair = stored(engine, org_b["owner"].org_id)
    gone = stored(engine, org_b["owner"].org_id, status="withdrawn")
    for who in (org_a["owner"], buyer, operator["compliance_officer"], org_b["analyst"]):
        answer = _verify(client, who, pair.reference, pair.verification)
        assert answer["result"] == "EXISTING_USABLE", who
        assert set(answer) == {"result", "status", "date_time", "source"}
    other = _verify(client, org_a["owner"], gone.reference, gone.verification)
    assert (other["result"], other["status"]) == ("EXISTING_NON_USABLE", "WITHDRAWN")


def test_wrong_verification_answers_like_a_missing_pair(
        client: TestClient, engine: Engine, org_a: dict[str, Account],
        org_b: dict[str, Account]) -> None:
    pair = stored(engine, org_b["owner"].org_id)
    assert pair.reference is not None
    wrong = client.get(f"/api/v1/verify?reference={pair.reference}&verification=ZZZZ9999",
                       headers=bearer(org_a["owner"])).json()
    missing = client.get(f"/api/v1/verify?reference={reference_number()}"
                         "&verification=ZZZZ9999", headers=bearer(org_a["owner"])).json()
    for body in (wrong, missing):
        del body["date_time"]  # the moment of asking
    assert wrong == missing == {"result": "NON_EXISTENT", "status": None, "source": "records"}


def test_every_verification_is_logged(client: TestClient, engine: Engine,
                                      org_a: dict[str, Account], buyer: Account) -> None:
    pair = stored(engine, org_a["owner"].org_id)
    _verify(client, buyer, pair.reference, pair.verification)
    _verify(client, buyer, pair.reference, verification_number())
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT r.channel, r.source, r.pairs, r.misses, l.reference_number, l.result, "
            "l.statement_id::text FROM verify_requests r JOIN verify_log l ON l.request_id = r.id "
            "WHERE r.user_id = (SELECT id FROM users WHERE email = :e) ORDER BY r.id"),
            {"e": buyer.email}).all()
    assert [tuple(r) for r in rows] == [
        ("get", "records", 1, 0, pair.reference, "EXISTING_USABLE", pair.statement_id),
        ("get", "records", 1, 1, pair.reference, "NON_EXISTENT", None)]


def test_bad_numbers_are_422(client: TestClient, org_a: dict[str, Account]) -> None:
    response = client.get("/api/v1/verify?reference=26LV%27--&verification=K7Q2M9XD",
                          headers=bearer(org_a["owner"]))
    assert (response.status_code, response.json()["error"]["code"]) == (422,
                                                                         "invalid_reference")
    missing = client.get("/api/v1/verify?reference=26LVABCDEF1234",
                         headers=bearer(org_a["owner"]))
    assert missing.json()["error"]["code"] == "invalid_verification"
    assert client.get("/api/v1/verify?reference=26LVABCDEF1234&verification=K7Q2M9XD"
                      "&source=oracle", headers=bearer(org_a["owner"])).status_code == 400


def test_traces_mode(app, client: TestClient, org_a: dict[str, Account]) -> None:  # type: ignore[no-untyped-def]
    query = "/api/v1/verify?reference=26LVABCDEF1234&verification=K7Q2M9XD&source=traces"
    # The app asks the simulator's port when no TRACES URL is set; none runs in this test.
    unreachable = client.get(query, headers=bearer(org_a["owner"]))
    assert (unreachable.status_code,
            unreachable.json()["error"]["code"]) == (503, "upstream_unavailable")
    asked: list[tuple[str, str]] = []

    class FakeTraces:
        def verify_declaration(self, reference: str, verification: str) -> SimpleNamespace:
            asked.append((reference, verification))
            return SimpleNamespace(result="EXISTING_USABLE", status="AVAILABLE",
                                   date_time=datetime(2026, 5, 2, tzinfo=UTC))

    configured = app.state.traces_service
    app.state.traces_service = FakeTraces()
    try:
        answer = client.get(query, headers=bearer(org_a["owner"])).json()
    finally:
        app.state.traces_service = configured
    assert asked == [("26LVABCDEF1234", "K7Q2M9XD")]
    assert answer["result"] == "EXISTING_USABLE" and answer["source"] == "traces"
