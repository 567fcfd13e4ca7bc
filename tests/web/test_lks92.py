"""The Transverse Mercator formula of web/static/js/lks92.js against pyproj (EPSG:4326 → 3059)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from pyproj import Transformer

from geoservice.settings import ROOT

MODULE = ROOT / "web" / "static" / "js" / "lks92.js"
# Riga, Jumurda, and the corners of Latvia's extent (the west is 3° from the central meridian).
POINTS = [(56.9496, 24.1052), (56.93, 26.17), (55.67, 20.97), (58.08, 28.24), (57.5, 21.0),
          (55.8, 27.9)]


def run_node(script: str) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                          text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def test_forward_formula_matches_pyproj_to_a_centimetre() -> None:
    script = (f"import {{ toLks92 }} from '{MODULE.as_uri()}';"
              f"console.log(JSON.stringify({json.dumps(POINTS)}.map(([a, b]) => toLks92(a, b))));")
    computed = run_node(script)
    to_lks = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
    assert isinstance(computed, list)
    for (lat, lon), (x, y) in zip(POINTS, computed, strict=True):
        ex, ey = to_lks.transform(lon, lat)
        assert abs(x - ex) < 0.01 and abs(y - ey) < 0.01, (lat, lon, x - ex, y - ey)
        assert 300_000 < x < 800_000 and 150_000 < y < 460_000  # the false northing is applied


def test_area_in_hectares_matches_the_lks92_area() -> None:
    to_wgs = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)
    x, y, side = 610_900.0, 308_950.0, 100.0
    ring = [to_wgs.transform(px, py)[::-1] for px, py in
            ((x, y), (x + side, y), (x + side, y + side), (x, y + side))]
    hole = [to_wgs.transform(px, py)[::-1] for px, py in
            ((x + 10, y + 10), (x + 20, y + 10), (x + 20, y + 20), (x + 10, y + 20))]
    script = (f"import {{ polygonAreaHa }} from '{MODULE.as_uri()}';"
              f"console.log(JSON.stringify(polygonAreaHa({json.dumps([ring, hole])})));")
    assert run_node(script) == pytest.approx(1.0 - 0.01, abs=1e-5)
