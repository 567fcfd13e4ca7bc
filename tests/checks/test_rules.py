"""The rules on hand-made facts: thresholds, permits by purpose, validity, missing data."""

from __future__ import annotations

from datetime import date

import shapely

from geoservice.checks.model import AreaFacts, CertificateFacts, Cover, Overlap, Thresholds
from geoservice.checks.rules import evaluate
from geoservice.layers.registry import CurrentLayer

TH = Thresholds(sliver_ha=0.05, sliver_percent=1.0, min_forest_2020_percent=50.0)
TODAY = date(2026, 11, 22)
LAYERS = [
    CurrentLayer("forest", "Forest 2020", "forest_2020", "raster", 1, "/x.tif", None),
    CurrentLayer("blocks", "Blocks", "agriculture", "vector", 3, None, None),
    CurrentLayer("permits", "Permits", "deforestation_permit", "vector", 1, None, None),
    CurrentLayer("natura", "Natura", "protected_area", "vector", 2, None, None),
]
SQUARE = shapely.box(0, 0, 200, 100)  # 2 ha


def _cert(**kw: object) -> CertificateFacts:
    values: dict[str, object] = dict(id="c", organisation_id="o", ca_number="1", version=1,
                                     issued_on=date(2026, 1, 1), valid_until=date(2028, 12, 31),
                                     felling_from=None, felling_to=None)
    values.update(kw)
    return CertificateFacts(**values)  # type: ignore[arg-type]


def _area(overlaps: list[Overlap] | None = None, forest_m2: float = 20_000.0,
          nodata_m2: float = 0.0, felling_type: str = "galvena") -> AreaFacts:
    area = AreaFacts("a", "c", 1, felling_type, SQUARE.area, SQUARE, overlaps=overlaps or [])
    area.forest = LAYERS[0]
    area.cover = Cover(forest_m2, SQUARE.area - forest_m2 - nodata_m2, nodata_m2)
    return area


def _rules(findings: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f.rule, f.severity) for f in findings}


def test_clear_area_has_only_the_forest_share_info() -> None:
    found = evaluate(_cert(), [_area()], LAYERS, TH, TODAY)
    assert _rules(found) == {("not_forest_2020", "info")}
    assert found[0].overlap_percent == 100.0


def test_slivers_are_ignored_only_when_below_both_limits() -> None:
    tiny = shapely.box(0, 0, 4, 10)  # 0.004 ha, 0.2 %: noise
    small_share = shapely.box(0, 0, 30, 30)  # 0.09 ha but 4.5 %: evidence
    for geom, expected in ((tiny, set()), (small_share, {("protected_area", "flag")})):
        overlap = Overlap("natura", 2, "protected_area", "", geom.area, geom, ["N1"])
        found = _rules(evaluate(_cert(), [_area([overlap])], LAYERS, TH, TODAY))
        assert found - {("not_forest_2020", "info")} == expected


def test_permits_block_only_for_agriculture() -> None:
    def permit(category: str) -> set[tuple[str, str]]:
        ov = Overlap("permits", 1, "deforestation_permit", category, SQUARE.area, SQUARE, ["P"])
        return _rules(evaluate(_cert(), [_area([ov])], LAYERS, TH, TODAY))

    assert ("deforestation_permit", "block") in permit("agriculture")
    assert ("deforestation_permit", "flag") in permit("unknown")
    assert ("deforestation_permit", "info") in permit("construction")


def test_agriculture_on_2020_forest_flags_with_the_forest_part() -> None:
    ov = Overlap("blocks", 3, "agriculture", "", 10_000.0, shapely.box(0, 0, 100, 100), ["B1"])
    area = _area([ov])
    area.agri_cover["blocks:"] = Cover(6_000.0, 4_000.0, 0.0)
    found = [f for f in evaluate(_cert(), [area], LAYERS, TH, TODAY)
             if f.rule == "forest_to_agriculture"]
    assert len(found) == 1
    assert (found[0].overlap_ha, found[0].overlap_percent) == (0.6, 30.0)
    assert (found[0].layer_id, found[0].layer_version) == ("blocks", 3)
    assert "0.60 ha" in found[0].message_en and "0,60 ha" in found[0].message_lv  # lv: comma


def test_deforestation_felling_blocks_and_little_2020_forest_flags() -> None:
    found = _rules(evaluate(_cert(), [_area(felling_type="atmezosanas", forest_m2=5_000.0)],
                            LAYERS, TH, TODAY))
    assert {("deforestation_felling", "block"), ("not_forest_2020", "flag")} <= found


def test_missing_layer_or_pixels_are_never_clear() -> None:
    no_permits = [lay for lay in LAYERS if lay.role != "deforestation_permit"]
    found = evaluate(_cert(), [_area()], no_permits, TH, TODAY)
    assert any(f.rule == "no_layer_data" and f.details["role"] == "deforestation_permit"
               for f in found)
    gaps = _rules(evaluate(_cert(), [_area(forest_m2=10_000.0, nodata_m2=10_000.0)], LAYERS,
                           TH, TODAY))
    assert ("no_layer_data", "flag") in gaps and ("not_forest_2020", "flag") not in gaps


def test_certificate_validity() -> None:
    expired = _cert(issued_on=date(2022, 1, 1), valid_until=date(2024, 12, 31))
    assert ("certificate_validity", "flag") in _rules(evaluate(expired, [_area()], LAYERS, TH,
                                                               TODAY))
    outside = _cert(felling_from=date(2025, 12, 1), felling_to=date(2026, 3, 1))
    found = evaluate(outside, [_area()], LAYERS, TH, TODAY)
    validity = [f for f in found if f.rule == "certificate_validity"]
    assert len(validity) == 1 and validity[0].area_id is None
