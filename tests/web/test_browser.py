"""The whole journey in headless Chromium against a live server: log in, add a certificate by
CA number, see it on the map, edit and save its area, see it flagged, review it as an officer,
create and submit a statement, read the reference number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import Account
from tests.web.conftest import (
    LiveServer,
    browser_login,
    drag_first_vertex,
    route_exists,
    shoot,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]

FLAGGED_CA = "2522530291"  # simulator: a 2022 LAD field block covers ~45 % of the stand


def need(server: LiveServer, method: str, path: str) -> None:
    if not route_exists(server.server.config.app, method, path):
        pytest.skip(f"{method} {path} is not served yet")


def add_by_ca_number(page: Any, ca_number: str) -> str:
    """Fetch the VMD data, look at it on the map, then save ("Dati no VMD" → "Pievienot")."""
    page.goto("/certificates/new")
    page.fill("#ca_number", ca_number)
    page.click("#vmd-preview")
    page.wait_for_selector("#vmd-save:not([disabled])")
    preview = page.text_content("#vmd-result")
    assert ca_number in preview and "simulēts" in preview, preview
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    page.click("#vmd-save")
    page.wait_for_url(re.compile(r".*/certificates/[0-9a-f-]{36}$"))
    return str(page.url.rsplit("/", 1)[1])


def test_journey_from_certificate_to_reference_number(
    page: Any, browser: Any, live_server: LiveServer, web_org: dict[str, Account],
    operator: dict[str, Account], engine: Engine, traces_worker: None, screenshots: bool,
) -> None:
    need(live_server, "POST", "/api/v1/certificates")
    owner = web_org["owner"]
    browser_login(page, owner)
    assert page.text_content("[data-testid=role]") == "meža īpašnieks"

    cert_id = add_by_ca_number(page, FLAGGED_CA)
    assert page.text_content("[data-testid=ca-number]") == FLAGGED_CA

    # on the map view, coloured as unchecked
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='1']")
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    assert "1" in page.text_content("#map-status")

    # edit the area on the certificate page, save: the check runs and says flagged
    need(live_server, "PATCH", "/api/v1/certificates/{id}")
    page.goto(f"/certificates/{cert_id}")
    page.wait_for_selector("#findings li")  # the script has loaded the certificate
    page.click("#edit-start")
    page.wait_for_selector(".leaflet-marker-icon.marker-icon")
    before = page.text_content("#live-area")
    drag_first_vertex(page)
    page.wait_for_selector(f"#live-area:not(:text-is('{before}'))")
    page.click("#edit-save")
    page.wait_for_selector("#verdict-badge[data-verdict='flagged']", timeout=30_000)
    assert page.locator("#findings li.finding").count() >= 1
    shoot(page, screenshots, "certificate-flagged")

    # a compliance officer reviews the finding and clears it with a reason
    need(live_server, "POST", "/api/v1/findings/{id}/review")
    officer = browser.new_context(viewport={"width": 1366, "height": 800},
                                  base_url=live_server.url).new_page()
    browser_login(officer, operator["compliance_officer"])
    officer.goto("/review")
    mine = f"#queue li[data-certificate='{cert_id}']"  # officers see every tenant's queue
    officer.wait_for_selector(mine)
    officer.locator(f"{mine} button").first.click()
    officer.click("#review-clear")  # without a reason: the message sits next to the field
    assert officer.is_visible("#reason-error")
    shoot(officer, screenshots, "review")
    for _ in range(5):  # every flag of the certificate, one by one, chosen on purpose
        items = officer.locator(f"{mine}[data-status='open'] button")
        if items.count() == 0:
            break
        items.first.click()
        officer.fill("#reason", "Lauku bloks iezīmēts kļūdaini; pārbaudīts ortofoto 2020.")
        officer.click("#review-clear")
        officer.wait_for_selector("#toast:not([hidden])")
        officer.wait_for_load_state("networkidle")
        officer.evaluate("() => { document.getElementById('toast').hidden = true; }")
    assert officer.locator(f"{mine}[data-status='open']").count() == 0
    assert officer.locator(f"{mine}[data-status='cleared']").count() >= 1  # badge changed
    officer.click("#tab-cleared")  # the history keeps the decision and its reason
    officer.wait_for_selector(f"{mine}:has-text('ortofoto 2020')")
    officer.context.close()

    # one statement for the certificate, submitted; the worker brings the reference number
    need(live_server, "POST", "/api/v1/statements")
    page.goto(f"/statements/new?ids={cert_id}")
    page.fill("#buyers", "40003000001")
    page.click("#statement-create")
    page.wait_for_url(re.compile(r".*/statements/[0-9a-f-]{36}$"))
    page.wait_for_selector("#submit-statement:not([hidden])")
    page.on("dialog", lambda dialog: dialog.accept())  # "Iesniegt TRACES?" and, later, withdraw
    page.click("#submit-statement")
    try:
        page.wait_for_selector("#statement-status[data-status='available']", timeout=60_000)
    except Exception as exc:
        raise AssertionError(page.text_content("#panel-body")) from exc
    reference = page.text_content("#reference-number")
    assert reference and re.fullmatch(r"\d{2}[A-Z]{2}[A-Z0-9]{10}", reference), reference
    assert page.text_content("#verification-number") not in ("", "—")
    assert page.is_visible("#simulated")
    shoot(page, screenshots, "statement")

    # withdrawn again within the allowed window, after a confirmation
    page.click("#withdraw-statement")
    page.wait_for_selector("#statement-status[data-status='withdrawn']", timeout=60_000)
    assert page.is_hidden("#withdraw-statement") and page.is_hidden("#amend-statement")
    assert not page.js_errors, page.js_errors


def test_unknown_ca_number_is_explained_next_to_the_field(
    page: Any, live_server: LiveServer, web_org: dict[str, Account]
) -> None:
    need(live_server, "GET", "/api/v1/vmd/certificates/{ca_number}")
    browser_login(page, web_org["owner"], lang="en")
    page.goto("/certificates/new")
    page.click("#vmd-preview")  # empty: nothing is sent
    assert page.text_content("#ca_number-error") == "Enter the felling certificate number."
    page.fill("#ca_number", "1999999999")
    page.click("#vmd-preview")
    page.wait_for_selector("#ca_number-error:not([hidden])")
    page.wait_for_function(
        "() => document.getElementById('ca_number-error').textContent.length > 0")
    assert page.get_attribute("#ca_number", "aria-invalid") == "true"
    assert page.is_disabled("#vmd-save")
