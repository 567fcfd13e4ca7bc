"""SOAP 1.1 request envelopes for every TRACES V3 operation, built with lxml.

Header: ``wsse:Security`` (Timestamp, UsernameToken) then its sibling ``v4:WebServiceClientId``;
body: the operation's request element, children in the order of the EC XSDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from geoservice.traces import services as svc
from geoservice.traces.common_xml import C, sub
from geoservice.traces.model import (
    OperatorRole,
    SdOperatorRole,
    SimplifiedDeclaration,
    Statement,
)
from geoservice.traces.sd_xml import declaration_to_xml
from geoservice.traces.statement_xml import statement_to_xml
from geoservice.traces.wsse import MAX_TTL_SECONDS, security_header

NSMAP = {
    "soapenv": svc.SOAP_ENV_NS,
    "v4": svc.BASE_NS,
    "dds": svc.DDS_NS,
    "sd": svc.SD_NS,
    "verify": svc.VERIFY_NS,
    "eudrCommon": svc.COMMON_NS,
}


@dataclass(frozen=True)
class Credentials:
    """EU Login username, the TRACES "Authentication Key", and the WebServiceClientId."""

    username: str
    auth_key: str
    client_id: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class Request:
    """An operation and its body element, ready to be wrapped."""

    operation: svc.Operation
    body: etree._Element


def build_envelope(
    request: Request,
    credentials: Credentials,
    *,
    now: datetime | None = None,
    nonce: bytes | None = None,
    ttl_seconds: int = MAX_TTL_SECONDS,
) -> bytes:
    """The whole envelope as UTF-8 bytes with an XML declaration."""
    envelope = etree.Element(f"{{{svc.SOAP_ENV_NS}}}Envelope", nsmap=NSMAP)
    header = sub(envelope, svc.SOAP_ENV_NS, "Header")
    header.append(
        security_header(
            credentials.username,
            credentials.auth_key,
            now=now or datetime.now(UTC),
            nonce=nonce,
            ttl_seconds=ttl_seconds,
        )
    )
    sub(header, svc.BASE_NS, "WebServiceClientId", credentials.client_id)
    sub(envelope, svc.SOAP_ENV_NS, "Body").append(request.body)
    etree.cleanup_namespaces(envelope, top_nsmap=NSMAP)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def _body(op: svc.Operation) -> etree._Element:
    return etree.Element(f"{{{op.service.namespace}}}{op.request_element}", nsmap=NSMAP)


def _one(op: svc.Operation, name: str, value: str) -> Request:
    body = _body(op)
    sub(body, op.service.namespace, name, value)
    return Request(op, body)


def _identifiers(op: svc.Operation, reference: str, verification: str) -> Request:
    body = _body(op)
    pair = sub(body, op.service.namespace, "referenceAndVerificationNumber")
    sub(pair, C, "referenceNumber", reference)
    sub(pair, C, "verificationNumber", verification)
    return Request(op, body)


def submit_dds(statement: Statement, operator_role: OperatorRole) -> Request:
    body = _body(svc.SUBMIT_DDS)
    sub(body, svc.DDS_NS, "operatorRole", operator_role)
    statement_to_xml(body, statement)
    return Request(svc.SUBMIT_DDS, body)


def amend_dds(uuid: str, statement: Statement) -> Request:
    body = _body(svc.AMEND_DDS)
    sub(body, svc.DDS_NS, "uuid", uuid)
    statement_to_xml(body, statement)
    return Request(svc.AMEND_DDS, body)


def withdraw_dds(uuid: str) -> Request:
    return _one(svc.WITHDRAW_DDS, "uuid", uuid)


def get_dds(uuids: Sequence[str]) -> Request:
    if not 1 <= len(uuids) <= 100:
        raise ValueError(f"getDds takes 1..100 UUIDs, got {len(uuids)}")
    body = _body(svc.GET_DDS)
    for uuid in uuids:
        sub(body, svc.DDS_NS, "uuidList", uuid)
    return Request(svc.GET_DDS, body)


def get_dds_by_internal_reference(internal_reference: str) -> Request:
    return _one(svc.GET_DDS_BY_INTERNAL_REFERENCE, "internalReference", internal_reference)


def get_dds_by_identifiers(reference_number: str, verification_number: str) -> Request:
    return _identifiers(svc.GET_DDS_BY_IDENTIFIERS, reference_number, verification_number)


def verify_declaration(reference_number: str, verification_number: str) -> Request:
    body = _body(svc.VERIFY_DECLARATION)
    sub(body, svc.VERIFY_NS, "referenceNumber", reference_number)
    sub(body, svc.VERIFY_NS, "verificationNumber", verification_number)
    return Request(svc.VERIFY_DECLARATION, body)


def submit_sd(declaration: SimplifiedDeclaration, operator_role: SdOperatorRole) -> Request:
    body = _body(svc.SUBMIT_SD)
    sub(body, svc.SD_NS, "operatorRole", operator_role)
    declaration_to_xml(body, declaration)
    return Request(svc.SUBMIT_SD, body)


def update_sd(sd_identifier: str, declaration: SimplifiedDeclaration) -> Request:
    body = _body(svc.UPDATE_SD)
    sub(body, svc.SD_NS, "sdIdentifier", sd_identifier)
    declaration_to_xml(body, declaration)
    return Request(svc.UPDATE_SD, body)


def withdraw_sd(sd_identifier: str) -> Request:
    return _one(svc.WITHDRAW_SD, "sdIdentifier", sd_identifier)


def get_sd(uuids: Sequence[str | tuple[str, int | None]]) -> Request:
    """UUIDs, each optionally paired with a version number."""
    if not 1 <= len(uuids) <= 100:
        raise ValueError(f"getSd takes 1..100 UUIDs, got {len(uuids)}")
    body = _body(svc.GET_SD)
    for item in uuids:
        uuid, version = (item, None) if isinstance(item, str) else item
        entry = sub(body, svc.SD_NS, "uuidAndVersionNumberList")
        sub(entry, C, "uuid", uuid)
        if version is not None:
            sub(entry, C, "versionNumber", str(version))
    return Request(svc.GET_SD, body)


def get_sd_by_internal_reference(internal_reference: str) -> Request:
    return _one(svc.GET_SD_BY_INTERNAL_REFERENCE, "internalReference", internal_reference)


def get_sd_by_identifiers(reference_number: str, verification_number: str) -> Request:
    return _identifiers(svc.GET_SD_BY_IDENTIFIERS, reference_number, verification_number)


def echo(query: str) -> Request:
    """EudrEchoService testEcho (acceptance only): checks credentials without side effects."""
    return _one(svc.TEST_ECHO, "query", query)
