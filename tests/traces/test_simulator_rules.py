"""The documented business rules, as the simulator answers them through the client."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from geoservice.traces import errors as err
from geoservice.traces.client import TracesClient
from geoservice.traces.geojson import encode_geojson
from geoservice.traces.model import Producer, RepresentedOperator, SpeciesInfo, Statement
from geoservice.traces.rules import check_statement
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import SimulatorTransport

KEY = "sim-key"
Factory = Callable[..., Statement]


def codes_of(client: TracesClient, statement: Statement, role: str = "OPERATOR") -> list[str]:
    with pytest.raises(err.BusinessRulesError) as caught:
        client.submit_dds(statement, role)  # type: ignore[arg-type]
    assert all("-" in e.id and "_" not in e.id for e in caught.value.error_ids)
    return caught.value.codes


P = "EUDR_COMMODITIES_"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"hs_heading": "1234"}, [f"{P}HS_CODE_INVALID"]),
        ({"volume_m3": None}, [f"{P}DESCRIPTOR_QUANTITY_MISSING"]),
        ({"volume_m3": Decimal(0)}, [f"{P}DESCRIPTOR_QUANTITY_MISSING"]),
        (
            {"supplementary_unit_qualifier": "XYZ"},
            [f"{P}DESCRIPTOR_SUPPLEMENTARY_UNIT_QUALIFIER_INVALID"],
        ),
        (
            {"percentage_estimation_or_deviation": Decimal(30)},
            [f"{P}DESCRIPTOR_PERCENTAGE_ESTIMATION_INVALID"],
        ),
        (
            {"species": [SpeciesInfo("Pinus sylvestris", "")]},
            [f"{P}SPECIES_INFORMATION_COMMON_NAME_EMPTY"],
        ),
        (
            {"species": []},
            [
                f"{P}SPECIES_INFORMATION_SCIENTIFIC_NAME_EMPTY",
                f"{P}SPECIES_INFORMATION_COMMON_NAME_EMPTY",
            ],
        ),
        ({"producers": []}, [f"{P}PRODUCER_GEO_EMPTY"]),
        ({"activity_type": "EXPORT"}, [f"{P}DESCRIPTOR_NET_MASS_EMPTY"]),
    ],
)
def test_documented_business_rules(
    client: TracesClient, make_statement: Factory, overrides: dict[str, object], expected: list[str]
) -> None:
    assert codes_of(client, make_statement(**overrides)) == expected


def test_fuel_wood_species_are_also_required_but_not_for_soya(
    client: TracesClient, make_statement: Factory
) -> None:
    assert codes_of(client, make_statement(hs_heading="440111", species=[]))[0].endswith(
        "SCIENTIFIC_NAME_EMPTY"
    )
    client.submit_dds(make_statement(hs_heading="1201", species=[], net_weight_kg=1000))


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ({"type": "LineString", "coordinates": [[24, 56], [24.1, 56.1]]}, "PRODUCER_GEO_INVALID"),
        (
            {
                "type": "Feature",
                "properties": {"Area": 5},
                "geometry": {"type": "Point", "coordinates": [24.1, 56.9]},
            },
            "PRODUCER_GEO_AREA_INVALID",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[24, 56], [24.1, 56.1], [24.1, 56], [24, 56.1], [24, 56]]],
            },
            "PRODUCER_GEO_INVALID_GEOMETRY",
        ),
        (
            {"type": "Polygon", "coordinates": [[[24, 56], [24.1, 56], [24.1, 56.1], [24, 56.1]]]},
            "PRODUCER_GEO_INVALID_GEOMETRY",
        ),
    ],
)
def test_geometry_rules(
    client: TracesClient, make_statement: Factory, geometry: dict[str, object], expected: str
) -> None:
    statement = make_statement(producers=[Producer(1, "LV", "X", geometry)])
    assert codes_of(client, statement) == [P + expected]


def test_geolocation_size_limit(
    clock: Callable[[], float], make_statement: Factory, plot_geojson: dict[str, Any]
) -> None:
    sim = TracesSimulator(
        clock=clock,
        accounts={"user": KEY},
        rate_limit=None,
        max_geo_bytes=3 * len(encode_geojson(plot_geojson)),
    )
    client = TracesClient("http://sim/tracesnt/", "user", KEY, "c", session=SimulatorTransport(sim))
    producers = [Producer(i, "LV", None, plot_geojson) for i in range(1, 5)]
    assert codes_of(client, make_statement(producers=producers)) == [
        "EUDR_MAXIMUM_GEO_SIZE_REACHED"
    ]
    client.submit_dds(make_statement(producers=producers[:3]))


def test_more_than_1000_producers_is_a_schema_error(
    client: TracesClient, make_statement: Factory, plot_geojson: dict[str, Any]
) -> None:
    with pytest.raises(err.SchemaError, match="producers"):
        client.submit_dds(
            make_statement(producers=[Producer(None, "LV", None, plot_geojson)] * 1001)
        )


def test_representative_needs_the_represented_operator(
    client: TracesClient, make_statement: Factory, operator: RepresentedOperator
) -> None:
    assert codes_of(client, make_statement(), "REPRESENTATIVE_OPERATOR") == [
        "EUDR_BEHALF_OPERATOR_NOT_PROVIDED"
    ]
    client.submit_dds(make_statement(represented_operator=operator), "REPRESENTATIVE_OPERATOR")


def test_represented_operator_without_a_street_is_refused_naming_what_is_missing(
    client: TracesClient, make_statement: Factory, operator: RepresentedOperator
) -> None:
    statement = make_statement(represented_operator=dataclasses.replace(operator, street=None))
    with pytest.raises(err.BusinessRulesError) as caught:
        client.submit_dds(statement, "REPRESENTATIVE_OPERATOR")
    assert caught.value.codes == ["EUDR_BEHALF_OPERATOR_NOT_PROVIDED"]
    assert "operatorAddress.street" in caught.value.error_ids[0].message


def test_country_of_activity_must_be_an_eu_member(
    client: TracesClient, make_statement: Factory
) -> None:
    """The schema refuses it on the wire; the shared rules name it before anything is sent."""
    statement = make_statement(country_of_activity="NO")
    with pytest.raises(err.SchemaError, match="'NO'"):
        client.submit_dds(statement)
    found = check_statement(statement, [[]], representative=False, max_geo_bytes=25_000_000)
    assert [e.code for e in found] == ["EUDR_COUNTRY_OF_ACTIVITY_INVALID"]


def test_roles_are_enforced_when_configured(
    clock: Callable[[], float], make_statement: Factory
) -> None:
    sim = TracesSimulator(
        clock=clock, accounts={"user": KEY}, rate_limit=None, roles={"user": {"OPERATOR"}}
    )
    client = TracesClient("http://sim/tracesnt/", "user", KEY, "c", session=SimulatorTransport(sim))
    with pytest.raises(err.PermissionDeniedError) as caught:
        client.submit_dds(make_statement(), "REPRESENTATIVE_OPERATOR")
    assert caught.value.code == "EUDR_WEBSERVICE_USER_ACTIVITY_NOT_ALLOWED"
