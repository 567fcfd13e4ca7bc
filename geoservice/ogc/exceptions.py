"""Error renderers for the GIS interfaces: OGC API exception JSON and ``ows:ExceptionReport``.

Registered for ``/ogc`` and ``/wfs`` (and ``/tiles``, ``/download``) so GIS clients get errors in
the shape their standard defines, with the same status codes as the rest of the service.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.errors import GeoserviceError, Unauthorized
from geoservice.web.errors import register_renderer

# Our stable codes mapped to OWS exceptionCode values (OGC 06-121r9 and WFS 2.0 table 3).
OWS_CODES = {
    "missing_parameter": "MissingParameterValue",
    "operation_not_supported": "OperationNotSupported",
    "version_negotiation_failed": "VersionNegotiationFailed",
    "invalid_xml": "OperationParsingFailed",
    "option_not_supported": "OptionNotSupported",
    "feature_not_found": "NotFound",
}


def _headers(error: GeoserviceError) -> dict[str, str]:
    headers = dict(error.headers)
    if isinstance(error, Unauthorized):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="geoservice"')
    return headers


def ogc_error(request: Request, error: GeoserviceError) -> Response:
    body = {"code": error.code, "description": error.message}
    return JSONResponse(body, status_code=error.status, headers=_headers(error))


def ows_exception_report(code: str, message: str, locator: str | None = None) -> str:
    loc = f" locator={quoteattr(locator)}" if locator else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="2.0.0" '
        'xml:lang="en" xsi:schemaLocation="http://www.opengis.net/ows/1.1 '
        'http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd">\n'
        f'  <ows:Exception exceptionCode="{code}"{loc}>\n'
        f"    <ows:ExceptionText>{escape(message)}</ows:ExceptionText>\n"
        "  </ows:Exception>\n</ows:ExceptionReport>\n")


def wfs_error(request: Request, error: GeoserviceError) -> Response:
    if error.status >= 500:
        code = "OperationProcessingFailed"
    elif error.code in OWS_CODES:
        code = OWS_CODES[error.code]
    elif error.status in (401, 403):
        code = "NoApplicableCode"
    else:
        code = "InvalidParameterValue"
    locator = next((str(d["locator"]) for d in error.details if "locator" in d), None)
    # WFS 2.0 Table 3: NotFound is 404; an unknown type name is an InvalidParameterValue (400).
    status = 400 if error.status == 404 and code != "NotFound" else error.status
    return Response(ows_exception_report(code, error.message, locator), status_code=status,
                    media_type="application/xml", headers=_headers(error))


_registered: list[bool] = []


def register_once() -> None:
    """Register the renderers (once per process, whichever route module loads first)."""
    if _registered:
        return
    _registered.append(True)
    for prefix in ("/ogc", "/tiles", "/download"):
        register_renderer(prefix, ogc_error)
    register_renderer("/wfs", wfs_error)
