"""Reading TRACES answers: response bodies into model values, SOAP faults into typed errors.

Business faults arrive as HTTP 500 too, so the mapping looks at the fault's detail element
first and at the HTTP status only when the detail says nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from geoservice.traces import errors as err
from geoservice.traces import services as svc
from geoservice.traces.common_xml import child_text, overview_from_xml, parse_datetime, parse_int
from geoservice.traces.model import (
    DdsOverview,
    Modification,
    SimplifiedDeclaration,
    Statement,
    VerifyResult,
)
from geoservice.traces.sd_xml import declaration_from_xml
from geoservice.traces.statement_xml import statement_from_xml

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_ENV = f"{{{svc.SOAP_ENV_NS}}}Envelope"
_BY_DETAIL: dict[str, type[err.TracesError]] = {
    "BusinessRulesValidationException": err.BusinessRulesError,
    "PermissionDeniedException": err.PermissionDeniedError,
    "DdsPermissionDeniedException": err.PermissionDeniedError,
    "NotFoundException": err.NotFoundError,
}
_VERIFY_RESULTS = ("EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT")


def parse_xml(content: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def response_body(
    op: svc.Operation, status: int, content: bytes, headers: Mapping[str, str] | None = None
) -> etree._Element:
    """The operation's response element, or the TracesError the answer amounts to."""
    root = parse_xml(content)
    if root is None or root.tag != _ENV:
        raise http_error(status, content, headers)
    body = root.find(f"{{{svc.SOAP_ENV_NS}}}Body")
    fault = body.find(f"{{{svc.SOAP_ENV_NS}}}Fault") if body is not None else None
    if fault is not None:
        raise fault_error(fault, status, headers)
    if status >= 400:
        raise http_error(status, content, headers)
    expected = f"{{{op.service.namespace}}}{op.response_element}"
    child = body.find(expected) if body is not None else None
    if child is None:
        raise err.UnexpectedResponseError(f"{op.name}: the answer has no {op.response_element}")
    return child


def _retry_after(headers: Mapping[str, str] | None) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", "1")))
    except ValueError:
        return 1.0


def http_error(status: int, content: bytes, headers: Mapping[str, str] | None) -> err.TracesError:
    """Error for an answer that is not a SOAP envelope (gateway pages, empty bodies)."""
    snippet = content[:200].decode("utf-8", "replace").strip()
    message = f"HTTP {status}: {snippet}" if snippet else f"HTTP {status}"
    if status in (401, 403):
        return err.AuthenticationError(message, http_status=status)
    if status == 429:
        return err.ThrottledError(message, retry_after=_retry_after(headers), http_status=status)
    if status >= 500:
        return err.TracesUnavailable(message, http_status=status)
    return err.UnexpectedResponseError(message, http_status=status)


def fault_error(
    fault: etree._Element, status: int, headers: Mapping[str, str] | None = None
) -> err.TracesError:
    code = (fault.findtext("faultcode") or "").strip()
    string = (fault.findtext("faultstring") or "").strip()
    detail = fault.find("detail")
    exception = next(iter(detail), None) if detail is not None else None
    ids = [
        err.ErrorId(
            (e.findtext(f"{{{svc.ERROR_NS}}}ID") or "").strip(),
            (e.findtext(f"{{{svc.ERROR_NS}}}Message") or "").strip(),
            (e.findtext(f"{{{svc.ERROR_NS}}}Field") or "").strip() or None,
        )
        for e in (detail.iter(f"{{{svc.ERROR_NS}}}Error") if detail is not None else ())
    ]

    def make(cls: type[err.TracesError], message: str) -> err.TracesError:
        return cls(message, ids, http_status=status, fault_code=code)

    name = etree.QName(exception).localname if exception is not None else ""
    if name in _BY_DETAIL:
        return make(_BY_DETAIL[name], string or name)
    text = " ".join([string, "".join(detail.itertext()) if detail is not None else ""]).lower()
    if status == 401 or "authentication failed" in text or "failedauthentication" in code.lower():
        return make(err.AuthenticationError, string or "Authentication failed")
    if status == 429 or any(m in text for m in ("too many requests", "throttl", "rate limit")):
        return err.ThrottledError(
            string, ids, retry_after=_retry_after(headers), http_status=status, fault_code=code
        )
    if "saxparseexception" in text:
        return make(err.SchemaError, string)
    if "internalsystemexception" in text or status in (502, 503, 504):
        return make(err.TracesUnavailable, string or "InternalSystemException")
    return make(err.TracesError, string or "SOAP fault")


def text_of(el: etree._Element, name: str) -> str:
    value = child_text(el, etree.QName(el).namespace or "", name)
    if not value:
        raise err.UnexpectedResponseError(f"{etree.QName(el).localname} has no {name}")
    return value


def modification(el: etree._Element) -> Modification:
    ns = etree.QName(el).namespace or ""
    return Modification(
        uuid=text_of(el, "uuid"),
        status=text_of(el, "status"),
        version=parse_int(child_text(el, ns, "version")),
    )


def overviews(el: etree._Element, list_tag: str) -> list[DdsOverview]:
    ns = etree.QName(el).namespace
    return [overview_from_xml(item) for item in el.findall(f"{{{ns}}}{list_tag}")]


def statement(el: etree._Element) -> Statement:
    found = el.find(f"{{{svc.DDS_NS}}}statement")
    if found is None:
        raise err.UnexpectedResponseError("GetDdsByIdentifiersResponse has no statement")
    return statement_from_xml(found)


def declaration(el: etree._Element) -> SimplifiedDeclaration:
    found = el.find(f"{{{svc.SD_NS}}}statement")
    if found is None:
        raise err.UnexpectedResponseError("GetSdByIdentifiersResponse has no statement")
    return declaration_from_xml(found)


def verify_result(el: etree._Element) -> VerifyResult:
    result = text_of(el, "result")
    when = parse_datetime(child_text(el, svc.VERIFY_NS, "dateTime"))
    if result not in _VERIFY_RESULTS or when is None:
        raise err.UnexpectedResponseError(f"unexpected verify answer {result!r} at {when}")
    return VerifyResult(result, child_text(el, svc.VERIFY_NS, "status") or None, when)  # type: ignore[arg-type]
