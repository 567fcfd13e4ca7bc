"""``python -m bench.statements``: statement build time and worker throughput against the simulator.

1. Build and validate one statement of 100 certificates (300 felling areas): median of 10 runs.
2. Queue N statements (default 1 000, one certificate each) and let worker threads send them to
   the TRACES simulator over HTTP, rate limited like TRACES (5 calls/s); reports calls/s
   achieved, statements AVAILABLE, and any lost. Bounded by --max-seconds.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import threading
import time
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, text

from bench.statements import data
from geoservice.accounts import store as accounts
from geoservice.accounts.principal import Principal
from geoservice.settings import DatabaseSettings, Settings, TracesSettings, WebSettings
from geoservice.statements import builder, rules, service
from geoservice.statements.connect import ClientPool
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import run_simulator


def bench_build(engine: Engine, org_id: str, runs: int) -> dict[str, float]:
    ids = data.certificates(engine, org_id, 100, 3)
    timings: list[float] = []
    for _ in range(runs):
        with engine.begin() as conn:
            started = time.perf_counter()
            built = builder.build(conn, org_id, ids, "GSBENCHBUILD01")
            builder.ensure_within_limits(built)
            timings.append((time.perf_counter() - started) * 1000)
    assert len(built.areas) == 300 and built.limits.ok
    return {"median_ms": statistics.median(timings), "max_ms": max(timings),
            "min_ms": min(timings), "geo_bytes": built.limits.geo_bytes,
            "producers": sum(len(c.producers) for c in built.statement.commodities)}


def _principal(engine: Engine, org_id: str) -> Principal:
    email = f"bench-{org_id[:8]}@bench.example"
    with engine.begin() as conn:
        accounts.create_user(conn, org_id=org_id, email=email, role="owner",
                             password=secrets.token_urlsafe(16))
        user_id = conn.execute(text("SELECT id::text FROM users WHERE email = :e"),
                               {"e": email}).scalar_one()
    return Principal(user_id=user_id, email=email,
                     name="bench", role="owner", organisation_id=org_id,
                     organisation_name="bench", organisation_is_operator=False)


def queue(engine: Engine, settings: Settings, org_id: str, count: int) -> list[str]:
    ids = data.certificates(engine, org_id, count, 1)
    principal = _principal(engine, org_id)
    statements = []
    with engine.begin() as conn:
        for cert_id in ids:
            st = service.create(conn, settings, principal, [cert_id], [])
            service.submit(conn, settings, principal, st["id"])
            statements.append(st["id"])
    return statements


def bench_worker(engine: Engine, base: Settings, org_id: str, count: int, threads: int,
                 delay: float, poll: float, max_seconds: float) -> dict[str, Any]:
    sim = TracesSimulator(delay_seconds=delay, rate_limit=5)
    calls: list[float] = []
    handle = sim.handle

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        return handle(*args, **kwargs)

    sim.handle = counted  # type: ignore[method-assign]
    with run_simulator(sim) as url:
        settings = base.model_copy(update={"traces": TracesSettings(
            url=url, username="simulator", auth_key=SecretStr("simulator-auth-key"),
            poll_seconds=poll, timeout_seconds=10)})
        queued_at = time.perf_counter()
        statements = queue(engine, settings, org_id, count)
        queue_s = time.perf_counter() - queued_at
        pool = ClientPool(settings)
        stop = threading.Event()
        workers = [threading.Thread(target=Worker(engine, settings, pool, name=f"bench-{i}").run,
                                    args=(stop, 0.2)) for i in range(threads)]
        started = time.monotonic()
        for w in workers:
            w.start()
        done = 0
        while time.monotonic() - started < max_seconds:
            with engine.begin() as conn:
                done = conn.execute(text("SELECT count(*) FROM statements WHERE status IN "
                                         "('available', 'rejected')")).scalar_one()
            if done >= count:
                break
            time.sleep(1.0)
        elapsed = time.monotonic() - started
        stop.set()
        for w in workers:
            w.join(timeout=30)
    with engine.begin() as conn:
        by_status: dict[str, int] = {
            str(r[0]): int(r[1]) for r in conn.execute(text(
                "SELECT status, count(*) FROM statements WHERE id::text = ANY(:s) "
                "GROUP BY status"), {"s": statements})}
        retries = conn.execute(text("SELECT count(*) FROM statement_events "
                                    "WHERE status = 'retrying'")).scalar_one()
        charges = conn.execute(text("SELECT count(*) FROM charges")).scalar_one()
    in_traces = len(sim.store.records())
    window = [t for t in calls if t >= started]
    peak = max((sum(1 for u in window if t <= u < t + 1.0) for t in window), default=0)
    return {"statements": count, "threads": threads, "queue_seconds": round(queue_s, 1),
            "elapsed_seconds": round(elapsed, 1), "by_status": by_status,
            "calls": len(window), "calls_per_second": round(len(window) / elapsed, 2),
            "peak_calls_in_1s": peak, "retries": retries, "dds_in_simulator": in_traces,
            "charges": charges, "lost": count - by_status.get("available", 0)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.statements")
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0, help="simulator seconds to AVAILABLE")
    parser.add_argument("--poll", type=float, default=5.0, help="GEOSERVICE_TRACES_POLL_SECONDS")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--skip-worker", action="store_true")
    args = parser.parse_args(argv)
    with data.disposable_database() as engine:
        base = Settings(database=DatabaseSettings(url=engine.url.render_as_string(False)),
                        web=WebSettings(environment="test"))
        org_id = data.organisation(engine)
        build = bench_build(engine, org_id, 10)
        print(f"build+validate 100 certificates / 300 areas: median {build['median_ms']:.1f} ms "
              f"(min {build['min_ms']:.1f}, max {build['max_ms']:.1f}; target <= 200 ms); "
              f"{build['producers']} producers, {build['geo_bytes']} bytes of GeoJSON (Base64)",
              flush=True)
        with engine.begin() as conn:
            assert rules.has_active_mandate(conn, org_id)
        if args.skip_worker:
            return 0
        result = bench_worker(engine, base, org_id, args.statements, args.threads, args.delay,
                              args.poll, args.max_seconds)
        print("worker: " + ", ".join(f"{k}={v}" for k, v in result.items()), flush=True)
        return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
