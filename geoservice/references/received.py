"""The buyer's register: every reference/verification pair an organisation received.

Pairs come from EUDR-X documents (JSON, XML, CSV), a CSV of pairs, an enriched XML document,
or typed in. A document is stored whole or not at all: every pair is checked first, then all
are verified in one call (``pairs.verify_pairs``, throttled and logged) and inserted in the
same transaction. Receiving the same pair for the same order item again only refreshes its
verification. Rows are kept at least five years: the table's trigger refuses deleting them
earlier and changing what was received; only the ``last_*`` verification columns change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import ValidationFailed
from geoservice.references import pairs
from geoservice.references.say import say
from geoservice.references.throttle import Caller, Logged, record
from geoservice.settings import VerifySettings

_NUMBER = re.compile(r"^[0-9A-Za-z-]{5,40}$")
_LIMITS = {"supplier_name": 200, "supplier_reg_no": 40, "supplier_country": 2,
           "order_reference": 100, "item_reference": 100, "production_reference": 100,
           "container_reference": 100, "taric_document_code": 4, "document_identifier": 100}
SOURCES = ("eudr-x-json", "eudr-x-xml", "eudr-x-csv", "csv", "xml", "manual")
COLUMNS = (
    "id", "received_on", "supplier_name", "supplier_reg_no", "order_reference",
    "item_reference", "production_reference", "container_reference", "reference_number",
    "verification_number", "taric_document_code", "source", "last_result", "last_status",
    "last_verified_at", "keep_until",
)


@dataclass
class Incoming:
    """One received pair with what came with it."""

    reference_number: str
    verification_number: str
    supplier_name: str = ""
    supplier_reg_no: str = ""
    supplier_country: str = ""
    order_reference: str = ""
    item_reference: str = ""
    production_reference: str = ""
    container_reference: str = ""
    taric_document_code: str = ""
    document_identifier: str = ""
    received_on: date | None = field(default=None)


def from_eudrx(doc: dict[str, Any]) -> list[Incoming]:
    operator = doc["operator"]
    item = doc["order_item"]
    meta = doc["document_meta"]
    day = datetime.fromisoformat(meta["submission_date"].replace("Z", "+00:00")).date()
    return [Incoming(
        s["reference_number"], s["verification_number"],
        supplier_name=operator["company_name"], supplier_country=operator["address"]["country"],
        order_reference=item["order_reference"], item_reference=item["item_reference"],
        production_reference=item.get("production_reference", ""),
        container_reference=s.get("serial_shipping_container_reference", ""),
        taric_document_code=operator["eudr_details"]["taric_document_code"],
        document_identifier=meta.get("identifier", ""), received_on=day,
    ) for s in doc["referenced_eudr_statements"]]


def check(incoming: Sequence[Incoming]) -> None:
    """422 naming the first bad row and field; nothing is stored then."""
    bad: list[dict[str, object]] = []
    for index, entry in enumerate(incoming):
        for name in ("reference_number", "verification_number"):
            value = getattr(entry, name)
            if not _NUMBER.match(value):
                bad.append({"row": index + 1, "field": name, "value": value[:60],
                            "message": "5 to 40 letters, digits or hyphens"})
        for name, limit in _LIMITS.items():
            value = getattr(entry, name)
            if len(value) > limit or any(ord(c) < 32 for c in value):
                bad.append({"row": index + 1, "field": name, "value": value[:60],
                            "message": f"at most {limit} printable characters"})
    if bad:
        first = bad[0]
        raise ValidationFailed(
            say("invalid_pair", row=first["row"], field=first["field"],
                value=repr(first["value"]), rule=first["message"]),
            code="invalid_received_pair",
            details=bad[:100])
    if not incoming:
        raise ValidationFailed(say("no_pairs"), code="no_pairs")


_UPSERT = """
INSERT INTO received_pairs (organisation_id, reference_number, verification_number,
    supplier_name, supplier_reg_no, supplier_country, order_reference, item_reference,
    production_reference, container_reference, taric_document_code, document_identifier,
    source, received_on, created_by, last_result, last_status, last_source, last_verified_at)
VALUES (CAST(:org AS uuid), :reference_number, :verification_number, :supplier_name,
    :supplier_reg_no, :supplier_country, :order_reference, :item_reference,
    :production_reference, :container_reference, :taric_document_code, :document_identifier,
    :source, coalesce(CAST(:received_on AS date), current_date), CAST(:user AS uuid), :result,
    :status, 'records', now())
ON CONFLICT (organisation_id, reference_number, verification_number, order_reference,
             item_reference)
DO UPDATE SET last_result = EXCLUDED.last_result, last_status = EXCLUDED.last_status,
              last_source = 'records', last_verified_at = now()
RETURNING id::text, (xmax = 0) AS inserted
"""


def receive(conn: Connection, principal: Principal, caller: Caller, limits: VerifySettings,
            source: str, incoming: Sequence[Incoming]) -> dict[str, Any]:
    """Store and verify the pairs of one document; the register rows and a summary."""
    assert source in SOURCES
    check(incoming)
    results = pairs.verify_pairs(conn, caller, limits, "received",
                                 [(i.reference_number, i.verification_number) for i in incoming])
    items: list[dict[str, Any]] = []
    new = 0
    for entry, result in zip(incoming, results, strict=True):
        row = conn.execute(text(_UPSERT), {
            **asdict(entry), "org": principal.organisation_id, "user": principal.user_id,
            "source": source, "result": result.result, "status": result.status}).one()
        new += bool(row.inserted)
        items.append({"id": row.id, "reference_number": entry.reference_number,
                      "order_reference": entry.order_reference,
                      "item_reference": entry.item_reference, "result": result.result,
                      "status": result.status, "new": bool(row.inserted)})
    return {"stored": new, "already_registered": len(items) - new, "items": items}


def _where(principal: Principal, q: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    own, tenancy = principal.org_filter("organisation_id")
    params: dict[str, Any] = dict(tenancy)
    clauses = [own]
    if q.get("supplier"):
        clauses.append("supplier_name ILIKE :supplier")
        params["supplier"] = f"%{q['supplier']}%"
    if q.get("q"):
        clauses.append("(reference_number ILIKE :q OR order_reference ILIKE :q "
                       "OR item_reference ILIKE :q OR production_reference ILIKE :q)")
        params["q"] = f"%{q['q']}%"
    if q.get("result"):
        clauses.append("last_result = :result")
        params["result"] = q["result"]
    if q.get("from"):
        clauses.append("received_on >= CAST(:day_from AS date)")
        params["day_from"] = q["from"]
    if q.get("to"):
        clauses.append("received_on <= CAST(:day_to AS date)")
        params["day_to"] = q["to"]
    if q.get("ids"):
        clauses.append("id = ANY(CAST(:ids AS uuid[]))")
        params["ids"] = list(q["ids"])
    return " AND ".join(clauses), params


def listing(conn: Connection, principal: Principal, q: dict[str, Any], *,
            limit: int | None, offset: int = 0) -> Iterator[dict[str, Any]]:
    where, params = _where(principal, q)
    rows = conn.execution_options(stream_results=True, yield_per=2000).execute(text(
        f"SELECT {', '.join(COLUMNS)} FROM received_pairs WHERE {where} "
        "ORDER BY received_on DESC, created_at DESC, id LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset}).mappings()
    for row in rows:
        yield {k: (v.isoformat() if isinstance(v, date | datetime) else
                   str(v) if k == "id" else v) for k, v in row.items()}


def _targets(conn: Connection, where: str, params: dict[str, Any]
             ) -> list[tuple[str, str, str, str]]:
    rows = conn.execute(text(
        f"SELECT id::text, organisation_id::text, reference_number, verification_number "
        f"FROM received_pairs WHERE {where} ORDER BY id"), params)
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def _store_results(conn: Connection, ids: Sequence[str], results: Sequence[tuple[str, str | None]],
                   source: str) -> None:
    if not ids:
        return
    conn.execute(text(
        "UPDATE received_pairs r SET last_result = t.res, last_status = t.st, "
        "last_source = :source, last_verified_at = now() FROM unnest(CAST(:ids AS uuid[]), "
        "CAST(:results AS text[]), CAST(:statuses AS text[])) AS t(id, res, st) "
        "WHERE r.id = t.id"), {"ids": list(ids), "results": [r[0] for r in results],
                               "statuses": [r[1] for r in results], "source": source})


def reverify(conn: Connection, caller: Caller, limits: VerifySettings, where: str,
             params: dict[str, Any]) -> dict[str, int]:
    """Verify the chosen register rows again from our records; counts per result."""
    targets = _targets(conn, where, params)
    results = pairs.verify_pairs(conn, caller, limits, "reverify",
                                 [(t[2], t[3]) for t in targets], throttled=False)
    _store_results(conn, [t[0] for t in targets], [(r.result, r.status) for r in results],
                   "records")
    return _count([r.result for r in results])


def reverify_traces(conn: Connection, caller: Caller, where: str, params: dict[str, Any],
                    ask: Any) -> dict[str, int]:
    """Verify the chosen rows again by asking TRACES (``ask(ref, ver)`` → verify answer)."""
    targets = _targets(conn, where, params)
    answers = [ask(t[2], t[3]) for t in targets]
    outcome = [(str(a["result"]), None if a["status"] is None else str(a["status"]))
               for a in answers]
    _store_results(conn, [t[0] for t in targets], outcome, "traces")
    record(conn, caller, "reverify", "traces",
           [Logged(t[2], r, s, None) for t, (r, s) in zip(targets, outcome, strict=True)])
    return _count([r for r, _ in outcome])


def _count(results: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return counts


def scope(principal: Principal, ids: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """The rows a principal re-verifies: its own register (all when ``ids`` is None, else
    exactly the ids given, so an empty or unknown list matches nothing)."""
    if ids is None:
        return _where(principal, {})
    where, params = _where(principal, {})
    return f"{where} AND id = ANY(CAST(:ids AS uuid[]))", {**params, "ids": list(ids)}


def all_due(hours: float) -> tuple[str, dict[str, Any]]:
    """Every organisation's rows not verified in the last ``hours`` (the nightly run)."""
    return ("(last_verified_at IS NULL OR last_verified_at < now() - "
            "make_interval(secs => :secs))", {"secs": hours * 3600})
