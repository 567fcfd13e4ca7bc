"""Demo certificates: simulator certificates fetched into the two demo client organisations."""

from __future__ import annotations

from sqlalchemy import Engine, text

from geoservice.accounts.store import find_organisation
from geoservice.certificates.store import insert_certificate
from geoservice.certificates.validate import checked
from geoservice.vmd.simulator import VmdSimulator

# Registration number of each demo client organisation → how it takes the simulator's cases:
# the first gets the even-numbered positions of the catalogue, the second the odd ones.
DEMO_CLIENTS = ("40103111111", "40203222222")
# Left at the simulator so a demo user can try "Pievienot jaunu apliecinājumu" with them:
# one designed to be flagged (a new field block over 2020 forest), one designed to be clear.
TRY_ADDING = ("2522530291", "2522531021")


def load_demo(engine: Engine) -> str:
    """Fetch the simulator's certificates into the demo organisations; idempotent."""
    simulator = VmdSimulator()
    numbers = [n for n in simulator.numbers() if n not in TRY_ADDING]
    added = kept = 0
    with engine.begin() as conn:
        for position, reg_no in enumerate(DEMO_CLIENTS):
            org_id = find_organisation(conn, reg_no)
            if org_id is None:
                continue
            for ca_number in numbers[position::len(DEMO_CLIENTS)]:
                exists = conn.execute(text(
                    "SELECT 1 FROM certificates WHERE organisation_id = CAST(:o AS uuid) "
                    "AND ca_number = :ca"), {"o": org_id, "ca": ca_number}).first()
                if exists:
                    kept += 1
                    continue
                insert_certificate(conn, org_id, checked(simulator.fetch(ca_number)))
                added += 1
    return f"{added} certificates added from the VMD simulator, {kept} already there"
