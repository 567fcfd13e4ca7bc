"""The demo step and the ``vmd-sim list`` command."""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

from sqlalchemy import Engine, text

from geoservice.accounts import demo as demo_accounts
from geoservice.accounts.store import find_organisation
from geoservice.certificates.demo import DEMO_CLIENTS, TRY_ADDING, load_demo
from geoservice.cli import vmd as vmd_cli
from geoservice.vmd.simulator import designed


def test_load_demo_is_idempotent(engine: Engine) -> None:
    with engine.begin() as conn:
        demo_accounts.load(conn)
    first = load_demo(engine)
    second = load_demo(engine)
    assert second.startswith("0 certificates added")
    with engine.connect() as conn:
        counts = [conn.execute(text(
            "SELECT count(*) FROM certificates WHERE organisation_id = CAST(:o AS uuid)"),
            {"o": find_organisation(conn, reg)}).scalar_one() for reg in DEMO_CLIENTS]
    assert all(n > 0 for n in counts)
    assert sum(counts) == len(designed()) - len(TRY_ADDING)
    assert first.split()[0] in (str(len(designed()) - len(TRY_ADDING)), "0")
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM certificates WHERE ca_number = ANY(:n) "
                                 "AND organisation_id = ANY(CAST(:o AS uuid[]))"),
                            {"n": list(TRY_ADDING),
                             "o": [find_organisation(conn, r) for r in DEMO_CLIENTS]}).scalar()
    assert left == 0


def test_vmd_sim_list_prints_every_number() -> None:
    parser = argparse.ArgumentParser()
    vmd_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["vmd-sim", "list"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert args.func(args) == 0
    for case in designed():
        assert case.ca_number in out.getvalue() and case.verdict in out.getvalue()
