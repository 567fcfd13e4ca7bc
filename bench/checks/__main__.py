"""``python -m bench.checks [--scale S]``: the land-use check at national scale, in one run.

Generates ≥ 1 000 000 compartments, ≥ 300 000 LAD-like field blocks (a coverage over 200 km ×
200 km), permits, protected areas and a 10 000 × 10 000 px forest raster (100 km × 100 km at
10 m), imports them through the product code, then measures: the batch check (all rules) in
felling areas per second; the product's vector overlay against the plain one on undivided
features (fairly planned, and as a flat join); one 3-area certificate through the API
(p50/p95); and the forest share against exactextract. ``--scale 0.1`` shrinks every count for
a quick try.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

from bench.checks import loading, synthetic
from bench.checks.database import bench_database
from geoservice.checks.forest_mask import ForestMask
from geoservice.checks.runner import check_certificates
from geoservice.checks.sql import load
from geoservice.layers.importer import import_layer
from geoservice.layers.registry import OVERLAY_ROLES, LayerMeta
from geoservice.settings import CheckSettings, DatabaseSettings, Settings, WebSettings

HERE = Path(__file__).parent
BATCH = 250


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_layers(engine: Engine, region: synthetic.Region, scale: float, folder: Path,
                 ) -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
    figures: dict[str, Any] = {}
    cell = 100.0 / np.sqrt(scale)
    _say("compartments …")
    figures["compartments"] = loading.vector_layer(
        engine, "Synthetic forest compartments", "forest_compartments",
        synthetic.compartments(region, cell, seed=1))
    _say(f"compartments: {figures['compartments']}")
    n_blocks = int(300_000 * scale)
    blocks = synthetic.field_blocks(region, n_blocks, seed=2)
    ha = shapely.area(blocks) / 10_000
    vertices = shapely.get_num_coordinates(blocks)
    figures["blocks_ha_quartiles"] = np.percentile(ha, [25, 50, 75]).round(2).tolist()
    figures["blocks_ha_range"] = [float(ha.min()), float(ha.max())]
    figures["blocks_vertices_quartiles"] = np.percentile(vertices, [25, 50, 75]).tolist()
    figures["blocks_vertices_mean"] = float(vertices.mean())
    figures["blocks_max_vertices"] = int(vertices.max())
    figures["blocks_over_100_ha"] = int((ha > 100).sum())
    figures["blocks"] = loading.vector_layer(engine, "Synthetic LAD field blocks", "agriculture",
                                             [blocks])
    local = synthetic.in_region(region, blocks)
    figures["blocks_in_raster_region"] = len(local)
    _say(f"blocks: {figures['blocks']}")
    rng = np.random.default_rng(3)
    permits = synthetic.stars(_points(region, 2000, rng), rng.uniform(30, 150, 2000), 24, rng)
    figures["permits"] = loading.vector_layer(engine, "Synthetic permits", "deforestation_permit",
                                              [permits], attrs={"purpose": "agriculture"})
    protected = synthetic.stars(_points(region, 300, rng), rng.uniform(200, 2000, 300), 256, rng)
    figures["protected"] = loading.vector_layer(engine, "Synthetic protected areas",
                                                "protected_area", [protected])
    _say("forest raster …")
    started = time.perf_counter()
    tif = synthetic.forest_raster(region, folder / "forest.tif", local, seed=4)
    generated = time.perf_counter()
    result = import_layer(engine, tif, LayerMeta("Synthetic forest 2020", "forest_2020",
                                                 "raster"), store_dir=folder / "store")
    figures["raster"] = {"pixels": int((region.size / region.pixel) ** 2),
                         "generate_s": generated - started,
                         "import_cog_s": time.perf_counter() - generated,
                         "path": result.raster_path}
    _say(f"raster: {figures['raster']}")
    return figures, local


def _points(region: synthetic.Region, n: int, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    points: np.ndarray[Any, Any] = np.c_[rng.uniform(region.x0, region.x0 + region.size, n),
                                         rng.uniform(region.y0, region.y0 + region.size, n)]
    return points


_worker_engine: Engine | None = None


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = create_engine(url, pool_size=1)


def _check_batch(batch: list[str]) -> int:
    assert _worker_engine is not None
    with _worker_engine.begin() as conn:
        return len(check_certificates(conn, batch, CheckSettings()))


def timed_batches(url: str, ids: list[str], workers: int) -> tuple[int, float]:
    """Check ``ids`` in batches of ``BATCH`` on ``workers`` processes: (checked, seconds)."""
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(url,)) as pool:
        list(pool.map(_start_noop, range(workers)))  # processes up before the clock starts
        started = time.perf_counter()
        checked = sum(pool.map(_check_batch, batches))
        return checked, time.perf_counter() - started


def batch_check(url: str, engine: Engine, workers: int) -> dict[str, float]:
    """All certificates in batches of 250, one transaction each, ``workers`` processes."""
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id::text FROM certificates ORDER BY id"))]
        areas = conn.execute(text("SELECT count(*) FROM felling_areas")).scalar_one()
    checked, seconds = timed_batches(url, ids, workers)
    return {"certificates": checked, "areas": int(areas), "seconds": seconds,
            "areas_per_s": areas / seconds, "workers": workers}


def _start_noop(_: int) -> None:
    time.sleep(0.5)


def overlay_comparison(engine: Engine, n: int, rounds: int = 3) -> dict[str, Any]:
    """The product's overlay (parts) against the plain one (whole features), same areas.

    All run warm, one process each (no parallel workers), the same way: one warm-up each on
    other areas, then ``rounds`` rounds alternating them on the same ``n`` areas; the median of
    each is the figure. ``flat`` is the plain query as a flat join, with the planner's slow plan.
    """
    names = {"parts": load("overlaps.sql"),
             "features": (HERE / "baseline_overlay.sql").read_text(),
             "features_flat": (HERE / "baseline_overlay_flat.sql").read_text()}
    with engine.connect() as conn:
        conn.execute(text("SET max_parallel_workers_per_gather = 0"))
        ids = [r[0] for r in conn.execute(text(
            "SELECT id::text FROM felling_areas ORDER BY md5(id::text) LIMIT :n"), {"n": 2 * n})]
        sample, warm = ids[:n], ids[n:]
        queries = {name: text(sql) for name, sql in names.items()}
        params = {"roles": list(OVERLAY_ROLES)}
        for query in queries.values():
            conn.execute(query, {"area_ids": warm, **params}).all()
        seconds: dict[str, list[float]] = {name: [] for name in queries}
        rows: dict[str, Any] = {}
        for _ in range(rounds):
            for name, query in queries.items():
                started = time.perf_counter()
                rows[name] = conn.execute(query, {"area_ids": sample, **params}).all()
                seconds[name].append(time.perf_counter() - started)
    found = {name: sorted((str(r.area_id), r.layer_id, round(r.overlap_m2, 1)) for r in result)
             for name, result in rows.items()}
    same = all(_same(found["parts"], found[name]) for name in ("features", "features_flat"))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    return {"areas": n, "rounds": rounds, "same_result": same, "overlaps": len(found["parts"]),
            "parts_s": median["parts"], "features_s": median["features"],
            "features_flat_s": median["features_flat"], "all_s": seconds,
            "speedup": median["features"] / median["parts"],
            "speedup_over_flat_plan": median["features_flat"] / median["parts"],
            "parts_areas_per_s": n / median["parts"],
            "features_areas_per_s": n / median["features"]}


def _same(a: list[tuple[str, str, float]], b: list[tuple[str, str, float]]) -> bool:
    return len(a) == len(b) and all(x[:2] == y[:2] and abs(x[2] - y[2]) < 1.0
                                    for x, y in zip(a, b, strict=True))


def api_latency(url: str, token: str, engine: Engine, requests: int) -> dict[str, float]:
    settings = Settings(database=DatabaseSettings(url=url, pool_size=4),
                        web=WebSettings(environment="test"))
    from geoservice.web.app import create_app

    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT id::text FROM certificates ORDER BY md5(id::text) LIMIT :n"),
            {"n": requests})]
    timings = []
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for cert_id in ids[:10]:  # warm up the pool and caches
            client.post(f"/api/v1/certificates/{cert_id}/check", headers=headers)
        for cert_id in ids:
            started = time.perf_counter()
            response = client.post(f"/api/v1/certificates/{cert_id}/check", headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    timings.sort()
    return {"requests": len(timings), "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))], "max_ms": timings[-1]}


def exactness(engine: Engine, raster_path: str, n: int) -> dict[str, float]:
    from exactextract import exact_extract

    with engine.connect() as conn:
        frame = gpd.read_postgis(text(
            "SELECT id::text AS id, geom FROM felling_areas ORDER BY md5(id::text) LIMIT :n"),
            conn, geom_col="geom", params={"n": n})
    reference = exact_extract(raster_path, frame, ["values", "coverage"], output="pandas")
    worst = 0.0
    with ForestMask(raster_path) as mask:
        pixel = mask.pixel_m2
        for i, geom in enumerate(frame.geometry):
            values = np.asarray(reference["values"][i])
            coverage = np.asarray(reference["coverage"][i])
            expected = float((coverage * (values == 1)).sum()) * pixel
            worst = max(worst, abs(mask.cover(geom).forest_m2 - expected))
    return {"areas": n, "max_abs_diff_m2": worst, "pixel_m2": pixel}


def main(argv: list[str]) -> int:
    logging.disable(logging.INFO)  # the access log of 300 API calls is not a result
    parser = argparse.ArgumentParser(prog="python -m bench.checks")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--areas", type=int, default=15_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    region = synthetic.Region()
    results: dict[str, Any] = {"scale": args.scale, "cpus": os.cpu_count(),
                               "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp, bench_database() as (url, engine):
        folder = Path(tmp)
        layers, blocks = build_layers(engine, region, args.scale, folder)
        results["layers"] = layers
        geoms = synthetic.felling_areas(region, args.areas, blocks, seed=5)
        _, token = loading.felling_areas(engine, geoms)
        _say("batch check …")
        results["batch"] = batch_check(url, engine, args.workers)
        _say(f"batch: {results['batch']}")
        results["overlay"] = overlay_comparison(engine, min(2000, args.areas // 2))
        results["batch_vs_plain_overlay"] = (results["batch"]["areas_per_s"]
                                             / results["overlay"]["features_areas_per_s"])
        _say(f"overlay: {results['overlay']}")
        results["api"] = api_latency(url, token, engine, 300)
        _say(f"api: {results['api']}")
        results["exactness"] = exactness(engine, layers["raster"]["path"], 2000)
        _say(f"exactness: {results['exactness']}")
    results["load_average_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2, default=str))
    if args.scale == 1.0 and args.areas == 15_000:  # a quick try does not replace the record
        (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
