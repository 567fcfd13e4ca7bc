"""Correcting volumes ("Varam vēl labot apjomus") and splitting them over HS headings.

The certificate's planned volume per species is kept (``planned_m3``) so the deviation of the
accounted volume can always be shown; a species dropped from the list stays with 0 m³.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.certificates.read import visible_row
from geoservice.certificates.rules import (
    check_density,
    check_products,
    check_species,
    ensure_editable,
    share_products,
)
from geoservice.certificates.schemas import VolumesIn
from geoservice.certificates.write import ENTITY, bump
from geoservice.errors import ValidationFailed

_AREAS = text("SELECT id::text AS id, cirsma, area_ha::float8 AS area_ha FROM felling_areas "
              "WHERE certificate_id = CAST(:c AS uuid) ORDER BY cirsma")
_VOLUMES = text("SELECT species_code, m3::float8 AS m3, planned_m3::float8 AS planned_m3 "
                "FROM area_volumes WHERE area_id = CAST(:a AS uuid)")
_PRODUCTS = text("SELECT hs_code, m3::float8 AS m3 FROM area_products "
                 "WHERE area_id = CAST(:a AS uuid) ORDER BY hs_code")


def _fail(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code=code, details=[{"field": field}])


def set_volumes(conn: Connection, principal: Principal, cert_id: str, body: VolumesIn) -> str:
    """Replace the volumes (and product split) of the named areas; returns the certificate id."""
    row = visible_row(conn, principal, cert_id, lock=True)
    cert_id = row["id"]
    ensure_editable(row["status"], row["ca_number"], "volumes",
                    correctable=row["correctable"])
    areas = {r["cirsma"]: dict(r) for r in conn.execute(_AREAS, {"c": cert_id}).mappings()}
    if body.products is not None and any(a.products for a in body.areas):
        raise _fail("products", "give the product split either for the whole certificate or "
                    "per area, not both.", "products_twice")
    seen: set[int] = set()
    new_totals: dict[int, float] = {}
    for i, a in enumerate(body.areas):
        field = f"areas[{i}]"
        if a.cirsma not in areas:
            raise _fail(f"{field}.cirsma", f"the certificate has no felling area {a.cirsma} "
                        f"(it has {', '.join(str(n) for n in areas)}).", "area_not_found")
        if a.cirsma in seen:
            raise _fail(f"{field}.cirsma", f"felling area {a.cirsma} is listed twice.",
                        "duplicate_cirsma")
        seen.add(a.cirsma)
        check_species(a.volumes, f"{field}.volumes")
        total = sum(v.m3 for v in a.volumes)
        check_density(total, areas[a.cirsma]["area_ha"], f"{field}.volumes")
        if body.products is None and "products" in a.model_fields_set:
            check_products(a.products, total, f"{field}.products")
        elif body.products is None:
            kept = [_Kept(h, m3) for h, m3 in _old_products(conn, areas[a.cirsma]["id"]).items()]
            try:
                check_products(kept, total, f"{field}.products")
            except ValidationFailed as e:
                raise _fail(f"{field}.products", e.message.split(": ", 1)[1] + " Send a new "
                            "split with the volumes.", "products_do_not_add_up") from None
        new_totals[a.cirsma] = total
    totals = [new_totals.get(n, _current_total(conn, areas[n]["id"])) for n in areas]
    shares = None
    if body.products is not None:
        check_products(body.products, sum(totals), "products")
        shares = dict(zip(areas, share_products(body.products, totals), strict=True))
    changes: dict[str, Any] = {}
    for a in body.areas:
        area_id = areas[a.cirsma]["id"]
        before = {r["species_code"]: dict(r) for r in conn.execute(_VOLUMES, {"a": area_id})
                  .mappings()}
        old_products = _old_products(conn, area_id)
        after = {v.species_code: v.m3 for v in a.volumes}
        rows = [{"a": area_id, "s": code, "m3": after.get(code, 0.0),
                 "p": before[code]["planned_m3"] if code in before else 0.0}
                for code in sorted(set(before) | set(after))]
        conn.execute(text("DELETE FROM area_volumes WHERE area_id = CAST(:a AS uuid)"),
                     {"a": area_id})
        if rows:
            conn.execute(text("INSERT INTO area_volumes (area_id, species_code, m3, planned_m3) "
                              "VALUES (CAST(:a AS uuid), :s, :m3, :p)"), rows)
        products = [(p.hs_code, p.m3) for p in a.products]
        changes[f"cirsma {a.cirsma}"] = {
            "volumes": {"before": {str(k): v["m3"] for k, v in before.items()},
                        "after": {str(k): v for k, v in after.items()}},
        }
        if shares is None and "products" in a.model_fields_set:
            _replace_products(conn, area_id, products)
            changes[f"cirsma {a.cirsma}"]["products"] = {"before": old_products,
                                                         "after": dict(products)}
    if shares is not None:
        for cirsma, split in shares.items():
            _replace_products(conn, areas[cirsma]["id"], split)
        changes["products"] = {"after": {p.hs_code: p.m3 for p in body.products or []}}
    bump(conn, cert_id)
    audit.record(conn, principal, entity=ENTITY, entity_id=cert_id, action="volumes_changed",
                 changes=changes, organisation_id=row["organisation_id"])
    return cert_id


class _Kept(NamedTuple):
    hs_code: str
    m3: float


def _old_products(conn: Connection, area_id: str) -> dict[str, float]:
    return {r["hs_code"]: r["m3"] for r in conn.execute(_PRODUCTS, {"a": area_id}).mappings()}


def _current_total(conn: Connection, area_id: str) -> float:
    return float(sum(r["m3"] for r in conn.execute(_VOLUMES, {"a": area_id}).mappings()))


def _replace_products(conn: Connection, area_id: str, products: list[tuple[str, float]]) -> None:
    conn.execute(text("DELETE FROM area_products WHERE area_id = CAST(:a AS uuid)"),
                 {"a": area_id})
    if products:
        conn.execute(text("INSERT INTO area_products (area_id, hs_code, m3) "
                          "VALUES (CAST(:a AS uuid), :h, :m3)"),
                     [{"a": area_id, "h": h, "m3": m3} for h, m3 in products])
