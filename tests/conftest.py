"""Shared fixtures: a disposable PostGIS database per test session, the app, clients, accounts.

The database is created in the private cluster (or the server of GEOSERVICE_TEST_ADMIN_URL),
migrated once, and dropped at the end. Tests create their own organisations with unique
registration numbers, so they never depend on each other's rows.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.accounts import store
from geoservice.db.disposable import disposable_database
from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE
from geoservice.settings import ROOT, AuthSettings, DatabaseSettings, Settings, WebSettings

PASSWORD = "correct-horse-battery"


def _admin_url() -> str:
    url = os.environ.get("GEOSERVICE_TEST_ADMIN_URL") or os.environ.get("GEOSERVICE_DATABASE_URL")
    if not url:
        if not PRIVATE_CLUSTER_URL_FILE.exists():
            pytest.exit("no database: run `make test` (it starts the private cluster)", 2)
        url = PRIVATE_CLUSTER_URL_FILE.read_text().strip()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def _database() -> Iterator[tuple[str, Engine]]:
    with disposable_database(_admin_url(), "geoservice_test") as created:
        yield created


@pytest.fixture(scope="session")
def database_url(_database: tuple[str, Engine]) -> str:
    return _database[0]


@pytest.fixture(scope="session")
def engine(_database: tuple[str, Engine]) -> Engine:
    return _database[1]


@pytest.fixture(scope="session")
def settings(database_url: str, engine: Engine) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url, pool_size=5),
        web=WebSettings(environment="test", max_body_mb=1.0, basemap_url=""),
        # Every test client calls from the one address "testclient": per-address limits would
        # trip on the suite itself. tests/operation/test_throttle.py tests the real defaults.
        auth=AuthSettings(address_failures=10**9, api_refusals=10**9),
    )


@pytest.fixture(scope="session")
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from geoservice.web.app import create_app

    return create_app(settings)


@pytest.fixture()
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def layers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the layer manifest; the demo files are generated next to it."""
    folder = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "layers" / "manifest.toml", folder / "manifest.toml")
    return folder


@pytest.fixture(scope="session")
def demo_layers(engine: Engine, layers_dir: Path) -> str:
    """The demo land-use layers, imported once per session for every test folder."""
    from geoservice.layers.manifest import load_demo_layers

    return load_demo_layers(engine, layers_dir)


@dataclass(frozen=True)
class Account:
    org_id: str
    reg_no: str
    email: str
    role: str
    token: str


def make_org(engine: Engine, *, operator: bool = False, name: str | None = None) -> tuple[str, str]:
    reg_no = "4" + "".join(secrets.choice("0123456789") for _ in range(10))
    with engine.begin() as conn:
        org_id = store.create_organisation(
            conn, name=name or f"Test org {reg_no}", reg_no=reg_no, is_operator=operator,
        )
    return org_id, reg_no


def make_user(engine: Engine, org_id: str, reg_no: str, role: str) -> Account:
    email = f"{role}-{secrets.token_hex(4)}@{reg_no}.example"
    with engine.begin() as conn:
        store.create_user(conn, org_id=org_id, email=email, role=role, password=PASSWORD)
        token = store.create_token(conn, user_email=email)
    return Account(org_id, reg_no, email, role, token)


@pytest.fixture()
def org_a(engine: Engine) -> dict[str, Account]:
    """A fresh client organisation with a user of every role."""
    org_id, reg_no = make_org(engine)
    return {r: make_user(engine, org_id, reg_no, r)
            for r in ("owner", "analyst", "compliance_officer", "admin")}


@pytest.fixture()
def org_b(engine: Engine) -> dict[str, Account]:
    org_id, reg_no = make_org(engine)
    return {r: make_user(engine, org_id, reg_no, r)
            for r in ("owner", "analyst", "compliance_officer", "admin")}


@pytest.fixture()
def operator(engine: Engine) -> dict[str, Account]:
    """The service operator organisation: officers and admins who see every tenant."""
    org_id, reg_no = make_org(engine, operator=True)
    return {r: make_user(engine, org_id, reg_no, r) for r in ("compliance_officer", "admin")}


def bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"}


def login(client: TestClient, account: Account) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": account.email, "password": PASSWORD,
                                           "csrf_token": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    me = client.get("/", headers={"accept": "text/html"})
    return me.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
