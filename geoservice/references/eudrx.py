"""EUDR-X, the EUDR IOP Standard Exchange Format 2.0.1: one order item's DDS pairs, three forms.

JSON is the official form, XML (root ``<eudr>``) and CSV (dotted column names, the first row
carrying the operator, order item and meta data, every row one statement) are alternatives.
Documents we emit and documents we receive are validated against the 2.0.1 schemas in
``schemas/`` (the published files with the 2.0.1 text's changes, noted in each file) and
against the rules the schema cannot express: with ``C716`` exactly one statement, with ``C717``
at least one, and ``submission_date`` as ``yyyy-MM-ddTHH:mm:ss.sssZ``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from lxml import etree

from geoservice.errors import BadRequest, ValidationFailed
from geoservice.references import csvio, xmlsafe
from geoservice.references.say import say

VERSION = "2.0.1"
TARIC_DDS_AVAILABLE = "C716"
ROLES = ("SME-Operator", "SME-Trader", "LC-Operator", "LC-Trader")
HS_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
_SUBMISSION_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# Column order of CSV (the repository's example, plus document_meta.version of the 2.0.1 text).
CSV_COLUMNS = (
    "operator.company_name", "operator.address.street", "operator.address.postal_code",
    "operator.address.city", "operator.address.country", "operator.contact_person.name",
    "operator.contact_person.email", "operator.contact_person.phone",
    "operator.eudr_details.eudr_role", "operator.eudr_details.taric_document_code",
    "operator.eudr_details.hs_code", "order_item.order_reference", "order_item.item_reference",
    "order_item.production_reference", "referenced_eudr_statements.reference_number",
    "referenced_eudr_statements.verification_number",
    "referenced_eudr_statements.serial_shipping_container_reference",
    "document_meta.identifier", "document_meta.submission_date", "document_meta.version",
)
_STATEMENT_PREFIX = "referenced_eudr_statements."
# XML element order follows the XSD sequences.
_XML_ORDER: dict[str, tuple[str, ...]] = {
    "eudr": ("operator", "order_item", "referenced_eudr_statements", "document_meta"),
    "operator": ("company_name", "address", "contact_person", "eudr_details"),
    "address": ("street", "postal_code", "city", "country"),
    "contact_person": ("name", "email", "phone"),
    "eudr_details": ("eudr_role", "taric_document_code", "hs_code"),
    "order_item": ("order_reference", "item_reference", "production_reference"),
    "statement": ("reference_number", "verification_number",
                  "serial_shipping_container_reference"),
    "document_meta": ("identifier", "submission_date", "version"),
}


def _resource(name: str) -> bytes:
    return resources.files("geoservice.references").joinpath("schemas", name).read_bytes()


@cache
def json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_resource("eudr-x-2.0.1.schema.json"))
    return schema


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(json_schema(), format_checker=FormatChecker())


@cache
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(_resource("eudr-x-2.0.1.xsd")))


def submission_date(moment: datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ss.sssZ`` in UTC."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def build(*, operator: dict[str, Any], order: str, item: str, production: str | None,
          statements: Sequence[tuple[str, str, str | None]], taric: str = TARIC_DDS_AVAILABLE,
          hs_code: str | None = None, identifier: str | None = None,
          moment: datetime | None = None) -> dict[str, Any]:
    """An EUDR-X document; ``operator`` holds company_name, address, contact_person, role."""
    details: dict[str, str] = {"eudr_role": operator["eudr_role"], "taric_document_code": taric}
    if hs_code:
        details["hs_code"] = hs_code
    order_item = {"order_reference": order, "item_reference": item}
    if production:
        order_item["production_reference"] = production
    meta: dict[str, str] = {}
    if identifier:
        meta["identifier"] = identifier
    meta["submission_date"] = submission_date(moment or datetime.now(UTC))
    meta["version"] = VERSION
    entries = []
    for ref, ver, sscc in statements:
        entry = {"reference_number": ref, "verification_number": ver}
        if sscc:
            entry["serial_shipping_container_reference"] = sscc
        entries.append(entry)
    return {
        "operator": {"company_name": operator["company_name"], "address": operator["address"],
                     "contact_person": operator["contact_person"], "eudr_details": details},
        "order_item": order_item, "referenced_eudr_statements": entries,
        "document_meta": meta,
    }


def problems(doc: object) -> list[dict[str, str]]:
    """What makes ``doc`` not EUDR-X 2.0.1: each problem with its JSON path."""
    found = [{"field": "/".join(str(p) for p in e.absolute_path) or "(document)",
              "message": e.message}
             for e in sorted(_validator().iter_errors(doc), key=lambda e: list(e.path))]
    if found or not isinstance(doc, dict):
        return found
    code = doc["operator"]["eudr_details"]["taric_document_code"]
    count = len(doc["referenced_eudr_statements"])
    if code == "C716" and count != 1:
        found.append({"field": "referenced_eudr_statements",
                      "message": f"with taric_document_code C716 exactly one statement (the "
                                 f"own DDS) is required; found {count}"})
    if code == "C717" and count < 1:
        found.append({"field": "referenced_eudr_statements",
                      "message": "with taric_document_code C717 at least one statement is "
                                 "required"})
    when = doc["document_meta"]["submission_date"]
    if not _SUBMISSION_DATE.match(when):
        found.append({"field": "document_meta/submission_date",
                      "message": f"{when!r} is not yyyy-MM-ddTHH:mm:ss.sssZ"})
    return found


def validate(doc: object) -> dict[str, Any]:
    """``doc`` when it is valid EUDR-X, else 422 naming the first problem."""
    found = problems(doc)
    if found:
        first = found[0]
        raise ValidationFailed(say("invalid_eudr_x", field=first["field"],
                                   message=first["message"]),
                               code="invalid_eudr_x", details=found[:50])
    assert isinstance(doc, dict)
    return doc


def to_xml(doc: dict[str, Any]) -> bytes:
    root = etree.Element("eudr")

    def fill(parent: etree._Element, name: str, value: Any) -> None:
        if isinstance(value, dict):
            element = etree.SubElement(parent, name)
            for key in _XML_ORDER.get(name, tuple(value)):
                if key in value:
                    fill(element, key, value[key])
        elif isinstance(value, list):
            element = etree.SubElement(parent, name)
            for entry in value:
                fill(element, "statement", entry)
        else:
            etree.SubElement(parent, name).text = str(value)

    for key in _XML_ORDER["eudr"]:
        fill(root, key, doc[key])
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out


def to_csv_rows(doc: dict[str, Any]) -> list[list[str]]:
    """Header and one row per statement; document fields only on the first row."""
    flat = _flatten(doc)
    statements = doc["referenced_eudr_statements"] or [{}]
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for index, entry in enumerate(statements):
        row = []
        for column in CSV_COLUMNS:
            if column.startswith(_STATEMENT_PREFIX):
                row.append(str(entry.get(column[len(_STATEMENT_PREFIX):], "")))
            else:
                row.append(flat.get(column, "") if index == 0 else "")
        rows.append(row)
    return rows


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif not isinstance(value, list):
            flat[f"{prefix}{key}"] = str(value)
    return flat


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(say("malformed_json", detail=str(exc)),
                         code="malformed_eudr_x") from None
    return validate(doc)


def from_tree(tree: etree._ElementTree) -> dict[str, Any]:
    """An ``<eudr>`` document as the JSON form, after XSD validation."""
    schema = xml_schema()
    if not schema.validate(tree):
        error = list(schema.error_log)[0]
        raise ValidationFailed(
            say("invalid_eudr_x_xml", line=error.line, message=error.message.rstrip(".")),
            code="invalid_eudr_x", details=[{"line": e.line, "message": e.message}
                                            for e in list(schema.error_log)[:50]])

    def read(element: etree._Element) -> Any:
        if element.tag == "referenced_eudr_statements":
            return [read(child) for child in element if isinstance(child.tag, str)]
        children = [c for c in element if isinstance(c.tag, str)]
        if not children:
            return (element.text or "").strip()
        return {str(c.tag): read(c) for c in children}

    return validate(read(tree.getroot()))


def parse_xml(raw: bytes) -> dict[str, Any]:
    return from_tree(xmlsafe.parse(raw))


def parse_csv(raw: bytes, encoding: str | None = None) -> dict[str, Any]:
    """The CSV form: dotted headers; the version column may be missing (the published example
    has none), and is then taken as 2.0.1."""
    text = csvio.decode(raw, encoding)
    rows = csvio.read_rows(text, csvio.sniff_separator(text))
    if len(rows) < 2:
        raise ValidationFailed(say("eudr_x_csv_rows"), code="invalid_eudr_x")
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ValidationFailed(say("eudr_x_csv_column", column=repr(unknown[0])),
                               code="invalid_eudr_x", details=[{"column": c} for c in unknown])
    doc: dict[str, Any] = {"referenced_eudr_statements": []}
    for index, row in enumerate(rows[1:]):
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        entry = {k[len(_STATEMENT_PREFIX):]: v for k, v in cells.items()
                 if k.startswith(_STATEMENT_PREFIX) and v}
        if entry:
            doc["referenced_eudr_statements"].append(entry)
        if index:
            continue
        for key, value in cells.items():
            if key.startswith(_STATEMENT_PREFIX) or not value:
                continue
            node = doc
            *path, leaf = key.split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = value
    doc.setdefault("document_meta", {}).setdefault("version", VERSION)
    return validate(doc)


def csv_text(doc: dict[str, Any]) -> str:
    buffer = io.StringIO()
    for chunk in csvio.write_rows(to_csv_rows(doc), ";"):
        buffer.write(chunk)
    return buffer.getvalue()


def file_name(doc: dict[str, Any], extension: str) -> str:
    """``<YYYY-MM-dd-HH-mm-ss>_<order_reference>_<item_reference>_eudr-x.<ext>``."""
    when = doc["document_meta"]["submission_date"][:19].replace("T", "-").replace(":", "-")

    def safe(value: str) -> str:
        return re.sub(r"[^0-9A-Za-z._-]", "-", value)[:60]

    item = doc["order_item"]
    return (f"{when}_{safe(item['order_reference'])}_{safe(item['item_reference'])}"
            f"_eudr-x.{extension}")
