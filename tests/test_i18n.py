"""The message catalogue: both languages for every key, and every key used exists."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from geoservice import i18n
from geoservice.settings import ROOT


def test_every_key_has_latvian_and_english() -> None:
    incomplete = [k for k, v in i18n.catalogue().items() if not (v["lv"] and v["en"])]
    assert not incomplete


def test_every_key_used_in_templates_and_scripts_exists() -> None:
    used: set[str] = set()
    for path in (ROOT / "web").rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r"""\bt\(\s*['"]([a-z0-9_]+(?:\.[a-z0-9_]+)+)['"]""", text))
    missing = sorted(used - set(i18n.catalogue()))
    assert not missing, f"keys used but not in messages.toml: {missing}"
    assert "login.title" in used  # the scan itself works


def test_latvian_is_default_and_english_switchable(client: TestClient) -> None:
    assert "Pieteikties" in client.get("/login").text
    assert "Log in" in client.get("/login?lang=en").text
    assert "Log in" in client.get("/login").text  # the choice sticks to the session
    messages = client.get("/i18n/en.json").json()
    assert messages["nav.map"] == "Map view"
