"""One contract, two back ends: the real TracesClient over HTTP against the simulator on
127.0.0.1 and, when GEOSERVICE_TRACES_URL / _USERNAME / _AUTH_KEY are set, against the EC
acceptance environment. Tests that would need fault injection or time travel, or that would
abuse the shared acceptance service (throttling), run on the simulator only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from geoservice.traces import errors as err
from geoservice.traces.client import TracesClient
from geoservice.traces.model import DdsOverview, Statement
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import run_simulator

REFERENCE = re.compile(r"[0-9]{2}[A-Z]{2}[A-Z0-9]{10}")
VERIFICATION = re.compile(r"[A-Z0-9]{8}")
Factory = Callable[..., Statement]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
ENV = ("GEOSERVICE_TRACES_URL", "GEOSERVICE_TRACES_USERNAME", "GEOSERVICE_TRACES_AUTH_KEY")


@dataclass
class Backend:
    name: str
    base_url: str
    username: str
    auth_key: str
    client_id: str
    pace: float | None
    sim: TracesSimulator | None = None
    clock: Any = None
    clients: list[TracesClient] | None = None

    def client(self, **overrides: Any) -> TracesClient:
        args: dict[str, Any] = {
            "base_url": self.base_url,
            "username": self.username,
            "auth_key": self.auth_key,
            "client_id": self.client_id,
            "timeout": 30,
            "max_calls_per_second": self.pace,
            "simulated": self.sim is not None,
        }
        args.update(overrides)
        made = TracesClient(**args)
        assert self.clients is not None
        self.clients.append(made)
        return made

    def simulator_only(self, why: str) -> TracesSimulator:
        if self.sim is None:
            pytest.skip(f"simulator only: {why}")
        return self.sim

    def wait_available(self, client: TracesClient, uuid: str) -> DdsOverview:
        """Simulator: move the lifecycle clock; acceptance: poll (TRACES takes 20 s or more)."""
        if self.clock is not None:
            self.clock.advance(self.sim.delay_seconds + 1)  # type: ignore[union-attr]
        deadline = time.monotonic() + 600
        while True:
            [overview] = client.get_dds([uuid])
            if overview.status != "SUBMITTED" or time.monotonic() > deadline:
                return overview
            time.sleep(15)


@pytest.fixture(params=["simulator", "acceptance"])
def backend(request: pytest.FixtureRequest, clock: Any) -> Iterator[Backend]:
    clients: list[TracesClient] = []
    if request.param == "simulator":
        sim = TracesSimulator(
            delay_seconds=20, clock=clock, accounts={"gs-test": "k-123"}, rate_limit=None
        )
        with run_simulator(sim) as url:
            yield Backend(
                "simulator", url, "gs-test", "k-123", "eudr-test", None, sim, clock, clients
            )
            for c in clients:
                c.close()
        return
    if not all(os.environ.get(name) for name in ENV):
        pytest.skip("set " + ", ".join(ENV) + " to run against TRACES acceptance")
    yield Backend(
        "acceptance",
        os.environ["GEOSERVICE_TRACES_URL"],
        os.environ["GEOSERVICE_TRACES_USERNAME"],
        os.environ["GEOSERVICE_TRACES_AUTH_KEY"],
        os.environ.get("GEOSERVICE_TRACES_CLIENT_ID", "eudr-test"),
        4.0,
        clients=clients,
    )
    for c in clients:
        c.close()


def test_submit_is_submitted_then_available_with_numbers(
    backend: Backend, make_statement: Factory
) -> None:
    client = backend.client()
    uuid = client.submit_dds(make_statement(), "OPERATOR")
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", uuid)
    right_after = client.get_dds([uuid])
    assert [o.status for o in right_after] in ([], ["SUBMITTED"])  # TRACES may not list it yet
    assert all(o.reference_number is None for o in right_after)
    available = backend.wait_available(client, uuid)
    assert available.status == "AVAILABLE"
    assert REFERENCE.fullmatch(available.reference_number or ""), available.reference_number
    assert VERIFICATION.fullmatch(available.verification_number or ""), (
        available.verification_number
    )


def test_reconciliation_by_internal_reference(backend: Backend, make_statement: Factory) -> None:
    client = backend.client()
    statement = make_statement()
    uuid = client.submit_dds(statement, "OPERATOR")
    found = client.get_dds_by_internal_reference(statement.internal_reference or "")
    assert [o.uuid for o in found] == [uuid]
    assert found[0].internal_reference == statement.internal_reference
    assert client.get_dds_by_internal_reference("GS-NEVER-SUBMITTED-0000") == []


def test_amend_only_when_available(backend: Backend, make_statement: Factory) -> None:
    client = backend.client()
    statement = make_statement()
    uuid = client.submit_dds(statement, "OPERATOR")
    with pytest.raises(err.BusinessRulesError) as caught:
        client.amend_dds(uuid, statement)
    assert caught.value.code == "EUDR_API_AMEND_NOT_ALLOWED_FOR_STATUS"
    backend.wait_available(client, uuid)
    assert client.amend_dds(uuid, replace(statement, comment="Labots apjoms")) == "AVAILABLE"
    assert client.get_dds([uuid])[0].reference_number is not None  # kept across the amendment


def test_window_of_72_hours(backend: Backend, make_statement: Factory) -> None:
    backend.simulator_only("needs a clock 72 hours ahead")
    client = backend.client()
    statement = make_statement()
    uuid = client.submit_dds(statement, "OPERATOR")
    backend.wait_available(client, uuid)
    backend.clock.advance(72 * 3600)
    with pytest.raises(err.BusinessRulesError) as amend:
        client.amend_dds(uuid, statement)
    with pytest.raises(err.BusinessRulesError) as withdraw:
        client.withdraw_dds(uuid)
    assert amend.value.code == withdraw.value.code == "EUDR_API_AMEND_OR_WITHDRAW_DDS_NOT_POSSIBLE"


def test_withdraw_works_at_once(backend: Backend, make_statement: Factory) -> None:
    client = backend.client()
    uuid = client.submit_dds(make_statement(), "OPERATOR")
    assert client.withdraw_dds(uuid) == "WITHDRAWN"
    assert client.get_dds([uuid])[0].status == "WITHDRAWN"


def test_verify_and_fetch_by_identifiers(backend: Backend, make_statement: Factory) -> None:
    client = backend.client()
    statement = make_statement()
    uuid = client.submit_dds(statement, "OPERATOR")
    available = backend.wait_available(client, uuid)
    ref, ver = available.reference_number or "", available.verification_number or ""
    assert client.verify_declaration(ref, ver).result == "EXISTING_USABLE"
    assert client.verify_declaration(ref, "NOPE1234").result == "NON_EXISTENT"
    fetched = client.get_dds_by_identifiers(ref, ver)
    assert [c.hs_heading for c in fetched.commodities] == ["4403"]
    assert (
        fetched.commodities[0].producers[0].geometry_geojson
        == statement.commodities[0].producers[0].geometry_geojson
    )
    client.withdraw_dds(uuid)
    assert client.verify_declaration(ref, ver).result == "EXISTING_NON_USABLE"


def test_business_rule_faults_carry_ids(backend: Backend, make_statement: Factory) -> None:
    client = backend.client()
    with pytest.raises(err.BusinessRulesError) as caught:
        client.submit_dds(make_statement(hs_heading="1234"), "OPERATOR")
    assert "EUDR_COMMODITIES_HS_CODE_INVALID" in caught.value.codes
    raw = [e.id for e in caught.value.error_ids if e.code == "EUDR_COMMODITIES_HS_CODE_INVALID"]
    assert raw == ["EUDR-COMMODITIES-HS-CODE-INVALID"]
    with pytest.raises(err.BusinessRulesError) as geo:
        line = {"type": "LineString", "coordinates": [[24.1, 56.9], [24.2, 56.95]]}
        producers = [replace(make_statement().commodities[0].producers[0], geometry_geojson=line)]
        client.submit_dds(make_statement(producers=producers), "OPERATOR")
    assert any(code.startswith("EUDR_COMMODITIES_PRODUCER_GEO") for code in geo.value.codes)


def test_wrong_key_is_an_authentication_error(backend: Backend) -> None:
    client = backend.client(auth_key="definitely-not-the-key")
    with pytest.raises(err.AuthenticationError):
        client.get_dds_by_internal_reference("GS-AUTH-CHECK")


def test_throttling_maps_to_a_retryable_error(backend: Backend) -> None:
    sim = backend.simulator_only("provoking the rate limit would abuse the shared service")
    sim.rate_limit = 5
    client = backend.client()
    with pytest.raises(err.ThrottledError) as caught:
        for _ in range(10):
            client.get_dds_by_internal_reference("GS-THROTTLE")
    assert caught.value.retryable and caught.value.retry_after >= 1
    sim.accounts["gs-other"] = "k-456"  # the limit is per client: another one still passes
    assert backend.client(username="gs-other", auth_key="k-456").get_dds([UNKNOWN]) == []


def test_timeout_is_retryable_and_may_have_been_applied(
    backend: Backend, make_statement: Factory
) -> None:
    sim = backend.simulator_only("fault injection")
    client = backend.client(timeout=0.3)
    statement = make_statement()
    sim.inject("timeout", seconds=0.8)
    with pytest.raises(err.TracesUnavailable) as caught:
        client.submit_dds(statement, "OPERATOR")
    assert caught.value.retryable and caught.value.maybe_applied
    assert (
        len(backend.client().get_dds_by_internal_reference(statement.internal_reference or "")) == 1
    )


def test_internal_server_error_is_retryable(backend: Backend) -> None:
    sim = backend.simulator_only("fault injection")
    client = backend.client()
    sim.inject("http500", count=2)
    for _ in range(2):
        with pytest.raises(err.TracesUnavailable) as caught:
            client.get_dds_by_internal_reference("GS-500")
        assert caught.value.retryable and caught.value.http_status == 500
    assert client.get_dds_by_internal_reference("GS-500") == []


def test_communication_to_operator_reaches_the_overview(
    backend: Backend, make_statement: Factory
) -> None:
    """A competent authority's message is read from getDds with its date and content. The
    simulator is told to write one; on acceptance one is there only if an officer wrote it."""
    client = backend.client()
    uuid = client.submit_dds(make_statement(), "OPERATOR")
    available = backend.wait_available(client, uuid)
    assert available.status == "AVAILABLE"
    if backend.sim is not None:
        assert available.communication is None
        backend.sim.communicate(uuid, "Lūdzu iesniedziet papildu informāciju par cirsmu 2.")
    [overview] = client.get_dds([uuid])
    if backend.sim is not None:
        assert overview.communication is not None
        assert overview.communication.content.startswith("Lūdzu iesniedziet")
        assert overview.communication.date.tzinfo is not None
    elif overview.communication is not None:
        assert overview.communication.date is not None


def test_a_message_written_after_available_reaches_a_later_overview(
    backend: Backend, make_statement: Factory
) -> None:
    """TRACES may write to the operator days after AVAILABLE, and may withdraw: the overview
    read then carries the message and the status. The simulator writes one six hours after
    AVAILABLE; on acceptance nothing is written on request, so only the shape is checked."""
    client = backend.client()
    if backend.sim is not None:
        backend.sim.message_after_available("Lūdzu precizējiet cirsmas 2 robežas.", 6 * 3600)
    uuid = client.submit_dds(make_statement(), "OPERATOR")
    available = backend.wait_available(client, uuid)
    assert available.status == "AVAILABLE"
    if backend.sim is None:
        [later] = client.get_dds([uuid])
        assert later.communication is None or later.communication.date is not None
        return
    assert available.communication is None  # not written yet
    backend.clock.advance(6 * 3600)
    [later] = client.get_dds([uuid])
    assert later.status == "AVAILABLE" and later.communication is not None
    assert later.communication.content == "Lūdzu precizējiet cirsmas 2 robežas."
    assert later.communication.date > available.date
    assert client.withdraw_dds(uuid) == "WITHDRAWN"  # still inside the 72 hours
    [withdrawn] = client.get_dds([uuid])
    assert withdrawn.status == "WITHDRAWN" and withdrawn.communication == later.communication


def test_incomplete_represented_operator_is_refused(
    backend: Backend, make_statement: Factory, operator: Any
) -> None:
    """The rule our pre-validation names field by field, as TRACES answers it."""
    client = backend.client()
    statement = make_statement(represented_operator=replace(operator, street=None))
    with pytest.raises(err.BusinessRulesError) as caught:
        client.submit_dds(statement, "REPRESENTATIVE_OPERATOR")
    assert "EUDR_BEHALF_OPERATOR_NOT_PROVIDED" in caught.value.codes
