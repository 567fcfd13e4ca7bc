"""web/static/js/coords.js and lks92.js's inverse, run in node against pyproj."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyproj import Transformer

from geoservice.settings import ROOT
from tests.web.test_lks92 import POINTS, run_node

COORDS = ROOT / "web" / "static" / "js" / "coords.js"
LKS = ROOT / "web" / "static" / "js" / "lks92.js"
TO_LKS = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)


def parse(text: str, system: str) -> Any:
    script = (f"import {{ parseVertices }} from '{COORDS.as_uri()}';"
              f"const r = parseVertices({json.dumps(text)}, {json.dumps(system)});"
              "console.log(JSON.stringify(r));")
    return run_node(script)


def test_inverse_formula_matches_pyproj_to_a_centimetre() -> None:
    grid = [TO_LKS.transform(lon, lat) for lat, lon in POINTS]
    script = (f"import {{ fromLks92 }} from '{LKS.as_uri()}';"
              f"console.log(JSON.stringify({json.dumps(grid)}.map(([e, n]) => fromLks92(e, n))));")
    computed = run_node(script)
    assert isinstance(computed, list)
    for (lat, lon), (got_lat, got_lon) in zip(POINTS, computed, strict=True):
        assert abs(got_lat - lat) < 1e-7 and abs(got_lon - lon) < 1e-7, (lat, lon, got_lat, got_lon)


SQUARE = [(610_900.0, 308_950.0), (611_000.0, 308_950.0), (611_000.0, 309_050.0),
          (610_900.0, 309_050.0)]


@pytest.mark.parametrize(("system", "lines"), [
    ("lks_xy", ["X;Y", *[f"{n:.2f};{e:.2f}".replace(".", ",") for e, n in SQUARE]]),
    ("lks_xy", [f"{i + 1}\t{n:.1f}\t{e:.1f}" for i, (e, n) in enumerate(SQUARE)]),  # numbered
    ("lks_xy", [f"{int(n) // 1000} {int(n) % 1000:03d},0 {int(e) // 1000} {int(e) % 1000:03d},0"
                for e, n in SQUARE]),  # grouped as people print them
    ("lks_en", [f"{e:.1f}, {n:.1f}" for e, n in [*SQUARE, SQUARE[0]]]),  # closed by hand
])
def test_lks92_lists_in_either_order_give_the_same_hectare(system: str, lines: list[str]) -> None:
    result = parse("\n".join(lines), system)
    assert "error" not in result, result
    assert len(result["latlngs"]) == 4
    assert result["areaHa"] == pytest.approx(1.0, abs=1e-4)
    to_wgs = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(*SQUARE[0])
    assert result["latlngs"][0] == pytest.approx([lat, lon], abs=1e-7)


def test_wgs84_decimal_and_dms_forms() -> None:
    to_wgs = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)
    corners = [to_wgs.transform(e, n) for e, n in SQUARE]

    def dms(value: float, hemisphere: str) -> str:
        d = int(value)
        m = int((value - d) * 60)
        return f"{d}° {m}′ {(value - d - m / 60) * 3600:.3f}″ {hemisphere}"

    forms = {
        "comma": [f"{lat:.7f} {lon:.7f}".replace(".", ",") for lon, lat in corners],
        "point_comma": [f"{lat:.7f},{lon:.7f}" for lon, lat in corners],
        "dms_lon_first": [f"{dms(lon, 'E')}  {dms(lat, 'N')}" for lon, lat in corners],
        "dms_latvian": [f"{dms(lat, 'Z')}; {dms(lon, 'A')}" for lon, lat in corners],
    }
    for name, lines in forms.items():
        result = parse("\n".join(lines), "wgs")
        assert "error" not in result, (name, result)
        assert result["areaHa"] == pytest.approx(1.0, abs=2e-3), name


@pytest.mark.parametrize(("system", "text", "key"), [
    ("wgs", "25,82 56,91\n25,83 56,91\n25,83 56,92", "drawing.coords.swapped_wgs"),
    ("wgs", "59,437 24,745\n59,438 24,746\n59,437 24,747", "drawing.coords.outside_wgs"),
    ("lks_xy", "610900 308950\n611000 308950\n611000 309050", "drawing.coords.swapped_lks"),
    ("lks_en", "610900 6308950\n611000 6308950\n611000 6309050", "drawing.coords.false_northing"),
    ("lks_en", "10900 8950\n11000 8950\n11000 9050", "drawing.coords.outside_lks"),
    ("wgs", "56,91 25,82\n56,92 25,83", "drawing.coords.too_few"),
    ("wgs", "56,91 25,82\nbērzs\n56,92 25,83", "drawing.coords.bad_line"),
    ("wgs", "56,91,25,82", "drawing.coords.bad_line"),
    ("wgs", "", "drawing.coords.empty"),
    ("lks_en", "610900 308950\n611000 309050\n611000 308950\n610900 309050",
     "drawing.coords.crossing"),
])
def test_refusals_name_the_reason(system: str, text: str, key: str) -> None:
    result = parse(text, system)
    assert result.get("error", {}).get("key") == key, result
