"""``geoservice received reverify``: verify the buyers' registers again (the nightly job)."""

from __future__ import annotations

import argparse

from geoservice.cli.common import engine, settings
from geoservice.references import received, verify
from geoservice.references.throttle import system_caller


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("received", help="the buyers' registers of received pairs")
    commands = parser.add_subparsers(dest="received_command", metavar="ACTION", required=True)
    again = commands.add_parser(
        "reverify", help="verify received pairs again (schedule nightly, e.g. cron 03:00)")
    again.add_argument("--older-than-hours", type=float, default=20.0, metavar="H",
                       help="only pairs not verified in the last H hours (default 20; 0: all)")
    again.add_argument("--source", choices=("records", "traces"), default="records",
                       help="our statements (default) or TRACES' verify service")
    again.set_defaults(func=_reverify)


def _reverify(args: argparse.Namespace) -> int:
    where, params = received.all_due(args.older_than_hours)
    caller = system_caller("reverify")
    config = settings()
    eng = engine()
    try:
        with eng.begin() as conn:
            if args.source == "traces":
                from geoservice.statements.connect import ClientPool, service_account

                pool = ClientPool(config)
                try:
                    service = pool.client(service_account(config))

                    def ask(ref: str, ver: str) -> dict[str, object]:
                        if not (verify.plausible(ref) and verify.plausible(ver)):
                            return {"result": "INVALID", "status": None}
                        return verify.from_traces(service, ref, ver)

                    counts = received.reverify_traces(conn, caller, where, params, ask)
                finally:
                    pool.close()
            else:
                counts = received.reverify(conn, caller, config.verify, where, params)
    finally:
        eng.dispose()
    summary = ", ".join(f"{n} {r}" for r, n in sorted(counts.items())) or "nothing due"
    print(f"{sum(counts.values())} received pairs verified: {summary}")
    return 0
