"""``geoservice vmd-sim list``: the VMD simulator's CA numbers and the verdict each is made for."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("vmd-sim", help="the built-in VMD simulator")
    sub = parser.add_subparsers(dest="vmd_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="print the simulated CA numbers with designed verdicts")
    listing.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    from geoservice.vmd.simulator import main_list

    main_list(sys.stdout)
    return 0
