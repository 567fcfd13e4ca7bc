"""The pair's QR code on the statement page and in the evidence report, read back by a decoder.

Chromium renders the page, the screenshot of the code is decoded with zxing-cpp, and the URL it
holds opens the verification page with the statement's state.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import zxingcpp
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from sqlalchemy import Engine

from tests.conftest import Account
from tests.references.builders import stored
from tests.web.conftest import browser_login

pytestmark = pytest.mark.browser


def _decode(png: bytes) -> list[str]:
    with warnings.catch_warnings():  # a screenshot has no map coordinates, rightly
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(png) as memory, memory.open() as image:
            bands = image.read()
    gray = np.ascontiguousarray(bands[:3].mean(axis=0).astype(np.uint8))
    # A camera sees the page around the code too: a white margin, as on the page itself.
    return [r.text for r in zxingcpp.read_barcodes(np.pad(gray, 16, constant_values=255))]


def test_statement_page_and_report_carry_a_readable_code(page: Any, engine: Engine,
                                                         web_org: dict[str, Account]) -> None:
    pair = stored(engine, web_org["owner"].org_id)
    browser_login(page, web_org["owner"])
    page.goto(f"/statements/{pair.statement_id}")
    code = page.locator("#pair-qr svg")
    code.wait_for()
    page.wait_for_load_state("networkidle")  # styles and fonts in place before the picture
    texts = _decode(code.screenshot())
    assert len(texts) == 1
    url = texts[0]
    assert f"reference={pair.reference}" in url and f"verification={pair.verification}" in url
    assert page.locator("#verify-url").inner_text() == url
    assert page.locator("button.copy[data-copy=verify-url]").is_visible()
    page.goto(url)
    assert page.locator("#verify-answer").get_attribute("data-result") == "EXISTING_USABLE"
    page.goto(f"/certificates/{pair.certificate_id}/report")
    report_code = page.locator(".pair-codes svg").first
    assert _decode(report_code.screenshot()) == [url]
    assert not page.js_errors


def test_no_code_before_the_numbers(page: Any, engine: Engine,
                                    web_org: dict[str, Account]) -> None:
    pending = stored(engine, web_org["owner"].org_id, status="submitted")
    browser_login(page, web_org["owner"])
    page.goto(f"/statements/{pending.statement_id}")
    page.locator("#statement-status").wait_for()
    assert page.locator("#pair-qr").count() == 0
