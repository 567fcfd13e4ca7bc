"""Answers: EC sample responses parse into model values; faults map onto the error hierarchy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geoservice.traces import errors as err
from geoservice.traces import responses as resp
from geoservice.traces import services as svc

SAMPLE_GET_DDS = b"""<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
<ns5:GetDdsResponse xmlns:ns3="http://ec.europa.eu/tracesnt/certificate/eudr/common/v3"
  xmlns:ns5="http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3">
<ns5:ddsOverviewList>
<ns3:uuid>071874bd-8c62-4cac-8eb6-b2fbe003410c</ns3:uuid>
<ns3:internalReferenceNumber>26BEDWNW9JD1TN</ns3:internalReferenceNumber>
<ns3:referenceNumber>26BE7XTVCZAQ2S</ns3:referenceNumber>
<ns3:verificationNumber>SFFCB4Y3</ns3:verificationNumber><ns3:status>AVAILABLE</ns3:status>
<ns3:date>2026-05-20T09:55:01.000Z</ns3:date><ns3:updatedBy>User3 User3</ns3:updatedBy>
<ns3:version>1</ns3:version></ns5:ddsOverviewList></ns5:GetDdsResponse></S:Body></S:Envelope>"""

BUSINESS_FAULT = b"""<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
<S:Fault xmlns:ns3="http://www.w3.org/2003/05/soap-envelope" xmlns="">
<faultcode>S:Client</faultcode><faultstring>Some business rules are not met</faultstring>
<detail><ns5:BusinessRulesValidationException
  xmlns:ns4="http://ec.europa.eu/sanco/tracesnt/error/v01"
  xmlns="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21"
  xmlns:ns5="http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3">
<ns4:Error><ns4:ID>EUDR-COMMODITIES-HS-CODE-INVALID</ns4:ID>
<ns4:Message languageID="en">Invalid HS code</ns4:Message>
<ns4:Field languageID="en">hsHeading</ns4:Field></ns4:Error>
<ns4:Error><ns4:ID>EUDR-COMMODITIES-DESCRIPTOR-QUANTITY-MISSING</ns4:ID>
<ns4:Message languageID="en">No quantity</ns4:Message></ns4:Error>
</ns5:BusinessRulesValidationException></detail></S:Fault></S:Body></S:Envelope>"""


def fault(code: str, string: str, detail: str = "") -> bytes:
    return (
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{string}</faultstring>{detail}"
        "</S:Fault></S:Body></S:Envelope>"
    ).encode()


def test_ec_sample_overview_parses() -> None:
    body = resp.response_body(svc.GET_DDS, 200, SAMPLE_GET_DDS)
    [overview] = resp.overviews(body, "ddsOverviewList")
    assert overview.uuid == "071874bd-8c62-4cac-8eb6-b2fbe003410c"
    assert overview.internal_reference == "26BEDWNW9JD1TN"
    assert (overview.reference_number, overview.verification_number) == (
        "26BE7XTVCZAQ2S",
        "SFFCB4Y3",
    )
    assert overview.status == "AVAILABLE"
    assert overview.date == datetime(2026, 5, 20, 9, 55, 1, tzinfo=UTC)
    assert (overview.updated_by, overview.version) == ("User3 User3", 1)


def test_business_fault_keeps_raw_ids_and_normalises_codes() -> None:
    with pytest.raises(err.BusinessRulesError) as caught:
        resp.response_body(svc.SUBMIT_DDS, 500, BUSINESS_FAULT)
    error = caught.value
    assert error.code == "EUDR_COMMODITIES_HS_CODE_INVALID"
    assert error.codes == [
        "EUDR_COMMODITIES_HS_CODE_INVALID",
        "EUDR_COMMODITIES_DESCRIPTOR_QUANTITY_MISSING",
    ]
    assert error.error_ids[0] == (
        "EUDR-COMMODITIES-HS-CODE-INVALID",
        "Invalid HS code",
        "hsHeading",
    )
    assert error.error_ids[1].field is None
    assert error.http_status == 500 and error.fault_code == "S:Client"
    assert not error.retryable
    assert "EUDR-COMMODITIES-HS-CODE-INVALID (hsHeading)" in str(error)


@pytest.mark.parametrize(
    ("status", "content", "expected", "retryable"),
    [
        (
            500,
            fault(
                "S:Client",
                "Denied",
                '<detail><x:PermissionDeniedException xmlns:x="urn:x"/></detail>',
            ),
            err.PermissionDeniedError,
            False,
        ),
        (
            500,
            fault(
                "S:Client",
                "You are not authorized",
                '<detail><x:DdsPermissionDeniedException xmlns:x="urn:x"/></detail>',
            ),
            err.PermissionDeniedError,
            False,
        ),
        (
            500,
            fault(
                "S:Client",
                "Data not found.",
                '<detail><x:NotFoundException xmlns:x="urn:x"/></detail>',
            ),
            err.NotFoundError,
            False,
        ),
        (500, fault("S:Server", "Authentication failed"), err.AuthenticationError, False),
        (
            500,
            fault("wsse:FailedAuthentication", "The security token could not be authenticated"),
            err.AuthenticationError,
            False,
        ),
        (401, b"Unauthorized", err.AuthenticationError, False),
        (
            500,
            fault("S:Client", "org.xml.sax.SAXParseException; lineNumber: 1; cvc-pattern-valid"),
            err.SchemaError,
            False,
        ),
        (500, fault("S:Server", "InternalSystemException"), err.TracesUnavailable, True),
        (503, b"<html>Service Unavailable</html>", err.TracesUnavailable, True),
        (429, fault("S:Server", "Too many requests"), err.ThrottledError, True),
        (429, b"", err.ThrottledError, True),
        (404, b"<html>Not Found</html>", err.UnexpectedResponseError, False),
        (
            500,
            fault(
                "S:Server",
                "This API version has been discontinued. Please use the V3 API endpoints.",
            ),
            err.TracesError,
            False,
        ),
    ],
)
def test_fault_mapping(
    status: int, content: bytes, expected: type[err.TracesError], retryable: bool
) -> None:
    with pytest.raises(err.TracesError) as caught:
        resp.response_body(svc.GET_DDS, status, content, {"Retry-After": "2"})
    assert type(caught.value) is expected
    assert caught.value.retryable is retryable
    if isinstance(caught.value, err.ThrottledError):
        assert caught.value.retry_after == 2.0


def test_wrong_response_element_is_unexpected() -> None:
    with pytest.raises(err.UnexpectedResponseError, match="GetDdsByInternalReferenceResponse"):
        resp.response_body(svc.GET_DDS_BY_INTERNAL_REFERENCE, 200, SAMPLE_GET_DDS)


def test_verify_and_modification_answers() -> None:
    verify = b"""<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
    <v:VerifyDeclarationResponse xmlns:v="http://ec.europa.eu/tracesnt/certificate/eudr/verify-declaration/v3">
    <v:result>EXISTING_NON_USABLE</v:result><v:status>WITHDRAWN</v:status>
    <v:dateTime>2026-05-20T11:52:32.854+02:00</v:dateTime></v:VerifyDeclarationResponse></S:Body></S:Envelope>"""
    result = resp.verify_result(resp.response_body(svc.VERIFY_DECLARATION, 200, verify))
    assert (result.result, result.status) == ("EXISTING_NON_USABLE", "WITHDRAWN")
    assert result.date_time == datetime(2026, 5, 20, 9, 52, 32, 854000, tzinfo=UTC)
    amend = b"""<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
    <ns5:AmendDdsResponse xmlns:ns5="http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3">
    <ns5:uuid>071874bd-8c62-4cac-8eb6-b2fbe003410c</ns5:uuid><ns5:status>AVAILABLE</ns5:status>
    </ns5:AmendDdsResponse></S:Body></S:Envelope>"""
    modification = resp.modification(resp.response_body(svc.AMEND_DDS, 200, amend))
    assert (modification.status, modification.version) == ("AVAILABLE", None)
