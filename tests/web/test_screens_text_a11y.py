"""The main screens, scanned: in Latvian no English catalogue text and no raw code on screen;
in both languages no serious or critical accessibility violation (axe-core, injected)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from geoservice import i18n
from geoservice.settings import ROOT
from tests.conftest import Account
from tests.web.conftest import LiveServer, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Sections whose keys are codes the server sends; a code on screen is a missed translation.
CODE_SECTIONS = ("verdict", "status", "sstatus", "felling", "method", "severity",
                 "finding_status", "rule", "layer_role", "refstatus", "role", "source")
WORD = r"(?<![\w-]){}(?![\w-])"


def raw_codes() -> set[str]:
    """Codes whose words differ from the code itself in Latvian (``galvena`` → ``galvenā``)."""
    codes = set()
    for key, entry in i18n.catalogue().items():
        section, _, code = key.rpartition(".")
        if section in CODE_SECTIONS and entry["lv"] != code and len(code) > 2:
            codes.add(code)
    return codes


def english_phrases() -> set[str]:
    """Fragments of English catalogue texts (two words or more) that Latvian never uses."""
    latvian = " ".join(entry["lv"] for entry in i18n.catalogue().values())
    phrases = set()
    for entry in i18n.catalogue().values():
        if entry["en"] == entry["lv"]:
            continue
        for fragment in re.split(r"\{\w+\}", entry["en"]):
            fragment = fragment.strip(" .,:;·—–()'\"")
            if len(fragment) >= 10 and " " in fragment and fragment not in latvian:
                phrases.add(fragment)
    return phrases


@pytest.fixture()
def screens(live_server: LiveServer, web_org: dict[str, Account], engine: Engine,
            operator: dict[str, Account]) -> dict[str, Any]:
    """A day's data: a certificate from VMD checked (flagged), one ready, a draft statement."""
    from tests.statements.conftest import ready_certificate

    owner = web_org["owner"]
    token = {"Authorization": f"Bearer {owner.token}"}
    with httpx.Client(base_url=live_server.url, headers=token, timeout=60) as http:
        made = http.post("/api/v1/certificates", json={"ca_number": "2522530291"})
        assert made.status_code == 201, made.text
        flagged = made.json()["id"]
        assert http.post(f"/api/v1/certificates/{flagged}/check").status_code == 200
        ready = ready_certificate(engine, owner.org_id)
        draft = http.post("/api/v1/statements", json={"certificate_ids": [ready]})
        assert draft.status_code == 201, draft.text
    owner_pages = ["/", "/certificates", f"/certificates/{flagged}", "/certificates/new",
                   f"/certificates/{flagged}/report", f"/certificates/{flagged}/history",
                   "/statements", f"/statements/{draft.json()['id']}", "/references",
                   "/mandate"]
    return {"owner": owner, "officer": operator["compliance_officer"],
            "owner_pages": owner_pages, "officer_pages": ["/review"]}


def visit(page: Any, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    if path == "/review":
        page.wait_for_selector("#queue li")
    if path.startswith("/statements/") and path != "/statements":
        page.wait_for_selector("#statement-content h3")


def shown_text(page: Any) -> str:
    """What a person reads: the body's text and the names of controls (titles, labels).

    Data quoted as it is (``translate="no"``: a layer's licence text) is left out.
    """
    return str(page.evaluate("""() => [[...document.querySelectorAll('[translate="no"]')]
            .reduce((text, n) => text.replace(n.innerText, ''), document.body.innerText),
        ...[...document.querySelectorAll('[title], [aria-label], [placeholder]')].map((n) =>
            [n.getAttribute('title'), n.getAttribute('aria-label'), n.getAttribute('placeholder')]
            .filter(Boolean).join(' '))].join('\\n')"""))


@pytest.fixture()
def officer_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="lv-LV",
                                  base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_latvian_screens_show_no_english_and_no_raw_codes(
    page: Any, officer_page: Any, screens: dict[str, Any]
) -> None:
    codes, english = raw_codes(), english_phrases()
    assert "galvena" in codes and "not_forest_2020" in codes and len(english) > 100
    found: dict[str, list[str]] = {}
    for tab, account, paths in ((page, screens["owner"], screens["owner_pages"]),
                                (officer_page, screens["officer"], screens["officer_pages"])):
        browser_login(tab, account)
        for path in paths:
            visit(tab, path)
            text = shown_text(tab)
            bad = [f"code {c} in …{text[max(m.start() - 40, 0):m.end() + 20]!r}…" for c in codes
                   if (m := re.search(WORD.format(re.escape(c)), text))]
            bad += [f"English {p!r}" for p in english if p in text]
            if bad:
                found[path] = sorted(bad)
    assert not found, "\n".join(f"{path}: {problems}" for path, problems in found.items())


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_main_screens_have_no_serious_accessibility_violations(
    browser: Any, live_server: LiveServer, screens: dict[str, Any], lang: str
) -> None:
    assert AXE.exists(), "npm ci installs axe-core (package.json devDependencies)"
    context = browser.new_context(viewport={"width": 1366, "height": 800}, base_url=live_server.url,
                                  locale="lv-LV" if lang == "lv" else "en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    found: dict[str, list[str]] = {}
    try:
        for account, paths in ((screens["owner"], screens["owner_pages"]),
                               (screens["officer"], screens["officer_pages"])):
            tab = context.new_page()
            browser_login(tab, account, lang=lang)
            for path in paths:
                visit(tab, path)
                tab.add_script_tag(path=str(AXE))
                result = tab.evaluate("""async () => {
                    const r = await axe.run(document, { runOnly: { type: 'tag',
                        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
                    const where = (v) => v.nodes.slice(0, 4).map((n) => n.target.join(' '));
                    return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
                        .map((v) => `${v.id}: ${where(v).join(' | ')}`);
                }""")
                if result:
                    found[path] = result
            tab.close()
    finally:
        context.close()
    assert not found, "\n".join(f"{path}: {problems}" for path, problems in found.items())
