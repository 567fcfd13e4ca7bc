"""Fixtures of the statement tests: the in-process TRACES simulator, a worker, ready data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text

from geoservice.certificates.model import Certificate
from geoservice.settings import Settings, TracesSettings
from geoservice.statements.connect import Account, ClientPool
from geoservice.statements.worker import Worker
from geoservice.traces.client import TracesClient
from geoservice.traces.protocol import TracesService
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import SimulatorTransport
from tests.factories import certificate, store_certificate

CLIENT_TIMEOUT = 0.5


@pytest.fixture()
def sim() -> TracesSimulator:
    """AVAILABLE at once, no rate limit (tests that need throttling set one)."""
    return TracesSimulator(delay_seconds=0, rate_limit=None)


@pytest.fixture()
def worker_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"traces": TracesSettings(poll_seconds=0)})


@pytest.fixture()
def pool(sim: TracesSimulator, worker_settings: Settings) -> Iterator[ClientPool]:
    transports: list[SimulatorTransport] = []

    def factory(account: Account) -> TracesService:
        transport = SimulatorTransport(sim)
        transports.append(transport)
        return TracesClient("http://simulator/tracesnt/", account.username, account.auth_key,
                            account.client_id, timeout=CLIENT_TIMEOUT, session=transport,
                            simulated=True)

    yield ClientPool(worker_settings, factory)
    for transport in transports:
        transport.close()


@pytest.fixture()
def worker(engine: Engine, worker_settings: Settings, pool: ClientPool) -> Worker:
    return Worker(engine, worker_settings, pool, name="test-worker", lease_seconds=30)


@pytest.fixture(autouse=True)
def _no_leftover_jobs(engine: Engine) -> Iterator[None]:
    """Jobs a test leaves open must not be picked up by the next test's worker."""
    yield
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET state = 'failed', last_error = 'test ended' "
                          "WHERE state = 'pending'"))


def drain(worker: Worker, rounds: int = 50) -> int:
    """Run the worker until nothing is due; returns the jobs handled."""
    total = 0
    for _ in range(rounds):
        handled = worker.run_once()
        total += handled
        if not handled:
            return total
    raise AssertionError(f"the worker still had work after {rounds} rounds")


def ready_certificate(engine: Engine, org_id: str, cert: Certificate | None = None,
                      n_areas: int = 1) -> str:
    """A stored certificate whose checks came out clear."""
    cert_id = store_certificate(engine, org_id, cert or certificate(n_areas))
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'clear', status = 'ready' "
                          "WHERE id = CAST(:c AS uuid)"), {"c": cert_id})
        conn.execute(text("INSERT INTO check_runs (organisation_id, certificate_id, "
                          "certificate_version, verdict) SELECT organisation_id, id, version, "
                          "'clear' FROM certificates WHERE id = CAST(:c AS uuid)"), {"c": cert_id})
    return cert_id


def activate_mandate(engine: Engine, org_id: str, *, valid_until: date | None = None) -> str:
    with engine.begin() as conn:
        return str(conn.execute(text(
            "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
            "status, valid_from, valid_until) VALUES (CAST(:o AS uuid), 'm.pdf', "
            "'application/pdf', '%PDF-1.4', 'x', 'active', :f, :u) RETURNING id"),
            {"o": org_id, "f": date.today() - timedelta(days=30),
             "u": valid_until or date.today() + timedelta(days=365)}).scalar_one())


def set_org(engine: Engine, org_id: str, **values: str) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE organisations SET {sets} WHERE id = CAST(:id AS uuid)"),
                     {**values, "id": org_id})


@pytest.fixture()
def client_org(engine: Engine, org_a):  # type: ignore[no-untyped-def]
    """org_a with a full address and identifiers, as TRACES needs for a represented operator."""
    set_org(engine, org_a["owner"].org_id, street="Skolas iela 3", city="Madona",
            postal_code="LV-4801", vat_no="LV" + org_a["owner"].reg_no, email="info@a.example")
    return org_a
