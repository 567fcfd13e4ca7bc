"""``geoservice db migrate | status``: the schema."""

from __future__ import annotations

import argparse

from geoservice.cli.common import engine
from geoservice.db import migrate as migrations


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=_migrate)
    sub.add_parser("status", help="list migrations and whether applied").set_defaults(func=_status)


def _migrate(args: argparse.Namespace) -> int:
    applied = migrations.migrate(engine(), on_applied=lambda m: print(f"applied {m.path.name}"))
    if not applied:
        print("schema is up to date")
    return 0


def _status(args: argparse.Namespace) -> int:
    states = migrations.status(engine())
    for state in states:
        mark = "applied" if state.applied else "pending"
        if state.changed_since_applied:
            mark = "applied, file changed since"
        print(f"{state.migration.path.name:40} {mark}")
    return 1 if any(s.changed_since_applied for s in states) else 0
