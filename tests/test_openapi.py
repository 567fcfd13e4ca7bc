"""The OpenAPI document covers every /api/v1 route and is served with a docs page."""

from __future__ import annotations

from starlette.routing import Route
from starlette.testclient import TestClient


def test_every_api_route_is_documented(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/v1/") \
                and route.path != "/api/v1/docs":
            assert route.path in spec["paths"], f"{route.path} is missing from the OpenAPI document"
            for method in route.methods or ():
                if method != "HEAD":
                    assert method.lower() in spec["paths"][route.path], (route.path, method)


def test_docs_page_lists_operations(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/me" in page.text
