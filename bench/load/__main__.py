"""``python -m bench.load``: 100 concurrent clients for 60 s against the served app.

A disposable database gets the demo data (land-use layers, certificates, checks, mandates) plus
1 000 certificates / 2 000 felling areas of one organisation (bench.web's seed). ``geoservice
serve --workers N`` runs as its own process group, as ``make run`` runs it; the clients are
asyncio tasks with httpx in this process (on the same machine: they take CPU from the server).
Every request carries the organisation owner's API token. The mix: certificate lists and reads,
findings reads and check runs, OGC API items, vector tiles, CSV exports. Counted: requests/s,
p50/p95/p99, 5xx answers and failed connections. Target: no 5xx, no failed connection,
p99 ≤ 1 s. ``--workers 1 2`` (the default) runs both, one after the other, on the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.certificates.database import bench_database
from bench.web.__main__ import seed
from geoservice.accounts import store as accounts
from geoservice.settings import ROOT

HERE = Path(__file__).parent
TARGET_P99_S = 1.0


@dataclass
class Targets:
    token: str
    certificate_ids: list[str]
    bbox: tuple[float, float, float, float]  # lon/lat of the seeded areas
    tiles: list[tuple[int, int, int]]


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def prepare(engine: Engine, url: str, layers_dir: Path) -> Targets:
    env = os.environ | {"GEOSERVICE_DATABASE_URL": url,
                        "GEOSERVICE_CHECK_LAYERS_DIR": str(layers_dir)}
    subprocess.run([sys.executable, "-m", "geoservice", "demo", "load", "--quiet"], env=env,
                   check=True)
    email = seed(engine)
    with engine.begin() as conn:
        token = accounts.create_token(conn, user_email=email, name="bench-load")
        ids = [str(i) for (i,) in conn.execute(text(
            "SELECT c.id FROM certificates c JOIN users u ON u.organisation_id = c.organisation_id "
            "WHERE u.email = :e"), {"e": email})]
        box = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(ST_Transform(a.geom, 4326)) AS e FROM felling_areas a "
            "JOIN certificates c ON c.id = a.certificate_id JOIN users u "
            "ON u.organisation_id = c.organisation_id WHERE u.email = :e) s"),
            {"e": email}).one()
    rng = random.Random(15)
    tiles = [_tile(rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]), rng.choice(
        (12, 13, 14))) for _ in range(200)]
    return Targets(token, ids, (box[0], box[1], box[2], box[3]), tiles)


def request_for(kind: str, t: Targets, rng: random.Random) -> tuple[str, str]:
    cid = rng.choice(t.certificate_ids)
    w, s, e, n = t.bbox
    x0, y0 = rng.uniform(w, e), rng.uniform(s, n)
    small = f"{x0:.5f},{y0:.5f},{min(e, x0 + 0.02):.5f},{min(n, y0 + 0.015):.5f}"
    if kind == "certificate list":
        return "GET", f"/api/v1/certificates?limit=20&offset={rng.randrange(0, 900)}"
    if kind == "certificate read":
        return "GET", f"/api/v1/certificates/{cid}"
    if kind == "findings read":
        return "GET", f"/api/v1/certificates/{cid}/findings"
    if kind == "check run":
        return "POST", f"/api/v1/certificates/{cid}/check"
    if kind == "OGC items":
        return "GET", f"/ogc/collections/felling_areas/items?limit=50&bbox={small}"
    if kind == "vector tile":
        z, x, y = rng.choice(t.tiles)
        return "GET", f"/tiles/felling_areas/{z}/{x}/{y}.mvt"
    if kind == "CSV export":
        return "GET", f"/ogc/collections/felling_areas/items?f=csv&limit=200&bbox={small}"
    raise ValueError(kind)


MIX = {"certificate list": 20, "certificate read": 25, "findings read": 10, "check run": 5,
       "OGC items": 15, "vector tile": 20, "CSV export": 5}


async def _client(http: httpx.AsyncClient, t: Targets, run: Run, until: float,
                  seed_: int) -> None:
    rng = random.Random(seed_)
    kinds, weights = list(MIX), list(MIX.values())
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        method, path = request_for(kind, t, rng)
        started = time.perf_counter()
        try:
            response = await http.request(method, path)
            await response.aread()
        except httpx.HTTPError as exc:
            run.failed[type(exc).__name__] += 1
            continue
        run.latencies[kind].append(time.perf_counter() - started)
        run.statuses[response.status_code] += 1


async def load(base: str, t: Targets, run: Run, clients: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {t.token}"}) as http:
        warm = time.monotonic() + 5
        await asyncio.gather(*(_client(http, t, Run(run.workers), warm, i) for i in range(20)))
        started = time.monotonic()
        await asyncio.gather(*(_client(http, t, run, started + seconds, 1000 + i)
                               for i in range(clients)))
        run.seconds = time.monotonic() - started


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(run: Run) -> dict[str, Any]:
    every = [v for values in run.latencies.values() for v in values]
    kinds = {k: {"requests": len(v), "p50_ms": _quantile(v, .5) * 1000,
                 "p95_ms": _quantile(v, .95) * 1000, "p99_ms": _quantile(v, .99) * 1000}
             for k, v in sorted(run.latencies.items())}
    return {"workers": run.workers, "seconds": round(run.seconds, 1), "requests": len(every),
            "requests_per_s": len(every) / run.seconds if run.seconds else 0,
            "p50_ms": _quantile(every, .5) * 1000, "p95_ms": _quantile(every, .95) * 1000,
            "p99_ms": _quantile(every, .99) * 1000,
            "mean_ms": statistics.fmean(every) * 1000 if every else 0,
            "status": {str(k): v for k, v in sorted(run.statuses.items())},
            "server_errors": sum(v for k, v in run.statuses.items() if k >= 500),
            "failed_connections": dict(run.failed), "kinds": kinds,
            "load_average": os.getloadavg()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOSERVICE_")} | {
        "GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_ENVIRONMENT": "test",
        "GEOSERVICE_SECRET_KEY": "bench-load", "GEOSERVICE_LOG_LEVEL": "WARNING",
        "GEOSERVICE_DATABASE_POOL_SIZE": "10", "GEOSERVICE_BASEMAP_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "geoservice", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def report(results: list[dict[str, Any]]) -> bool:
    ok = True
    print("\n| workers | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | failed conn. |"
          " load avg (1/5/15) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        failed = sum(r["failed_connections"].values())
        la = "/".join(f"{v:.1f}" for v in r["load_average"])
        print(f"| {r['workers']} | {r['requests']} | {r['requests_per_s']:.0f} | "
              f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
              f"{r['server_errors']} | {failed} | {la} |")
        ok = ok and r["server_errors"] == 0 and failed == 0 and r["p99_ms"] <= TARGET_P99_S * 1000
    for r in results:
        print(f"\nper kind, --workers {r['workers']}:")
        for kind, k in r["kinds"].items():
            print(f"  {kind:17} {k['requests']:6} req  p50 {k['p50_ms']:6.0f}  "
                  f"p95 {k['p95_ms']:6.0f}  p99 {k['p99_ms']:6.0f} ms")
    print(f"\ntarget (no 5xx, no failed connection, p99 ≤ {TARGET_P99_S:g} s): "
          f"{'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    shutil.copy(ROOT / "layers" / "manifest.toml", work / "manifest.toml")
    results = []
    try:
        with bench_database() as (url, engine):
            started = time.perf_counter()
            targets = prepare(engine, url, work)
            print(f"data ready in {time.perf_counter() - started:.0f} s: "
                  f"{len(targets.certificate_ids)} certificates of the bench organisation")
            for workers in args.workers:
                port = free_port()
                proc = serve(url, workers, port, work / f"serve-{workers}.log")
                try:
                    run = Run(workers)
                    asyncio.run(load(f"http://127.0.0.1:{port}", targets, run, args.clients,
                                     args.seconds))
                finally:
                    stop(proc)
                results.append(summary(run))
                print(f"--workers {workers}: {results[-1]['requests']} requests, "
                      f"status {results[-1]['status']}, failed {results[-1]['failed_connections']}",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ok = report(results)
    if args.clients == 100 and args.seconds >= 60:
        (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
