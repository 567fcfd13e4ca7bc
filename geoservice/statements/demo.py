"""Demo step: the demo client organisation gets an active mandate (idempotent)."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import Engine, text

DEMO_CLIENT_REG_NO = "40103111111"  # SIA Meža Vēji, see geoservice/accounts/demo.py
DEMO_MANDATE = (b"%PDF-1.4\n% geoservice demo mandate: SIA Meza Veji authorises the service to "
                b"submit EUDR statements to TRACES on its behalf.\n%%EOF\n")


def load_demo(engine: Engine) -> str:
    """One-line summary of what was done."""
    today = date.today()
    with engine.begin() as conn:
        org = conn.execute(text("SELECT id::text, name FROM organisations WHERE reg_no = :r"),
                           {"r": DEMO_CLIENT_REG_NO}).first()
        if org is None:
            return f"no demo organisation {DEMO_CLIENT_REG_NO}; load the demo accounts first"
        active = conn.execute(text(
            "SELECT valid_until FROM mandates WHERE organisation_id = CAST(:o AS uuid) AND "
            "status = 'active' AND valid_from <= :d AND valid_until >= :d"),
            {"o": org[0], "d": today}).first()
        if active is not None:
            return f"{org[1]} already has an active mandate until {active[0]}"
        until = date(today.year + 2, 12, 31)
        conn.execute(text(
            "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
            "status, valid_from, valid_until, activated_at) VALUES (CAST(:o AS uuid), "
            "'pilnvara-demo.pdf', 'application/pdf', :c, :h, 'active', :f, :u, now())"),
            {"o": org[0], "c": DEMO_MANDATE, "h": hashlib.sha256(DEMO_MANDATE).hexdigest(),
             "f": date(today.year, 1, 1), "u": until})
        return f"{org[1]} has an active mandate until {until}"
