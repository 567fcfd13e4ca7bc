"""The OGC API HTML pages in headless Chromium: a collection and one item drawn on the map."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.conftest import Account
from tests.web.conftest import browser_login

pytestmark = pytest.mark.browser


def test_collection_and_item_pages_draw_their_features(page: Any, web_org: dict[str, Account],
                                                      web_layers: str, engine: Engine) -> None:
    with engine.connect() as conn:
        layer, count = conn.execute(text(
            "SELECT l.id, count(*) FROM layers l JOIN layer_features f ON f.layer_id = l.id "
            "AND f.version = l.current_version WHERE l.kind = 'vector' GROUP BY l.id "
            "ORDER BY count(*) LIMIT 1")).one()
        fid = conn.execute(text("SELECT min(f.id) FROM layer_features f JOIN layers l ON "
                                "l.id = f.layer_id AND f.version = l.current_version "
                                "WHERE l.id = :l"), {"l": layer}).scalar_one()
    browser_login(page, web_org["analyst"])
    page.goto(f"/ogc/collections/{layer}?f=html")
    expected = f"{min(count, 100)} / {count}"
    expect(page.locator("#ogc-status")).to_have_text(expected)
    assert page.locator("#ogc-map path.leaflet-interactive").count() == min(count, 100)
    page.goto(f"/ogc/collections/{layer}/items/{fid}?f=html")
    expect(page.locator("#ogc-status")).to_have_text("1")
    assert page.locator("#ogc-map path.leaflet-interactive").count() == 1
    assert page.locator(".ogc-features tbody tr").count() == 1
    assert page.js_errors == []
