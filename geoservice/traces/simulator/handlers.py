"""The simulator's operations: one handler per WSDL operation, from request element to answer.

A handler gets the authenticated username and the schema-valid request element, and returns
the response element or raises StoreFault / RulesFault, which the simulator turns into faults.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from geoservice.traces import services as svc
from geoservice.traces.common_xml import C, child_text, sub
from geoservice.traces.errors import ErrorId
from geoservice.traces.model import SimplifiedDeclaration
from geoservice.traces.rules import check_statement
from geoservice.traces.sd_xml import declaration_from_xml, declaration_to_xml
from geoservice.traces.simulator.geometries import raw_geometries
from geoservice.traces.simulator.store import USABLE, DeclarationStore, Kind, Record
from geoservice.traces.simulator.wire import overview_to_xml, response_element
from geoservice.traces.statement_xml import statement_from_xml, statement_to_xml
from geoservice.traces.wsse import format_timestamp

Handler = Callable[[str, etree._Element], etree._Element]
REPRESENTATIVE_ROLES = frozenset({"REPRESENTATIVE_OPERATOR", "REPRESENTATIVE_MSPO"})


class RulesFault(Exception):
    """Business-rule or permission errors found before the store is touched."""

    def __init__(self, errors: list[ErrorId], permission: bool = False) -> None:
        super().__init__(", ".join(e.id for e in errors))
        self.errors = errors
        self.permission = permission


class Operations:
    def __init__(
        self,
        store: DeclarationStore,
        roles: Mapping[str, Collection[str]] | None,
        max_geo_bytes: int,
        take_rejection: Callable[[], str | None],
    ) -> None:
        self.store = store
        self.roles = roles
        self.max_geo_bytes = max_geo_bytes
        self.take_rejection = take_rejection
        self.handlers: dict[str, Handler] = {
            "submitDds": self.submit_dds,
            "amendDds": self.amend_dds,
            "withdrawDds": lambda user, el: self._modified(
                svc.WITHDRAW_DDS, self.store.withdraw(user, _text(el, "uuid"), "DDS")
            ),
            "getDds": lambda user, el: self._overviews(
                svc.GET_DDS, "ddsOverviewList", self.store.get(user, _texts(el, "uuidList"), "DDS")
            ),
            "getDdsByInternalReference": lambda user, el: self._overviews(
                svc.GET_DDS_BY_INTERNAL_REFERENCE,
                "ddsOverviewList",
                self.store.by_internal_reference(user, _text(el, "internalReference"), "DDS"),
            ),
            "getDdsByIdentifiers": lambda user, el: self._full(
                user, svc.GET_DDS_BY_IDENTIFIERS, el, "DDS"
            ),
            "submitSd": self.submit_sd,
            "updateSd": self.update_sd,
            "withdrawSd": lambda user, el: self._modified(
                svc.WITHDRAW_SD, self.store.withdraw(user, _text(el, "sdIdentifier"), "SD")
            ),
            "getSd": lambda user, el: self._overviews(
                svc.GET_SD,
                "sdOverviewList",
                self.store.get(user, [u.text or "" for u in el.iter(f"{{{C}}}uuid")], "SD"),
            ),
            "getSdByInternalReference": lambda user, el: self._overviews(
                svc.GET_SD_BY_INTERNAL_REFERENCE,
                "sdOverviewList",
                self.store.by_internal_reference(user, _text(el, "internalReference"), "SD"),
            ),
            "getSdByIdentifiers": lambda user, el: self._full(
                user, svc.GET_SD_BY_IDENTIFIERS, el, "SD"
            ),
            "verifyDeclaration": self.verify,
            "testEcho": self.echo,
        }

    def _role(self, user: str, role: str) -> None:
        allowed = self.roles.get(user) if self.roles is not None else None
        if allowed is not None and role not in allowed:
            raise RulesFault(
                [
                    ErrorId(
                        "EUDR-WEBSERVICE-USER-ACTIVITY-NOT-ALLOWED",
                        f"The user is claiming to use the EUDR role {role} it does not have",
                        "operatorRole",
                    )
                ],
                permission=True,
            )

    def _checked(self, el: etree._Element, role: str | None) -> etree._Element:
        """The statement element once it passes the rules; ``role`` None (amend, update):
        representation is judged from the statement itself."""
        ns = etree.QName(el).namespace
        statement_el = el.find(f"{{{ns}}}statement")
        assert statement_el is not None  # guaranteed by the schema check
        parse = statement_from_xml if ns == svc.DDS_NS else declaration_from_xml
        statement = parse(statement_el)
        representative = (
            role in REPRESENTATIVE_ROLES
            if role is not None
            else statement.represented_operator is not None
        )
        geometries = raw_geometries(statement_el, "producers", "geometryGeojson")
        errors = check_statement(
            statement, geometries, representative=representative, max_geo_bytes=self.max_geo_bytes
        )
        if errors:
            raise RulesFault(errors)
        return statement_el

    def submit_dds(self, user: str, el: etree._Element) -> etree._Element:
        role = _text(el, "operatorRole")
        self._role(user, role)
        statement_el = self._checked(el, role)
        record = self.store.add(
            "DDS", user, statement_from_xml(statement_el), self.take_rejection()
        )
        answer = response_element(svc.DDS_NS, svc.SUBMIT_DDS.response_element)
        sub(answer, svc.DDS_NS, "uuid", record.uuid)
        return answer

    def amend_dds(self, user: str, el: etree._Element) -> etree._Element:
        statement_el = self._checked(el, None)
        record = self.store.amend(user, _text(el, "uuid"), statement_from_xml(statement_el), "DDS")
        return self._modified(svc.AMEND_DDS, record)

    def submit_sd(self, user: str, el: etree._Element) -> etree._Element:
        role = _text(el, "operatorRole")
        self._role(user, role)
        statement_el = self._checked(el, role)
        record = self.store.add(
            "SD", user, declaration_from_xml(statement_el), self.take_rejection()
        )
        answer = response_element(svc.SD_NS, svc.SUBMIT_SD.response_element)
        sub(answer, svc.SD_NS, "sdIdentifier", record.uuid)
        return answer

    def update_sd(self, user: str, el: etree._Element) -> etree._Element:
        identifier = _text(el, "sdIdentifier")
        statement_el = self._checked(el, None)
        record = self.store.amend(user, identifier, declaration_from_xml(statement_el), "SD")
        return self._modified(svc.UPDATE_SD, record)

    def _modified(self, op: svc.Operation, record: Record) -> etree._Element:
        ns = op.service.namespace
        answer = response_element(ns, op.response_element)
        sub(answer, ns, "uuid", record.uuid)
        if record.kind == "SD":
            sub(answer, ns, "version", str(record.version))
        sub(answer, ns, "status", record.status)
        return answer

    def _overviews(self, op: svc.Operation, tag: str, records: list[Record]) -> etree._Element:
        answer = response_element(op.service.namespace, op.response_element)
        for record in records:
            overview_to_xml(answer, op.service.namespace, tag, record.overview())
        return answer

    def _full(self, user: str, op: svc.Operation, el: etree._Element, kind: Kind) -> etree._Element:
        """The whole statement; a confidential one reaches other operators without producers."""
        pair = el.find(f"{{{op.service.namespace}}}referenceAndVerificationNumber")
        assert pair is not None
        record = self.store.by_identifiers(
            child_text(pair, C, "referenceNumber") or "",
            child_text(pair, C, "verificationNumber") or "",
            kind,
        )
        payload = record.payload
        hide = payload.geo_location_confidential and record.owner != user
        answer = response_element(op.service.namespace, op.response_element)
        if isinstance(payload, SimplifiedDeclaration):
            sd_goods = [replace(c, producers=()) for c in payload.commodities]
            declaration_to_xml(answer, replace(payload, commodities=sd_goods) if hide else payload)
        else:
            goods = [replace(c, producers=()) for c in payload.commodities]
            statement_to_xml(answer, replace(payload, commodities=goods) if hide else payload)
        return answer

    def verify(self, user: str, el: etree._Element) -> etree._Element:
        record = self.store.verify(_text(el, "referenceNumber"), _text(el, "verificationNumber"))
        answer = response_element(svc.VERIFY_NS, svc.VERIFY_DECLARATION.response_element)
        if record is None:
            result = "NON_EXISTENT"
        else:
            result = "EXISTING_USABLE" if record.status in USABLE else "EXISTING_NON_USABLE"
        sub(answer, svc.VERIFY_NS, "result", result)
        if record is not None:
            sub(answer, svc.VERIFY_NS, "status", record.status)
        sub(
            answer,
            svc.VERIFY_NS,
            "dateTime",
            format_timestamp(datetime.fromtimestamp(self.store.clock(), UTC)),
        )
        return answer

    def echo(self, user: str, el: etree._Element) -> etree._Element:
        answer = response_element(svc.ECHO_NS, svc.TEST_ECHO.response_element)
        sub(answer, svc.ECHO_NS, "status", "OK")
        return answer


def _text(el: etree._Element, name: str) -> str:
    return child_text(el, etree.QName(el).namespace or "", name) or ""


def _texts(el: etree._Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el.findall(f"{{{etree.QName(el).namespace}}}{name}")]
