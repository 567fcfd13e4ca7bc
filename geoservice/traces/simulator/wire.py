"""What the simulator sends back: response envelopes and SOAP faults shaped like the EC samples.

Faults are HTTP 500 with ``faultcode``/``faultstring``/``detail`` unqualified, and a detail
element (``BusinessRulesValidationException`` …) in the service namespace holding
``error:Error{ID, Message, Field}`` items with hyphenated ids, as TRACES sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from lxml import etree

from geoservice.traces.common_xml import C, fmt_decimal, opt, sub
from geoservice.traces.errors import ErrorId
from geoservice.traces.model import DdsOverview
from geoservice.traces.services import ERROR_NS, SOAP_ENV_NS
from geoservice.traces.wsse import WSSE_NS, WSU_NS, format_timestamp

S = SOAP_ENV_NS
XML = {"Content-Type": "text/xml; charset=utf-8"}
UDT_NS = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21"

AUTH_FAILED = "Authentication failed"
NOT_FOUND = "Data not found."
BUSINESS_RULES = "Some business rules are not met"
DISCONTINUED = "This API version has been discontinued. Please use the V3 API endpoints."


def response_element(ns: str, name: str) -> etree._Element:
    return etree.Element(f"{{{ns}}}{name}", nsmap={"ns3": C, "ns5": ns})


def envelope(body_child: etree._Element, now: datetime | None = None) -> bytes:
    """A response envelope with the short-lived Timestamp header TRACES adds."""
    moment = now or datetime.now(UTC)
    root = etree.Element(f"{{{S}}}Envelope", nsmap={"S": S})
    header = sub(root, S, "Header")
    security = etree.SubElement(
        header, f"{{{WSSE_NS}}}Security", nsmap={"ns1": WSU_NS, "ns2": WSSE_NS}
    )
    stamp = sub(security, WSU_NS, "Timestamp")
    sub(stamp, WSU_NS, "Created", format_timestamp(moment))
    sub(stamp, WSU_NS, "Expires", format_timestamp(moment + timedelta(seconds=5)))
    sub(root, S, "Body").append(body_child)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def fault(fault_code: str, fault_string: str, detail: etree._Element | None = None) -> bytes:
    """A SOAP 1.1 fault envelope; ``fault_code`` is ``Client`` or ``Server``."""
    root = etree.Element(f"{{{S}}}Envelope", nsmap={"S": S})
    body = sub(root, S, "Body")
    el = sub(body, S, "Fault")
    etree.SubElement(el, "faultcode").text = f"S:{fault_code}"
    etree.SubElement(el, "faultstring").text = fault_string
    if detail is not None:
        etree.SubElement(el, "detail").append(detail)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def error_detail(ns: str, exception: str, errors: Sequence[ErrorId]) -> etree._Element:
    detail = etree.Element(f"{{{ns}}}{exception}", nsmap={"ns4": ERROR_NS, "ns5": ns, None: UDT_NS})
    for error in errors:
        item = sub(detail, ERROR_NS, "Error")
        sub(item, ERROR_NS, "ID", error.id)
        sub(item, ERROR_NS, "Message", error.message).set("languageID", "en")
        if error.field:
            sub(item, ERROR_NS, "Field", error.field).set("languageID", "en")
    return detail


def business_fault(ns: str, errors: Sequence[ErrorId]) -> tuple[int, dict[str, str], bytes]:
    detail = error_detail(ns, "BusinessRulesValidationException", errors)
    return 500, dict(XML), fault("Client", BUSINESS_RULES, detail)


def permission_fault(ns: str, errors: Sequence[ErrorId]) -> tuple[int, dict[str, str], bytes]:
    detail = error_detail(ns, "PermissionDeniedException", errors)
    return 500, dict(XML), fault("Client", "Permission denied", detail)


def not_found_fault(ns: str, errors: Sequence[ErrorId]) -> tuple[int, dict[str, str], bytes]:
    return 500, dict(XML), fault("Client", NOT_FOUND, error_detail(ns, "NotFoundException", errors))


def auth_fault() -> tuple[int, dict[str, str], bytes]:
    return 500, dict(XML), fault("Server", AUTH_FAILED)


def schema_fault(message: str, line: int | None) -> tuple[int, dict[str, str], bytes]:
    where = f"lineNumber: {line or 1}; columnNumber: 1; "
    return 500, dict(XML), fault("Client", f"org.xml.sax.SAXParseException; {where}{message}")


def internal_error_fault() -> tuple[int, dict[str, str], bytes]:
    detail = etree.Element("InternalSystemException")
    detail.text = "An internal error occurred. Please try again later."
    return 500, dict(XML), fault("Server", "InternalSystemException", detail)


def throttle_fault(limit: int) -> tuple[int, dict[str, str], bytes]:
    """HTTP 429 with a SOAP fault; the EC texts state the limit but not its answer."""
    headers = {**XML, "Retry-After": "1"}
    text = f"Too many requests: the limit is {limit} calls per second per client"
    return 429, headers, fault("Server", text)


def overview_to_xml(parent: etree._Element, ns: str, tag: str, overview: DdsOverview) -> None:
    """eudrCommon:OverviewType items in schema order."""
    el = sub(parent, ns, tag)
    sub(el, C, "uuid", overview.uuid)
    sub(el, C, "internalReferenceNumber", overview.internal_reference)
    opt(el, C, "referenceNumber", overview.reference_number)
    opt(el, C, "verificationNumber", overview.verification_number)
    sub(el, C, "status", overview.status)
    opt(el, C, "rejectionReason", overview.rejection_reason)
    if overview.communication is not None:
        comm = sub(el, C, "communicationToOperator")
        sub(comm, C, "date", format_timestamp(overview.communication.date))
        sub(comm, C, "content", overview.communication.content)
    if overview.date is not None:
        sub(el, C, "date", format_timestamp(overview.date))
    opt(el, C, "updatedBy", overview.updated_by)
    if overview.version is not None:
        sub(el, C, "version", fmt_decimal(overview.version, 0))
