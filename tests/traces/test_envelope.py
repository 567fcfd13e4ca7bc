"""Envelopes: header layout, element order as in the EC XSDs, SOAPAction values, round trips."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from geoservice.traces import envelope as env
from geoservice.traces import services as svc
from geoservice.traces.model import (
    RepresentedOperator,
    SdCommodity,
    SdPostalAddress,
    SdProducer,
    SimplifiedDeclaration,
    Statement,
)
from geoservice.traces.sd_xml import declaration_from_xml
from geoservice.traces.simulator.schema import validate
from geoservice.traces.statement_xml import statement_from_xml
from geoservice.traces.wsse import WSSE_NS

CREDS = env.Credentials("eu-login-user", "secret-key", "eudr-test")
D, C, SD = svc.DDS_NS, svc.COMMON_NS, svc.SD_NS
StatementFactory = Callable[..., Statement]
UUID = "071874bd-8c62-4cac-8eb6-b2fbe003410c"


def names(el: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in el]


def parsed(request: env.Request) -> etree._Element:
    return etree.fromstring(env.build_envelope(request, CREDS))


def test_header_security_then_client_id(make_statement: StatementFactory) -> None:
    root = parsed(env.withdraw_dds(UUID))
    header = root.find(f"{{{svc.SOAP_ENV_NS}}}Header")
    assert [c.tag for c in header] == [
        f"{{{WSSE_NS}}}Security",
        f"{{{svc.BASE_NS}}}WebServiceClientId",
    ]
    assert header[1].text == "eudr-test"
    body = root.find(f"{{{svc.SOAP_ENV_NS}}}Body")
    assert [c.tag for c in body] == [f"{{{D}}}WithdrawDdsRequest"]


def test_statement_children_follow_the_ec_order(
    make_statement: StatementFactory, operator: RepresentedOperator
) -> None:
    statement = make_statement(
        represented_operator=operator,
        comment="Cirsmas 1 un 2",
        border_cross_country="LV",
        grouped_declarations=["26LVAAAAAAAAAA", "26LVBBBBBBBBBB"],
        net_weight_kg=Decimal("9100"),
    )
    body = parsed(env.submit_dds(statement, "REPRESENTATIVE_OPERATOR")).find(
        f".//{{{D}}}SubmitDdsRequest"
    )
    assert names(body) == ["operatorRole", "statement"]
    st = body.find(f"{{{D}}}statement")
    assert names(st) == [
        "internalReferenceNumber",
        "activityType",
        "representedOperator",
        "countryOfActivity",
        "borderCrossCountry",
        "comment",
        "commodities",
        "geoLocationConfidential",
        "groupedDeclarations",
        "groupedDeclarations",
    ]
    assert all(etree.QName(c).namespace == D for c in st)
    op = st.find(f"{{{D}}}representedOperator")
    assert names(op) == [
        "operatorReferenceNumber",
        "operatorAddress",
        "operatorEmail",
        "operatorPhone",
        "operatorName",
    ]
    assert all(etree.QName(c).namespace == C for c in op)
    assert names(op.find(f"{{{C}}}operatorAddress")) == ["country", "street", "postalCode", "city"]
    commodity = st.find(f"{{{D}}}commodities")
    assert names(commodity) == ["position", "descriptors", "hsHeading", "speciesInfo", "producers"]
    descriptors = commodity.find(f"{{{D}}}descriptors")
    assert names(descriptors) == ["descriptionOfGoods", "goodsMeasure"]
    assert names(descriptors.find(f"{{{C}}}goodsMeasure")) == [
        "percentageEstimationOrDeviation",
        "netWeight",
        "supplementaryUnit",
        "supplementaryUnitQualifier",
    ]
    assert descriptors.findtext(f".//{{{C}}}supplementaryUnitQualifier") == "MTQ"
    assert descriptors.findtext(f".//{{{C}}}supplementaryUnit") == "12.5"
    assert descriptors.findtext(f".//{{{C}}}percentageEstimationOrDeviation") == "10"
    assert names(commodity.find(f"{{{D}}}speciesInfo")) == ["scientificName", "commonName"]
    assert names(commodity.find(f"{{{D}}}producers")) == [
        "position",
        "country",
        "name",
        "geometryGeojson",
    ]
    grouped = st.findall(f"{{{D}}}groupedDeclarations")
    assert [g.findtext(f"{{{C}}}groupedDeclaration") for g in grouped] == [
        "26LVAAAAAAAAAA",
        "26LVBBBBBBBBBB",
    ]
    assert st.findtext(f"{{{D}}}geoLocationConfidential") == "false"


def test_minimal_statement_leaves_optional_elements_out(make_statement: StatementFactory) -> None:
    statement = make_statement(
        internal_reference=None, country_of_activity=None, percentage_estimation_or_deviation=None
    )
    st = parsed(env.submit_dds(statement, "OPERATOR")).find(f".//{{{D}}}statement")
    assert names(st) == ["activityType", "commodities", "geoLocationConfidential"]


EXPECTED_ACTIONS = {
    "submitDds": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/submitDds",
    "amendDds": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/amendDds",
    "withdrawDds": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/withdrawDds",
    "getDds": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getDds",
    "getDdsByInternalReference": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getDdsByInternalReference",
    "getDdsByIdentifiers": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getDdsByIdentifiers",
    "verifyDeclaration": "http://ec.europa.eu/tracesnt/certificate/eudr/verification/v3/verify-declaration",
    "submitSd": "http://ec.europa.eu/tracesnt/certificate/eudr/simplified-declaration/v3/submitSd",
    "updateSd": "http://ec.europa.eu/tracesnt/certificate/eudr/simplified-declaration/v3/updateSd",
    "withdrawSd": "http://ec.europa.eu/tracesnt/certificate/eudr/simplified-declaration/v3/withdrawSd",
    # The SD WSDL announces its read operations under the DDS namespace; we follow it.
    "getSd": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getSd",
    "getSdByInternalReference": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getSdByInternalReference",
    "getSdByIdentifiers": "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getSdByIdentifiers",
    "testEcho": "http://ec.europa.eu/tracesnt/eudr/echo",
}


def test_soap_actions_match_the_wsdls() -> None:
    assert {op.name: op.soap_action for op in svc.OPERATIONS} == EXPECTED_ACTIONS


def _declaration() -> SimplifiedDeclaration:
    producers = [
        SdProducer(1, "LV", "Geo", geometry_geojson={"type": "Point", "coordinates": [24.1, 56.9]}),
        SdProducer(
            2,
            "LV",
            "Address",
            postal_addresses=[SdPostalAddress("LV-4101", "Cēsis", "Rīgas iela 1")],
        ),
        SdProducer(3, "LV", "Cadastre", cadastral_identifiers=["42010050074"]),
    ]
    commodity = SdCommodity(1, "Malka", "4401", Decimal("30"), producers=producers)
    return SimplifiedDeclaration("SD-0001", commodities=[commodity])


def test_every_request_passes_the_simulator_schema(
    make_statement: StatementFactory, operator: RepresentedOperator
) -> None:
    statement = make_statement(
        represented_operator=operator, grouped_declarations=["26LVAAAAAAAAAA"]
    )
    requests: list[env.Request] = [
        env.submit_dds(statement, "OPERATOR"),
        env.amend_dds(UUID, statement),
        env.withdraw_dds(UUID),
        env.get_dds([UUID, UUID]),
        env.get_dds_by_internal_reference("GS-1"),
        env.get_dds_by_identifiers("26LV7XTVCZAQ2S", "SFFCB4Y3"),
        env.verify_declaration("26LV7XTVCZAQ2S", "SFFCB4Y3"),
        env.submit_sd(_declaration(), "MICRO_OPERATOR"),
        env.update_sd(UUID, _declaration()),
        env.withdraw_sd(UUID),
        env.get_sd([UUID, (UUID, 2)]),
        env.get_sd_by_internal_reference("SD-0001"),
        env.get_sd_by_identifiers("S26LVCB39D2GRX", "H6ORMNTX"),
        env.echo("ping"),
    ]
    assert {r.operation.name for r in requests} == set(EXPECTED_ACTIONS)
    for request in requests:
        body = parsed(request).find(f"{{{svc.SOAP_ENV_NS}}}Body")[0]
        validate(body)  # raises SchemaViolation on any ordering or type problem


def test_sd_producer_locations_and_order() -> None:
    st = parsed(env.submit_sd(_declaration(), "MICRO_OPERATOR")).find(f".//{{{SD}}}statement")
    assert names(st) == [
        "internalReferenceNumber",
        "activityType",
        "countryOfActivity",
        "commodities",
        "geoLocationConfidential",
    ]
    producers = st.findall(f".//{{{SD}}}producers")
    assert names(producers[0]) == [
        "producerPosition",
        "producerCountry",
        "producerName",
        "producerLocation",
    ]
    assert [names(p.find(f"{{{SD}}}producerLocation")) for p in producers] == [
        ["geometryGeojson"],
        ["postalAddress"],
        ["cadastralIdentifier"],
    ]
    assert names(producers[1].find(f".//{{{SD}}}postalAddress")) == [
        "producerStreet",
        "producerPostalCode",
        "producerCity",
    ]
    assert declaration_from_xml(st) == _declaration()


def test_statement_round_trips_through_xml(
    make_statement: StatementFactory, operator: RepresentedOperator
) -> None:
    statement = make_statement(
        represented_operator=operator, comment="x", grouped_declarations=["26LVAAAAAAAAAA"]
    )
    st = parsed(env.submit_dds(statement, "OPERATOR")).find(f".//{{{D}}}statement")
    assert statement_from_xml(st) == statement


def test_get_dds_limits_and_versions() -> None:
    with pytest.raises(ValueError, match="1..100"):
        env.get_dds([UUID] * 101)
    with pytest.raises(ValueError, match="1..100"):
        env.get_dds([])
    entries = parsed(env.get_sd([UUID, (UUID, 3)])).findall(f".//{{{SD}}}uuidAndVersionNumberList")
    assert [names(e) for e in entries] == [["uuid"], ["uuid", "versionNumber"]]


def test_numbers_are_plain_decimals(make_statement: StatementFactory) -> None:
    statement = make_statement(volume_m3=1e-7 + 100, net_weight_kg=Decimal("1E+3"))
    measure: Any = parsed(env.submit_dds(statement, "OPERATOR")).find(f".//{{{C}}}goodsMeasure")
    assert measure.findtext(f"{{{C}}}supplementaryUnit") == "100"
    assert measure.findtext(f"{{{C}}}netWeight") == "1000"


def test_envelope_uses_the_given_time() -> None:
    now = datetime(2026, 5, 20, 9, 52, 32, 345000, tzinfo=UTC)
    root = etree.fromstring(env.build_envelope(env.withdraw_dds(UUID), CREDS, now=now))
    assert "2026-05-20T09:52:32.345Z" in etree.tostring(root).decode()
