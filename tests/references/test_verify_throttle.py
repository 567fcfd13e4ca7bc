"""The verify throttle: per API token and per IP address, 429 in the one error shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.settings import Settings, VerifySettings
from tests.conftest import Account, bearer, make_user
from tests.references.builders import reference_number, stored, verification_number

LIMITS = VerifySettings(calls_per_minute=3, ip_calls_per_minute=5, misses_per_hour=2,
                        ip_misses_per_hour=100, max_pairs=50)


@pytest.fixture(scope="module")
def strict_app(settings: Settings):  # type: ignore[no-untyped-def]
    from geoservice.web.app import create_app

    return create_app(settings.model_copy(update={"verify": LIMITS}))


def _client(app, ip: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False, client=(ip, 40000)) as test_client:
        yield test_client


def _ask(client: TestClient, who: Account, ref: str, ver: str) -> tuple[int, dict[str, object],
                                                                       str | None]:
    response = client.get(f"/api/v1/verify?reference={ref}&verification={ver}",
                          headers=bearer(who))
    return response.status_code, response.json(), response.headers.get("retry-after")


def _ip() -> str:
    import secrets
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"


def test_calls_per_token_per_minute(strict_app, engine: Engine,  # type: ignore[no-untyped-def]
                                    org_a: dict[str, Account], buyer: Account) -> None:
    pair = stored(engine, org_a["owner"].org_id)
    assert pair.reference and pair.verification
    for client in _client(strict_app, _ip()):
        for _ in range(3):
            assert _ask(client, buyer, pair.reference, pair.verification)[0] == 200
        status, body, retry = _ask(client, buyer, pair.reference, pair.verification)
        assert status == 429 and retry is not None and 1 <= int(retry) <= 60
        error = body["error"]
        assert isinstance(error, dict) and error["code"] == "verify_throttled"
        assert set(error) == {"code", "message", "messages", "details"}
        assert "mēģiniet vēlreiz" in str(error["message"])  # the caller's language: Latvian
        # Another token of the same organisation has its own allowance.
        other = make_user(engine, buyer.org_id, buyer.reg_no, "analyst")
        assert _ask(client, other, pair.reference, pair.verification)[0] == 200


def test_calls_per_ip(strict_app, engine: Engine,  # type: ignore[no-untyped-def]
                      org_a: dict[str, Account]) -> None:
    pair = stored(engine, org_a["owner"].org_id)
    assert pair.reference and pair.verification
    users = [make_user(engine, org_a["owner"].org_id, org_a["owner"].reg_no, "analyst")
             for _ in range(3)]
    for client in _client(strict_app, _ip()):
        codes = [_ask(client, users[i % 3], pair.reference, pair.verification)[0]
                 for i in range(6)]
        assert codes == [200] * 5 + [429]
    for client in _client(strict_app, _ip()):  # another address is not affected
        assert _ask(client, users[0], pair.reference, pair.verification)[0] == 200


def test_misses_per_hour(strict_app, engine: Engine,  # type: ignore[no-untyped-def]
                         org_a: dict[str, Account]) -> None:
    guesser = make_user(engine, org_a["owner"].org_id, org_a["owner"].reg_no, "analyst")
    ref = reference_number()
    for client in _client(strict_app, _ip()):
        for _ in range(2):
            assert _ask(client, guesser, ref, verification_number())[1]["result"] == \
                "NON_EXISTENT"
    for client in _client(strict_app, _ip()):  # from another address too: the token counts
        status, body, retry = _ask(client, guesser, ref, verification_number())
        assert status == 429 and retry is not None and int(retry) > 60
        assert body["error"]["details"][0]["limit"] == "misses_per_hour"  # type: ignore[index]


def test_a_file_of_guesses_is_refused_whole(strict_app,  # type: ignore[no-untyped-def]
                                            engine: Engine, org_a: dict[str, Account]) -> None:
    guesser = make_user(engine, org_a["owner"].org_id, org_a["owner"].reg_no, "analyst")
    rows = "\r\n".join(f"{reference_number()};{verification_number()}" for _ in range(10))
    for client in _client(strict_app, _ip()):
        response = client.post("/api/v1/verify", content=rows.encode(), headers={
            **bearer(guesser), "content-type": "text/csv"})
        assert response.status_code == 429
        assert "NON_EXISTENT" not in response.text
        too_big = "\r\n".join(f"{reference_number()};{verification_number()}"
                              for _ in range(51))
        response = client.post("/api/v1/verify", content=too_big.encode(), headers={
            **bearer(guesser), "content-type": "text/csv"})
        assert (response.status_code, response.json()["error"]["code"]) == (413,
                                                                            "too_many_pairs")
