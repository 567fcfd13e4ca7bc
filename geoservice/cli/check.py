"""``geoservice check``: run the land-use checks for one certificate, the queue, or all."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine, text

from geoservice.cli.common import engine, progress, settings

BATCH = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check", help="check certificates against land-use layers")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every certificate")
    which.add_argument("--queued", action="store_true",
                       help="certificates queued for a re-check after a layer changed")
    which.add_argument("--certificate", metavar="ID", help="one certificate")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="check batches in N processes (e.g. one per CPU core; default 1)")
    parser.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        return _run(args, eng)
    finally:
        eng.dispose()


def _run(args: argparse.Namespace, eng: Engine) -> int:
    with eng.connect() as conn:
        if args.certificate:
            ids = [args.certificate]
        elif args.queued:
            ids = [r[0] for r in conn.execute(text(
                "SELECT certificate_id::text FROM check_queue ORDER BY queued_at"))]
        else:
            ids = [r[0] for r in conn.execute(text(
                "SELECT c.id::text FROM certificates c WHERE EXISTS (SELECT 1 FROM felling_areas "
                "a WHERE a.certificate_id = c.id) ORDER BY c.id"))]
    verdicts: Counter[str] = Counter()
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    for found in progress(_outcomes(eng, batches, args), total=len(batches), label="checking"):
        verdicts.update(found)
    summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "nothing to check"
    print(f"{sum(verdicts.values())} certificates checked: {summary}")
    return 0


def _outcomes(eng: Engine, batches: list[list[str]], args: argparse.Namespace,
              ) -> Iterator[list[str]]:
    """The verdicts of each batch, one transaction per batch (a failure loses one batch only)."""
    strict = bool(args.certificate)
    if args.jobs <= 1 or len(batches) <= 1:
        for batch in batches:
            yield _check_batch(batch, strict, eng)
        return
    with ProcessPoolExecutor(args.jobs, initializer=_start_worker) as pool:
        yield from pool.map(_check_batch, batches, [strict] * len(batches))


_worker_engine: Engine | None = None


def _start_worker() -> None:
    global _worker_engine
    _worker_engine = engine(pool_size=1)


def _check_batch(batch: list[str], strict: bool, eng: Engine | None = None) -> list[str]:
    from geoservice.checks.runner import check_certificates  # numpy/rasterio: imported on use

    target = eng or _worker_engine
    assert target is not None
    with target.begin() as conn:
        outcomes = check_certificates(conn, batch, settings().check, strict=strict)
    return [o.verdict for o in outcomes]
