"""No requests into our own network (SSRF), in the app as production runs it.

Registration goes through the HTTP API of an app built with GEOSERVICE_ENVIRONMENT=production
and answers 4xx in the caller's language; delivery checks again and connects only to the
address it checked, so a name that resolves to loopback later (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.notify import dispatch, webhooks
from geoservice.notify import outbox as notify
from geoservice.settings import AuthSettings, DatabaseSettings, Settings, WebSettings
from tests.conftest import bearer
from tests.notify.conftest import Receiver

PUBLIC = "93.184.215.14"  # a public address; nothing here ever connects to it


@pytest.fixture()
def production(database_url: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url, pool_size=2),
        web=WebSettings(environment="production", secret_key=secrets.token_urlsafe(32),
                        basemap_url=""),
        auth=AuthSettings(address_failures=10**9, api_refusals=10**9))


@pytest.fixture()
def production_client(production: Settings) -> Iterator[TestClient]:
    from geoservice.web.app import create_app

    app = create_app(production)
    assert app.state.settings.web.environment == "production"
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture()
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Our own DNS for made-up names, for every caller of getaddrinfo (our check, requests,
    urllib3); other names resolve as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0))) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize(("url", "address"), [
    ("https://127.0.0.1/hook", "127.0.0.1"), ("https://10.1.2.3/hook", "10.1.2.3"),
    ("https://[::1]/hook", "::1"), ("https://169.254.169.254/latest", "169.254.169.254"),
    ("https://localhost/hook", None), ("https://intranet.example.lv/hook", "192.168.0.10")])
def test_registering_a_private_or_loopback_url_is_refused_in_the_callers_language(
    production_client: TestClient, client_org: Any, dns: dict[str, list[str]], url: str,
    address: str | None,
) -> None:
    dns["intranet.example.lv"] = ["192.168.0.10"]
    owner = client_org["owner"]
    body = {"url": url, "events": ["statement.available"]}
    lv = production_client.post("/api/v1/webhooks", headers=bearer(owner), json=body)
    assert lv.status_code == 422, lv.text
    error = lv.json()["error"]
    assert error["code"] == "webhook_url_not_public"
    assert error["details"] == [{"field": "url"}]
    assert "privātā vai lokālā" in error["message"]  # the user's language: Latvian
    if address:
        assert address in error["message"]
    en = production_client.post("/api/v1/webhooks?lang=en", json=body, headers=bearer(owner))
    assert en.status_code == 422
    assert "a private or local address" in en.json()["error"]["message"]
    assert production_client.get("/api/v1/webhooks", headers=bearer(owner)).json() == []


def test_production_wants_https_and_a_name_that_resolves(
    production_client: TestClient, client_org: Any, dns: dict[str, list[str]],
) -> None:
    owner = client_org["owner"]
    plain = production_client.post("/api/v1/webhooks", headers=bearer(owner), json={
        "url": f"http://{PUBLIC}/hook", "events": ["statement.available"]})
    assert plain.status_code == 422 and "https" in plain.json()["error"]["message"]
    assert "Ražošanas vidē" in plain.json()["error"]["message"]
    dns["nowhere.example.lv"] = []
    nowhere = production_client.post("/api/v1/webhooks?lang=en", headers=bearer(owner), json={
        "url": "https://nowhere.example.lv/hook", "events": ["statement.available"]})
    assert nowhere.status_code == 422
    assert nowhere.json()["error"]["message"] == (
        "The webhook host nowhere.example.lv does not resolve.")


@pytest.fixture()
def loopback_listener() -> Iterator[dict[str, Any]]:
    """A port on 127.0.0.1 that counts every connection made to it (and answers nothing)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    seen: dict[str, Any] = {"port": listener.getsockname()[1], "connections": 0}
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            seen["connections"] += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield seen
    stop.set()
    thread.join(timeout=5)
    listener.close()


def _hook_with_one_event(client: TestClient, engine: Engine, owner: Any, host: str,
                         port: int) -> Any:
    """A webhook at https://host:port/hook registered by ``owner`` (its name must resolve to a
    public address now), and one event for it in the outbox (e-mails to the users off)."""
    made = client.post("/api/v1/webhooks", headers=bearer(owner), json={
        "url": f"https://{host}:{port}/hook", "events": ["statement.available"]})
    assert made.status_code == 201, made.text
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET notifications = false "
                          "WHERE organisation_id = CAST(:o AS uuid)"), {"o": owner.org_id})
        assert notify.enqueue(conn, owner.org_id, "statement.available", secrets.token_hex(6),
                              {"statement_id": "x", "status": "available"}) == 1
    return made


def test_a_name_rebound_to_loopback_after_registration_is_not_called(
    production_client: TestClient, production: Settings, engine: Engine, client_org: Any,
    dns: dict[str, list[str]], loopback_listener: dict[str, Any],
) -> None:
    owner = client_org["owner"]
    dns["hooks.example.lv"] = [PUBLIC]  # public while it is registered …
    made = _hook_with_one_event(production_client, engine, owner, "hooks.example.lv",
                                loopback_listener["port"])
    dns["hooks.example.lv"] = ["127.0.0.1"]  # … and our own machine when it is called
    assert dispatch.run_once(engine, production) == 1
    assert loopback_listener["connections"] == 0
    [delivery] = production_client.get(f"/api/v1/webhooks/{made.json()['id']}/deliveries",
                                       headers=bearer(owner)).json()
    assert delivery["status_code"] is None and "127.0.0.1" in delivery["error"]
    assert delivery["state"] == "pending"  # tried again later: DNS may change back


def test_the_delivery_goes_to_the_checked_address_under_the_urls_name(
    receiver: Receiver,
) -> None:
    """What the pinned connection sends: to the address given, with the URL's host name."""
    port = receiver.url.split(":")[2].split("/")[0]
    answer = webhooks.pinned_post(f"http://hooks.example.lv:{port}/hook?x=1", "127.0.0.1",
                                  b"{}", {"Content-Type": "application/json"}, 5)
    assert answer.status_code == 200
    [got] = receiver.requests
    assert got.headers["Host"] == f"hooks.example.lv:{port}"


def test_a_name_that_rebinds_between_the_check_and_the_connection_is_not_followed(
    production_client: TestClient, production: Settings, engine: Engine, client_org: Any,
    dns: dict[str, list[str]], loopback_listener: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS answers a public address to the check and loopback to any later look-up (TTL 0):
    the delivery goes to the address that was checked, so nothing reaches 127.0.0.1. The
    public address is not really called here: the pinned POST is recorded instead."""
    owner = client_org["owner"]
    url = f"https://rebind.example.lv:{loopback_listener['port']}/hook"
    dns["rebind.example.lv"] = [PUBLIC]
    _hook_with_one_event(production_client, engine, owner, "rebind.example.lv",
                         loopback_listener["port"])
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        answer = real(host, port, *args, **kwargs)
        if host == "rebind.example.lv":
            looked_up.append(host)
            dns[host] = ["127.0.0.1"]  # every look-up after this one
        return answer

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    dns["rebind.example.lv"] = [PUBLIC]
    called: list[tuple[str, str]] = []

    class Answer:
        status_code = 204

    def recorded(url: str, address: str, *args: Any) -> Answer:
        called.append((url, address))
        return Answer()

    monkeypatch.setattr(webhooks, "pinned_post", recorded)
    assert dispatch.run_once(engine, production) == 1
    assert called == [(url, PUBLIC)] and looked_up == ["rebind.example.lv"]
    assert loopback_listener["connections"] == 0
