"""``/metrics`` parsed by prometheus_client's own parser; ``/readyz``; JSON log lines."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from geoservice.db.disposable import disposable_database
from geoservice.settings import DatabaseSettings, Settings
from geoservice.traces.client import TracesClient
from geoservice.traces.errors import TracesUnavailable
from tests.conftest import Account, bearer
from tests.operation.served import Server, command_env, free_port


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_traces_calls_and_database_facts(
        client: TestClient, operator: dict[str, Account], demo_layers: str) -> None:
    before = _samples(client.get("/metrics", headers=bearer(operator["admin"])).text)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/certificates/not-a-uuid",
                      headers=bearer(operator["admin"])).status_code in (400, 404, 422)
    # A real TRACES client against a port where nothing listens: an outcome of its own.
    with TracesClient(f"http://127.0.0.1:{free_port()}/tracesnt/", "u", "k", "c",
                      timeout=2) as traces, pytest.raises(TracesUnavailable):
        traces.echo()
    response = client.get("/metrics", headers=bearer(operator["admin"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)
    hits = dict(route="/healthz", method="GET", status="200")
    assert _value(after, "geoservice_http_requests_total", **hits) - \
        _value(before, "geoservice_http_requests_total", **hits) == 3
    assert _value(after, "geoservice_http_request_duration_seconds_count", **hits) >= 3
    assert _value(after, "geoservice_http_request_duration_seconds_bucket", le="+Inf",
                  **hits) >= 3
    assert any(name == "geoservice_http_requests_total"
               and dict(labels)["route"] == "/api/v1/certificates/{id}"
               for name, labels in after), "routes are labelled by template, not raw path"
    assert any(name == "geoservice_traces_calls_total"
               and dict(labels)["outcome"] == "TracesUnavailable" and value >= 1
               for (name, labels), value in after.items())
    for state in ("pending", "done", "failed"):
        assert ("geoservice_outbox_jobs", (("state", state),)) in after
    assert ("geoservice_check_runs_total", (("verdict", "clear"),)) in after
    layers = {dict(labels)["layer"]: value for (name, labels), value in after.items()
              if name == "geoservice_layer_version"}
    assert layers and all(v >= 1 for v in layers.values())


def test_metrics_are_for_the_operator(app: Starlette, org_a: dict[str, Account]) -> None:
    with TestClient(app, client=("93.184.216.34", 1234)) as outside:
        refused = outside.get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "metrics_forbidden"
        assert outside.get("/metrics", headers=bearer(org_a["admin"])).status_code == 403
    for nearby in ("127.0.0.1", "10.1.2.3"):
        with TestClient(app, client=(nearby, 1234)) as local:
            assert local.get("/metrics").status_code == 200


def test_readyz_says_when_migrations_are_missing(client: TestClient, settings: Settings,
                                                 database_url: str) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    from geoservice.web.app import create_app

    with disposable_database(database_url, "geoservice_readyz") as (url, engine):
        with engine.begin() as conn:
            latest = conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar_one()
            conn.execute(text("DELETE FROM schema_migrations WHERE version = :v"), {"v": latest})
        behind = create_app(settings.model_copy(update={"database": DatabaseSettings(url=url)}))
        with TestClient(behind) as stale:
            answer = stale.get("/readyz")
            assert answer.status_code == 503
            assert answer.json()["status"] == "migrations_pending"
            assert answer.json()["migrations"]["pending"] == [latest]
            assert stale.get("/healthz").status_code == 200  # alive, just not ready


@pytest.mark.slow
def test_metrics_add_up_every_server_process(database_url: str, tmp_path: Path,
                                             engine: Engine) -> None:
    env = command_env(database_url, GEOSERVICE_DATABASE_POOL_SIZE="2")
    with Server(env, tmp_path / "serve.log", workers=2) as server:
        server.wait_ready()
        for _ in range(40):
            with httpx.Client(headers={"Connection": "close"}) as http:
                assert http.get(server.url + "/healthz", timeout=10).status_code == 200
        answered = {line["pid"] for line in server.lines()
                    if line.get("logger") == "geoservice.access"
                    and line.get("path") == "/healthz"}
        totals = []
        for _ in range(6):  # whichever process answers, the sum is the same
            with httpx.Client(headers={"Connection": "close"}) as http:
                body = http.get(server.url + "/metrics", timeout=10).text
            totals.append(_value(_samples(body), "geoservice_http_requests_total",
                                 route="/healthz", method="GET", status="200"))
        healthz_lines = [line for line in server.lines()
                         if line.get("logger") == "geoservice.access"
                         and line.get("path") == "/healthz"]
        assert len(answered) == 2, "both processes answered some of the 40"
        assert set(totals) == {float(len(healthz_lines))}
        # JSON log lines carry the request id the response names.
        with httpx.Client() as http:
            rid = http.get(server.url + "/healthz", headers={"X-Request-ID": "probe-12345678"}
                           ).headers["x-request-id"]
        time.sleep(0.5)
        assert rid == "probe-12345678"
        assert any(line.get("request_id") == rid and line.get("status") == 200
                   for line in server.lines())
