"""TRACES error codes said in Latvian and English, for problems and rejection reasons.

TRACES answers in English with an error id; a person reads the id's meaning here in their
language, followed by TRACES' own words. An id we do not know keeps TRACES' text in both.
"""

from __future__ import annotations

import re

# code: (lv, en) — what the rule means and what to do about it.
TRACES_CODES: dict[str, tuple[str, str]] = {
    "EUDR_BEHALF_OPERATOR_NOT_PROVIDED": (
        "Pārstāvētajam operatoram jānorāda nosaukums, pilna adrese (iela, pasta indekss, "
        "pilsēta, valsts) un identifikators: papildiniet organizācijas profilu.",
        "The represented operator needs a name, a full address (street, postal code, city, "
        "country) and an identifier: complete the organisation profile."),
    "EUDR_ACTIVITY_TYPE_INVALID": (
        "Darbības veidam jābūt DOMESTIC, IMPORT vai EXPORT.",
        "The activity type must be DOMESTIC, IMPORT or EXPORT."),
    "EUDR_COUNTRY_OF_ACTIVITY_INVALID": (
        "Darbības valstij jābūt ES dalībvalsts kodam (Latvijā: LV).",
        "The country of activity must be an EU member state code (in Latvia: LV)."),
    "EUDR_COMMODITIES_HS_CODE_INVALID": (
        "HS kods nav EUDR I pielikuma produkts: izvēlieties citu produkta kodu apjomos.",
        "The HS code is not an Annex I product: choose another product code in the volumes."),
    "EUDR_COMMODITIES_DESCRIPTOR_NET_MASS_EMPTY": (
        "Jānorāda neto masa (kg).",
        "The net mass (kg) must be given."),
    "EUDR_COMMODITIES_DESCRIPTOR_QUANTITY_MISSING": (
        "Precei jānorāda pozitīvs daudzums (m³ vai neto masa): pārbaudiet apjomus.",
        "The commodity needs a positive quantity (m³ or net mass): check the volumes."),
    "EUDR_COMMODITIES_DESCRIPTOR_SUPPLEMENTARY_UNIT_QUALIFIER_INVALID": (
        "Papildu mērvienība nav derīga (apaļkoksnei 4403: MTQ, m³).",
        "The supplementary unit is not valid (round wood 4403: MTQ, m³)."),
    "EUDR_COMMODITIES_DESCRIPTOR_PERCENTAGE_ESTIMATION_INVALID": (
        "Novērtējuma vai novirzes procentam jābūt robežās 0–25.",
        "The estimation or deviation percentage must be within 0-25."),
    "EUDR_COMMODITIES_SPECIES_INFORMATION_SCIENTIFIC_NAME_EMPTY": (
        "Kokmateriāliem jānorāda sugas zinātniskais nosaukums: pārbaudiet sugu kodus apjomos.",
        "Timber needs the species' scientific name: check the species codes in the volumes."),
    "EUDR_COMMODITIES_SPECIES_INFORMATION_COMMON_NAME_EMPTY": (
        "Kokmateriāliem jānorāda sugas parastais nosaukums: pārbaudiet sugu kodus apjomos.",
        "Timber needs the species' common name: check the species codes in the volumes."),
    "EUDR_COMMODITIES_PRODUCER_GEO_EMPTY": (
        "Trūkst ražošanas vietas ģeolokācijas: cirsmai vajag kontūru.",
        "The geolocation of the production place is missing: the felling area needs an "
        "outline."),
    "EUDR_COMMODITIES_PRODUCER_GEO_INVALID": (
        "Ģeolokācija nav derīgs GeoJSON: labojiet cirsmas kontūru.",
        "The geolocation is not valid GeoJSON: correct the felling area's outline."),
    "EUDR_COMMODITIES_PRODUCER_GEO_INVALID_GEOMETRY": (
        "Kontūra pēc noapaļošanas līdz 6 zīmēm nav derīga (jābūt slēgtai, bez "
        "pašpārklāšanās): labojiet cirsmas kontūru.",
        "The outline is not valid after rounding to 6 decimals (it must be closed and not "
        "cross itself): correct the felling area's outline."),
    "EUDR_COMMODITIES_PRODUCER_GEO_AREA_INVALID": (
        "Platība nav derīga: punktam 0,0001–4 ha, lielākām vietām vajag poligonu.",
        "The area is not valid: a point covers 0.0001-4 ha, larger places need a polygon."),
    "EUDR_MAXIMUM_GEO_SIZE_REACHED": (
        "Ģeolokācijas dati pārsniedz 25 MB: sadaliet deklarāciju.",
        "The geolocation data exceed 25 MB: split the statement."),
    "EUDR_MAXIMUM_PRODUCERS_REACHED": (
        "Pārāk daudz ražotāju vienā deklarācijā: sadaliet deklarāciju.",
        "Too many producers in one statement: split the statement."),
    "EUDR_REFERENCED_STATEMENT_NOT_FOUND": (
        "Norādītā deklarācija TRACES nav atrasta.",
        "The referenced statement was not found in TRACES."),
    "EUDR_API_AMEND_NOT_ALLOWED_FOR_STATUS": (
        "Šajā statusā deklarāciju nevar grozīt.",
        "The statement cannot be amended in this status."),
    "EUDR_API_AMEND_OR_WITHDRAW_DDS_NOT_POSSIBLE": (
        "Deklarāciju vairs nevar grozīt vai atsaukt (72 stundas pagājušas vai tā ir bloķēta).",
        "The statement can no longer be amended or withdrawn (72 hours passed or it is "
        "locked)."),
    "EUDR_WEBSERVICE_USER_NOT_EUDR_OPERATOR": (
        "TRACES lietotājs nav reģistrēts kā EUDR operators.",
        "The TRACES user is not registered as an EUDR operator."),
    "EUDR_WEBSERVICE_USER_ACTIVITY_NOT_ALLOWED": (
        "TRACES lietotājam šī darbība nav atļauta.",
        "The TRACES user is not allowed this activity."),
}
_CODE = re.compile(r"\b(EUDR[_-][A-Z0-9_-]+)")


def traces_message(code: str, traces_text: str = "") -> tuple[str, str]:
    """(lv, en) for a TRACES error id, with TRACES' own words after it when given."""
    known = TRACES_CODES.get(code.replace("-", "_").upper())
    tail = f" (TRACES: {traces_text})" if traces_text else ""
    if known is None:
        return (f"TRACES noteikums {code}{tail}.", f"TRACES rule {code}{tail}.")
    return known[0] + tail, known[1] + tail


def explain_reason(reason: str) -> dict[str, str]:
    """A rejection reason from TRACES as ``{"lv", "en"}``: each error id it names explained."""
    codes = list(dict.fromkeys(m.replace("-", "_") for m in _CODE.findall(reason or "")))
    if not codes:
        return {"lv": f"TRACES noraidīja deklarāciju: {reason}",
                "en": f"TRACES rejected the statement: {reason}"}
    pairs = [traces_message(c) for c in codes]
    return {"lv": " ".join(p[0] for p in pairs) + f" — TRACES: {reason}",
            "en": " ".join(p[1] for p in pairs) + f" — TRACES: {reason}"}
