"""``geoservice demo load``: demo organisations, users and the demo data of each domain."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlalchemy import Engine

from geoservice.accounts import demo as demo_accounts
from geoservice.cli.common import engine

DemoStep = Callable[[Engine], str]


def demo_steps() -> list[tuple[str, DemoStep]]:
    """Loaders run after the accounts, in order; each returns a one-line summary."""
    return []


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
        print(f"{label}: {step(eng)}")
    if not args.quiet:
        print(f"\nDemo logins (password for all: {demo_accounts.DEMO_PASSWORD}):")
        for org, email, role in users:
            print(f"  {email:38} {role:20} {org}")
    return 0
