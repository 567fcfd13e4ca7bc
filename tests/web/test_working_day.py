"""A working day in the browser (issue 17): numbers typed with a decimal comma, blocked
certificates that cannot be picked, and draft statements that can be deleted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests import factories
from tests.conftest import Account
from tests.web.conftest import LiveServer, browser_login, draw_self_crossing_outline

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]


def stored_volumes(engine: Engine, cert_id: str) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT 'v' || v.species_code AS k, v.m3::float8 AS m3 FROM area_volumes v "
            "JOIN felling_areas a ON a.id = v.area_id WHERE a.certificate_id = CAST(:c AS uuid) "
            "UNION ALL SELECT 'p' || p.hs_code, p.m3::float8 FROM area_products p "
            "JOIN felling_areas a ON a.id = p.area_id WHERE a.certificate_id = CAST(:c AS uuid)"),
            {"c": cert_id}).all()
    return {k: m3 for k, m3 in rows}


def set_verdict(engine: Engine, cert_id: str, verdict: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = :v WHERE id = CAST(:c AS uuid)"),
                     {"v": verdict, "c": cert_id})
        conn.execute(text("UPDATE felling_areas SET verdict = :v "
                          "WHERE certificate_id = CAST(:c AS uuid)"), {"v": verdict, "c": cert_id})


def test_volumes_take_a_decimal_comma_and_refuse_ambiguous_numbers(
    page: Any, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    cert_id = factories.store_certificate(engine, owner.org_id)  # pine 200, birch 50 m³
    browser_login(page, owner)
    page.goto(f"/certificates/{cert_id}")
    page.wait_for_selector("#volumes-form output.will-save")  # the script has wired the inputs
    form = page.locator("#volumes-form")
    pine = form.locator("tr[data-species='1'] input.m3")
    assert pine.input_value() == "200,0"  # stored values are shown the Latvian way too
    pine.fill("171,6")
    saved = form.locator("tr[data-species='1'] output.will-save")
    assert saved.text_content() == "Tiks saglabāts: 171,6"
    form.locator("tr[data-hs='4403'] input").fill("191.6")  # a point is fine as well
    assert form.locator("tr[data-hs='4403'] output.will-save").text_content() \
        == "Tiks saglabāts: 191,6"
    form.locator("tr[data-hs='4401'] input").fill("30")
    page.click("#volumes-save")
    page.wait_for_selector("#volumes-status:has-text('Apjomi saglabāti.')")
    assert stored_volumes(engine, cert_id) == {"v1": 171.6, "v4": 50.0, "p4403": 191.6,
                                               "p4401": 30.0}

    refused = {"1.234,5": "Nav skaidrs", "1,234": "Nav skaidrs", "1.234": "Nav skaidrs",
               "1 23,4": "nav skaitlis", "12a": "nav skaitlis", "-5": "nav skaitlis"}
    for typed, why in refused.items():
        pine.fill(typed)
        assert pine.get_attribute("aria-invalid") == "true", typed
        assert why in saved.text_content(), (typed, saved.text_content())
        page.click("#volumes-save")
        page.wait_for_selector("#volumes-error:not([hidden])")
        assert page.text_content("#volumes-error") == "Apjomam jābūt skaitlim, kas nav negatīvs."
    assert stored_volumes(engine, cert_id)["v1"] == 171.6  # nothing was sent
    pine.fill("1 716,5")  # grouping spaces as Intl prints them are read correctly
    assert saved.text_content() == "Tiks saglabāts: 1716,5"
    assert not page.js_errors, page.js_errors


def test_a_blocked_certificate_cannot_be_picked_for_a_statement(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    blocked = factories.store_certificate(engine, owner.org_id)
    set_verdict(engine, blocked, "blocked")
    browser_login(page, owner)
    page.wait_for_selector("#map[data-loaded]")
    point = page.evaluate("""(id) => {
        const map = document.getElementById('map').leafletMap;
        let found = null;
        map.eachLayer((l) => {
            if (!found && l.feature && l.feature.properties.certificate_id === id) {
                const p = map.latLngToContainerPoint(l.getBounds().getCenter());
                found = [p.x, p.y];
            }
        });
        return found;
    }""", blocked)
    assert point, "the blocked certificate is on the map"
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_selector(f"#map-status[data-refused='{blocked}']")
    assert "bloķēts" in page.text_content("#map-status")
    assert page.locator("#selection li").count() == 0
    assert page.is_disabled("#make-statement")

    page.goto("/certificates")
    assert page.is_disabled(f"#pick-{blocked}")
    page.goto(f"/statements/new?ids={blocked}")
    assert page.is_disabled(f"#c-{blocked}") and not page.is_checked(f"#c-{blocked}")
    page.click("#statement-create")
    assert page.is_visible("#certificate_ids-error")

    # the API refuses it too, so no draft ever holds a blocked certificate
    answer = httpx.post(f"{live_server.url}/api/v1/statements",
                        json={"certificate_ids": [blocked], "buyers": []},
                        headers={"Authorization": f"Bearer {owner.token}"})
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "certificate_blocked"
    with engine.connect() as conn:
        held = conn.execute(text("SELECT count(*) FROM statement_certificates "
                                 "WHERE certificate_id = CAST(:c AS uuid)"), {"c": blocked})
        assert held.scalar_one() == 0


def test_a_draft_statement_is_deleted_in_the_list_and_frees_its_certificates(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    cert_id = factories.store_certificate(engine, owner.org_id)
    set_verdict(engine, cert_id, "clear")
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {owner.token}"})
    draft = api.post("/api/v1/statements", json={"certificate_ids": [cert_id], "buyers": []})
    assert draft.status_code == 201, draft.text
    statement = draft.json()
    assert api.post("/api/v1/statements", json={"certificate_ids": [cert_id]}).status_code == 409

    browser_login(page, owner)
    page.goto("/statements")
    row = page.locator("tr", has=page.locator(f"button[data-statement='{statement['id']}']"))
    messages: list[str] = []

    def answer(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss() if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    row.locator("button.delete-draft").click()  # dismissed: nothing happens
    assert row.count() == 1 and api.get(f"/api/v1/statements/{statement['id']}").status_code == 200
    row.locator("button.delete-draft").click()
    page.wait_for_selector(f"#statements-status:has-text('{statement['internal_reference']}')")
    assert row.count() == 0
    assert statement["internal_reference"] in messages[0]
    assert api.get(f"/api/v1/statements/{statement['id']}").status_code == 404
    again = api.post("/api/v1/statements", json={"certificate_ids": [cert_id], "buyers": []})
    assert again.status_code == 201, again.text  # the certificate is free again
    api.close()
    assert not page.js_errors, page.js_errors


RAW_CODES = ("clear", "flagged", "galvena", "kailcirte", "not_forest_2020",
             "forest_to_agriculture", "info", "agriculture", "forest_2020", "sliver_ha",
             "sliver_percent", "min_forest_2020_percent", "cut-off")


def test_evidence_report_prints_and_shows_no_raw_codes(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine
) -> None:
    import re

    owner = web_org["owner"]
    cert_id = factories.store_certificate(engine, owner.org_id)
    checked = httpx.post(f"{live_server.url}/api/v1/certificates/{cert_id}/check",
                         headers={"Authorization": f"Bearer {owner.token}"}, timeout=60)
    assert checked.status_code == 200, checked.text
    browser_login(page, owner)
    page.goto(f"/certificates/{cert_id}/report")
    report = page.locator("[data-testid=evidence-report]")
    text = report.inner_text()
    raw = [code for code in RAW_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    assert not raw, raw
    assert "02.03.2026." in text and "31.12.2020." in text  # dates the Latvian way
    assert "0,05 ha" in text  # the sliver threshold as a number a person reads
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("#print-report")  # an inline onclick was blocked by the CSP: nothing happened
    assert page.evaluate("() => window.printed") == 1
    assert not page.js_errors, page.js_errors


def test_a_duplicate_ca_number_links_to_the_existing_certificate(
    page: Any, live_server: LiveServer, web_org: dict[str, Account]
) -> None:
    owner = web_org["owner"]
    ca = "2522531021"  # a certificate of the VMD simulator
    first = httpx.post(f"{live_server.url}/api/v1/certificates", json={"ca_number": ca},
                       headers={"Authorization": f"Bearer {owner.token}"}, timeout=60)
    assert first.status_code == 201, first.text
    browser_login(page, owner)
    page.goto("/certificates/new")
    page.fill("#ca_number", ca)
    page.click("#vmd-preview")
    page.wait_for_selector("#vmd-save:not([disabled])")
    page.click("#vmd-save")  # the organisation has it already: refused, with the way there
    link = page.locator("#ca_number-error a.existing-certificate")
    link.wait_for()
    assert "jau ir apliecinājums" in page.text_content("#ca_number-error")
    link.click()
    page.wait_for_url(f"**/certificates/{first.json()['id']}")
    assert not page.js_errors, page.js_errors


def test_submitting_to_traces_asks_first_and_the_button_waits_for_its_request(
    page: Any, live_server: LiveServer, web_org: dict[str, Account], engine: Engine
) -> None:
    from tests.statements.conftest import ready_certificate

    owner = web_org["owner"]
    cert_id = ready_certificate(engine, owner.org_id)  # checked clear, submittable
    draft = httpx.post(f"{live_server.url}/api/v1/statements",
                       json={"certificate_ids": [cert_id], "buyers": []},
                       headers={"Authorization": f"Bearer {owner.token}"})
    assert draft.status_code == 201, draft.text
    statement = draft.json()
    browser_login(page, owner)
    page.goto(f"/statements/{statement['id']}")
    page.wait_for_selector("#submit-statement:not([hidden])")
    page.evaluate("""() => {
        const original = window.fetch;
        window.submitWhileDisabled = null;
        window.fetch = (url, options) => {
            if (String(url).endsWith('/submit')) {
                window.submitWhileDisabled = document.getElementById('submit-statement').disabled;
            }
            return original(url, options);
        };
    }""")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("#submit-statement")  # dismissed: nothing is sent
    assert "TRACES" in asked[0] and statement["internal_reference"] in asked[0]
    assert page.evaluate("() => window.submitWhileDisabled") is None
    assert page.get_attribute("#statement-status", "data-status") == "draft"
    page.click("#submit-statement")
    try:
        page.wait_for_selector("#statement-status:not([data-status='draft'])")
    except Exception as exc:
        raise AssertionError(page.text_content("#statement-message")) from exc
    assert page.evaluate("() => window.submitWhileDisabled") is True
    assert not page.js_errors, page.js_errors


def test_references_page_shows_the_pairs_and_keeps_the_form_after_a_bad_csv(
    page: Any, web_org: dict[str, Account], engine: Engine
) -> None:
    from tests.references.builders import stored

    owner = web_org["owner"]
    mine = stored(engine, owner.org_id, status="available")
    browser_login(page, owner)
    page.goto("/references")
    row = page.locator("#reference-pairs tbody tr", has_text=mine.ca_number)
    assert str(mine.reference) in row.inner_text() and "pieejams" in row.inner_text()
    options = page.locator("#ref-status option").all_inner_texts()
    assert "vēl nav paziņojuma" in options and "available" not in options
    page.set_input_files("#lookup-file", files=[{
        "name": "saraksts.csv", "mimeType": "text/csv", "buffer": b"nosaukums;daudzums\nA;1\n"}])
    page.click("form[action='/references/lookup'] button[type=submit]")
    page.wait_for_selector("#lookup-error")
    assert "CA numuru kolonnas" in page.text_content("#lookup-error")
    assert page.get_attribute("#lookup-file", "aria-invalid") == "true"
    assert page.is_visible("form[action='/references/lookup']")  # the form, not an error page
    assert page.locator("#reference-pairs").count() == 1


def test_drawing_tools_speak_latvian_and_a_refused_vertex_says_why(
    page: Any, web_org: dict[str, Account]
) -> None:
    browser_login(page, web_org["owner"])
    page.goto("/certificates/new")
    page.click("#manual summary")
    page.wait_for_selector(".leaflet-pm-toolbar")
    titles = page.locator(".leaflet-pm-toolbar [title]").evaluate_all(
        "(nodes) => nodes.map((n) => n.getAttribute('title'))")
    assert "Zīmēt daudzstūri" in titles and "Izgriezt caurumu" in titles, titles
    english = ("Draw ", "Edit ", "Cut ", "Remove ")
    assert not [title for title in titles if title.startswith(english)]
    draw_self_crossing_outline(page)
    page.wait_for_selector("#m-geometry-error:not([hidden])")
    assert "krustotu pati sevi" in page.text_content("#m-geometry-error")
    assert not page.js_errors, page.js_errors


def test_review_queue_is_master_detail_with_filters_keys_and_no_jumps(
    page: Any, browser: Any, live_server: LiveServer, web_org: dict[str, Account],
    operator: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    token = {"Authorization": f"Bearer {owner.token}"}
    flagged = []
    for ca in ("2522530291", "2622530264"):  # VMD simulator: each overlaps agricultural land
        made = httpx.post(f"{live_server.url}/api/v1/certificates", json={"ca_number": ca},
                          headers=token, timeout=60)
        assert made.status_code == 201, made.text
        flagged.append(made.json()["id"])
        assert httpx.post(f"{live_server.url}/api/v1/certificates/{flagged[-1]}/check",
                          headers=token, timeout=60).status_code == 200
    officer = browser.new_context(viewport={"width": 1366, "height": 800}, locale="lv-LV",
                                  base_url=live_server.url).new_page()
    errors: list[str] = []
    officer.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(officer, operator["compliance_officer"])
    officer.goto("/review")
    officer.wait_for_selector("#queue li")
    tenant = "SIA Meža Vēji (tests)"
    officer.select_option("#f-org", tenant)  # officers see every tenant: filter to one
    items = officer.locator("#queue li")
    assert items.count() >= 2
    assert all(tenant in text for text in items.all_inner_texts())  # the tenant on every item
    assert set(flagged) <= set(officer.locator("#queue li").evaluate_all(
        "(lis) => lis.map((li) => li.dataset.certificate)"))

    # side by side: the decision form is beside the list, not thousands of pixels below
    first_item = items.first.bounding_box()
    form = officer.locator("#review-form").bounding_box()
    assert form["x"] > first_item["x"] + first_item["width"] - 1 and form["y"] < 800
    assert officer.locator("#detail-org").text_content() == tenant

    # keyboard: arrow down selects the next finding, Enter goes to the reason
    items.first.locator("button").focus()
    first_id = officer.locator("#queue li.current").get_attribute("data-finding")
    officer.keyboard.press("ArrowDown")
    second_id = officer.locator("#queue li.current").get_attribute("data-finding")
    assert second_id != first_id
    officer.keyboard.press("Enter")
    assert officer.evaluate("() => document.activeElement.id") == "reason"

    # a decision changes the badge and keeps the selection; next only on purpose
    officer.fill("#reason", "Pārbaudīts ortofoto 2020: lauku bloks iezīmēts kļūdaini.")
    officer.click("#review-clear")
    decided = officer.locator(f"#queue li[data-finding='{second_id}']")
    decided.locator(".state.clear").wait_for()
    assert decided.get_attribute("data-status") == "cleared"
    assert officer.locator("#queue li.current").get_attribute("data-finding") == second_id
    assert officer.is_hidden("#review-form")
    officer.click("#review-next")
    assert officer.locator("#queue li.current").get_attribute("data-status") == "open"

    officer.select_option("#f-severity", "block")  # no blocking findings here: empty list
    assert officer.locator("#queue li").count() == 0 or all(
        "bloķē" in text for text in officer.locator("#queue li").all_inner_texts())
    officer.context.close()
    assert not errors, errors


def test_map_has_layer_legend_opacity_labels_identify_and_zoom_to_all(
    page: Any, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    cert_id = factories.store_certificate(engine, owner.org_id)
    with engine.connect() as conn:
        ca = conn.execute(text("SELECT ca_number FROM certificates WHERE id = CAST(:c AS uuid)"),
                          {"c": cert_id}).scalar_one()
    browser_login(page, owner)
    page.wait_for_selector("#map[data-loaded='1']")
    page.wait_for_selector(".leaflet-tooltip.cirsma-label")  # zoomed in: labelled
    assert f"{ca} / 1" in page.locator(".leaflet-tooltip.cirsma-label").first.inner_text()
    legend = page.locator("#layer-legend li")
    legend.first.wait_for()
    assert legend.count() >= 3  # every land-use layer has its legend row
    row = page.locator("#layer-legend li", has_text="LAD").first
    row.locator("input.layer-on").check()
    layer_id = row.get_attribute("data-layer")
    page.wait_for_function("""() => { let n = 0; document.getElementById('map').leafletMap
        .eachLayer((l) => { if (l.feature && !l.feature.properties.certificate_id) n += 1; });
        return n > 0; }""")
    row.locator("input.layer-opacity").fill("50")
    opacities = page.evaluate("""() => { const out = new Set();
        document.getElementById('map').leafletMap.eachLayer((l) => {
          const land = l.feature && !l.feature.properties.certificate_id;
          if (land && l.options) out.add(l.options.opacity);
        }); return [...out]; }""")
    assert opacities == [0.5], (layer_id, opacities)
    page.evaluate("""() => { let done = false; document.getElementById('map').leafletMap
        .eachLayer((l) => { if (!done && l.feature && !l.feature.properties.certificate_id
                                && l.getPopup()) { l.openPopup(); done = true; } }); }""")
    identify = page.locator(".leaflet-popup .identify").inner_text()
    assert identify.startswith("Slānis: ") and "PRODUCT_CODE" in identify  # layer, attributes
    page.evaluate("() => document.getElementById('map').leafletMap.setView([40, 10], 5)")
    page.click("#fit-all")  # back to all my areas
    page.wait_for_function("() => document.getElementById('map').leafletMap.getZoom() >= 13")
    assert not page.js_errors, page.js_errors


def test_drawing_map_starts_at_my_areas_and_finds_by_number(
    page: Any, web_org: dict[str, Account], engine: Engine
) -> None:
    owner = web_org["owner"]
    far = factories.certificate(areas=[factories.area(
        geometry=factories.square(640_000.0, 250_000.0), cadastral_designation="36010010099")])
    factories.store_certificate(engine, owner.org_id, far)
    browser_login(page, owner)
    page.goto("/certificates/new")
    page.wait_for_selector("#map[data-started='areas']")
    centre = page.evaluate("() => document.getElementById('map').leafletMap.getCenter()")
    assert abs(centre["lat"] - 56.93) > 0.1  # not the fixed start in Jumurda: at my area
    page.evaluate("() => document.getElementById('map').leafletMap.setView([56.93, 26.17], 12)")
    page.fill("#place-q", "36010010099")
    page.click("#place-go")
    page.wait_for_selector("#place-status:has-text('Atrastas 1')")
    moved = page.evaluate("() => document.getElementById('map').leafletMap.getCenter()")
    assert abs(moved["lat"] - centre["lat"]) < 0.01 and abs(moved["lng"] - centre["lng"]) < 0.01
    page.fill("#place-q", "99999999999")
    page.click("#place-go")
    page.wait_for_selector("#place-status:has-text('nav')")
    assert not page.js_errors, page.js_errors
