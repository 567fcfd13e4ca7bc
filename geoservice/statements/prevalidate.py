"""Pre-validation: every rule we can know before TRACES sees a statement, in one place.

``problems`` lists them all at once (never only the first), each with a stable code, the field
it is about, a message in Latvian and English, and where it is fixed (organisation profile,
mandate, certificate check, volumes, outline, or the statement itself). The TRACES business
rules come from ``geoservice.traces.rules``, the module the simulator judges by too; ours add
what TRACES would refuse but says less precisely (the represented operator field by field),
the service's own gates (clear checks, an active mandate, the certificate as prepared) and the
10 % rule of the Latvian law on accounting of round timber.

``validate`` answers the list; ``ensure_valid`` is what submit, amend and the worker call
right before queueing or sending: 422 with the same list when any error remains.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.certificates.rules import volume_check
from geoservice.errors import ValidationFailed
from geoservice.i18n import Bilingual, pick_language
from geoservice.settings import Settings
from geoservice.statements import builder, connect, rules, store
from geoservice.statements.builder import Built
from geoservice.statements.messages import traces_message
from geoservice.traces import rules as traces_rules
from geoservice.traces.geojson import encode_geojson
from geoservice.traces.limits import MAX_GEO_BYTES

Severity = Literal["error", "warning"]
ORGANISATION_PAGE = "/organisation"

_CERTS = text("""
SELECT c.id::text AS id, c.ca_number, c.verdict, c.version, sc.certificate_version
FROM statement_certificates sc JOIN certificates c ON c.id = sc.certificate_id
WHERE sc.statement_id = CAST(:sid AS uuid) ORDER BY c.ca_number
""")
_AREA_VOLUMES = text("""
SELECT c.id::text AS certificate_id, c.ca_number, a.cirsma,
       coalesce((SELECT sum(m3) FROM area_volumes v WHERE v.area_id = a.id), 0)::float AS vol,
       coalesce((SELECT sum(coalesce(planned_m3, m3)) FROM area_volumes v
                 WHERE v.area_id = a.id), 0)::float AS planned,
       coalesce((SELECT sum(m3) FROM area_products p WHERE p.area_id = a.id), 0)::float AS prod
FROM statement_certificates sc
JOIN felling_areas a ON a.certificate_id = sc.certificate_id
JOIN certificates c ON c.id = a.certificate_id
WHERE sc.statement_id = CAST(:sid AS uuid) ORDER BY c.ca_number, a.cirsma
""")
_ORG = text("SELECT id::text AS id, name, reg_no, vat_no, eori, street, city, postal_code, "
            "country FROM organisations WHERE id = CAST(:org AS uuid)")
_ORG_FIELDS = (
    ("name", "nosaukums", "name"),
    ("street", "iela un mājas numurs", "street and house number"),
    ("postal_code", "pasta indekss", "postal code"),
    ("city", "pilsēta vai pagasts", "city"),
    ("country", "valsts", "country"),
)


@dataclass(frozen=True)
class Problem:
    """One thing to fix; ``fix`` names the place (``href`` the page that fixes it)."""

    code: str
    field: str
    lv: str
    en: str
    fix: str
    href: str
    severity: Severity = "error"
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "severity": self.severity,
                "message": {"lv": self.lv, "en": self.en},
                "fix": {"where": self.fix, "href": self.href}, "details": self.details}


@dataclass
class Report:
    problems: list[Problem]
    built: Built | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _cert_href(cert_id: str, anchor: str) -> str:
    return f"/certificates/{cert_id}#{anchor}"


def _certificates(conn: Connection, st: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    for c in conn.execute(_CERTS, {"sid": st["id"]}).mappings():
        where = f"certificates[{c['ca_number']}]"
        if c["version"] != c["certificate_version"]:
            found.append(Problem(
                "certificate_changed", where,
                f"Apliecinājums {c['ca_number']} mainīts pēc deklarācijas sagatavošanas: "
                "pārbūvējiet deklarāciju, lai tā ņemtu jaunākos datus.",
                f"Certificate {c['ca_number']} changed after the statement was prepared: "
                "rebuild the statement so it takes the current data.",
                "statement", f"/statements/{st['id']}#rebuild-statement",
                details={"certificate_id": c["id"], "ca_number": c["ca_number"],
                         "prepared_version": c["certificate_version"], "version": c["version"]}))
        ok, reason = rules.certificate_clear(conn, c["id"], c["verdict"])
        reason = reason.rstrip(". ")
        if not ok:
            found.append(Problem(
                "certificate_not_clear", f"{where}.verdict",
                f"Apliecinājuma {c['ca_number']} pārbaudei jābūt bez atzīmēm (vai atzīmēm "
                f"jābūt izskatītām): {reason}.",
                f"The checks of certificate {c['ca_number']} must be clear (or cleared by "
                f"review): {reason}.",
                "certificate", _cert_href(c["id"], "check-title"),
                details={"certificate_id": c["id"], "ca_number": c["ca_number"],
                         "reason": reason}))
    return found


def _volumes(conn: Connection, st: dict[str, Any]) -> list[Problem]:
    """Products add up to species volumes; the 10 % rule of Art. 8(2)–(3) as a warning."""
    found: list[Problem] = []
    for r in conn.execute(_AREA_VOLUMES, {"sid": st["id"]}).mappings():
        where = f"certificates[{r['ca_number']}].areas[{r['cirsma']}]"
        label = f"CA {r['ca_number']}, cirsma {r['cirsma']}"
        base = {"certificate_id": r["certificate_id"], "ca_number": r["ca_number"],
                "cirsma": r["cirsma"]}
        href = _cert_href(r["certificate_id"], "volumes")
        if abs(r["vol"] - r["prod"]) > rules.VOLUME_TOLERANCE_M3 or r["prod"] <= 0:
            found.append(Problem(
                "volumes_inconsistent", f"{where}.products",
                f"{label}: produktu apjomiem ({r['prod']:g} m³) jāsakrīt ar sugu apjomiem "
                f"({r['vol']:g} m³).",
                f"{label}: product volumes ({r['prod']:g} m³) must add up to the species "
                f"volumes ({r['vol']:g} m³).",
                "volumes", href,
                details={**base, "products_m3": r["prod"], "volumes_m3": r["vol"]}))
        check = volume_check(r["planned"], r["vol"])
        if not check["within_tolerance"] and r["vol"] > 0:
            found.append(Problem(
                "volume_deviation_over_10_percent", f"{where}.volumes",
                f"{label}: uzskaitītais apjoms {r['vol']:g} m³ atšķiras no apliecinājumā "
                f"plānotā {r['planned']:g} m³ vairāk nekā par pieļaujamajiem 10 %; deklarēts "
                "tiks uzskaitītais apjoms (Koku un apaļo kokmateriālu uzskaites likuma 8. "
                "pants). Pārliecinieties, ka tas ir izmērītais apjoms.",
                f"{label}: the accounted volume {r['vol']:g} m³ differs from the planned "
                f"{r['planned']:g} m³ by more than the permitted 10 %; the accounted volume "
                "is declared (Art. 8 of the law on accounting of round timber). Make sure "
                "it is the measured volume.",
                "volumes", href, severity="warning",
                details={**base, "planned_m3": check["planned_m3"],
                         "accounted_m3": check["accounted_m3"],
                         "deviation_percent": check["deviation_percent"]}))
    return found


def _mandate(conn: Connection, st: dict[str, Any]) -> list[Problem]:
    if rules.has_active_mandate(conn, st["organisation_id"]):
        return []
    return [Problem(
        "mandate_required", "mandate",
        "Organizācijai nav šodien derīga pilnvarojuma, kas ļauj mums iesniegt deklarācijas "
        "TRACES tās vārdā: augšupielādējiet parakstītu pilnvaru un gaidiet aktivizēšanu.",
        "The organisation has no mandate valid today authorising us to submit statements to "
        "TRACES on its behalf: upload the signed authorisation and wait for activation.",
        "mandate", "/mandate")]


def _organisation(conn: Connection, st: dict[str, Any]) -> list[Problem]:
    """The represented operator, field by field (TRACES names only the whole block)."""
    org = conn.execute(_ORG, {"org": st["organisation_id"]}).mappings().one()
    found: list[Problem] = []
    for name, lv, en in _ORG_FIELDS:
        if not (org[name] or "").strip():
            found.append(Problem(
                "organisation_field_missing", f"organisation.{name}",
                f"Organizācijas profilā trūkst: {lv}. TRACES to prasa pārstāvētajam "
                "operatoram (EUDR_BEHALF_OPERATOR_NOT_PROVIDED).",
                f"The organisation profile lacks its {en}. TRACES requires it for the "
                "represented operator (EUDR_BEHALF_OPERATOR_NOT_PROVIDED).",
                "organisation", f"{ORGANISATION_PAGE}#{name}",
                details={"organisation_id": org["id"], "attribute": name}))
    country = (org["country"] or "").strip().upper()
    if country and len(country) != 2:
        found.append(Problem(
            "organisation_country_invalid", "organisation.country",
            f"Valsts kodam jābūt divu burtu ISO kodam (piem. LV), nevis {country!r}.",
            f"The country must be a two-letter ISO code (e.g. LV), not {country!r}.",
            "organisation", f"{ORGANISATION_PAGE}#country",
            details={"organisation_id": org["id"], "attribute": "country"}))
    ident = org["eori"] or org["vat_no"] or org["reg_no"] or ""
    if not ident.strip() or len(ident) > 80:
        found.append(Problem(
            "organisation_identifier_invalid", "organisation.identifier",
            "Organizācijai vajag identifikatoru (EORI, PVN vai reģistrācijas numuru, līdz 80 "
            "zīmēm).",
            "The organisation needs an identifier (EORI, VAT or registration number, up to "
            "80 characters).",
            "organisation", f"{ORGANISATION_PAGE}#vat_no",
            details={"organisation_id": org["id"], "attribute": "identifier"}))
    return found


def _geometry(built: Built) -> list[Problem]:
    return [Problem(
        "geometry_not_sendable",
        f"certificates[{p['ca_number']}].areas[{p['cirsma']}].geometry",
        f"{p['label']}: kontūru nevar nosūtīt uz TRACES: {p['message']}. Labojiet kontūru.",
        f"{p['label']}: the outline cannot be sent to TRACES: {p['message']}. Correct the "
        "outline.",
        "certificate", _cert_href(p["certificate_id"], "edit-tools"),
        details={k: p[k] for k in ("area_id", "certificate_id", "ca_number", "cirsma")})
        for p in built.geometry_problems]


def _commodity_href(built: Built, index: int) -> tuple[str, str]:
    """(field prefix, page) of the 1-based commodity: its HS code, the first certificate."""
    commodities = built.statement.commodities
    if not 1 <= index <= len(commodities):
        return "statement", "/certificates"
    hs = commodities[index - 1].hs_heading
    for area in built.areas:
        if hs in area.products:
            return f"commodities[{hs}]", _cert_href(area.certificate_id, "volumes")
    return f"commodities[{hs}]", "/certificates"


def _traces(built: Built, representative: bool, max_geo_bytes: int,
            organisation_checked: bool) -> list[Problem]:
    """The rules TRACES itself applies, on exactly what would be sent."""
    geometries = [[encode_geojson(p.geometry_geojson) if p.geometry_geojson else None
                   for p in c.producers] for c in built.statement.commodities]
    found: list[Problem] = []
    for error in traces_rules.check_statement(built.statement, geometries,
                                              representative=representative,
                                              max_geo_bytes=max_geo_bytes):
        if error.code == "EUDR_BEHALF_OPERATOR_NOT_PROVIDED" and organisation_checked:
            continue  # already named field by field
        wire_field = error.field or ""
        prefix, href, fix = "statement", "/certificates", "volumes"
        if wire_field.startswith("commodities["):
            index = int(wire_field[len("commodities["):wire_field.index("]")])
            prefix, href = _commodity_href(built, index)
            wire_field = wire_field[wire_field.index("]") + 1:].lstrip(".")
            if "geometryGeojson" in wire_field:
                fix = "certificate"
        elif wire_field == "representedOperator":
            prefix, href, fix = "organisation", ORGANISATION_PAGE, "organisation"
        lv, en = traces_message(error.code, error.message)
        found.append(Problem(
            error.code, f"{prefix}.{wire_field}".rstrip("."), lv, en, fix, href,
            details={"traces_id": error.id, "traces_field": error.field,
                     "traces_message": error.message}))
    return found


def _limits(built: Built, st: dict[str, Any], max_geo_bytes: int) -> list[Problem]:
    if built.limits.ok:
        return []
    groups = builder.split_suggestion(built, max_geo_bytes)
    needed = max(built.limits.statements_needed, len(groups))
    return [Problem(
        p.code, "certificate_ids",
        f"Deklarācija pārsniedz TRACES ierobežojumu ({p.message}); sadaliet to {needed} "
        "deklarācijās (ieteiktais apliecinājumu grupējums ir detaļās).",
        f"The statement is over a TRACES limit ({p.message}); split it into {needed} "
        "statements (a grouping of the certificates is in the details).",
        "statement", f"/statements/{st['id']}",
        details={"actual": p.actual, "limit": p.limit, "statements_needed": needed,
                 "certificate_groups": groups})
        for p in built.limits.problems]


def report(conn: Connection, settings: Settings, st: dict[str, Any],
           *, max_geo_bytes: int = MAX_GEO_BYTES) -> Report:
    """Every problem of the statement as it would be sent now."""
    account = connect.account_for(conn, settings, st["organisation_id"])
    representative = not account.own
    found = _certificates(conn, st) + _volumes(conn, st) + _mandate(conn, st)
    organisation_named = False
    if representative:
        named = _organisation(conn, st)
        organisation_named = bool(named)
        found += named
    built = builder.build(conn, st["organisation_id"], store.certificate_ids(conn, st["id"]),
                          st["internal_reference"], representative=representative,
                          max_geo_bytes=max_geo_bytes, strict=False)
    found += _geometry(built)
    # TRACES' own word on the represented operator is left out only when the fields are named
    # above; a profile emptied between that check and the build is still caught here.
    found += _traces(built, representative, max_geo_bytes,
                     organisation_checked=organisation_named)
    found += _limits(built, st, max_geo_bytes)
    return Report(found, built)


def validate(conn: Connection, settings: Settings, principal: Principal,
             statement_id: str) -> dict[str, Any]:
    """The answer of ``POST /statements/{id}/validate``: nothing is queued or written.

    The statement is held with a shared lock while it is checked: an edit of its certificates
    waits for the answer (and one under way is waited for), so the answer is about one state
    of the statement, never half before and half after an edit."""
    st = store.load(conn, principal, statement_id, share=True)
    result = report(conn, settings, st)
    return {"statement_id": st["id"], "status": st["status"], "valid": not result.errors,
            "errors": len(result.errors),
            "warnings": len(result.problems) - len(result.errors),
            "checked_at": datetime.now(UTC).isoformat(),
            "problems": [p.to_json() for p in result.problems]}


def ensure_valid(conn: Connection, settings: Settings, st: dict[str, Any],
                 language: str = "lv") -> Built:
    """The built statement, or 422 ``statement_invalid`` listing every problem."""
    result = report(conn, settings, st)
    if result.errors or result.built is None:
        n = len(result.errors)
        said = {"lv": f"Deklarāciju vēl nevar iesniegt: jānovērš {n} problēma(s). ",
                "en": f"The statement cannot be submitted yet: {n} problem(s) to fix. "}
        for lang in said:
            said[lang] += " ".join(getattr(p, lang) for p in result.errors[:3])
            if n > 3:
                said[lang] += " …"
        raise ValidationFailed(Bilingual(said, pick_language(language)), code="statement_invalid",
                               details=[p.to_json() for p in result.problems])
    return result.built
