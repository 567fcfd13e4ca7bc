"""Every error has the one JSON shape; no stack traces; size limit; security headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.testclient import TestClient

from tests.conftest import Account, bearer


def _assert_error_shape(body: dict[str, object], code: str | None = None) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "messages", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert set(error["messages"]) == {"lv", "en"} and all(error["messages"].values())
    assert error["message"] in error["messages"].values()
    assert isinstance(error["details"], list)
    if code:
        assert error["code"] == code


def test_unknown_route_json_and_html(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    _assert_error_shape(response.json(), "not_found")
    html = client.get("/nope", headers={"accept": "text/html"})
    assert html.status_code == 404 and "<html" in html.text and "Traceback" not in html.text


def test_unauthenticated_api(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    _assert_error_shape(response.json(), "unauthorized")


def test_method_not_allowed(client: TestClient) -> None:
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    _assert_error_shape(response.json(), "method_not_allowed")


def test_body_over_limit_is_refused_early(client: TestClient, org_a: dict[str, Account]) -> None:
    response = client.post("/logout", content=b"x" * 1_100_000, headers=bearer(org_a["owner"]))
    assert response.status_code == 413
    _assert_error_shape(response.json(), "payload_too_large")


def test_unexpected_exception_is_a_generic_500(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from starlette.routing import Route

    async def boom(request: Request) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.router.routes.insert(0, Route("/api/v1/__boom", boom))
    try:
        response = client.get("/api/v1/__boom")
    finally:
        app.router.routes.pop(0)
    assert response.status_code == 500
    _assert_error_shape(response.json(), "internal_error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] in response.json()["error"]["message"]


def test_request_id_and_security_headers(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-12345678"})
    assert response.headers["x-request-id"] == "trace-12345678"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    bad = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert bad.headers["x-request-id"] != "<script>"


def test_health_reports_postgis(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["postgis"].startswith("3.")
    assert body["schema_version"] >= 5
