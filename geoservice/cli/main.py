"""Entry point: builds the parser from every command module and runs the chosen command.

A command module defines ``register(subparsers)`` that adds its parsers and sets
``func=handler`` (``handler(args) -> int``). Errors the service raises on purpose are printed as
one line without a traceback, with exit status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from geoservice import __version__
from geoservice.errors import GeoserviceError

MODULES_PACKAGE = "geoservice.cli"
_NOT_COMMANDS = {"main", "common"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geoservice",
        description="EUDR due diligence for Latvian timber: certificates, checks, TRACES.",
    )
    parser.add_argument("--version", action="version", version=f"geoservice {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(MODULES_PACKAGE)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _NOT_COMMANDS:
            continue
        module = importlib.import_module(f"{MODULES_PACKAGE}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except GeoserviceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
