"""Builders of the reference tests: certificates with statements inserted directly."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from tests.factories import certificate, store_certificate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_ALNUM = string.ascii_uppercase + string.digits


def reference_number() -> str:
    return "26LV" + "".join(secrets.choice(_ALNUM) for _ in range(10))


def verification_number() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(8))


def ca_number() -> str:
    return f"CA-{secrets.token_hex(6).upper()}"


@dataclass(frozen=True)
class Stored:
    certificate_id: str
    ca_number: str
    statement_id: str | None
    reference: str | None
    verification: str | None


def make_statement(engine: Engine, org_id: str, certificate_ids: Sequence[str], *,
                   status: str = "available", buyers: Sequence[str] = (),
                   at: datetime | None = None) -> tuple[str, str | None, str | None]:
    """A statement row as the statements engineer's code would leave it."""
    numbered = status in ("available", "withdrawn", "rejected")
    ref = reference_number() if numbered else None
    ver = verification_number() if numbered else None
    when = at or datetime.now(UTC)
    with engine.begin() as conn:
        sid = str(conn.execute(text(
            "INSERT INTO statements (organisation_id, internal_reference, status, "
            "reference_number, verification_number, simulated, submitted_at, available_at) "
            "VALUES (CAST(:org AS uuid), :ir, :status, :ref, :ver, true, :sub, :avail) "
            "RETURNING id"), {
                "org": org_id, "ir": f"GS-{secrets.token_hex(5).upper()}", "status": status,
                "ref": ref, "ver": ver,
                "sub": when if status != "draft" else None,
                "avail": when if status == "available" else None,
            }).scalar_one())
        for cid in certificate_ids:
            conn.execute(text("INSERT INTO statement_certificates VALUES "
                              "(CAST(:s AS uuid), CAST(:c AS uuid), 1)"), {"s": sid, "c": cid})
        for reg in buyers:
            conn.execute(text("INSERT INTO statement_buyers VALUES (CAST(:s AS uuid), :r)"),
                         {"s": sid, "r": reg})
    return sid, ref, ver


def stored(engine: Engine, org_id: str, *, status: str | None = "available",
           buyers: Sequence[str] = (), areas: int = 1, ca: str | None = None,
           at: datetime | None = None) -> Stored:
    """A certificate of ``org_id``, in a statement of ``status`` (None: in no statement)."""
    number = ca or ca_number()
    cid = store_certificate(engine, org_id, certificate(areas, ca_number=number))
    if status is None:
        return Stored(cid, number, None, None, None)
    sid, ref, ver = make_statement(engine, org_id, [cid], status=status, buyers=buyers, at=at)
    return Stored(cid, number, sid, ref, ver)
