"""``python -m bench.gis``: the GIS interfaces on 100 000 felling areas and 300 000 field blocks.

In one run, against one benchmark database (created in the private cluster, dropped at the end):

* OGC API Features items (``limit=1000``, GeoJSON, the same bbox/offset sequence): geoservice
  vs tipg vs pygeoapi's PostgreSQL provider, median and p95;
* the whole felling-area collection streamed from ``/download/felling_areas.geojson``:
  target ≥ 20 000 features/s;
* WFS 2.0 GetFeature of 10 000 features as GML 3.2: target not slower than MapServer 8;
* MVT tiles z12–z14 of the agricultural layer (≥ 200 tiles holding data): target p95 ≤ 50 ms.

Each server is its own process on 127.0.0.1; tipg and pygeoapi run from ``var/bench-venv``.
``--areas``/``--blocks`` shrink the data for a quick try; the targets are judged either way.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from bench.gis import measure, servers
from bench.gis.database import bench_database, load_agricultural_layer, load_felling_areas

ITEMS_WARMUP, ITEMS_MEASURED = 5, 40
WFS_WARMUP, WFS_MEASURED = 1, 7
DOWNLOAD_RUNS = 3
TILES_PER_ZOOM, TILES_WARMUP = 80, 30
STREAM_TARGET, TILE_TARGET_MS = 20_000, 50.0


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min) / {five:.1f} (5 min)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--areas", type=int, default=100_000, help="felling areas to load")
    parser.add_argument("--blocks", type=int, default=300_000, help="field blocks to load")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"bench.gis on {platform.node()}: {os.cpu_count()} cores, load {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-gis-") as folder, \
            bench_database() as db:
        token, fell = load_felling_areas(db, args.areas)
        print(f"loaded {args.areas} felling areas ({fell['vertices']:.0f} vertices): generated "
              f"in {fell['generate_s']:.1f} s, COPY + index + view {fell['load_s']:.1f} s",
              flush=True)
        agri = load_agricultural_layer(db, args.blocks)
        print(f"loaded {args.blocks} field blocks ({agri['vertices']:.0f} vertices): generated "
              f"in {agri['generate_s']:.1f} s, COPY + index {agri['load_s']:.1f} s", flush=True)
        with servers.fleet(db, token, Path(folder)) as fleet:
            for name, why in fleet.missing.items():
                print(f"not compared: {name}: {why}", flush=True)
            rows, ok = _measure(db.engine, fleet, token)
    versions = ", ".join(f"{s.name} {s.version}" for s in
                         (fleet.ours, fleet.tipg, fleet.pygeoapi, fleet.mapserver) if s)
    print(f"\nGIS interfaces, {date.today().isoformat()}, {os.cpu_count()} cores, "
          f"{args.areas} felling areas, {args.blocks} field blocks; {versions}; "
          f"load at the end {_load()}; whole run {time.perf_counter() - started:.0f} s\n")
    print(_row(["measure", "geoservice", "compared with", "target", "met"]))
    print(_row(["---"] * 5))
    for row in rows:
        print(_row(row))
    for name, why in fleet.missing.items():
        print(f"\n{name} not measured: {why}")
    print(f"\ntargets {'met' if ok else 'NOT met'}", flush=True)
    return 0 if ok else 1


def _rank(mine: measure.Timings, others: list[measure.Timings]) -> str:
    if not others:
        return "—"
    best = min(t.median for t in others)
    if mine.median <= best:
        return "fastest median"
    return f"median {100 * (mine.median / best - 1):.0f} % above the fastest"


def _ms(t: measure.Timings) -> str:
    return f"{t.median:.0f} / {t.p95:.0f} ms"


def _measure(engine: Engine, fleet: servers.Fleet, token: str) -> tuple[list[list[str]], bool]:
    """Every measurement in turn; the table rows and whether every target was met."""
    ours = measure.client(token)
    rows: list[list[str]] = []
    ok = True

    # 1. OGC API Features items, limit=1000, interleaved over the servers that run.
    endpoints: list[measure.Endpoint] = [
        ("geoservice", ours, f"{fleet.ours.base}/ogc/collections/felling_areas/items?f=json")]
    if fleet.tipg:
        endpoints.append(("tipg", measure.client(),
                          f"{fleet.tipg.base}/collections/public.bench_felling_areas/items"
                          "?f=geojson"))
    if fleet.pygeoapi:
        endpoints.append(("pygeoapi", measure.client(),
                          f"{fleet.pygeoapi.base}/collections/felling_areas/items?f=json"))
    print(f"items: {ITEMS_WARMUP} warm-up + {ITEMS_MEASURED} measured requests on "
          f"{', '.join(e[0] for e in endpoints)} …", flush=True)
    items = measure.items(endpoints, ITEMS_WARMUP, ITEMS_MEASURED)
    mine = items["geoservice"]
    others = [f"{name} {_ms(t)} ({t.median / mine.median:.2f}× ours)" for name, t in items.items()
              if name != "geoservice"]
    returned = ", ".join(f"{n} {sum(t.returned) / len(t.returned):.0f}" for n, t in items.items())
    print("  median / p95: " + ", ".join(f"{n} {_ms(t)}" for n, t in items.items())
          + f"; mean features returned: {returned}", flush=True)
    rows.append([f"OGC API items, limit=1000, GeoJSON, {ITEMS_MEASURED} requests "
                 "(median / p95)", _ms(mine), "; ".join(others) or "—",
                 "none (comparison)", _rank(mine, [t for n, t in items.items()
                                                   if n != "geoservice"])])

    # 2. The whole collection streamed as GeoJSON.
    print(f"download: 1 warm-up (verified by parsing) + {DOWNLOAD_RUNS} measured …", flush=True)
    measure.download(fleet.ours, ours, verify=True)
    runs = [measure.download(fleet.ours, ours) for _ in range(DOWNLOAD_RUNS)]
    runs.sort(key=lambda r: r.rate)
    middle = runs[len(runs) // 2]
    zipped = measure.download(fleet.ours, ours, gzip=True)
    alone = measure.download_sql(engine, token)
    print("  " + ", ".join(f"{r.features} features in {r.seconds:.2f} s = {r.rate:,.0f}/s"
                           for r in runs) + f"; gzip: {zipped.rate:,.0f}/s; its SQL alone "
          f"(same cursor, no HTTP): {alone.rate:,.0f}/s", flush=True)
    met = middle.rate >= STREAM_TARGET
    ok &= met
    rows.append([f"/download/felling_areas.geojson, {middle.features} features "
                 f"({middle.megabytes:.0f} MB), median of {DOWNLOAD_RUNS}",
                 f"{middle.rate:,.0f} features/s ({middle.seconds:.1f} s)",
                 f"with gzip: {zipped.rate:,.0f} /s; its SQL alone: {alone.rate:,.0f} /s",
                 f"≥ {STREAM_TARGET:,} /s",
                 "yes" if met else "no"])

    # 3. WFS GetFeature, 10 000 features, GML 3.2.
    wfs_endpoints: list[measure.Endpoint] = [
        ("geoservice", ours, f"{fleet.ours.base}/wfs?TYPENAMES=gs:felling_areas")]
    if fleet.mapserver:
        wfs_endpoints.append(("MapServer", measure.client(),
                              f"{fleet.mapserver.base}?TYPENAMES=felling_areas"))
    print(f"WFS: {WFS_WARMUP} warm-up + {WFS_MEASURED} measured GetFeature COUNT=10000 …",
          flush=True)
    wfs = measure.wfs(wfs_endpoints, WFS_WARMUP, WFS_MEASURED)
    print("  median / p95: " + ", ".join(f"{n} {_ms(t)} ({min(t.returned)} members)"
                                         for n, t in wfs.items()), flush=True)
    mapserver = wfs.get("MapServer")
    met = mapserver is not None and wfs["geoservice"].median <= mapserver.median
    ok &= met
    rows.append(["WFS 2.0 GetFeature COUNT=10000, GML 3.2 (median / p95)",
                 _ms(wfs["geoservice"]),
                 f"MapServer {fleet.mapserver.version} (CGI): {_ms(mapserver)} "
                 f"({mapserver.median / wfs['geoservice'].median:.2f}× ours)" if mapserver and
                 fleet.mapserver else "MapServer not available",
                 "not slower than MapServer", "yes" if met else "no"])

    # 4. Vector tiles of the agricultural layer.
    sample = measure.tile_sample(engine, TILES_PER_ZOOM, seed=5)
    warm = measure.tile_sample(engine, TILES_WARMUP // 3, seed=6)
    print(f"tiles: {len(warm)} warm-up + {len(sample)} measured z12–z14 tiles …", flush=True)
    every, by_zoom, empty = measure.tiles(fleet.ours, ours, sample, warm)
    alone_tiles = measure.tiles_sql(engine, token, sample)
    zooms = ", ".join(f"z{z} {_ms(t)}" for z, t in by_zoom.items() if t.ms)
    print(f"  all {_ms(every)} (max {max(every.ms):.0f} ms), {zooms}; mean size "
          f"{sum(every.returned) / len(every.returned) / 1024:.0f} KiB; {empty} empty; "
          f"the same tiles' SQL alone: {_ms(alone_tiles)}", flush=True)
    met = every.p95 <= TILE_TARGET_MS and len(every.ms) >= 200
    ok &= met
    rows.append([f"MVT z12–z14, agricultural layer, {len(every.ms)} tiles with data "
                 "(median / p95)", _ms(every), f"{zooms}; SQL alone {_ms(alone_tiles)}",
                 f"p95 ≤ {TILE_TARGET_MS:.0f} ms",
                 "yes" if met else "no"])
    return rows, ok


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
