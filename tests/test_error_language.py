"""Errors in the caller's language (session, user setting, Accept-Language, Latvian), both
languages beside, pydantic's messages translated with field names a person knows."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.web.error_text import accept_language
from tests.certificates.conftest import area_body, manual_body
from tests.conftest import Account, bearer, login

URL = "/api/v1/certificates"
RAW = ("Input should", "String should", "^[0-9]", "areas.0", "less than or equal")


def _bad_body() -> dict[str, object]:
    return manual_body(areas=[area_body(cadastral_designation="7060005",
                                        volumes=[{"species_code": 1, "m3": 1_000_000}])])


def test_validation_errors_are_latvian_by_default_and_never_raw(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    error = client.post(URL, json=_bad_body(), headers=bearer(org_a["owner"])).json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"] == error["messages"]["lv"]
    by_field = {d["field"]: d for d in error["details"]}
    cadastre = by_field["areas.0.cadastral_designation"]
    assert cadastre["message"] == "1. cirsma — kadastra apzīmējums: jābūt 11 cipariem."
    assert cadastre["messages"]["en"] == \
        "Felling area 1 — cadastral designation: must be 11 digits."
    volume = by_field["areas.0.volumes.0.m3"]
    assert volume["message"] == "1. cirsma, 1. suga — apjoms, m³: jābūt ne vairāk kā 999\u00a0999."
    assert error["message"].endswith("(un vēl 1)")
    shown = [error["message"], *(d["message"] for d in error["details"])]
    assert not [s for s in shown for raw in RAW if raw in s], shown


def test_accept_language_then_user_setting_then_session(
    client: TestClient, org_a: dict[str, Account], engine: Engine
) -> None:
    anonymous = client.get("/api/v1/me", headers={"Accept-Language": "en-GB,en;q=0.9,lv;q=0.5"})
    assert anonymous.json()["error"]["message"] == "Log in or send a valid API token."
    latvian = client.get("/api/v1/me", headers={"Accept-Language": "de, lv;q=0.4"})
    assert latvian.json()["error"]["message"] == "Piesakieties vai nosūtiet derīgu API žetonu."
    assert client.get("/api/v1/me").json()["error"]["message"].startswith("Piesakieties")

    owner = org_a["owner"]
    with engine.begin() as conn:  # the user's own setting wins over the header
        conn.execute(text("UPDATE users SET language = 'en' WHERE email = :e"), {"e": owner.email})
    english = client.post(URL, json=_bad_body(), headers={**bearer(owner), "Accept-Language": "lv"})
    assert english.json()["error"]["message"].startswith("Felling area 1 — cadastral designation")

    analyst = org_a["analyst"]
    csrf = login(client, analyst)
    client.get("/lang/en?next=/")  # the language chosen in the browser
    chosen = client.post(URL, json=_bad_body(), headers={"X-CSRF-Token": csrf,
                                                          "Accept-Language": "lv"})
    assert chosen.status_code == 422
    assert chosen.json()["error"]["message"].startswith("Felling area 1")


def test_coded_errors_carry_specifics_in_both_languages(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    owner = org_a["owner"]
    body = manual_body(ca_number="MAN-TWICE")
    assert client.post(URL, json=body, headers=bearer(owner)).status_code == 201
    again = client.post(URL, json=body, headers=bearer(owner)).json()["error"]
    assert again["code"] == "certificate_exists"
    assert again["message"] == ("Jūsu organizācijai jau ir apliecinājums MAN-TWICE; atveriet to, "
                                "nevis pievienojiet vēlreiz.")
    assert "MAN-TWICE" in again["messages"]["en"]
    split = manual_body(ca_number="MAN-SPLIT", areas=[area_body(
        products=[{"hs_code": "4403", "m3": 100}])])
    error = client.post(URL, json=split, headers=bearer(owner)).json()["error"]
    assert error["message"] == ("Produktu sadalījums (100 m³) nesakrīt ar apjomu pa sugām "
                                "(250 m³).")
    assert not error["messages"]["en"].startswith("areas[0]")  # the path is put in words


def test_accept_language_parsing() -> None:
    assert accept_language("en-GB,en;q=0.9") == "en"
    assert accept_language("lv-LV,en;q=0.8") == "lv"
    assert accept_language("en;q=0.2, lv;q=0.9") == "lv"
    assert accept_language("de,fr") is None
    assert accept_language("en;q=0") is None
    assert accept_language(None) is None


def test_errors_raised_in_both_languages_answer_both_with_their_specifics() -> None:
    """issue-13/14/15 raise in the caller's words (i18n.both, references.say); the answer keeps
    those words in both languages, in the language of the request, not a generic fallback."""
    from geoservice import i18n
    from geoservice.errors import TooManyRequests, ValidationFailed
    from geoservice.references import say
    from geoservice.web.error_text import error_body

    throttled = TooManyRequests(i18n.both("throttle.login", "lv", minutes=7),
                                code="login_throttled")
    english = error_body(throttled, "en")["error"]
    assert english["message"] == "Too many failed login attempts. Try again in 7 min."
    assert english["messages"]["lv"].startswith("Pārāk daudz") and "7 min" in \
        english["messages"]["lv"]
    stored = ValidationFailed(say.say("no_pairs"), code="no_pairs")
    latvian = error_body(stored, "lv")["error"]
    assert "nekas netika saglabāts" in latvian["message"]
    assert "nothing was stored" in latvian["messages"]["en"]
