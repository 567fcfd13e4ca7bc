"""Each designed certificate really meets, in the demo layers, what its verdict needs."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

from geoservice.certificates.model import Certificate
from geoservice.demo import region
from geoservice.vmd.simulator import VmdSimulator, designed
from geoservice.vmd.stands import all_stands

from . import oracle
from .conftest import Generated


@pytest.fixture(scope="module")
def layers_data(layers: Generated) -> oracle.Layers:
    return oracle.load(str(layers.directory))


def _cert(number: str) -> Certificate:
    return VmdSimulator().fetch(number)


def _geometry(number: str, cirsma: int = 1) -> shapely.Geometry:
    return shapely.make_valid(_cert(number).areas[cirsma - 1].geometry)


@pytest.mark.parametrize("case", designed(), ids=lambda c: c.ca_number)
def test_reference_checker_finds_exactly_the_designed_rules(
    layers_data: oracle.Layers, case: object
) -> None:
    number, verdict, rules, _ = case  # type: ignore[misc]
    found = oracle.rules(_cert(number), layers_data)
    assert found == set(rules)
    assert oracle.verdict(found) == verdict


def test_clear_certificates_have_no_overlap_above_sliver_size(layers_data: oracle.Layers) -> None:
    for case in designed():
        if case.verdict != "clear":
            continue
        for area in _cert(case.ca_number).areas:
            geometry = shapely.make_valid(area.geometry)
            for layer in (layers_data.blocks, layers_data.fields, layers_data.permits,
                          layers_data.protected):
                ha, share = oracle.overlap(geometry, layer)
                assert ha < 0.05 and share < 0.01, case.ca_number
            assert layers_data.forest_share(geometry) == 1.0


def test_sliver_is_real_but_below_both_thresholds(layers_data: oracle.Layers) -> None:
    ha, share = oracle.overlap(_geometry(region.SLIVER), layers_data.blocks)
    assert 0.003 < ha < 0.05
    assert 0.0 < share < 0.01


@pytest.mark.parametrize("number", [region.FLAGGED_NEW_BLOCK, region.FLAGGED_GROWN_BLOCK])
def test_flagged_areas_overlap_fields_that_were_forest_in_2020(
    layers_data: oracle.Layers, number: str
) -> None:
    geometry = _geometry(number, 1)
    for layer in (layers_data.blocks, layers_data.fields):
        ha, share = oracle.overlap(geometry, layer)
        assert ha > 0.05 and share > 0.01
        common = shapely.intersection(geometry, shapely.union_all(layer.geometry.values))
        assert layers_data.forest_share(common) >= 0.9


def test_the_new_block_dates_from_after_the_cut_off(layers_data: oracle.Layers) -> None:
    geometry = _geometry(region.FLAGGED_NEW_BLOCK)
    touching = layers_data.blocks[layers_data.blocks.intersects(geometry)]
    assert len(touching) == 1
    assert touching.VALID_FROM.iloc[0] > "2020-12-31"


def test_second_area_of_the_grown_block_certificate_is_clean(layers_data: oracle.Layers) -> None:
    geometry = _geometry(region.FLAGGED_GROWN_BLOCK, 2)
    for layer in (layers_data.blocks, layers_data.fields):
        assert oracle.overlap(geometry, layer)[0] < 0.05


def test_permits_block_only_conversion_to_agriculture(layers_data: oracle.Layers) -> None:
    permits = layers_data.permits
    farming = _geometry(region.BLOCKED_PERMIT)
    building = _geometry(region.DEFORESTATION_FELLING)
    agriculture = permits[permits.purpose == "agriculture"]
    construction = permits[permits.purpose == "construction"]
    assert oracle.overlap(farming, agriculture)[1] > 0.9
    assert oracle.overlap(building, construction)[1] > 0.99
    assert oracle.overlap(building, agriculture)[0] == 0
    assert _cert(region.DEFORESTATION_FELLING).areas[0].felling_type == "atmezosanas"
    assert layers_data.forest_share(farming) == 1.0


def test_protected_certificate_lies_in_a_natura_2000_site(layers_data: oracle.Layers) -> None:
    natura = layers_data.protected[layers_data.protected.natura2000.astype(bool)]
    assert oracle.overlap(_geometry(region.PROTECTED), natura)[1] > 0.99
    others = [n for n in VmdSimulator().numbers() if n != region.PROTECTED]
    for number in others:
        for area in _cert(number).areas:
            geometry = shapely.make_valid(area.geometry)
            assert oracle.overlap(geometry, layers_data.protected)[0] == 0


def test_not_forest_certificate_is_mostly_on_non_forest(layers_data: oracle.Layers) -> None:
    geometry = _geometry(region.NOT_FOREST)
    assert 0.1 < layers_data.forest_share(geometry) < 0.35
    assert oracle.overlap(geometry, layers_data.blocks)[0] == 0


def test_no_data_certificate_sticks_out_of_the_coverage(layers_data: oracle.Layers) -> None:
    geometry = _geometry(region.NO_DATA)
    inside = shapely.intersection(geometry, box(*layers_data.extent))
    assert 0.2 < inside.area / geometry.area < 0.9
    values = layers_data.pixels(geometry)
    assert (values == 255).any() and (values == oracle.OUTSIDE).any()
    assert set(values[values <= 1].tolist()) == {1}  # what is covered was forest


def test_areas_lie_in_the_parcel_they_name(layers: Generated) -> None:
    parcels = layers.read("land_use_cadastre.gpkg")
    assert parcels.CODE.is_unique and set(parcels.PURPOSE) <= {"0101", "0201", "0202"}
    assert parcels.geometry.union_all().area == pytest.approx(parcels.area.sum(), rel=1e-6)
    for number in VmdSimulator().numbers():
        for area in _cert(number).areas:
            geometry = shapely.intersection(
                shapely.make_valid(area.geometry), box(*region.EXTENT))
            shares = parcels.intersection(geometry).area / geometry.area
            assert parcels.CODE[shares.idxmax()] == area.cadastral_designation
            assert shares.max() > 0.99


def test_compartment_layer_holds_every_certificate_stand(layers: Generated) -> None:
    stands = layers.read("forest_compartments.gpkg")
    keys = set(stands.kadastrs + ":" + stands.kvart + ":" + stands.nog)
    assert keys == set(all_stands())
    assert (stands.avots != "demo").sum() == 28  # the real register stands
    for number in VmdSimulator().numbers():
        for a in _cert(number).areas:
            for nog in a.compartment.split(","):
                assert f"{a.cadastral_designation}:{a.quarter}:{nog}" in keys
