"""``python -m bench.load``: 100 concurrent clients for 60 s against the served app.

A disposable database gets the demo data (land-use layers, certificates, checks, mandates) plus
1 000 certificates / 2 000 felling areas of one organisation (bench.web's seed). ``geoservice
serve --workers N`` runs as its own process group, as ``make run`` runs it; the clients are
asyncio tasks with httpx in this process (on the same machine: they take CPU from the server).
Every request carries the organisation owner's API token. The mix: certificate lists and reads,
findings reads and check runs, OGC API items, vector tiles, CSV exports. Counted: requests/s,
p50/p95/p99, 5xx answers and failed connections. Target: no 5xx, no failed connection,
p99 ≤ 1 s. ``--workers 1 2`` (the default) runs both, one after the other, on the same data.

``--client httpx|wrk|both`` (default both): the second client is Debian's ``wrk`` (C, epoll, two
threads) with ``wrk.lua``, replaying a list of requests this harness draws once from the same mix,
ids, bboxes, tiles and token, byte for byte as httpx would send them (same headers, POST check
runs included), 100 keep-alive connections, the same 5 s warm-up with 20. It costs far less CPU
per request than the httpx clients, which share the two cores with the server. Each client gets
a freshly started server. During each measured period the CPU time of the client, the server's
process group, PostgreSQL (postmaster and its children) and the rest of the machine is read from
/proc, and the server's own request-duration histogram from /metrics (how many requests the
server itself finished within 0.5 s and 1 s, whatever the client added).
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
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from bench.certificates.database import bench_database
from bench.web.__main__ import seed
from geoservice.accounts import store as accounts
from geoservice.settings import ROOT

HERE = Path(__file__).parent
TARGET_P99_S = 1.0
WRK_SCRIPT = HERE / "wrk.lua"
WRK_THREADS = 2
WRK_REQUESTS = 10_000  # drawn once per run, in exactly the mix's proportions, cycled per thread
TIMEOUT_S = 30  # httpx's timeout; wrk's --timeout too (wrk drops slower answers from its histogram)
WARM_S, WARM_CLIENTS = 5, 20
TICK = os.sysconf("SC_CLK_TCK")


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


def postmaster_pid(engine: Engine) -> int | None:
    """The PostgreSQL postmaster's pid: the parent of one of our backends (if on this machine)."""
    with engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        return _procs()[backend][0]
    except KeyError:
        return None


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


def _http_client(base: str, t: Targets, clients: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S,
                             headers={"Authorization": f"Bearer {t.token}"})


async def load(base: str, t: Targets, run: Run, clients: int, seconds: float,
               meter: CpuMeter | None = None) -> None:
    async with _http_client(base, t, clients) as http:
        warm = time.monotonic() + WARM_S
        await asyncio.gather(*(_client(http, t, Run(run.workers), warm, i)
                               for i in range(WARM_CLIENTS)))
        if meter:
            meter.begin()
        started = time.monotonic()
        await asyncio.gather(*(_client(http, t, run, started + seconds, 1000 + i)
                               for i in range(clients)))
        run.seconds = time.monotonic() - started
        if meter:
            meter.end()


# --- CPU time per process group, from /proc ------------------------------------------------

def _procs() -> dict[int, tuple[int, int, int, int]]:
    """pid → (ppid, pgrp, own utime+stime, reaped children's utime+stime), in clock ticks."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue
        f = raw[raw.rindex(b")") + 2:].split()  # f[0] is field 3 (state)
        out[int(entry.name)] = (int(f[1]), int(f[2]), int(f[11]) + int(f[12]),
                                int(f[13]) + int(f[14]))
    return out


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


class CpuMeter:
    """CPU seconds between begin() and end() (and the server's own latency histogram, from
    /metrics, over the same period): this process, the server's process group, the
    PostgreSQL postmaster's tree, an optional client process (its rusage, given to end()) and
    the whole machine. Children that exit in between are still counted: their time moves to
    their parent's reaped-children time, which is added for the group leader and postmaster."""

    def __init__(self, server_pgid: int, postmaster: int | None, base: str) -> None:
        self.server_pgid, self.postmaster, self.base = server_pgid, postmaster, base
        self.start: dict[str, float] = {}
        self.result: dict[str, float] = {}
        self.buckets: dict[float, float] = {}
        self.server_side: dict[str, Any] = {}

    def _snapshot(self) -> dict[str, float]:
        procs = _procs()
        children: dict[int, list[int]] = defaultdict(list)
        for pid, (ppid, _, _, _) in procs.items():
            children[ppid].append(pid)

        def tree(root: int) -> int:
            ticks, todo = procs[root][3] if root in procs else 0, [root]
            while todo:
                pid = todo.pop()
                if pid in procs:
                    ticks += procs[pid][2]
                    todo.extend(children[pid])
            return ticks

        server = sum(p[2] for p in procs.values() if p[1] == self.server_pgid)
        server += procs[self.server_pgid][3] if self.server_pgid in procs else 0
        busy, total = _machine_ticks()
        return {"wall": time.monotonic(), "harness": procs[os.getpid()][2] / TICK,
                "server": server / TICK,
                "postgres": tree(self.postmaster) / TICK if self.postmaster else math.nan,
                "busy": busy / TICK, "total": total / TICK}

    def begin(self) -> None:
        self.buckets = server_buckets(self.base)
        self.start = self._snapshot()

    def end(self, client_s: float | None = None) -> None:
        """client_s: the client process's CPU seconds; None: the client is this process."""
        now = self._snapshot()
        self.server_side = server_side(self.buckets, server_buckets(self.base))
        d = {k: now[k] - self.start[k] for k in now}
        client = d["harness"] if client_s is None else client_s
        harness = 0.0 if client_s is None else d["harness"]
        self.result = {
            "window_s": round(d["wall"], 2), "cpus": os.cpu_count() or 0,
            "capacity_s": round(d["total"], 2), "busy_s": round(d["busy"], 2),
            "client_s": round(client, 2), "harness_s": round(harness, 2),
            "server_s": round(d["server"], 2), "postgres_s": round(d["postgres"], 2),
            "other_s": round(d["busy"] - client - harness - d["server"] - d["postgres"], 2)}


# --- the wrk client ---------------------------------------------------------------------------

def wrk_requests(base: str, t: Targets, n: int = WRK_REQUESTS) -> list[bytes]:
    """n raw requests in exactly the mix's proportions, shuffled, drawn like the httpx clients
    draw theirs, each byte for byte what httpx would send (request line, headers, body)."""
    rng = random.Random(1515)
    total = sum(MIX.values())
    kinds = [kind for kind, w in MIX.items() for _ in range(round(n * w / total))]
    rng.shuffle(kinds)
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {t.token}"}) as http:
        reqs = [http.build_request(*request_for(kind, t, rng)) for kind in kinds]
    for req in reqs:
        method = req.method
        head = b"%s %s HTTP/1.1\r\n" % (method.encode(), req.url.raw_path)
        head += b"".join(b"%s: %s\r\n" % (k, v) for k, v in req.headers.raw)
        out.append(head + b"\r\n" + req.content)
    return out


def run_wrk(base: str, t: Targets, workers: int, clients: int, seconds: float, work: Path,
            meter: CpuMeter) -> dict[str, Any]:
    requests = work / "wrk-requests"
    with requests.open("wb") as f:
        for raw in wrk_requests(base, t):
            f.write(b"%d\n%s" % (len(raw), raw))
    env = os.environ | {"BENCH_LOAD_REQUESTS": str(requests),
                        "BENCH_LOAD_THREADS": str(WRK_THREADS)}

    def wrk(connections: int, secs: float) -> list[str]:
        return ["wrk", "-t", str(min(WRK_THREADS, connections)), "-c", str(connections),
                "-d", f"{max(1, round(secs))}s", "--timeout", f"{TIMEOUT_S}s",
                "-s", str(WRK_SCRIPT), base]

    subprocess.run(wrk(WARM_CLIENTS, WARM_S), env=env, stdout=subprocess.DEVNULL, check=True)
    out = work / f"wrk-{workers}.out"
    meter.begin()
    with out.open("wb") as stdout:
        proc = subprocess.Popen(wrk(clients, seconds), env=env, stdout=stdout)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    meter.end(usage.ru_utime + usage.ru_stime)
    text_ = out.read_text()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {text_[-2000:]}")
    line = next(ln for ln in text_.splitlines() if ln.startswith("bench.load "))
    w = json.loads(line.removeprefix("bench.load "))
    statuses = Counter({int(k): v for k, v in w["status"].items()})
    errors = w["errors"]
    secs = w["duration_us"] / 1e6
    return {"client": "wrk", "workers": workers, "seconds": round(secs, 1),
            "requests": w["requests"], "requests_per_s": w["requests"] / secs,
            "p50_ms": w["p50_us"] / 1000, "p95_ms": w["p95_us"] / 1000,
            "p99_ms": w["p99_us"] / 1000, "mean_ms": w["mean_us"] / 1000,
            "status": {str(k): v for k, v in sorted(statuses.items())},
            "server_errors": sum(v for k, v in statuses.items() if k >= 500),
            "non_2xx_3xx": errors["status"],
            "failed_connections": {k: v for k, v in errors.items() if k != "status" and v},
            "kinds": {}, "wrk_output": text_}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


LATENCY_METRIC = "geoservice_http_request_duration_seconds"


def server_buckets(base: str) -> dict[float, float]:
    """The server's own request-duration histogram (``/metrics``, every process added up),
    summed over every route and status except ``/metrics`` itself: upper bound → count."""
    out: dict[float, float] = defaultdict(float)
    body = httpx.get(f"{base}/metrics", timeout=30).text
    for family in text_string_to_metric_families(body):
        if family.name != LATENCY_METRIC:
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket") and sample.labels.get("route") != "/metrics":
                out[float(sample.labels["le"])] += sample.value
    return dict(out)


def server_side(before: dict[float, float], after: dict[float, float]) -> dict[str, Any]:
    """The measured period's requests as the server timed them (from the first middleware to
    the response's last byte; not the wait for accept or in the client): how many finished
    within 0.5 s and 1 s, and the bucket that holds the 99th percentile."""
    counts = {le: after.get(le, 0.0) - before.get(le, 0.0) for le in sorted(after)}
    total = counts.get(math.inf, 0.0)
    p99_le = next((le for le, n in counts.items() if total and n >= 0.99 * total), math.inf)
    return {"requests": int(total),
            "within_0_5_s": counts.get(0.5, 0.0) / total if total else math.nan,
            "within_1_s": counts.get(1.0, 0.0) / total if total else math.nan,
            "p99_at_most_s": p99_le}


def summary(run: Run) -> dict[str, Any]:
    every = [v for values in run.latencies.values() for v in values]
    kinds = {k: {"requests": len(v), "p50_ms": _quantile(v, .5) * 1000,
                 "p95_ms": _quantile(v, .95) * 1000, "p99_ms": _quantile(v, .99) * 1000}
             for k, v in sorted(run.latencies.items())}
    return {"client": "httpx", "workers": run.workers, "seconds": round(run.seconds, 1),
            "requests": len(every),
            "requests_per_s": len(every) / run.seconds if run.seconds else 0,
            "p50_ms": _quantile(every, .5) * 1000, "p95_ms": _quantile(every, .95) * 1000,
            "p99_ms": _quantile(every, .99) * 1000,
            "mean_ms": statistics.fmean(every) * 1000 if every else 0,
            "status": {str(k): v for k, v in sorted(run.statuses.items())},
            "server_errors": sum(v for k, v in run.statuses.items() if k >= 500),
            "non_2xx_3xx": sum(v for k, v in run.statuses.items() if k >= 400),
            "failed_connections": dict(run.failed), "kinds": kinds}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOSERVICE_")} | {
        "GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_ENVIRONMENT": "test",
        "GEOSERVICE_SECRET_KEY": "bench-load", "GEOSERVICE_LOG_LEVEL": "WARNING",
        "GEOSERVICE_BASEMAP_URL": ""}  # pool size: the default, as make run has it
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


def _met(r: dict[str, Any]) -> bool:
    return bool(r["server_errors"] == 0 and sum(r["failed_connections"].values()) == 0
            and r["p99_ms"] <= TARGET_P99_S * 1000)


def report(results: list[dict[str, Any]]) -> bool:
    print("\n| client | workers | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | non-2xx/3xx |"
          " failed conn. | target | load avg before → after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        failed = sum(r["failed_connections"].values())
        la = " → ".join("/".join(f"{v:.1f}" for v in r[k])
                        for k in ("load_average_before", "load_average"))
        print(f"| {r['client']} | {r['workers']} | {r['requests']} | {r['requests_per_s']:.0f} | "
              f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
              f"{r['server_errors']} | {r['non_2xx_3xx']} | {failed} | "
              f"{'met' if _met(r) else 'not met'} | {la} |")
    print("\nCPU seconds in the measured period (2 cores: capacity = 2 × wall time):")
    print("| client | workers | wall s | busy / capacity s | client | server | PostgreSQL | "
          "rest of machine | per request ms: client / server / PostgreSQL |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c, n = r["cpu"], max(1, r["requests"])
        print(f"| {r['client']} | {r['workers']} | {c['window_s']:.1f} | "
              f"{c['busy_s']:.1f} / {c['capacity_s']:.1f} | {c['client_s']:.1f} | "
              f"{c['server_s']:.1f} | {c['postgres_s']:.1f} | {c['other_s'] + c['harness_s']:.1f} "
              f"| {c['client_s'] / n * 1000:.2f} / {c['server_s'] / n * 1000:.2f} / "
              f"{c['postgres_s'] / n * 1000:.2f} |")
    print("\nAs the server timed them (its /metrics histogram, measured period): share of "
          "requests finished within 0.5 s and 1 s, and the bucket holding the p99:")
    for r in results:
        side = r.get("server_side")
        if side:
            print(f"  {r['client']:5} --workers {r['workers']}: {side['requests']} requests, "
                  f"{side['within_0_5_s']:.2%} ≤ 0.5 s, {side['within_1_s']:.2%} ≤ 1 s, "
                  f"p99 ≤ {side['p99_at_most_s']:g} s")
    for r in results:
        if r["kinds"]:
            print(f"\nper kind, {r['client']}, --workers {r['workers']}:")
        for kind, k in r["kinds"].items():
            print(f"  {kind:17} {k['requests']:6} req  p50 {k['p50_ms']:6.0f}  "
                  f"p95 {k['p95_ms']:6.0f}  p99 {k['p99_ms']:6.0f} ms")
    for r in results:
        if r["non_2xx_3xx"]:
            print(f"\nWARNING: {r['client']} --workers {r['workers']}: {r['non_2xx_3xx']} answers "
                  f"4xx/5xx, status {r['status']}")
    ok = all(_met(r) for r in results)
    for client in sorted({r["client"] for r in results}):
        mine = [r for r in results if r["client"] == client]
        print(f"target (no 5xx, no failed connection, p99 ≤ {TARGET_P99_S:g} s) with {client}: "
              f"{'met' if all(_met(r) for r in mine) else 'NOT met'}")
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--client", choices=("httpx", "wrk", "both"), default="both")
    args = parser.parse_args(argv)
    clients = ["httpx", "wrk"] if args.client == "both" else [args.client]
    if "wrk" in clients and not shutil.which("wrk"):
        parser.error("wrk is not installed: make var/.system-bench (or apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    shutil.copy(ROOT / "layers" / "manifest.toml", work / "manifest.toml")
    results = []
    try:
        with bench_database() as (url, engine):
            started = time.perf_counter()
            targets = prepare(engine, url, work)
            postmaster = postmaster_pid(engine)
            print(f"data ready in {time.perf_counter() - started:.0f} s: "
                  f"{len(targets.certificate_ids)} certificates of the bench organisation")
            for workers in args.workers:
                for client in clients:
                    port = free_port()
                    load_before = os.getloadavg()
                    proc = serve(url, workers, port, work / f"serve-{workers}-{client}.log")
                    base = f"http://127.0.0.1:{port}"
                    meter = CpuMeter(proc.pid, postmaster, base)
                    try:
                        if client == "httpx":
                            run = Run(workers)
                            asyncio.run(load(base, targets, run, args.clients, args.seconds,
                                             meter))
                            result = summary(run)
                        else:
                            result = run_wrk(base, targets, workers, args.clients, args.seconds,
                                             work, meter)
                        result["server_side"] = meter.server_side
                    finally:
                        stop(proc)
                    result |= {"load_average_before": load_before,
                               "load_average": os.getloadavg(), "cpu": meter.result,
                               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                    results.append(result)
                    print(f"{client} --workers {workers}: {result['requests']} requests, "
                          f"{result['requests_per_s']:.0f} req/s, p99 {result['p99_ms']:.0f} ms, "
                          f"status {result['status']}, failed {result['failed_connections']}, "
                          f"cpu {meter.result}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ok = report(results)
    if args.clients == 100 and args.seconds >= 60:
        (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
