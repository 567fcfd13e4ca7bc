"""The simulator's catalogue: realistic certificates that exercise every check rule."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import shapely

from geoservice.certificates.model import Certificate
from geoservice.certificates.species import SPECIES
from geoservice.vmd.catalogue import CA_NUMBER_PATTERN, CASES
from geoservice.vmd.errors import VmdUnavailable
from geoservice.vmd.simulator import VmdSimulator, designed, main_list
from geoservice.vmd.stands import made_up_stands, real_stands

RULES = {
    "forest_to_agriculture", "deforestation_permit", "deforestation_felling",
    "not_forest_2020", "protected_area", "certificate_validity", "no_layer_data",
}


def test_designed_cases_cover_every_rule_and_verdict() -> None:
    cases = designed()
    assert 12 <= len(cases) <= 20
    assert {rule for c in cases for rule in c.rules} == RULES
    assert {c.verdict for c in cases} == {"clear", "flagged", "blocked"}
    for c in cases:
        blocking = {"deforestation_permit", "deforestation_felling"} & set(c.rules)
        expected = "blocked" if blocking else "flagged" if c.rules else "clear"
        assert c.verdict == expected, c.ca_number
        assert c.description and "\n" not in c.description
    assert len({c.ca_number for c in cases}) == len(cases)


def test_numbers_follow_the_documented_format(certificates: list[Certificate]) -> None:
    for c in certificates:
        assert re.match(CA_NUMBER_PATTERN, c.ca_number)
        assert c.ca_number[:2] == f"{c.issued_on.year % 100:02d}"


def test_validity_follows_the_law_unless_vmd_set_less(certificates: list[Certificate]) -> None:
    for c in certificates:
        assert date(2024, 1, 1) <= c.issued_on <= date(2026, 11, 22)
        years = 2 if c.areas[0].felling_type == "sanitara" else 3
        legal_end = date(c.issued_on.year + years, 12, 31)
        assert c.valid_until <= legal_end
        if c.valid_until != legal_end:
            assert "certificate_validity" in next(
                d.rules for d in designed() if d.ca_number == c.ca_number
            )
    still_valid = [c for c in certificates if c.valid_until > date(2026, 11, 22)]
    assert len(still_valid) == len(certificates) - 1
    assert min(c.valid_until for c in still_valid) >= date(2027, 12, 31)


def test_certificates_have_one_two_and_three_areas(certificates: list[Certificate]) -> None:
    assert {len(c.areas) for c in certificates} == {1, 2, 3}
    for c in certificates:
        assert len({a.felling_type for a in c.areas}) == 1  # one felling type per certificate


def test_areas_are_realistic(certificates: list[Certificate]) -> None:
    areas = [a for c in certificates for a in c.areas]
    assert any(a.area_ha and a.area_ha > 4 for a in areas)
    for a in areas:
        assert a.area_ha is not None and 0.3 <= a.area_ha <= 6.0
        assert a.cadastral_designation.startswith("7060")
        assert a.area_ha == pytest.approx(shapely.make_valid(a.geometry).area / 1e4, abs=0.01)
        per_ha = sum(v.m3 for v in a.volumes) / (shapely.make_valid(a.geometry).area / 1e4)
        if a.execution_method == "kailcirte":
            assert 150 <= per_ha <= 350.5, (a.cadastral_designation, per_ha)
        else:
            assert 10 <= per_ha < 150
        assert all(v.species_code in SPECIES and v.planned_m3 == v.m3 for v in a.volumes)
        assert [p.hs_code for p in a.products] == ["4403", "4401"]


def test_volumes_follow_the_stand_composition(certificates: list[Certificate]) -> None:
    stands = {**real_stands(), **made_up_stands()}
    for c in certificates:
        for a in c.areas:
            keys = [f"{a.cadastral_designation}:{a.quarter}:{n}" for n in a.compartment.split(",")]
            species = {e.species_code for k in keys for e in stands[k].elements}
            assert {v.species_code for v in a.volumes} == species


def test_made_up_stands_have_irregular_realistic_shapes() -> None:
    for stand in made_up_stands().values():
        vertices = len(stand.geometry.exterior.coords) - 1
        assert 20 <= vertices <= 80
        assert 0.3 <= stand.geometry.area / 1e4 <= 6.0
        assert stand.geometry.is_valid
        hull = stand.geometry.convex_hull.area
        assert stand.geometry.area < 0.998 * hull  # has concave bays, not an ellipse


def test_one_area_is_a_bowtie_that_make_valid_repairs(certificates: list[Certificate]) -> None:
    invalid = [a for c in certificates for a in c.areas if not a.geometry.is_valid]
    assert len(invalid) == 1
    reason = shapely.is_valid_reason(invalid[0].geometry)
    assert reason.startswith("Self-intersection")
    repaired = shapely.make_valid(invalid[0].geometry)
    assert repaired.is_valid
    assert invalid[0].area_ha is not None
    change = abs(repaired.area / 1e4 - invalid[0].area_ha) / invalid[0].area_ha
    assert 0 < change < 0.01


def test_fetch_can_be_made_to_fail_a_number_of_times() -> None:
    simulator = VmdSimulator(fail_with=VmdUnavailable("restart"), fail_times=2)
    for _ in range(2):
        with pytest.raises(VmdUnavailable):
            simulator.fetch(CASES[0].ca_number)
    assert simulator.fetch(CASES[0].ca_number).ca_number == CASES[0].ca_number
    assert simulator.calls == 3


def test_main_list_prints_a_table_of_every_case() -> None:
    out = io.StringIO()
    main_list(out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["CA", "number", "verdict"]
    assert len(lines) == len(CASES) + 1
    for case, line in zip(CASES, lines[1:], strict=True):
        assert line.startswith(case.ca_number + "  ")
        assert case.verdict in line and (",".join(case.rules) or "-") in line
    # columns are aligned: every verdict starts in the same column
    assert len({line.find(c.verdict) for c, line in zip(CASES, lines[1:], strict=True)}) == 1
