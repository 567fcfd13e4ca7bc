"""``geoservice check``: run the land-use checks for one certificate, the queue, or all."""

from __future__ import annotations

import argparse
from collections import Counter

from sqlalchemy import Engine, text

from geoservice.checks.runner import check_certificates
from geoservice.cli.common import engine, progress, settings

BATCH = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check", help="check certificates against land-use layers")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every certificate")
    which.add_argument("--queued", action="store_true",
                       help="certificates queued for a re-check after a layer changed")
    which.add_argument("--certificate", metavar="ID", help="one certificate")
    parser.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        return _run(args, eng)
    finally:
        eng.dispose()


def _run(args: argparse.Namespace, eng: Engine) -> int:
    check_settings = settings().check
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
    for batch in progress(batches, total=len(batches), label="checking"):
        with eng.begin() as conn:  # one transaction per batch: a failure loses one batch only
            outcomes = check_certificates(conn, batch, check_settings,
                                          strict=bool(args.certificate))
        verdicts.update(o.verdict for o in outcomes)
    summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "nothing to check"
    print(f"{sum(verdicts.values())} certificates checked: {summary}")
    return 0
