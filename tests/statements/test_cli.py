"""``geoservice worker --once`` over real HTTP to the simulator, configured from the environment."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.cli.main import build_parser, main
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import run_simulator
from tests.statements.helpers import fetch, queued


def test_worker_command_sends_queued_statements_over_http(
    client: TestClient, engine: Engine, client_org, database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    sim = TracesSimulator(delay_seconds=0)
    with run_simulator(sim) as url:
        for name, value in (("GEOSERVICE_DATABASE_URL", database_url),
                            ("GEOSERVICE_TRACES_URL", url),
                            ("GEOSERVICE_TRACES_USERNAME", "simulator"),
                            ("GEOSERVICE_TRACES_AUTH_KEY", "simulator-auth-key"),
                            ("GEOSERVICE_TRACES_POLL_SECONDS", "0"),
                            ("GEOSERVICE_ENVIRONMENT", "test")):
            monkeypatch.setenv(name, value)
        assert main(["worker", "--once"]) == 0
    assert url in capsys.readouterr().out
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    assert len(sim.store.by_internal_reference("simulator", st["internal_reference"], "DDS")) == 1


def test_traces_sim_command_is_registered() -> None:
    args = build_parser().parse_args(["traces-sim", "--port", "18123", "--delay", "2"])
    assert args.command == "traces-sim" and args.port == 18123 and args.delay == 2.0
