"""Harvesting a WFS 2.0 server that pages and swaps axes like the Rural Support Service's."""

from __future__ import annotations

import json
import secrets

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine, text

from geoservice.errors import GeoserviceError, ValidationFailed
from geoservice.layers.fetch.request import FetchRequest, execute
from geoservice.layers.fetch.simulator import LadWfs
from geoservice.settings import Settings
from tests.layers.conftest import SHARED


def _request(url: str, title: str, **extra: object) -> FetchRequest:
    return FetchRequest(protocol="wfs", location=url, role="agriculture", title=title,
                        type_name="LAD:Lauki", page_size=30, **extra)  # type: ignore[arg-type]


def _versions(engine: Engine, title: str) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT v.version, v.state, v.feature_count FROM layer_versions v JOIN layers l "
            "ON l.id = v.layer_id WHERE l.title = :t ORDER BY v.version"), {"t": title})]


def _title() -> str:
    return f"LAD lauki {secrets.token_hex(3)}"


def test_harvests_every_page_with_the_axes_right(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    with lad.serve() as url:
        done = execute(engine, fetch_settings, _request(url, title))
    starts = [int(q["startindex"]) for q in lad.requests if q.get("request") == "GetFeature"
              and "startindex" in q]
    assert starts == [0, 30, 60, 90]  # four pages: 30, 30, 30 and a short one of 10
    assert done.version == 1 and _versions(engine, title) == [(1, "ready", 100)]
    derived = json.loads((SHARED / "lad_lauki_2024_sample100_lks92.geojson").read_text())
    expected = {f["properties"]["PARCEL_ID"]: shape(f["geometry"]) for f in derived["features"]}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT (attrs->>'PARCEL_ID')::bigint AS parcel, ST_AsBinary(geom) AS wkb, source_id "
            "FROM layer_features WHERE layer_id = :l"), {"l": done.layer_id}).all()
        version = conn.execute(text(
            "SELECT source_url, content_hash, coverage_source, ST_XMin(extent) AS x0 "
            "FROM layer_versions WHERE layer_id = :l"), {"l": done.layer_id}).one()
        logged = conn.execute(text("SELECT outcome, features FROM layer_fetches "
                                   "WHERE layer_title = :t"), {"t": title}).all()
    assert len(rows) == 100 and rows[0].source_id.startswith("Lauki.")
    for row in rows:  # easting, northing as in the reprojected sample, to the centimetre
        got = shapely.from_wkb(row.wkb)
        assert shapely.hausdorff_distance(got, expected[row.parcel]) < 0.01
    assert version.source_url == url and len(version.content_hash) == 32
    assert version.coverage_source == "declared by the source" and version.x0 > 300_000
    assert [tuple(r) for r in logged] == [("new_version", 100)]


def test_an_unchanged_source_makes_no_new_version(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    with lad.serve() as url:
        execute(engine, fetch_settings, _request(url, title))
        again = execute(engine, fetch_settings, _request(url, title))
    assert again.version is None and "unchanged" in again.summary
    assert _versions(engine, title) == [(1, "ready", 100)]
    with engine.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome FROM layer_fetches WHERE layer_title = :t "
                                     "ORDER BY id"), {"t": title}).scalars().all()
    assert outcomes == ["new_version", "unchanged"]


@pytest.mark.parametrize("fault", ["500", "timeout", "truncated", "html"])
def test_a_passing_fault_is_retried(
    fault: str, lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    lad.fail_once[2] = fault
    lad.timeout_seconds = 3.0  # the client waits 2 s
    with lad.serve() as url:
        done = execute(engine, fetch_settings, _request(url, title))
    starts = [int(q["startindex"]) for q in lad.requests if "startindex" in q]
    assert starts == [0, 30, 30, 60, 90]  # page 2 asked twice
    assert _versions(engine, title) == [(done.version, "ready", 100)]


def test_a_refusal_names_the_page_keeps_the_old_version_and_resumes(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    with lad.serve() as url:
        execute(engine, fetch_settings, _request(url, title))
        lad.features[0].attrs = [(k, "changed" if k == "AID_FORMS" else v)
                                 for k, v in lad.features[0].attrs]
        lad.fail_always[3] = "exception"
        with pytest.raises(GeoserviceError) as failed:
            execute(engine, fetch_settings, _request(url, title))
        assert "page 3, startIndex=60" in failed.value.message
        assert "OperationProcessingFailed" in failed.value.message
        assert _versions(engine, title) == [(1, "ready", 100), (2, "harvesting", 0)]
        with engine.connect() as conn:
            current = conn.execute(text("SELECT current_version FROM layers WHERE title = :t"),
                                   {"t": title}).scalar_one()
        assert current == 1
        lad.fail_always.clear()
        lad.requests.clear()
        done = execute(engine, fetch_settings, _request(url, title))
    starts = [int(q["startindex"]) for q in lad.requests if "startindex" in q]
    assert starts == [60, 90]  # resumed after the last full page
    assert done.version == 2 and _versions(engine, title) == [(1, "ready", 100),
                                                               (2, "ready", 100)]


def test_coordinates_outside_the_crs_area_are_refused(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    lad.fail_always[1] = "out_of_bounds"  # easting, northing while claiming northing first
    with lad.serve() as url, pytest.raises(GeoserviceError) as failed:
        execute(engine, fetch_settings, _request(url, title))
    assert "outside the area of use" in failed.value.message and "page 1" in failed.value.message
    assert _versions(engine, title) == [(1, "harvesting", 0)]
    with fetch_db[1].connect() as conn:
        assert conn.execute(text("SELECT current_version FROM layers WHERE title = :t"),
                            {"t": title}).scalar_one() is None


def test_a_total_that_changes_while_paging_drops_the_harvest(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    engine, title = fetch_db[1], _title()
    lad.report_total, lad.grow_after_page = True, 2
    with lad.serve() as url, pytest.raises(GeoserviceError) as failed:
        execute(engine, fetch_settings, _request(url, title))
    assert "changed while it was being harvested" in failed.value.message
    assert "100 → 101" in failed.value.message
    assert _versions(engine, title) == []


def test_a_url_that_does_not_answer(fetch_settings: Settings,
                                    fetch_db: tuple[str, Engine]) -> None:
    engine, title = fetch_db[1], _title()
    with pytest.raises(GeoserviceError) as failed:
        execute(engine, fetch_settings, _request("http://127.0.0.1:9/wfs", title,
                                                 extent="latvia"))
    assert "no answer" in failed.value.message and "gave up after 4 attempts" in \
        failed.value.message


def test_a_filter_is_sent_as_fes_and_a_bad_one_refused(
    lad: LadWfs, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    with lad.serve() as url:
        with pytest.raises(ValidationFailed, match="not a valid CQL filter"):
            execute(fetch_db[1], fetch_settings, _request(url, _title(), where="PERIOD_CODE ="))
        lad.fail_always[1] = "exception"  # the stand-in does not filter: only the request
        with pytest.raises(GeoserviceError):
            execute(fetch_db[1], fetch_settings, _request(url, _title(),
                                                          where="PERIOD_CODE = 2024"))
    sent = next(q for q in lad.requests if "filter" in q)["filter"]
    assert "<fes:PropertyIsEqualTo>" in sent and "<fes:ValueReference>PERIOD_CODE" in sent
