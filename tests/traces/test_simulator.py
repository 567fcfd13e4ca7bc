"""The simulator's rules, lifecycle and transport-level behaviour, without sockets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from geoservice.traces import envelope as env
from geoservice.traces import errors as err
from geoservice.traces import services as svc
from geoservice.traces.client import TracesClient
from geoservice.traces.model import (
    SdCommodity,
    SdProducer,
    SimplifiedDeclaration,
    Statement,
)
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import SimulatorTransport

KEY = "sim-key"
DDS_PATH = "/tracesnt/ws/EUDRDueDiligenceStatementServiceV3"
REFERENCE = re.compile(r"26LV[A-Z0-9]{10}")
VERIFICATION = re.compile(r"[A-Z0-9]{8}")
Factory = Callable[..., Statement]


def raw(
    sim: TracesSimulator,
    request: env.Request,
    *,
    user: str = "user",
    key: str = KEY,
    now: datetime | None = None,
    action: str | None = None,
    path: str = DDS_PATH,
) -> tuple[int, bytes]:
    body = env.build_envelope(request, env.Credentials(user, key, "eudr-test"), now=now)
    status, _, answer = sim.handle(path, f'"{action or request.operation.soap_action}"', body)
    return status, answer


def faultstring(answer: bytes) -> str:
    return etree.fromstring(answer).findtext(".//faultstring") or ""


# --- authentication, transport --------------------------------------------------------------


def test_wrong_key_unknown_user_and_stale_timestamp_fail_authentication(
    sim: TracesSimulator,
) -> None:
    request = env.get_dds_by_internal_reference("X")
    assert raw(sim, request, key="wrong") == (500, raw(sim, request, user="nobody")[1])
    assert faultstring(raw(sim, request, key="wrong")[1]) == "Authentication failed"
    stale = datetime.now(UTC) - timedelta(minutes=10)
    assert faultstring(raw(sim, request, now=stale)[1]) == "Authentication failed"
    skewed = datetime.now(UTC) - timedelta(minutes=4)
    assert faultstring(raw(sim, request, now=skewed)[1]) == "Data not found."  # tolerated skew


def test_a_replayed_envelope_is_refused(sim: TracesSimulator) -> None:
    body = env.build_envelope(
        env.get_dds_by_internal_reference("X"), env.Credentials("user", KEY, "c")
    )
    action = svc.GET_DDS_BY_INTERNAL_REFERENCE.soap_action
    assert faultstring(sim.handle(DDS_PATH, action, body)[2]) == "Data not found."
    assert faultstring(sim.handle(DDS_PATH, action, body)[2]) == "Authentication failed"


def test_throttles_per_client(clock: Callable[[], float]) -> None:
    sim = TracesSimulator(clock=clock, accounts={"user": KEY, "other": "k2"}, rate_limit=5)
    request = env.get_dds_by_internal_reference("X")
    statuses = [raw(sim, request)[0] for _ in range(6)]
    assert statuses == [500] * 5 + [429]  # 500 = NotFound fault, then throttled
    assert raw(sim, request, user="other", key="k2")[0] == 500  # another client is not affected


def test_wrong_soap_action_unknown_path_and_discontinued_versions(sim: TracesSimulator) -> None:
    request = env.get_dds_by_internal_reference("X")
    assert "does not match" in faultstring(raw(sim, request, action=svc.GET_DDS.soap_action)[1])
    assert raw(sim, request, path="/tracesnt/ws/Nope")[0] == 404
    old = raw(sim, request, path="/tracesnt/ws/EUDRSubmissionServiceV2")[1]
    assert (
        faultstring(old)
        == "This API version has been discontinued. Please use the V3 API endpoints."
    )


def test_schema_violations_answer_sax_faults(sim: TracesSimulator, make_statement: Factory) -> None:
    request = env.submit_dds(make_statement(), "OPERATOR")
    statement = request.body.find(f"{{{svc.DDS_NS}}}statement")
    activity = statement.find(f"{{{svc.DDS_NS}}}activityType")
    statement.remove(activity)
    statement.append(activity)  # activityType after geoLocationConfidential
    status, answer = raw(sim, request)
    assert status == 500 and faultstring(answer).startswith("org.xml.sax.SAXParseException")
    with pytest.raises(err.SchemaError):
        TracesClient(
            "http://sim/tracesnt/", "user", KEY, "c", session=SimulatorTransport(sim)
        ).submit_dds(make_statement(hs_heading="44A3"))


def test_injected_faults(sim: TracesSimulator, client: TracesClient) -> None:
    sim.inject("http500")
    with pytest.raises(err.TracesUnavailable) as caught:
        client.get_dds_by_internal_reference("X")
    assert caught.value.retryable
    sim.inject("auth")
    with pytest.raises(err.AuthenticationError):
        client.get_dds_by_internal_reference("X")
    assert client.get_dds_by_internal_reference("X") == []
    with pytest.raises(ValueError, match="unknown injection"):
        sim.inject("boom")  # type: ignore[arg-type]


def test_timeout_injection_still_applies_the_call(
    sim: TracesSimulator, make_statement: Factory
) -> None:
    transport = SimulatorTransport(sim)
    impatient = TracesClient(
        "http://sim/tracesnt/", "user", KEY, "c", timeout=0.05, session=transport
    )
    statement = make_statement()
    sim.inject("timeout", seconds=0.3)
    with pytest.raises(err.TracesUnavailable) as caught:
        impatient.submit_dds(statement)
    assert caught.value.retryable and caught.value.maybe_applied
    found = TracesClient(
        "http://sim/tracesnt/", "user", KEY, "c", session=transport
    ).get_dds_by_internal_reference(statement.internal_reference or "")
    assert len(found) == 1  # the lost answer hid a successful submission
    transport.close()


def test_geometry_that_is_not_geojson(sim: TracesSimulator, make_statement: Factory) -> None:
    request = env.submit_dds(make_statement(), "OPERATOR")
    request.body.find(f".//{{{svc.DDS_NS}}}geometryGeojson").text = "bm90IGpzb24="  # "not json"
    assert b"EUDR-COMMODITIES-PRODUCER-GEO-INVALID" in raw(sim, request)[1]


# --- lifecycle ------------------------------------------------------------------------------


def test_submitted_then_available_with_numbers(
    sim: TracesSimulator, client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    uuid = client.submit_dds(make_statement())
    [first] = client.get_dds([uuid])
    assert (first.status, first.reference_number, first.verification_number) == (
        "SUBMITTED",
        None,
        None,
    )
    clock.advance(19.9)
    assert client.get_dds([uuid])[0].status == "SUBMITTED"
    clock.advance(0.2)
    [later] = client.get_dds([uuid])
    assert later.status == "AVAILABLE"
    assert REFERENCE.fullmatch(later.reference_number or "") and VERIFICATION.fullmatch(
        later.verification_number or ""
    )
    assert later.updated_by == "user" and later.version == 1


def test_amend_and_withdraw_windows(
    client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    statement = make_statement()
    uuid = client.submit_dds(statement)
    with pytest.raises(err.BusinessRulesError) as caught:
        client.amend_dds(uuid, statement)
    assert caught.value.code == "EUDR_API_AMEND_NOT_ALLOWED_FOR_STATUS"
    clock.advance(30)
    assert client.amend_dds(uuid, replace(statement, comment="amended")) == "AVAILABLE"
    assert client.get_dds([uuid])[0].version == 2
    clock.advance(72 * 3600)
    with pytest.raises(err.BusinessRulesError) as amend:
        client.amend_dds(uuid, statement)
    with pytest.raises(err.BusinessRulesError) as withdraw:
        client.withdraw_dds(uuid)
    assert amend.value.code == withdraw.value.code == "EUDR_API_AMEND_OR_WITHDRAW_DDS_NOT_POSSIBLE"


def test_withdraw_at_once_and_verify(
    client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    assert client.withdraw_dds(client.submit_dds(make_statement())) == "WITHDRAWN"
    uuid = client.submit_dds(make_statement())
    clock.advance(21)
    [overview] = client.get_dds([uuid])
    ref, ver = overview.reference_number or "", overview.verification_number or ""
    assert client.verify_declaration(ref, ver).result == "EXISTING_USABLE"
    assert client.verify_declaration(ref, "ZZZZZZZZ").result == "NON_EXISTENT"
    assert client.get_dds_by_identifiers(ref, ver).commodities[0].hs_heading == "4403"
    assert client.withdraw_dds(uuid) == "WITHDRAWN"
    verdict = client.verify_declaration(ref, ver)
    assert (verdict.result, verdict.status) == ("EXISTING_NON_USABLE", "WITHDRAWN")
    with pytest.raises(err.NotFoundError):
        client.get_dds_by_identifiers(ref, ver)


def test_unknown_uuid_amend_is_a_business_fault(
    client: TracesClient, make_statement: Factory
) -> None:
    with pytest.raises(err.BusinessRulesError) as caught:
        client.withdraw_dds("071874bd-8c62-4cac-8eb6-b2fbe003410c")
    assert caught.value.code == "EUDR_API_NO_DDS"


def test_owners_do_not_see_each_other(
    sim: TracesSimulator, client: TracesClient, make_statement: Factory
) -> None:
    statement = make_statement()
    uuid = client.submit_dds(statement)
    other = TracesClient(
        "http://sim/tracesnt/", "other", "k2", "c", session=SimulatorTransport(sim)
    )
    assert other.get_dds([uuid]) == []
    assert other.get_dds_by_internal_reference(statement.internal_reference or "") == []


def test_grouping_locks_the_grouped_statement(
    client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    first = client.submit_dds(make_statement())
    with pytest.raises(err.BusinessRulesError) as caught:
        client.submit_dds(make_statement(grouped_declarations=["26LVNOTEXIST00"]))
    assert caught.value.code == "EUDR_REFERENCED_STATEMENT_NOT_FOUND"
    clock.advance(21)
    reference = client.get_dds([first])[0].reference_number or ""
    group = client.submit_dds(make_statement(grouped_declarations=[reference], producers=[]))
    assert client.get_dds([first])[0].status == "GROUPED"
    with pytest.raises(err.BusinessRulesError):
        client.withdraw_dds(first)
    client.withdraw_dds(group)
    assert client.get_dds([first])[0].status == "AVAILABLE"


def test_rejection(
    sim: TracesSimulator, client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    sim.reject_next("Risk mitigation insufficient")
    uuid = client.submit_dds(make_statement())
    clock.advance(21)
    [overview] = client.get_dds([uuid])
    assert (overview.status, overview.rejection_reason, overview.reference_number) == (
        "REJECTED",
        "Risk mitigation insufficient",
        None,
    )


def test_simplified_declaration_lifecycle(client: TracesClient, clock: Any) -> None:
    producers = [SdProducer(1, "LV", "Bērziņš", cadastral_identifiers=["42010050074"])]
    declaration = SimplifiedDeclaration(
        "SD-LV-0001",
        commodities=[SdCommodity(1, "Malka", "4401", Decimal(30), producers=producers)],
    )
    sd_id = client.submit_simplified_declaration(declaration, "MICRO_OPERATOR")
    assert client.get_simplified_declarations([sd_id])[0].status == "SUBMITTED"
    clock.advance(21)
    [overview] = client.get_simplified_declarations_by_internal_reference("SD-LV-0001")
    assert re.fullmatch(r"S26LV[A-Z0-9]{9}", overview.reference_number or "")
    assert (
        client.get_simplified_declaration_by_identifiers(
            overview.reference_number or "", overview.verification_number or ""
        )
        == declaration
    )
    updated = client.update_simplified_declaration(
        sd_id, replace(declaration, comment="major change")
    )
    assert (updated.status, updated.version) == ("AVAILABLE", 2)
    assert client.withdraw_simplified_declaration(sd_id).status == "WITHDRAWN"
    assert client.echo() == "OK"


def test_confidential_geolocation_is_withheld_from_other_operators(
    sim: TracesSimulator, client: TracesClient, clock: Any, make_statement: Factory
) -> None:
    uuid = client.submit_dds(make_statement(geo_location_confidential=True))
    clock.advance(21)
    [overview] = client.get_dds([uuid])
    ref, ver = overview.reference_number or "", overview.verification_number or ""
    assert client.get_dds_by_identifiers(ref, ver).commodities[0].producers  # the owner sees them
    other = TracesClient(
        "http://sim/tracesnt/", "other", "k2", "c", session=SimulatorTransport(sim)
    )
    seen = other.get_dds_by_identifiers(ref, ver)
    assert seen.geo_location_confidential and seen.commodities[0].producers == ()
