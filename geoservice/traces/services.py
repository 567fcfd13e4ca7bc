"""The TRACES V3 service catalogue: namespaces, endpoints, operations and their SOAPAction values.

Values follow the EC WSDLs (release 8.2.1), including their quirks: the simplified declaration
service announces its three read operations under the due-diligence-statement namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
DDS_NS = "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3"
SD_NS = "http://ec.europa.eu/tracesnt/certificate/eudr/simplified-declaration/v3"
VERIFY_NS = "http://ec.europa.eu/tracesnt/certificate/eudr/verify-declaration/v3"
COMMON_NS = "http://ec.europa.eu/tracesnt/certificate/eudr/common/v3"
BASE_NS = "http://ec.europa.eu/sanco/tracesnt/base/v4"
ERROR_NS = "http://ec.europa.eu/sanco/tracesnt/error/v01"
ECHO_NS = "http://ec.europa.eu/tracesnt/eudr/echo"

_VERIFY_ACTION = "http://ec.europa.eu/tracesnt/certificate/eudr/verification/v3/verify-declaration"


@dataclass(frozen=True)
class Service:
    """One SOAP endpoint, reached at ``<base_url>ws/<name>``."""

    name: str
    namespace: str


@dataclass(frozen=True)
class Operation:
    """One WSDL operation: its request element (in the service namespace) and SOAPAction."""

    service: Service
    name: str
    request_element: str
    response_element: str
    soap_action: str


DDS_SERVICE = Service("EUDRDueDiligenceStatementServiceV3", DDS_NS)
SD_SERVICE = Service("EUDRSimplifiedDeclarationServiceV3", SD_NS)
VERIFY_SERVICE = Service("EUDRVerifyDeclarationServiceV3", VERIFY_NS)
ECHO_SERVICE = Service("EudrEchoService", ECHO_NS)

DISCONTINUED_SERVICES = frozenset(
    {
        "EUDRSubmissionServiceV1",
        "EUDRSubmissionServiceV2",
        "EUDRRetrievalServiceV1",
        "EUDRRetrievalServiceV2",
    }
)


def _op(service: Service, name: str, action_ns: str | None = None) -> Operation:
    stem = name[0].upper() + name[1:]
    return Operation(
        service,
        name,
        f"{stem}Request",
        f"{stem}Response",
        f"{action_ns or service.namespace}/{name}",
    )


SUBMIT_DDS = _op(DDS_SERVICE, "submitDds")
AMEND_DDS = _op(DDS_SERVICE, "amendDds")
WITHDRAW_DDS = _op(DDS_SERVICE, "withdrawDds")
GET_DDS = _op(DDS_SERVICE, "getDds")
GET_DDS_BY_INTERNAL_REFERENCE = _op(DDS_SERVICE, "getDdsByInternalReference")
GET_DDS_BY_IDENTIFIERS = _op(DDS_SERVICE, "getDdsByIdentifiers")

SUBMIT_SD = _op(SD_SERVICE, "submitSd")
UPDATE_SD = _op(SD_SERVICE, "updateSd")
WITHDRAW_SD = _op(SD_SERVICE, "withdrawSd")
GET_SD = _op(SD_SERVICE, "getSd", DDS_NS)
GET_SD_BY_INTERNAL_REFERENCE = _op(SD_SERVICE, "getSdByInternalReference", DDS_NS)
GET_SD_BY_IDENTIFIERS = _op(SD_SERVICE, "getSdByIdentifiers", DDS_NS)

VERIFY_DECLARATION = Operation(
    VERIFY_SERVICE,
    "verifyDeclaration",
    "VerifyDeclarationRequest",
    "VerifyDeclarationResponse",
    _VERIFY_ACTION,
)
TEST_ECHO = Operation(ECHO_SERVICE, "testEcho", "EudrEchoRequest", "EudrEchoResponse", ECHO_NS)

OPERATIONS: tuple[Operation, ...] = (
    SUBMIT_DDS,
    AMEND_DDS,
    WITHDRAW_DDS,
    GET_DDS,
    GET_DDS_BY_INTERNAL_REFERENCE,
    GET_DDS_BY_IDENTIFIERS,
    SUBMIT_SD,
    UPDATE_SD,
    WITHDRAW_SD,
    GET_SD,
    GET_SD_BY_INTERNAL_REFERENCE,
    GET_SD_BY_IDENTIFIERS,
    VERIFY_DECLARATION,
    TEST_ECHO,
)
SERVICES: dict[str, Service] = {
    s.name: s for s in (DDS_SERVICE, SD_SERVICE, VERIFY_SERVICE, ECHO_SERVICE)
}


def find_operation(service_name: str, request_tag: str) -> Operation | None:
    """The operation of ``service_name`` whose request element is ``request_tag`` (Clark form)."""
    for op in OPERATIONS:
        if (
            op.service.name == service_name
            and request_tag == f"{{{op.service.namespace}}}{op.request_element}"
        ):
            return op
    return None
