"""Logins and token-less API requests resist guessing: 429 after the limits, counted in PostgreSQL.

The app here runs with the real default limits (10 per account, 50 per address, 15 minutes);
each test calls from its own address so tests do not count against each other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from geoservice.cli.main import main
from geoservice.settings import AuthSettings, Settings
from tests.conftest import PASSWORD, Account, bearer, login

_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def limited_app(settings: Settings) -> Starlette:
    from geoservice.web.app import create_app

    return create_app(settings.model_copy(update={"auth": AuthSettings()}))


@pytest.fixture()
def address() -> str:
    return f"10.15.{next(_addresses)}.{next(_addresses) % 250 + 1}"


@pytest.fixture()
def guesser(limited_app: Starlette, address: str) -> Iterator[TestClient]:
    with TestClient(limited_app, raise_server_exceptions=False, client=(address, 40000)) as c:
        yield c


def _csrf(client: TestClient) -> str:
    page = client.get("/login")
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _try(client: TestClient, email: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": _csrf(client), "next": "/"},
                       headers={"accept": "text/html", **headers}, follow_redirects=False)


def test_the_eleventh_wrong_password_is_refused_with_429(
        guesser: TestClient, org_a: dict[str, Account], engine: Engine) -> None:
    owner = org_a["owner"]
    for _ in range(10):
        assert _try(guesser, owner.email, "wrong-password-123").status_code == 401
    refused = _try(guesser, owner.email, "wrong-password-123")
    assert refused.status_code == 429
    retry = int(refused.headers["retry-after"])
    assert 800 < retry <= 900
    assert "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu" in refused.text
    assert 'name="password"' in refused.text  # the login page, with the message on it
    # Even the right password is refused while the block holds; JSON callers get the one shape.
    as_json = _try(guesser, owner.email.upper(), PASSWORD, accept="application/json",
                   **{"accept-language": "en-GB,en;q=0.8"})
    assert as_json.status_code == 429
    error = as_json.json()["error"]
    assert error["code"] == "login_throttled"
    assert error["message"].startswith("Too many failed login attempts. Try again in 1")
    assert error["details"] == [{"scope": "account",
                                 "retry_after_seconds": int(as_json.headers["retry-after"])}]
    with engine.connect() as conn:
        entries = conn.execute(text(
            "SELECT a.action, a.changes->>'scope', a.organisation_id::text FROM audit_log a "
            "JOIN users u ON a.entity = 'user' AND a.entity_id = u.id::text "
            "WHERE lower(u.email) = lower(:e)"), {"e": owner.email}).all()
    assert entries == [("login_blocked", "account", owner.org_id)]


def test_success_resets_the_account_count(guesser: TestClient,
                                          org_a: dict[str, Account]) -> None:
    owner = org_a["owner"]
    for _ in range(9):
        assert _try(guesser, owner.email, "wrong-password-123").status_code == 401
    assert _try(guesser, owner.email, PASSWORD).status_code == 303
    guesser.cookies.clear()
    for _ in range(9):  # 18 failures in the window, but only 9 since the success
        assert _try(guesser, owner.email, "wrong-password-123").status_code == 401
    assert _try(guesser, owner.email, PASSWORD).status_code == 303


def test_fifty_failures_from_one_address_block_it(guesser: TestClient,
                                                  org_a: dict[str, Account]) -> None:
    for n in range(50):  # different (unknown) accounts: only the address adds up
        assert _try(guesser, f"nobody{n}@guess.example", "wrong-password-123").status_code == 401
    refused = _try(guesser, org_a["analyst"].email, PASSWORD, accept="application/json")
    assert refused.status_code == 429
    assert refused.json()["error"]["details"][0]["scope"] == "address"
    assert "Pārāk daudz" in refused.json()["error"]["message"]


def test_the_count_is_shared_by_separate_processes(settings: Settings, address: str,
                                                   org_a: dict[str, Account]) -> None:
    """Two app instances with their own engines (as two server processes) see one count."""
    from geoservice.web.app import create_app

    apps = [create_app(settings.model_copy(update={"auth": AuthSettings()})) for _ in range(2)]
    with TestClient(apps[0], client=(address, 1)) as one, \
            TestClient(apps[1], client=(address, 2)) as two:
        assert one.app is not two.app
        for client in (one, two) * 5:
            assert _try(client, org_a["owner"].email, "wrong-password-123").status_code == 401
        assert _try(one, org_a["owner"].email, "wrong-password-123").status_code == 429
        assert _try(two, org_a["owner"].email, PASSWORD).status_code == 429


def test_token_less_api_bursts_get_429(guesser: TestClient, org_a: dict[str, Account],
                                       engine: Engine, address: str) -> None:
    for n in range(25):
        assert guesser.get("/api/v1/me", headers={"Authorization": f"Bearer guess{n}"}
                           ).status_code == 401
    for _ in range(25):
        assert guesser.get("/api/v1/me").status_code == 401
    refused = guesser.get("/api/v1/me", headers={"Authorization": "Bearer guess-again"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 800
    assert refused.json()["error"]["code"] == "api_throttled"
    assert guesser.get("/api/v1/me?lang=en").json()["error"]["message"].startswith(
        "Too many requests without a valid API token")
    # A caller with a valid token from the same address is not held up.
    assert guesser.get("/api/v1/me", headers=bearer(org_a["owner"])).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM audit_log WHERE entity = 'address' AND entity_id = :a "
            "AND action = 'api_blocked'"), {"a": address}).scalar_one() == 1


def test_disabling_a_user_ends_sessions_and_revokes_tokens(
        client: TestClient, org_a: dict[str, Account], engine: Engine, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    analyst = org_a["analyst"]
    login(client, analyst)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers=bearer(analyst)).status_code == 200
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", database_url)
    assert main(["user", "disable", analyst.email]) == 0
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer(analyst)).status_code == 401
    assert main(["user", "enable", analyst.email]) == 0
    # Enabling again brings back neither the old session nor the old token.
    login_page = client.get("/api/v1/me")
    assert login_page.status_code == 401
    token = client.get("/api/v1/me", headers=bearer(analyst))
    assert token.status_code == 401 and token.json()["error"]["code"] == "token_revoked"
    with engine.connect() as conn:
        actions = conn.execute(text(
            "SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = "
            "(SELECT id::text FROM users WHERE email = :e) ORDER BY id"),
            {"e": analyst.email}).scalars().all()
    assert actions == ["disabled", "enabled"]
