"""Reading certificates in the API shape, one by id or a filtered page, within the tenancy rule."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson
from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.certificates import plausibility
from geoservice.certificates.rules import volume_check
from geoservice.errors import NotFound
from geoservice.ids import canonical
from geoservice.spatial.crs import LKS92, WGS84, crs_name

_CERT_SQL = """
SELECT c.id::text AS id, c.ca_number, c.source, c.issued_on, c.valid_until, c.felling_from,
       c.felling_to, c.place, c.status, c.verdict, c.version,
       c.organisation_id::text AS organisation_id, c.created_at, c.updated_at
FROM certificates c WHERE c.id = ANY(CAST(:ids AS uuid[]))
"""


@cache
def sql(name: str) -> str:
    """A named SQL file of this package."""
    return resources.files("geoservice.certificates").joinpath("sql", name).read_text("utf-8")


def not_found(cert_id: str) -> NotFound:
    return NotFound(f"Certificate {cert_id} was not found.", code="certificate_not_found")


def parse_id(cert_id: str) -> str:
    """The id as a canonical UUID string; anything else is simply not found."""
    canonical_id = canonical(cert_id)
    if canonical_id is None:
        raise not_found(cert_id)
    return canonical_id


# In statements, but only in drafts or rejected ones: its data may still be corrected (the
# statement then sees the new version and asks for a rebuild before it is sent).
_CORRECTABLE = ("(EXISTS (SELECT 1 FROM statement_certificates sc JOIN statements s ON s.id = "
                "sc.statement_id WHERE sc.certificate_id = c.id) AND NOT EXISTS (SELECT 1 FROM "
                "statement_certificates sc JOIN statements s ON s.id = sc.statement_id WHERE "
                "sc.certificate_id = c.id AND s.status NOT IN ('draft', 'rejected')))")


def visible_row(
    conn: Connection, principal: Principal, cert_id: str, *, lock: bool = False
) -> dict[str, Any]:
    """The certificate's row when the principal may see it; 404 otherwise (same for others')."""
    where, params = principal.org_filter("c.organisation_id")
    if lock:
        # The statements holding the certificate first (the order submit and resubmit take):
        # a statement being validated or submitted is waited for, and then ``correctable``
        # below sees its status as that transaction left it (a queued statement's certificate
        # is no longer correctable), never a validation that missed this edit.
        conn.execute(text(
            "SELECT s.id FROM statements s JOIN statement_certificates sc ON sc.statement_id = "
            "s.id WHERE sc.certificate_id = CAST(:id AS uuid) ORDER BY s.id "
            "FOR NO KEY UPDATE OF s"), {"id": parse_id(cert_id)})
    row = conn.execute(
        text(f"SELECT c.id::text AS id, c.ca_number, c.status, c.version, "
             f"c.organisation_id::text AS organisation_id, {_CORRECTABLE} AS correctable "
             f"FROM certificates c "
             f"WHERE c.id = CAST(:id AS uuid) AND {where}{' FOR UPDATE' if lock else ''}"),
        {"id": parse_id(cert_id), **params},
    ).mappings().first()
    if row is None:
        raise not_found(cert_id)
    return dict(row)


def _total_check(areas: list[dict[str, Any]]) -> dict[str, Any]:
    planned = sum(a["volume_check"]["planned_m3"] for a in areas)
    accounted = sum(a["volume_check"]["accounted_m3"] for a in areas)
    return volume_check(planned, accounted)


def load(conn: Connection, ids: list[str], epsg: int = WGS84) -> list[dict[str, Any]]:
    """Certificates in the API shape, in the order of ``ids`` (no tenancy check here)."""
    if not ids:
        return []
    certs = {r["id"]: dict(r)
             for r in conn.execute(text(_CERT_SQL), {"ids": ids}).mappings().all()}
    areas: dict[str, list[dict[str, Any]]] = {i: [] for i in certs}
    for row in conn.execute(
            text(sql("areas.sql")), {"ids": ids, "epsg": epsg}).mappings().all():
        area = dict(row)
        area["geometry"] = orjson.loads(area["geometry"])
        area["confirmed_warnings"] = plausibility.described(area["confirmed_warnings"])
        areas[area.pop("certificate_id")].append(area)
    out: list[dict[str, Any]] = []
    for cert_id in ids:
        if cert_id not in certs:
            continue
        cert = certs[cert_id]
        for area in areas[cert_id]:
            planned = sum(v["planned_m3"] if v["planned_m3"] is not None else v["m3"]
                          for v in area["volumes"])
            area["volume_check"] = volume_check(planned, sum(v["m3"] for v in area["volumes"]))
        cert["crs"] = crs_name(epsg)
        cert["areas"] = areas[cert_id]
        cert["volume_check"] = _total_check(areas[cert_id])
        out.append(cert)
    return out


def get(conn: Connection, principal: Principal, cert_id: str, epsg: int = WGS84) -> dict[str, Any]:
    row = visible_row(conn, principal, cert_id)
    return load(conn, [row["id"]], epsg)[0]


# Search totals are exact up to this many matches; above it ``total`` is COUNT_CAP + 1.
COUNT_CAP = 1_000


@dataclass(frozen=True)
class Filters:
    """Search parameters of ``GET /api/v1/certificates`` (already validated)."""

    q: str | None = None
    status: str | None = None
    verdict: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    bbox_epsg: int = WGS84
    limit: int = 50
    offset: int = 0


# Characters that can match a CA number case-insensitively: its own (CHECK in migration 003) and
# the two that Unicode lowercases into ASCII letters (U+0130 to i, KELVIN SIGN to k).
_CA_CHARS = frozenset(string.ascii_letters + string.digits + "/-\u0130\u212a")


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    conn: Connection, principal: Principal, f: Filters, epsg: int = WGS84
) -> tuple[list[dict[str, Any]], int]:
    """A page of visible certificates and the total number that match."""
    # Plans for these values, not generic ones: psycopg prepares a statement after five runs and
    # a generic plan guesses status = $1 matches a quarter of the rows (seq scan for 'ready').
    conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    where, tenant = principal.org_filter("c.organisation_id")
    clauses = [where]
    params: dict[str, Any] = dict(tenant, limit=f.limit, offset=f.offset)
    q = (f.q or "").strip()
    # A number: CA number or cadastral designation prefix (_number_matches). Words: a place, often
    # common, so walking the page index stops early (index-only: migration 011); a word with a
    # character no CA number has (a space, ā, …) is compared with the place only.
    number = any(ch.isdigit() for ch in q)
    if q:
        params.update(prefix=_like(q) + "%", contains="%" + _like(q) + "%")
    if q and not number:
        clauses.append("(c.ca_number ILIKE :prefix OR c.place ILIKE :contains)"
                       if _CA_CHARS.issuperset(q) else "c.place ILIKE :contains")
    if f.status:
        clauses.append("c.status = :status")
        params["status"] = f.status
    if f.verdict:
        clauses.append("c.verdict = :verdict")
        params["verdict"] = f.verdict
    if f.bbox:
        params.update(zip(("x0", "y0", "x1", "y1"), f.bbox, strict=True))
        envelope = "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3059)" if f.bbox_epsg == LKS92 else \
            "ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), 3059)"
        clauses.append(
            f"c.id IN (SELECT b.certificate_id FROM felling_areas b "
            f"WHERE ST_Intersects(b.geom, {envelope}))")
    matches = _number_matches(clauses) if number else \
        f"(SELECT c.id, c.created_at FROM certificates c WHERE {' AND '.join(clauses)})"
    ids = list(conn.execute(
        text(sql("search.sql").format(matches=matches)), params).scalars().all())
    if len(ids) < f.limit and (ids or not f.offset):
        total = f.offset + len(ids)
    else:
        total = _count(conn, matches, params)
    return load(conn, ids, epsg), total


def _number_matches(clauses: list[str]) -> str:
    """Rows whose CA number or a felling area's cadastral designation starts with :prefix.

    Both are selective, so each branch reads its own prefix index and only the matches are sorted.
    As one OR the planner walked the page index past tens of thousands of rows; as ids looked up
    again by primary key (``id = ANY``) every match cost three index probes. The second branch
    leaves out what the first returned, so no duplicate elimination is needed.
    ``lower(x) LIKE lower(p)`` is how PostgreSQL evaluates ``x ILIKE p`` in a UTF-8 database,
    written out so that certificates_ca_lower_idx (migration 011) serves it as a range scan.
    """
    where = " AND ".join(clauses)
    ca_match = "lower(c.ca_number) LIKE lower(:prefix)"
    return (f"(SELECT c.id, c.created_at FROM certificates c WHERE {where} AND {ca_match} "
            f"UNION ALL SELECT c.id, c.created_at FROM certificates c WHERE {where} "
            f"AND c.id = ANY(ARRAY(SELECT certificate_id FROM felling_areas "
            f"WHERE cadastral_designation LIKE :prefix)) AND NOT {ca_match})")


def _count(conn: Connection, matches: str, params: dict[str, Any]) -> int:
    """Matches counted up to COUNT_CAP + 1: beyond that, exact totals cost more than a page."""
    return int(conn.execute(text(
        f"SELECT count(*) FROM (SELECT 1 FROM {matches} AS m LIMIT {COUNT_CAP + 1}) AS n"),
        params).scalar_one())
