"""Issue 17 in the browser: plausibility warnings confirmed with a reason before saving, the live
area equal to the stored one, and statement history lines in Latvian."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests import factories
from tests.conftest import Account
from tests.web.conftest import LiveServer, browser_login, drag_first_vertex

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]
UNKNOWN_PARCEL = "99990010001"  # not in the demo cadastre layer: no parcel warning


def draw_square(page: Any, half: int = 50) -> None:
    """Four clicks and a click on the first vertex: a closed polygon on the drawing map."""
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = ((-half, -half), (half, -half), (half, half), (-half, half), (-half, -half))
    for dx, dy in corners:
        page.mouse.click(cx + dx, cy + dy)
    page.wait_for_function("() => Number(document.getElementById('live-area').dataset.ha) > 0")


def fill_manual(page: Any, ca: str, quarter: str = "4") -> None:
    page.goto("/certificates/new")
    page.click("#manual summary")
    page.wait_for_selector(".leaflet-pm-toolbar")
    page.evaluate("() => document.getElementById('map').leafletMap.setView([56.93, 26.17], 16)")
    for name, value in (("ca_number", ca), ("issued_on", "2026-03-02"),
                        ("valid_until", "2029-12-31"), ("place", "Jumurdas pagasts"),
                        ("cadastral_designation", UNKNOWN_PARCEL), ("quarter", quarter),
                        ("compartment", "2")):
        page.fill(f"#m-{name}", value)
    page.select_option("#m-felling_type", "kopsanas")
    page.select_option("#m-execution_method", "izlases")
    page.fill("#m-planned-1", "40")
    page.fill("#m-m3-1", "40")
    page.fill("#m-p-4403", "40")


def test_an_implausible_quarter_is_saved_only_after_confirming_with_a_reason(
    page: Any, live_server: LiveServer, web_org: dict[str, Account],
) -> None:
    owner = web_org["owner"]
    browser_login(page, owner)
    fill_manual(page, "PLAUS-WEB-1", quarter="XII")
    draw_square(page)
    page.click("#manual-save")
    warning = page.locator(".plausibility-warning[data-code='quarter_not_number']")
    warning.wait_for()
    # next to the quarter field, in Latvian, with a confirm box and a reason
    assert page.evaluate("""() => document.querySelector('#m-quarter-error').nextElementSibling
        .matches('.plausibility-warning')""")
    assert "Brīdinājums" in warning.text_content() and "nav skaitlis" in warning.text_content()
    assert "Apstiprināt ar pamatojumu" in warning.text_content()
    assert "/certificates/new" in page.url  # nothing saved yet
    page.click("#manual-save")  # not confirmed: still not saved, and it says why
    assert warning.locator(".field-error").is_visible()
    assert "/certificates/new" in page.url
    warning.locator(".confirm-warning").check()
    warning.locator(".warning-reason").fill("Kvartāls plānā apzīmēts ar romiešu cipariem")
    page.click("#manual-save")
    page.wait_for_url(re.compile(r".*/certificates/[0-9a-f-]{36}$"))
    box = page.locator("#confirmed-warnings")
    assert "Kvartāls “XII” nav skaitlis." in box.text_content()
    assert "Kvartāls plānā apzīmēts ar romiešu cipariem" in box.text_content()
    cert_id = page.url.rsplit("/", 1)[1]
    with httpx.Client(base_url=live_server.url,
                      headers={"Authorization": f"Bearer {owner.token}"}) as api:
        stored = api.get(f"/api/v1/certificates/{cert_id}").json()
    assert stored["areas"][0]["confirmed_warnings"][0]["reason"] == \
        "Kvartāls plānā apzīmēts ar romiešu cipariem"
    page.goto(f"/certificates/{cert_id}/history")
    assert "Brīdinājums apstiprināts: Kvartāls “XII” nav skaitlis." in \
        page.text_content("#history-table")
    assert not page.js_errors, page.js_errors


def test_the_live_area_is_the_area_the_server_stores(
    page: Any, live_server: LiveServer, web_org: dict[str, Account],
) -> None:
    owner = web_org["owner"]
    browser_login(page, owner)
    fill_manual(page, "LIVE-AREA-1")
    draw_square(page, half=73)
    shown = page.text_content("#live-area")
    live = page.get_attribute("#live-area", "data-ha")
    assert shown == live.replace(".", ","), (shown, live)  # the figure, as Latvian writes it
    page.click("#manual-save")
    page.wait_for_url(re.compile(r".*/certificates/[0-9a-f-]{36}$"))
    cert_id = page.url.rsplit("/", 1)[1]
    with httpx.Client(base_url=live_server.url,
                      headers={"Authorization": f"Bearer {owner.token}"}) as api:
        stored = api.get(f"/api/v1/certificates/{cert_id}").json()["areas"][0]["area_ha"]
    assert float(live) == stored, (live, stored)

    # editing on the certificate page: the live figure is again the one saved
    page.wait_for_selector("#edit-start")
    page.click("#edit-start")
    drag_first_vertex(page, -23, -17, steps=6)
    page.wait_for_function(f"() => document.getElementById('live-area').dataset.ha !== '{live}'")
    edited = page.get_attribute("#live-area", "data-ha")
    page.click("#edit-save")
    page.wait_for_selector("#edit-start:not([disabled])")
    with httpx.Client(base_url=live_server.url,
                      headers={"Authorization": f"Bearer {owner.token}"}) as api:
        after = api.get(f"/api/v1/certificates/{cert_id}").json()["areas"][0]["area_ha"]
    assert float(edited) == after, (edited, after)
    assert not page.js_errors, page.js_errors


def test_statement_history_lines_are_latvian(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine,
) -> None:
    owner = web_org["owner"]
    cert_id = factories.store_certificate(engine, owner.org_id)
    with httpx.Client(base_url=live_server.url,
                      headers={"Authorization": f"Bearer {owner.token}"}) as api:
        draft = api.post("/api/v1/statements", json={"certificate_ids": [cert_id]})
        assert draft.status_code == 201, draft.text
        statement_id = draft.json()["id"]
        assert api.post(f"/api/v1/statements/{statement_id}/rebuild").status_code == 200
    browser_login(page, owner)
    page.goto(f"/statements/{statement_id}")
    page.wait_for_selector("#history li >> nth=1")
    lines = page.locator("#history li").all_text_contents()
    assert "Melnraksts sagatavots; apliecinājumu skaits: 1" in lines[0], lines
    assert "Melnraksts atjaunots ar apliecinājumu pašreizējiem datiem" in lines[1], lines
    english = ("prepared", "rebuilt", "certificate")
    assert not any(word in " ".join(lines) for word in english), lines
    page.goto(f"/statements/{statement_id}?lang=en")
    page.wait_for_selector("#history li >> nth=1")
    assert "prepared with 1 certificate(s)" in page.text_content("#history")
    assert not page.js_errors, page.js_errors


def test_moving_an_area_away_from_its_parcel_asks_for_a_reason_on_the_certificate_page(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine,
) -> None:
    owner = web_org["owner"]
    away = factories.certificate(areas=[factories.area(
        geometry=factories.square(640_000.0, 250_000.0), cadastral_designation="70600050074")])
    cert_id = factories.store_certificate(engine, owner.org_id, away)
    browser_login(page, owner)
    page.goto(f"/certificates/{cert_id}")
    page.wait_for_selector("#findings li")
    page.click("#edit-start")
    drag_first_vertex(page, -15, -10, steps=5)
    page.click("#edit-save")
    warning = page.locator("#edit-tools .plausibility-warning[data-code='parcel_far']")
    warning.wait_for()
    assert "zemes vienības 70600050074" in warning.text_content()
    reason = "Zemes vienība pārreģistrēta, kadastra karte novecojusi"
    warning.locator(".warning-reason").fill(reason)  # typing the reason ticks the box
    page.click("#edit-save")
    page.wait_for_selector("#edit-start:not([disabled])")
    with httpx.Client(base_url=live_server.url,
                      headers={"Authorization": f"Bearer {owner.token}"}) as api:
        area = api.get(f"/api/v1/certificates/{cert_id}").json()["areas"][0]
    assert [(w["code"], w["reason"]) for w in area["confirmed_warnings"]] == [
        ("parcel_far", reason)]
    page.reload()
    assert "kadastra karte novecojusi" in page.text_content("#confirmed-warnings")
    assert not page.js_errors, page.js_errors
