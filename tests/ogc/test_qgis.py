"""QGIS 3.22 (Debian's python3-qgis, headless) reads our WFS and OGC API Features layers.

QGIS runs under Debian's own /usr/bin/python3 in a subprocess (``qgis_client.py``) with
``QT_QPA_PLATFORM=offscreen``; the bearer token reaches every request through QGIS's network
request preprocessor. Counts, attributes and coordinates must agree with the API's GeoJSON.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pyproj
import pytest

from tests.ogc.conftest import World

QGIS_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).with_name("qgis_client.py")
TO_LKS = pyproj.Transformer.from_crs(4326, 3059, always_xy=True)
KEYS = {"felling_areas": "cirsma", "findings": "rule"}


def _qgis(tmp: Path, token: str, layers: list[list[str]]) -> dict[str, Any]:
    config = tmp / "qgis.json"
    config.write_text(json.dumps({"token": token, "layers": layers}))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp),
           "XDG_RUNTIME_DIR": str(tmp)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([QGIS_PYTHON, str(CLIENT), str(config)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _api(live_url: str, token: str, cid: str) -> list[dict[str, Any]]:
    exact = {"limit": "1000", "coordinate-precision": "9"}
    response = httpx.get(f"{live_url}/ogc/collections/{cid}/items", params=exact,
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["features"]  # type: ignore[no-any-return]


def _firsts(features: list[dict[str, Any]], lks: bool) -> list[tuple[float, float]]:
    out = []
    for f in features:
        lon, lat = f["geometry"]["coordinates"][0][0][0][:2]
        x, y = TO_LKS.transform(lon, lat) if lks else (lon, lat)
        out.append((x, y))
    return sorted(out)


def test_qgis_reads_wfs_and_ogc_api_in_3059_and_4326(live_url: str, world: World,
                                                      tmp_path: Path) -> None:
    if not Path("/usr/lib/python3/dist-packages/qgis").exists():
        pytest.fail("python3-qgis is missing: run scripts/system-deps.sh test")
    token = world.a["owner"].token
    layers = []
    for cid in ("felling_areas", "findings", world.layer_id):
        for srs in ("EPSG:3059", "EPSG:4326"):
            layers.append([f"wfs {cid} {srs}", "WFS",
                           f"url='{live_url}/wfs' typename='gs:{cid}' version='2.0.0' "
                           f"srsname='{srs}' pagingEnabled='true' pageSize='2' "
                           "restrictToRequestBBOX='0'"])
        layers.append([f"oapif {cid}", "OAPIF",
                       f"url='{live_url}/ogc' typename='{cid}' pageSize='2'"])
    read = _qgis(tmp_path, token, layers)
    for cid in ("felling_areas", "findings", world.layer_id):
        reference = _api(live_url, token, cid)
        key = KEYS.get(cid, "BLOCK_NUMBER")
        expected_keys = sorted(str(f["properties"][key]) for f in reference)
        for name, lks in ((f"wfs {cid} EPSG:3059", True), (f"wfs {cid} EPSG:4326", False),
                          (f"oapif {cid}", False)):
            layer = read[name]
            assert layer["valid"], (name, layer.get("error"))
            assert layer["crs"] == ("EPSG:3059" if lks else "EPSG:4326"), name
            assert len(layer["features"]) == len(reference), name
            got_keys = sorted(str(f["attributes"][key]) for f in layer["features"])
            assert got_keys == expected_keys, name
            # OGC API items have 6 decimals in degrees by default: within half a unit of them.
            tolerance = 0.01 if lks else 5.1e-7 if name.startswith("oapif") else 1e-7
            for (x1, y1), (x2, y2) in zip(sorted(tuple(f["first"]) for f in layer["features"]),
                                          _firsts(reference, lks), strict=True):
                assert abs(x1 - x2) < tolerance and abs(y1 - y2) < tolerance, (name, x1, x2)
        by_key = {str(f["properties"][key]): f["properties"] for f in reference}
        for f in read[f"wfs {cid} EPSG:3059"]["features"]:
            mine = by_key[str(f["attributes"][key])]
            for field, value in mine.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert f["attributes"][field] == pytest.approx(value), (cid, field)
                elif isinstance(value, str) and field in f["attributes"]:
                    assert str(f["attributes"][field])[:10] == value[:10], (cid, field)
