"""The simulator over HTTP: background runner, command line."""

from __future__ import annotations

import pytest
import requests

from geoservice.traces.client import TracesClient
from geoservice.traces.simulator import DEFAULT_ACCOUNTS, TracesSimulator
from geoservice.traces.simulator.server import main, run_simulator


def test_run_simulator_serves_on_a_free_port() -> None:
    with run_simulator() as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/tracesnt/")
        with requests.Session() as http:
            assert http.get(url, timeout=5).status_code == 200
            assert http.post(url + "ws/Unknown", data=b"<x/>", timeout=5).status_code == 404
        user, key = next(iter(DEFAULT_ACCOUNTS.items()))
        with TracesClient(url, user, key, "eudr-test", simulated=True) as client:
            assert client.echo("labdien") == "OK"


def test_the_same_simulator_keeps_state_between_runs() -> None:
    sim = TracesSimulator(accounts={"a": "b"})
    with run_simulator(sim) as url, TracesClient(url, "a", "b", "c") as client:
        assert client.get_dds_by_internal_reference("X") == []
    assert sim.store.records() == []


def test_main_rejects_a_malformed_account(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--account", "no-colon"])
    assert "USER:KEY" in capsys.readouterr().err
