"""``geoservice demo load``: demo organisations, users and the demo data of each domain."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlalchemy import Engine

from geoservice.accounts import demo as demo_accounts
from geoservice.cli.common import engine

DemoStep = Callable[[Engine], str]


def _check_unchecked(engine: Engine) -> str:
    """Demo certificates get their verdicts at once, so the map shows them coloured."""
    from sqlalchemy import text

    from geoservice.checks.runner import check_certificates

    with engine.begin() as conn:
        ids = [str(i) for (i,) in conn.execute(
            text("SELECT id FROM certificates WHERE verdict = 'unchecked'"))]
        outcomes = check_certificates(conn, ids) if ids else []
    return f"{len(outcomes)} certificates checked"


def demo_steps() -> list[tuple[str, DemoStep]]:
    """Loaders run after the accounts, in order; each returns a one-line summary."""
    from geoservice.certificates.demo import load_demo as certificates
    from geoservice.layers.manifest import load_demo_layers
    from geoservice.statements.demo import load_demo as mandates

    return [
        ("layers", load_demo_layers),
        ("certificates", certificates),
        ("checks", _check_unchecked),
        ("mandates", mandates),
    ]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="demo data")
    sub = parser.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    load = sub.add_parser("load", help="load demo organisations, users and data (idempotent)")
    load.add_argument("--quiet", action="store_true", help="do not print the logins")
    load.set_defaults(func=_load)


def _load(args: argparse.Namespace) -> int:
    eng = engine()
    with eng.begin() as conn:
        users = demo_accounts.load(conn)
    for label, step in demo_steps():
        summary = step(eng)
        if not args.quiet:
            print(f"{label}: {summary}")
    if not args.quiet:
        print(f"\nDemo logins (password for all: {demo_accounts.DEMO_PASSWORD}):")
        for org, email, role in users:
            print(f"  {email:38} {role:20} {org}")
    return 0
