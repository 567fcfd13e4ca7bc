"""Our own OGC API Features and WFS 2.0, served by uvicorn, harvested by ``layers fetch``.

Two real servers of the protocols the national sources speak: paging by ``next`` links (OGC
API) and by ``startIndex`` (WFS), EPSG:3059 in its authority axis order, declared extents.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import shapely
from sqlalchemy import Engine, text

from geoservice.db.disposable import disposable_database
from geoservice.layers.fetch.http import Client
from geoservice.layers.fetch.request import FetchRequest, execute
from geoservice.settings import DatabaseSettings, Settings
from tests.conftest import _admin_url
from tests.ogc.conftest import World, blocks


@pytest.fixture(scope="module")
def target_db() -> Iterator[tuple[str, Engine]]:
    with disposable_database(_admin_url(), "geoservice_harvest") as created:
        yield created


def _client(world: World) -> Client:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {world.a['owner'].token}"
    return Client(timeout=10, retries=1, backoff=0.01, session=session)


def _harvested(engine: Engine, layer_id: str) -> list[shapely.Geometry]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ST_AsBinary(geom) FROM layer_features "
                                 "WHERE layer_id = :l ORDER BY source_id"),
                            {"l": layer_id}).scalars().all()
    return [shapely.from_wkb(bytes(r)) for r in rows]


@pytest.mark.parametrize(("protocol", "crs", "tolerance"), [
    ("oapif", "EPSG:3059", 0.01), ("wfs", "EPSG:3059", 0.01), ("wfs", "EPSG:4326", 0.05)])
def test_harvests_our_own_servers_page_by_page(
    protocol: str, crs: str, tolerance: float, live_url: str, world: World,
    target_db: tuple[str, Engine],
) -> None:
    url_db, engine = target_db
    settings = Settings(database=DatabaseSettings(url=url_db))
    title = f"Harvested {protocol} {crs} {world.layer_id}"
    request = (FetchRequest(protocol="oapif", location=f"{live_url}/ogc", role="agriculture",
                            title=title, collection=world.layer_id, page_size=4)
               if protocol == "oapif" else
               FetchRequest(protocol="wfs", location=f"{live_url}/wfs", role="agriculture",
                            title=title, type_name=f"gs:{world.layer_id}", page_size=4,
                            crs=crs))
    done = execute(engine, settings, request, client=_client(world))
    assert done.version == 1
    expected = sorted((g for g, _ in blocks()), key=lambda g: g.bounds)
    got = sorted(_harvested(engine, done.layer_id), key=lambda g: g.bounds)
    assert len(got) == 6
    for a, b in zip(got, expected, strict=True):  # after two axis swaps (and a reprojection)
        assert shapely.hausdorff_distance(a, b) < tolerance
    with engine.connect() as conn:
        v = conn.execute(text("SELECT coverage_source, ST_AsBinary(extent) AS box, state "
                              "FROM layer_versions WHERE layer_id = :l"),
                         {"l": done.layer_id}).one()
    assert v.coverage_source == "declared by the source" and v.state == "ready"
    assert shapely.from_wkb(bytes(v.box)).covers(shapely.union_all(expected))
    again = execute(engine, settings, request, client=_client(world))
    assert again.version is None and "unchanged" in again.summary
