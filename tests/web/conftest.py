"""Fixtures of the web client tests: a live uvicorn server, headless Chromium, demo data.

The server runs ``create_app(settings)`` over the session's test database in a background
thread on a free port of 127.0.0.1; a TRACES worker with the in-process simulator runs next to
it so submitted statements reach AVAILABLE. Browser tests are marked ``browser``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, text

from geoservice.settings import ROOT, Settings, TracesSettings
from tests.conftest import PASSWORD, Account, make_org, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true", default=False,
                     help=f"save PNGs of the main screens under {SCREENSHOTS}")


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--screenshots"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def web_layers(demo_layers: str) -> str:
    """The demo land-use layers in the session database."""
    return demo_layers


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"traces": TracesSettings(poll_seconds=0)})


@pytest.fixture(scope="session")
def live_server(live_settings: Settings) -> Iterator[LiveServer]:
    from geoservice.web.app import create_app

    with LiveServer(create_app(live_settings)) as server:
        yield server


@pytest.fixture(scope="module")
def traces_worker(engine: Engine, live_settings: Settings) -> Iterator[Any]:
    """A statement worker against the in-process TRACES simulator (AVAILABLE at once).

    Module-scoped: it takes every queued statement, so it must stop before tests that run their
    own workers and simulators (tests/statements failed when they ran after these).
    """
    from geoservice.statements.connect import Account as TracesAccount
    from geoservice.statements.connect import ClientPool
    from geoservice.statements.worker import Worker
    from geoservice.traces.client import TracesClient
    from geoservice.traces.protocol import TracesService
    from geoservice.traces.simulator import TracesSimulator
    from geoservice.traces.simulator.server import SimulatorTransport

    sim = TracesSimulator(delay_seconds=0, rate_limit=None)
    transports: list[SimulatorTransport] = []

    def factory(account: TracesAccount) -> TracesService:
        transport = SimulatorTransport(sim)
        transports.append(transport)
        return TracesClient("http://simulator/tracesnt/", account.username, account.auth_key,
                            account.client_id, timeout=2.0, session=transport, simulated=True)

    worker = Worker(engine, live_settings, ClientPool(live_settings, factory), name="web-tests",
                    lease_seconds=30)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.2), daemon=True)
    thread.start()
    yield sim  # tests may script it (e.g. reject the next submission)
    stop.set()
    thread.join(timeout=10)
    for transport in transports:
        transport.close()


def ready_organisation(engine: Engine, org_id: str, reg_no: str) -> None:
    """Address, VAT number and an active mandate: what a statement needs to be submittable."""
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE organisations SET street = 'Skolas iela 3', city = 'Madona', "
            "postal_code = 'LV-4801', vat_no = :vat, email = 'info@example.lv' "
            "WHERE id = CAST(:id AS uuid)"), {"vat": "LV" + reg_no, "id": org_id})
        conn.execute(text(
            "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
            "status, valid_from, valid_until) VALUES (CAST(:o AS uuid), 'pilnvara.pdf', "
            "'application/pdf', '%PDF-1.4', 'x', 'active', :f, :u)"),
            {"o": org_id, "f": date.today() - timedelta(days=30),
             "u": date.today() + timedelta(days=365)})


@pytest.fixture()
def web_org(engine: Engine) -> dict[str, Account]:
    """A client organisation ready to submit statements, with an owner and an analyst."""
    org_id, reg_no = make_org(engine, name="SIA Meža Vēji (tests)")
    ready_organisation(engine, org_id, reg_no)
    return {r: make_user(engine, org_id, reg_no, r) for r in ("owner", "analyst")}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def latvian_tab(browser: Any, live_server: LiveServer, **options: Any) -> Iterator[Any]:
    """A Latvian tab of the live server that collects its JavaScript errors in ``js_errors``;
    ``options`` go to ``browser.new_context``."""
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="lv-LV",
                                  base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    yield tab
    context.close()


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    yield from latvian_tab(browser, live_server)


def drag_first_vertex(page: Any, dx: float = -40, dy: float = -30, steps: int = 8) -> None:
    """Move one vertex of the area being edited a few pixels, like a person would."""
    marker = page.locator(".leaflet-marker-icon.marker-icon").first
    marker.wait_for()
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=steps)
    page.mouse.up()


def draw_self_crossing_outline(page: Any) -> None:
    """Click four corners in the middle of the map whose closing edge crosses the first."""
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(cx - 60, cy - 40)
    for dx, dy in ((60, 40), (60, -40)):
        page.mouse.click(cx + dx, cy + dy)
    page.mouse.move(cx - 60, cy + 40)  # the closing edge would cross the first one
    page.mouse.click(cx - 60, cy + 40)


def browser_login(page: Any, account: Account, lang: str = "lv") -> None:
    page.goto(f"/login?lang={lang}")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def route_exists(app: Any, method: str, path: str) -> bool:
    """Whether the app serves METHOD PATH (a path template as the route modules declare it)."""
    for table_path, methods in app.state.openapi["paths"].items():
        if table_path == path and method.lower() in methods:
            return True
    from starlette.routing import Route

    return any(isinstance(r, Route) and r.path == path and method.upper() in (r.methods or ())
               for r in app.routes)


def shoot(page: Any, enabled: bool, name: str) -> None:
    if enabled:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
