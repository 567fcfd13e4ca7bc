"""Run the checks for one certificate or a batch, inside the caller's transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from geoservice.checks import facts, rules, store
from geoservice.checks.model import Thresholds
from geoservice.checks.store import CheckOutcome
from geoservice.errors import NotFound, ValidationFailed
from geoservice.layers.registry import current_layers
from geoservice.settings import CheckSettings


def check_certificates(
    conn: Connection, certificate_ids: list[str], settings: CheckSettings | None = None, *,
    by_user: str | None = None, today: date | None = None, strict: bool = False,
) -> list[CheckOutcome]:
    """Check every felling area of the certificates and record runs, findings and verdicts.

    ``strict``: a missing certificate or one without felling areas raises (the API case);
    otherwise such certificates are skipped (the batch case).
    """
    th = Thresholds.of(settings or CheckSettings())
    certs = facts.certificates(conn, certificate_ids)
    if strict and len(certs) < len(set(certificate_ids)):
        raise NotFound("The certificate was not found.", code="certificate_not_found")
    layers = current_layers(conn)
    batch = facts.areas(conn, [c.id for c in certs])
    grouped = facts.by_certificate(batch)
    if strict and any(c.id not in grouped for c in certs):
        raise ValidationFailed(
            "This certificate has no felling area to check; add the areas' geometry first.",
            code="certificate_without_areas")
    facts.add_vector_facts(conn, batch, layers)
    facts.add_forest_facts(batch, layers, th)
    today = today or date.today()
    outcomes = [
        CheckOutcome(c, grouped[c.id], rules.evaluate(c, grouped[c.id], layers, th, today))
        for c in certs if c.id in grouped
    ]
    store.save(conn, outcomes, {lay.id: lay.version for lay in layers}, th.as_dict(), by_user)
    return outcomes


def check_certificate(
    conn: Connection, certificate_id: str, settings: CheckSettings | None = None, *,
    by_user: str | None = None, today: date | None = None,
) -> CheckOutcome:
    return check_certificates(conn, [certificate_id], settings, by_user=by_user, today=today,
                              strict=True)[0]
