"""``python -m bench.gis``: the GIS interfaces on 100 000 felling areas and 300 000 field blocks.

In one run, against one benchmark database (created in the private cluster, dropped at the end):

* OGC API Features items (``limit=1000``, GeoJSON, the same bbox/offset sequence): geoservice
  vs tipg vs pygeoapi's PostgreSQL provider vs QGIS Server's OGC API Features, median and p95:
  target ≥ 1.3× faster than the fastest of them;
* the whole felling-area collection streamed from ``/download/felling_areas.geojson``:
  target ≥ 20 000 features/s;
* the same collection as FlatGeobuf (``/download/felling_areas.fgb``): target ≥ 50 000
  features/s;
* WFS 2.0 GetFeature of 10 000 features as GML 3.2: target not slower than the faster of
  MapServer 8 and QGIS Server 3.22 (WFS 1.1, GML 3.1.1), both served through FastCGI
  (spawn-fcgi pools behind nginx);
* MVT tiles z12–z14 of the agricultural layer (≥ 200 tiles holding data), against tipg's tiles
  of the same rows: target p95 ≤ 30 ms and not worse than tipg's.

Each server is its own process on 127.0.0.1; tipg and pygeoapi run from ``var/bench-venv``.
``--areas``/``--blocks`` shrink the data for a quick try; the targets are judged either way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyogrio
from sqlalchemy import Engine

from bench.gis import measure, servers
from bench.gis.database import bench_database, load_agricultural_layer, load_felling_areas

ITEMS_WARMUP, ITEMS_MEASURED = 5, 40
WFS_WARMUP, WFS_MEASURED = 1, 7
DOWNLOAD_RUNS = 3
TILES_PER_ZOOM, TILES_WARMUP = 80, 30
STREAM_TARGET, TILE_TARGET_MS = 20_000, 30.0
FGB_TARGET = 50_000
ITEMS_SPEEDUP = 1.3


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
    load_at_start = _load()
    print(f"bench.gis on {platform.node()}: {os.cpu_count()} cores, load {load_at_start}",
          flush=True)
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
                         (fleet.ours, fleet.tipg, fleet.pygeoapi, fleet.mapserver, fleet.qgis)
                         if s)
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
    if args.areas == 100_000 and args.blocks == 300_000:  # full runs only
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent).stdout.strip()
        (Path(__file__).parent / "results.json").write_text(json.dumps({
            "date": date.today().isoformat(), "commit": commit, "versions": versions,
            "load_average_start": load_at_start, "load_average_end": _load(),
            "seconds": round(time.perf_counter() - started), "targets_met": ok,
            "columns": ["measure", "geoservice", "compared with", "target", "met"],
            "rows": rows}, indent=2, ensure_ascii=False) + "\n")
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
    if fleet.qgis:
        endpoints.append(("QGIS Server", measure.client(),
                          f"{fleet.qgis.base}/wfs3/collections/felling_areas/items?f=json"))
    print(f"items: {ITEMS_WARMUP} warm-up + {ITEMS_MEASURED} measured requests on "
          f"{', '.join(e[0] for e in endpoints)} …", flush=True)
    items = measure.items(endpoints, ITEMS_WARMUP, ITEMS_MEASURED)
    mine = items["geoservice"]
    others = [f"{name} {_ms(t)} ({t.median / mine.median:.2f}× ours)" for name, t in items.items()
              if name != "geoservice"]
    returned = ", ".join(f"{n} {sum(t.returned) / len(t.returned):.0f}" for n, t in items.items())
    print("  median / p95: " + ", ".join(f"{n} {_ms(t)}" for n, t in items.items())
          + f"; mean features returned: {returned}", flush=True)
    peers = [t for n, t in items.items() if n != "geoservice"]
    speedup = min(t.median for t in peers) / mine.median if peers else 0.0
    met = len(peers) == 3 and speedup >= ITEMS_SPEEDUP
    ok &= met
    rows.append([f"OGC API items, limit=1000, GeoJSON, {ITEMS_MEASURED} requests "
                 "(median / p95)", _ms(mine), "; ".join(others) or "—",
                 f"≥ {ITEMS_SPEEDUP}× faster (median) than the fastest peer",
                 f"{'yes' if met else 'no'}: {speedup:.2f}× the fastest; {_rank(mine, peers)}"])

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

    # 2b. The same collection as FlatGeobuf (GDAL through pyogrio).
    print(f"FlatGeobuf: 1 warm-up (features counted by GDAL) + {DOWNLOAD_RUNS} measured …",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-fgb-") as keep:
        path = Path(keep) / "felling_areas.fgb"
        measure.download_file(fleet.ours, ours, "fgb", keep=path)
        features = int(pyogrio.read_info(path)["features"])
    fgb = sorted(measure.download_file(fleet.ours, ours, "fgb") for _ in range(DOWNLOAD_RUNS))
    seconds, size = fgb[len(fgb) // 2]
    rate = features / seconds
    print("  " + ", ".join(f"{features / s:,.0f}/s ({s:.2f} s)" for s, _ in fgb), flush=True)
    met = rate >= FGB_TARGET
    ok &= met
    rows.append([f"/download/felling_areas.fgb (EPSG:3059, its default), {features} features "
                 f"({size / 1e6:.0f} MB), "
                 f"median of {DOWNLOAD_RUNS}", f"{rate:,.0f} features/s ({seconds:.1f} s)",
                 "—", f"≥ {FGB_TARGET:,} /s", "yes" if met else "no"])

    # 3. WFS GetFeature, 10 000 features, GML 3.2.
    wfs_endpoints: list[measure.Endpoint] = [
        ("geoservice", ours,
         f"{fleet.ours.base}/wfs?TYPENAMES=gs:felling_areas{measure.WFS2_GETFEATURE}")]
    if fleet.mapserver:
        wfs_endpoints.append(("MapServer", measure.client(),
                              f"{fleet.mapserver.base}?TYPENAMES=felling_areas"
                              f"{measure.WFS2_GETFEATURE}"))
    if fleet.qgis:
        wfs_endpoints.append(("QGIS Server", measure.client(),
                              f"{fleet.qgis.base}?TYPENAME=felling_areas"
                              f"{measure.WFS11_GETFEATURE}"))
    print(f"WFS: {WFS_WARMUP} warm-up + {WFS_MEASURED} measured GetFeature of 10000 …",
          flush=True)
    wfs = measure.wfs(wfs_endpoints, WFS_WARMUP, WFS_MEASURED)
    print("  median / p95: " + ", ".join(f"{n} {_ms(t)} ({min(t.returned)} members)"
                                         for n, t in wfs.items()), flush=True)
    wfs_peers = {n: t for n, t in wfs.items() if n != "geoservice"}
    fastest = min((t.median for t in wfs_peers.values()), default=None)
    met = len(wfs_peers) == 2 and fastest is not None and wfs["geoservice"].median <= fastest
    ok &= met
    described = []
    if "MapServer" in wfs_peers and fleet.mapserver:
        described.append(f"MapServer {fleet.mapserver.version} (WFS 2.0, GML 3.2; FastCGI, "
                         f"2 processes, nginx): {_ms(wfs_peers['MapServer'])} "
                         f"({wfs_peers['MapServer'].median / wfs['geoservice'].median:.2f}× "
                         "ours)")
    if "QGIS Server" in wfs_peers and fleet.qgis:
        described.append(f"QGIS Server {fleet.qgis.version} (WFS 1.1, GML 3.1.1: it has no "
                         f"WFS 2.0; FastCGI, 2 processes, nginx): "
                         f"{_ms(wfs_peers['QGIS Server'])} "
                         f"({wfs_peers['QGIS Server'].median / wfs['geoservice'].median:.2f}× "
                         "ours)")
    rows.append(["WFS GetFeature of 10 000 features (median / p95); ours WFS 2.0, GML 3.2",
                 _ms(wfs["geoservice"]), "; ".join(described) or "no peer available",
                 "not slower than the faster peer", "yes" if met else "no"])

    # 4. Vector tiles of the agricultural layer.
    sample = measure.tile_sample(engine, TILES_PER_ZOOM, seed=5)
    warm = measure.tile_sample(engine, TILES_WARMUP // 3, seed=6)
    print(f"tiles: {len(warm)} warm-up + {len(sample)} measured z12–z14 tiles …", flush=True)
    every, by_zoom, empty = measure.tiles(measure.our_tile(fleet.ours), ours, sample, warm)
    peer = None
    if fleet.tipg:
        peer, _, peer_empty = measure.tiles(measure.tipg_tile(fleet.tipg), measure.client(),
                                            sample, warm)
    alone_tiles = measure.tiles_sql(engine, token, sample)
    zooms = ", ".join(f"z{z} {_ms(t)}" for z, t in by_zoom.items() if t.ms)
    print(f"  all {_ms(every)} (max {max(every.ms):.0f} ms), {zooms}; mean size "
          f"{sum(every.returned) / len(every.returned) / 1024:.0f} KiB; {empty} empty; "
          f"the same tiles' SQL alone: {_ms(alone_tiles)}", flush=True)
    if peer is not None:
        print(f"  tipg: all {_ms(peer)}, mean size "
              f"{sum(peer.returned) / max(1, len(peer.returned)) / 1024:.0f} KiB; "
              f"{peer_empty} empty", flush=True)
    met = (every.p95 <= TILE_TARGET_MS and len(every.ms) >= 200 and peer is not None
           and every.p95 <= peer.p95)
    ok &= met
    rows.append([f"MVT z12–z14, agricultural layer, {len(every.ms)} tiles with data "
                 "(median / p95)", _ms(every),
                 (f"tipg {_ms(peer)}; " if peer else "tipg not available; ")
                 + f"{zooms}; SQL alone {_ms(alone_tiles)}",
                 f"p95 ≤ {TILE_TARGET_MS:.0f} ms and not worse than tipg",
                 "yes" if met else "no"])
    return rows, ok


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
