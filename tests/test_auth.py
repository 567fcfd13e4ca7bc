"""Web login, CSRF, API tokens: wrong credentials and stale tokens get clear 4xx answers."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.accounts import store
from tests.conftest import PASSWORD, Account, bearer, login


def test_login_sets_hardened_cookie_and_shows_org(client: TestClient,
                                                  org_a: dict[str, Account]) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": org_a["owner"].email, "password": PASSWORD,
                                           "csrf_token": csrf, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "forest owner" in home.text or "meža īpašnieks" in home.text


def test_wrong_password_is_refused_without_session(client: TestClient,
                                                   org_a: dict[str, Account]) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": org_a["owner"].email, "password": "nope",
                                           "csrf_token": csrf})
    assert response.status_code == 401
    assert "Nepareizs e-pasts vai parole" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_without_csrf_is_refused(client: TestClient, org_a: dict[str, Account]) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": org_a["owner"].email, "password": PASSWORD})
    assert response.status_code == 403


def test_unsafe_session_request_needs_csrf_header(client: TestClient,
                                                  org_a: dict[str, Account]) -> None:
    csrf = login(client, org_a["owner"])
    missing = client.post("/logout", data={})
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "csrf_failed"
    ok = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_anonymous_browser_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_open_redirect_after_login_is_prevented(client: TestClient,
                                                org_a: dict[str, Account]) -> None:
    page = client.get("/login?next=https://evil.example/")
    assert 'value="/"' in page.text


def test_bearer_token_and_revocation(client: TestClient, engine: Engine,
                                     org_a: dict[str, Account]) -> None:
    account = org_a["analyst"]
    me = client.get("/api/v1/me", headers=bearer(account))
    assert me.status_code == 200
    assert me.json()["organisation_id"] == account.org_id
    assert me.json()["role"] == "analyst"
    with engine.begin() as conn:
        assert store.revoke_token(conn, account.token)
    revoked = client.get("/api/v1/me", headers=bearer(account))
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "token_revoked"


def test_expired_and_unknown_tokens(client: TestClient, engine: Engine,
                                    org_a: dict[str, Account]) -> None:
    from datetime import UTC, datetime, timedelta

    with engine.begin() as conn:
        token = store.create_token(conn, user_email=org_a["owner"].email,
                                   expires_at=datetime.now(UTC) - timedelta(minutes=1))
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.json()["error"]["code"] == "token_expired"
    unknown = client.get("/api/v1/me", headers={"Authorization": "Bearer gs_nope"})
    assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "invalid_token"
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert basic.json()["error"]["code"] == "invalid_authorization"


def test_tokens_are_stored_hashed(engine: Engine, org_a: dict[str, Account]) -> None:
    from sqlalchemy import text

    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, prefix FROM api_tokens")).all()
    assert all(org_a["owner"].token.encode() not in bytes(h) for h, _ in stored)
    assert any(org_a["owner"].token.startswith(p) for _, p in stored)


def test_token_use_is_recorded_at_most_once_a_minute(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    from sqlalchemy import text

    account = org_a["owner"]
    query = text("SELECT last_used_at FROM api_tokens WHERE prefix = :p")
    assert client.get("/api/v1/me", headers=bearer(account)).status_code == 200
    with engine.connect() as conn:
        first = conn.execute(query, {"p": account.token[:10]}).scalar_one()
    assert first is not None
    client.get("/api/v1/me", headers=bearer(account))
    with engine.begin() as conn:
        assert conn.execute(query, {"p": account.token[:10]}).scalar_one() == first
        conn.execute(text("UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' "
                          "WHERE prefix = :p"), {"p": account.token[:10]})
    client.get("/api/v1/me", headers=bearer(account))
    with engine.connect() as conn:
        assert conn.execute(query, {"p": account.token[:10]}).scalar_one() > first
