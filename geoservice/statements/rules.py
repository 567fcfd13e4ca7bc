"""The service's own gates before a statement goes to TRACES: clear checks and a mandate.

``geoservice.statements.prevalidate`` gathers these with every other rule into one list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, text

VOLUME_TOLERANCE_M3 = 0.001
Gate = Callable[[Connection, str], tuple[bool, str]]

_OPEN_FINDINGS = text("""
SELECT count(*) FROM findings
WHERE certificate_id = CAST(:cid AS uuid) AND status = 'open' AND severity IN ('flag', 'block')
""")
_MANDATE = text("""
SELECT 1 FROM mandates WHERE organisation_id = CAST(:org AS uuid) AND status = 'active'
  AND valid_from <= coalesce(CAST(:today AS date), CURRENT_DATE)
  AND valid_until >= coalesce(CAST(:today AS date), CURRENT_DATE) LIMIT 1
""")


def _checks_gate() -> Gate | None:
    """The checks engineer's ``submittable(conn, certificate_id)``, once it exists."""
    for name in ("geoservice.checks.review", "geoservice.checks"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        gate = getattr(module, "submittable", None)
        if callable(gate):
            return gate  # type: ignore[no-any-return]
    return None


def certificate_clear(conn: Connection, certificate_id: str, verdict: str) -> tuple[bool, str]:
    gate = _checks_gate()
    if gate is not None:
        return gate(conn, certificate_id)
    if verdict != "clear":
        return False, f"the check verdict is {verdict}, not clear"
    if conn.execute(_OPEN_FINDINGS, {"cid": certificate_id}).scalar_one():
        return False, "it has open findings to review"
    return True, ""


def has_active_mandate(conn: Connection, org_id: str, today: date | None = None) -> bool:
    """An active mandate on ``today``, by default the database's date: the server queueing a
    statement and the worker sending it agree on the day whatever their own clocks say."""
    found = conn.execute(_MANDATE, {"org": org_id, "today": today}).first()
    return found is not None
