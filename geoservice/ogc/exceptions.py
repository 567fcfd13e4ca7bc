"""``ows:ExceptionReport`` documents (OWS 1.1) and the WFS 2.0 exception code of each error.

Our stable error codes map to the exceptionCode values of OGC 06-121r9 and WFS 2.0 Table 3;
the HTTP rendering is in ``geoservice.web.gis``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from geoservice.errors import GeoserviceError

OWS_CODES = {
    "missing_parameter": "MissingParameterValue",
    "operation_not_supported": "OperationNotSupported",
    "version_negotiation_failed": "VersionNegotiationFailed",
    "invalid_xml": "OperationParsingFailed",
    "option_not_supported": "OptionNotSupported",
    "feature_not_found": "NotFound",
}


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


def ows_answer(error: GeoserviceError) -> tuple[str, int]:
    """The exception report of ``error`` and its HTTP status."""
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
    return ows_exception_report(code, error.message, locator), status
