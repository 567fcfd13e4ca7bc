"""One contract for the Rural Support Service's WFS and its local stand-in.

Runs against the stand-in always, and against the real server when ``GEOSERVICE_LAD_WFS_URL``
is set (the build machines cannot reach it): what the harvester relies on must hold for both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from geoservice.layers import gml
from geoservice.layers.fetch.simulator import from_sample
from geoservice.layers.sources import lonlat_to_3059
from tests.layers.conftest import LAD_SAMPLE

TYPE = "LAD:Lauki"
LATVIA = lonlat_to_3059((20.9, 55.6, 28.3, 58.1))


@pytest.fixture(params=["stand-in", "lad"])
def wfs_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "lad":
        url = os.environ.get("GEOSERVICE_LAD_WFS_URL")
        if not url:
            pytest.skip("GEOSERVICE_LAD_WFS_URL is not set: the real LAD WFS is not reachable "
                        "from here")
        yield url
        return
    with from_sample(LAD_SAMPLE).serve() as url:
        yield url


def _get(url: str, **params: object) -> requests.Response:
    base = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": TYPE,
            "srsName": "urn:ogc:def:crs:EPSG::3059"}
    return requests.get(url, params={**base, **params}, timeout=60)


def test_capabilities_name_the_type_with_a_bounding_box(wfs_url: str) -> None:
    caps = requests.get(wfs_url, params={"service": "WFS", "version": "2.0.0",
                                         "request": "GetCapabilities"}, timeout=60)
    assert caps.status_code == 200 and b"WFS_Capabilities" in caps.content
    assert b"Lauki" in caps.content and b"WGS84BoundingBox" in caps.content


def test_pages_are_disjoint_and_in_latvia_with_northing_first(wfs_url: str) -> None:
    first = gml.parse(_get(wfs_url, startIndex=0, count=5).content)
    second = gml.parse(_get(wfs_url, startIndex=5, count=5).content)
    assert first.members == second.members == 5
    ids = {f.source_id for f in first.features}
    assert len(ids) == 5 and not ids & {f.source_id for f in second.features}
    for feature in first.features + second.features:  # parse put easting first: in Latvia
        x0, y0, x1, y1 = feature.geometry.bounds
        assert LATVIA[0] <= x0 and x1 <= LATVIA[2] and LATVIA[1] <= y0 and y1 <= LATVIA[3]
        assert {"PARCEL_ID", "PRODUCT_CODE", "AREA_DECLARED"} <= set(feature.attrs)


def test_hits_give_a_number_or_unknown(wfs_url: str) -> None:
    hits = _get(wfs_url, resultType="hits")
    assert hits.status_code == 200
    matched = hits.text.split('numberMatched="')[1].split('"')[0]
    assert matched == "unknown" or matched.isdigit()


def test_an_unknown_type_is_an_exception_report(wfs_url: str) -> None:
    answer = _get(wfs_url, typeNames="LAD:NoSuchType", count=1)
    with pytest.raises(gml.PageError, match="the server refused"):
        gml.parse(answer.content)
