"""File inputs in the catalogue's words (issue 17: no English on the Latvian screens).

A native ``<input type="file">`` shows the browser's own "Choose File" / "No file chosen", which
the text scan cannot see (it lives in the control's shadow tree). The pickers keep the input —
its id, focusable and labelled — but visually hidden, and show a label styled as a button and the
chosen file's name in the page language. Checked on the drawing map's import and the mandate
upload: the Latvian words, the name once a file is chosen, a focus ring from the keyboard, and
no serious or critical axe-core violation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Account
from tests.web.conftest import LiveServer, browser_login, latvian_tab
from tests.web.test_drawing_tools import open_drawing
from tests.web.test_screens_text_a11y import AXE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("web_layers")]

CHOOSE, NONE = "Izvēlēties datni…", "Nav izvēlēta neviena datne"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A Latvian tab, as tests/web/conftest.py's, that lets axe-core in past the CSP."""
    yield from latvian_tab(browser, live_server, bypass_csp=True)


def serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate("""async () => {
        const r = await axe.run(document, { runOnly: { type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
        return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
            .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' '))
                .join(' | ')}`);
    }"""))


def assert_latvian_picker(page: Any, input_id: str, caption: str) -> None:
    """The words are the catalogue's; the input is hidden from sight, not from keyboard or AT."""
    assert page.text_content(f"#{input_id}-choose") == CHOOSE
    assert page.get_attribute(f"#{input_id}-choose", "for") == input_id
    assert page.text_content(f"#{input_id}-name") == NONE
    assert page.is_visible(f"#{input_id}-choose") and page.is_visible(f"#{input_id}-name")
    hidden = page.evaluate(f"""() => {{ const i = document.getElementById('{input_id}');
        const s = getComputedStyle(i); const box = i.getBoundingClientRect();
        return {{ display: s.display, visibility: s.visibility, width: box.width,
                  tabIndex: i.tabIndex, type: i.type }}; }}""")
    assert hidden["display"] != "none" and hidden["visibility"] != "hidden", hidden
    assert hidden["width"] <= 1 and hidden["tabIndex"] == 0 and hidden["type"] == "file", hidden
    # Its accessible name: the field's caption and the button's words, both Latvian.
    labelled = page.get_by_label(CHOOSE)
    assert labelled.count() == 1 and labelled.get_attribute("id") == input_id
    assert page.get_by_label(caption).get_attribute("id") == input_id

    # Reached from the keyboard, the hidden input shows its focus ring on the visible label.
    page.focus(f"#{input_id}")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == input_id
    ring = page.evaluate(f"""() => {{
        const s = getComputedStyle(document.getElementById('{input_id}-choose'));
        return [s.outlineStyle, s.outlineWidth]; }}""")
    assert ring == ["solid", "3px"], ring


def test_the_drawing_import_picker_speaks_latvian_and_names_the_chosen_file(
    page: Any, web_org: dict[str, Account]
) -> None:
    open_drawing(page, web_org["owner"])
    assert_latvian_picker(page, "draw-file", "Datne")
    empty = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    page.set_input_files("#draw-file", files=[{
        "name": "robeža.geojson", "mimeType": "application/geo+json", "buffer": empty}])
    page.wait_for_selector("#draw-file-error:has-text('nav neviena daudzstūra')")
    # The import empties the input (to take the same file again) but the name stays shown.
    assert page.text_content("#draw-file-name") == "robeža.geojson"
    assert not (violations := serious_violations(page)), violations
    assert not page.js_errors, page.js_errors


def test_the_mandate_picker_speaks_latvian_and_names_the_chosen_file(
    page: Any, web_org: dict[str, Account]
) -> None:
    browser_login(page, web_org["owner"])
    page.goto("/mandate")
    page.wait_for_load_state("networkidle")
    assert_latvian_picker(page, "file", "Parakstīta pilnvara")
    page.set_input_files("#file", files=[{"name": "pilnvara.pdf", "mimeType": "application/pdf",
                                          "buffer": PDF}])
    assert page.text_content("#file-name") == "pilnvara.pdf"
    assert not (violations := serious_violations(page)), violations

    page.click("#mandate-form button[type=submit]")  # uploaded: the form is reset, so is the name
    page.wait_for_selector("#mandate-status:not(:empty)")
    page.wait_for_function(f"() => document.getElementById('file-name').textContent === '{NONE}'")
    assert not page.js_errors, page.js_errors


def test_english_pickers_say_it_in_english(page: Any, web_org: dict[str, Account]) -> None:
    browser_login(page, web_org["owner"], lang="en")
    page.goto("/mandate")
    assert page.text_content("#file-choose") == "Choose a file…"
    assert page.text_content("#file-name") == "No file chosen"
