"""Page routes without a browser: tenancy, CSRF, escaping of user data, roles, language, CSP."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, login
from tests.factories import certificate, store_certificate

HTML = {"accept": "text/html"}
XSS = "<img src=x onerror=alert(1)>"


def test_map_view_needs_login(client: TestClient) -> None:
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_map_view_is_the_home_page_with_settings_for_the_script(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    login(client, org_a["owner"])
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert 'id="map"' in page.text and "/static/js/overview.js" in page.text
    assert 'data-basemap-url=""' in page.text  # the test settings have no base map
    assert "Kartes skats" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1][:20]
    assert "Map view" in client.get("/?lang=en", headers=HTML).text


def test_header_shows_organisation_and_role(client: TestClient, org_a: dict[str, Account]) -> None:
    login(client, org_a["analyst"])
    page = client.get("/certificates", headers=HTML).text
    assert 'data-testid="role">analītiķis<' in page
    assert 'data-testid="org">Test org ' in page


def test_another_organisations_certificate_page_is_404(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    theirs = store_certificate(engine, org_b["owner"].org_id)
    ours = store_certificate(engine, org_a["owner"].org_id)
    login(client, org_a["owner"])
    assert client.get(f"/certificates/{ours}", headers=HTML).status_code == 200
    other = client.get(f"/certificates/{theirs}", headers=HTML)
    missing = client.get("/certificates/00000000-0000-0000-0000-000000000000", headers=HTML)
    malformed = client.get("/certificates/not-a-uuid", headers=HTML)
    for response in (other, missing, malformed):
        assert response.status_code == 404
        assert "Šeit nekas netika atrasts." in response.text
    def without_request_id(text: str) -> str:
        return text.split("<code>")[0] + text.split("</code>")[-1]

    zero = "00000000-0000-0000-0000-000000000000"
    assert without_request_id(other.text).replace(theirs, zero) == without_request_id(missing.text)


def test_list_and_search_stay_in_the_tenant(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    mine = certificate(place="Jumurdas pagasts, Ozolkalni")
    theirs = certificate(place="Jumurdas pagasts, Ozolkalni")
    store_certificate(engine, org_a["owner"].org_id, mine)
    store_certificate(engine, org_b["owner"].org_id, theirs)
    login(client, org_a["owner"])
    page = client.get("/certificates", params={"q": "Ozolkalni"}, headers=HTML).text
    assert mine.ca_number in page
    assert theirs.ca_number not in page
    by_number = client.get("/certificates", params={"q": mine.ca_number[2:8]}, headers=HTML).text
    assert mine.ca_number in by_number
    none = client.get("/certificates", params={"q": "nav-tāda-vieta"}, headers=HTML).text
    assert mine.ca_number not in none and "Nav neviena apliecinājuma" in none


def test_statement_new_drops_other_tenants_certificates(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    mine = certificate()
    theirs = certificate()
    mine_id = store_certificate(engine, org_a["owner"].org_id, mine)
    theirs_id = store_certificate(engine, org_b["owner"].org_id, theirs)
    login(client, org_a["owner"])
    page = client.get(f"/statements/new?ids={mine_id},{theirs_id},junk", headers=HTML).text
    assert mine.ca_number in page and theirs.ca_number not in page
    assert client.get("/statements/00000000-0000-0000-0000-000000000000",
                      headers=HTML).status_code == 404


def test_user_data_is_escaped(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    cert_id = store_certificate(engine, org_a["owner"].org_id, certificate(place=XSS))
    login(client, org_a["owner"])
    for url in (f"/certificates/{cert_id}", "/certificates", f"/statements/new?ids={cert_id}"):
        page = client.get(url, headers=HTML).text
        assert XSS not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url


def test_logout_form_needs_the_csrf_token(client: TestClient, org_a: dict[str, Account]) -> None:
    token = login(client, org_a["owner"])
    refused = client.post("/logout", data={"csrf_token": "forged"}, headers=HTML,
                          follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/certificates", headers=HTML, follow_redirects=False).status_code == 200
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/certificates", headers=HTML, follow_redirects=False).status_code == 303


def test_scripts_get_the_csrf_token_and_unsafe_calls_need_it(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    cert_id = store_certificate(engine, org_a["owner"].org_id)
    token = login(client, org_a["owner"])
    page = client.get(f"/certificates/{cert_id}", headers=HTML).text
    assert f'data-csrf="{token}"' in page
    body = {"areas": [{"cirsma": 1, "quarter": "99"}]}
    forged = client.patch(f"/api/v1/certificates/{cert_id}", json=body)
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    sent = client.patch(f"/api/v1/certificates/{cert_id}", json=body,
                        headers={"X-CSRF-Token": token})
    assert sent.status_code == 200, sent.text


def test_review_queue_is_for_officers(
    client: TestClient, org_a: dict[str, Account], operator: dict[str, Account]
) -> None:
    login(client, org_a["owner"])
    assert client.get("/review", headers=HTML).status_code == 403
    assert 'href="/review"' not in client.get("/certificates", headers=HTML).text
    client.cookies.clear()
    login(client, operator["compliance_officer"])
    page = client.get("/review", headers=HTML)
    assert page.status_code == 200 and "/static/js/review.js" in page.text


def test_every_screen_renders_in_both_languages(
    client: TestClient, engine: Engine, org_a: dict[str, Account]
) -> None:
    cert_id = store_certificate(engine, org_a["owner"].org_id)
    login(client, org_a["compliance_officer"])
    for lang in ("lv", "en"):
        client.get(f"/lang/{lang}")
        for url in ("/", "/certificates", "/certificates/new", f"/certificates/{cert_id}",
                    "/statements", f"/statements/new?ids={cert_id}", "/review", "/mandate"):
            page = client.get(url, headers=HTML)
            assert page.status_code == 200, (lang, url)
            assert f'<html lang="{lang}">' in page.text
            # a key without a message shows itself: dotted lower-case words in the page text
            assert "nav.map" not in page.text and "cert.title" not in page.text


def test_scripts_never_write_html_from_data() -> None:
    """Data reaches the page through textContent and createElement, never innerHTML & co."""
    from geoservice.settings import ROOT

    mine = [p for p in (ROOT / "web" / "static" / "js").glob("*.js") if p.name != "ogc.js"]
    assert len(mine) > 10
    for path in mine:
        source = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{path.name} uses {sink}"


def test_front_page_sends_any_accepting_client_to_login_unless_json_is_asked(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    for accept in ("*/*", "", "text/html,*/*;q=0.8"):  # curl, link checkers, browsers
        response = client.get("/", headers={"accept": accept}, follow_redirects=False)
        assert response.status_code == 303, accept
        assert response.headers["location"] == "/login?next=/"
    for accept in ("application/json", "application/json, text/html;q=0.5"):
        response = client.get("/", headers={"accept": accept}, follow_redirects=False)
        assert response.status_code == 401, accept
        assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/?f=json", follow_redirects=False).status_code == 401
    login(client, org_a["owner"])
    assert client.get("/", headers={"accept": "*/*"}).status_code == 200


def test_certificate_pages_show_dates_and_numbers_the_latvian_way_and_mark_expired(
    client: TestClient, org_a: dict[str, Account], engine: Engine
) -> None:
    from datetime import date

    expired = store_certificate(engine, org_a["owner"].org_id, certificate(
        ca_number="T-EXPIRED", issued_on=date(2023, 3, 2), valid_until=date(2024, 12, 31)))
    login(client, org_a["owner"])
    listing = client.get("/certificates", headers=HTML).text
    row = listing.split("T-EXPIRED", 1)[1].split("</tr>", 1)[0]
    assert "31.12.2024." in row and "derīguma termiņš beidzies" in row and "1,00 ha" in row
    page = client.get(f"/certificates/{expired}", headers=HTML).text
    assert "02.03.2023." in page and 'data-testid="expired"' in page
    assert "2024-12-31" not in page.split('id="volumes"', 1)[0]
    english = client.get(f"/certificates/{expired}?lang=en", headers=HTML).text
    assert "31/12/2024" in english and ">expired<" in english


def test_mandate_upload_says_what_is_accepted(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    login(client, org_a["owner"])
    page = client.get("/mandate", headers=HTML).text
    assert "eParaksts" in page and ".edoc" in page and ".asice" in page
    assert "attēls)" not in page and "image/png" not in page
    accept = page.split('id="file"', 1)[1].split("accept=\"", 1)[1].split('"', 1)[0]
    assert {".edoc", ".asice", "application/pdf"} <= set(accept.split(","))


def test_audit_history_of_a_certificate_and_a_statement_as_screens(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account], engine: Engine
) -> None:
    from tests.statements.conftest import activate_mandate, ready_certificate

    owner = org_a["owner"]
    cert_id = ready_certificate(engine, owner.org_id)
    csrf = login(client, owner)
    changed = client.patch(f"/api/v1/certificates/{cert_id}", json={"place": "Madonas novads"},
                           headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text
    page = client.get(f"/certificates/{cert_id}/history", headers=HTML)
    assert page.status_code == 200
    assert "dati mainīti" in page.text and "Vieta: Jumurdas pagasts, Madonas novads → Madonas " \
        "novads" in page.text and owner.email in page.text
    assert 'data-action="updated"' in page.text
    assert f'href="/certificates/{cert_id}/history"' in client.get(
        f"/certificates/{cert_id}", headers=HTML).text
    activate_mandate(engine, owner.org_id)
    made = client.post("/api/v1/statements", json={"certificate_ids": [cert_id]},
                       headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    statement = client.get(f"/statements/{made.json()['id']}/history", headers=HTML)
    assert statement.status_code == 200 and "izveidots" in statement.text

    login(client, org_b["owner"])  # another tenant's ids answer like missing ones
    assert client.get(f"/certificates/{cert_id}/history", headers=HTML).status_code == 404
    assert client.get(f"/statements/{made.json()['id']}/history",
                      headers=HTML).status_code == 404
