"""In headless Chromium: a statement's problems next to their fields, fixed where they link to,
then a rejection by TRACES shown in Latvian and the statement resubmitted to AVAILABLE, and a
message TRACES writes after AVAILABLE shown on it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.conftest import Account, make_org, make_user
from tests.statements.conftest import activate_mandate, ready_certificate
from tests.web.conftest import LiveServer, browser_login

pytestmark = [pytest.mark.browser]


@pytest.fixture()
def bare_org(engine: Engine) -> dict[str, Account]:
    """A new client organisation as a new user leaves it: no street, postal code or city."""
    org_id, reg_no = make_org(engine, name="SIA Bez Adreses (tests)")
    activate_mandate(engine, org_id)
    return {"owner": make_user(engine, org_id, reg_no, "owner")}


def test_problems_are_shown_fixed_and_a_rejected_statement_resubmitted(
    page: Any, live_server: LiveServer, bare_org: dict[str, Account], engine: Engine,
    traces_worker: Any,
) -> None:
    owner = bare_org["owner"]
    cert_id = ready_certificate(engine, owner.org_id)
    created = httpx.post(f"{live_server.url}/api/v1/statements",
                         json={"certificate_ids": [cert_id]},
                         headers={"Authorization": f"Bearer {owner.token}"}, timeout=30)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]

    browser_login(page, owner)
    page.goto(f"/statements/{sid}")
    page.wait_for_selector("#problems li.problem")
    fields = page.eval_on_selector_all("#problems li.problem", "ns => ns.map(n => n.dataset.field)")
    assert sorted(fields) == ["organisation.city", "organisation.postal_code",
                              "organisation.street"]
    street = "#operator dd[data-field='organisation.street'] .problem-inline"
    assert "iela" in page.text_content(street)  # next to the field, in Latvian

    # a click on the problem's link opens the profile at that field
    page.click(f"{street} a.fix")
    page.wait_for_url(re.compile(r".*/organisation#street$"))
    page.wait_for_function("() => document.getElementById('name').value !== ''")
    page.fill("#street", "Skolas iela 3")
    page.fill("#postal_code", "LV-4801")
    page.fill("#city", "Madona")
    page.click("#organisation-save")
    page.wait_for_selector("#organisation-status:has-text('Saglabāts')")

    page.goto(f"/statements/{sid}")
    page.wait_for_selector("#problems-summary:has-text('Problēmu nav')")
    assert page.locator("#problems li").count() == 0

    traces_worker.reject_next("EUDR-COMMODITIES-PRODUCER-GEO-INVALID-GEOMETRY: ring overlaps")
    page.once("dialog", lambda dialog: dialog.accept())  # issue-17 asks "Iesniegt … TRACES?"
    page.click("#submit-statement")
    page.wait_for_selector("#statement-status[data-status='rejected']", timeout=60_000)
    page.wait_for_selector("#rejection-box:not([hidden])")
    assert "Kontūra" in page.text_content("#rejection-text")
    assert page.is_visible("#resubmit-statement") and page.is_hidden("#submit-statement")

    page.click("#resubmit-statement")
    try:
        page.wait_for_selector("#statement-status[data-status='available']", timeout=60_000)
    except Exception as exc:
        raise AssertionError(page.text_content("#panel-body")) from exc
    assert page.locator("#attempts li").count() == 1
    assert "Iesniegums 1" in page.text_content("#attempts")
    assert page.text_content("#reference-number") not in ("", "—")
    with engine.begin() as conn:
        charged = conn.execute(text("SELECT count(*) FROM charges WHERE statement_id = "
                                    "CAST(:s AS uuid)"), {"s": sid}).scalar_one()
    assert charged == 1
    assert page.is_visible("#sent-box") and "4403" in page.text_content("#sent")

    # the competent authority writes after AVAILABLE: the worker, still following the
    # statement, reads it at its next look (made due now) and the page shows it
    message = "Lūdzu iesniedziet cirsmas 1 robežu precizējumu."
    with engine.begin() as conn:
        uuid = conn.execute(text("SELECT traces_uuid FROM statements WHERE id = "
                                 "CAST(:s AS uuid)"), {"s": sid}).scalar_one()
    traces_worker.communicate(uuid, message)
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET next_attempt_at = now() WHERE statement_id = "
                          "CAST(:s AS uuid) AND operation = 'follow' AND state = 'pending'"),
                     {"s": sid})
    page.wait_for_function(
        """async ([sid, message]) => {
             const s = await (await fetch(`/api/v1/statements/${sid}`)).json();
             return (s.communications || []).some((c) => c.content === message);
           }""", arg=[sid, message], timeout=30_000)
    page.reload()
    page.wait_for_selector(f"#communications-box:not([hidden]) li:has-text('{message}')")
    assert "Ko saka TRACES" in page.text_content("#communications-title")

    # the 72-hour window counts down, and once over the buttons go and the page says why
    assert re.search(r"vēl 7[12] h \d+ min", page.text_content("#window-countdown"))
    assert page.is_visible("#amend-statement") and page.is_visible("#withdraw-statement")
    with engine.begin() as conn:
        conn.execute(text("UPDATE statements SET submitted_at = now() - interval '73 hours' "
                          "WHERE id = CAST(:s AS uuid)"), {"s": sid})
    page.reload()
    page.wait_for_selector("#window-countdown:has-text('72 stundas pagājušas')")
    assert page.is_hidden("#amend-statement") and page.is_hidden("#withdraw-statement")
    assert not page.js_errors, page.js_errors
