"""The real TRACES V3 client: SOAP over HTTP with ``requests``, WS-Security per call.

Retries are not done here: errors say whether they are ``retryable`` and, for timeouts, whether
the request ``maybe_applied``, and the caller's job queue decides.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

import requests
from lxml import etree

from geoservice.metrics import TRACES_CALLS
from geoservice.traces import envelope as env
from geoservice.traces import responses as resp
from geoservice.traces.errors import NotFoundError, TracesUnavailable
from geoservice.traces.model import (
    DdsOverview,
    Modification,
    OperatorRole,
    SdOperatorRole,
    SimplifiedDeclaration,
    Statement,
    VerifyResult,
)

log = logging.getLogger(__name__)


class HttpResponse(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class HttpSession(Protocol):
    """The slice of ``requests.Session`` the client uses (tests may pass a transport)."""

    def post(self, url: str, **kwargs: Any) -> HttpResponse: ...


class _Pacer:
    """Spaces calls at least 1/rate seconds apart across threads (TRACES allows 5/s per IP)."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


class TracesClient:
    """Talks to ``<base_url>ws/<Service>``; ``base_url`` goes up to and including ``/tracesnt/``.

    ``max_calls_per_second`` paces calls client-side (None: no pacing). ``simulated`` only labels
    the client, for statements the API reports as simulated.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        auth_key: str,
        client_id: str,
        timeout: float = 30,
        session: HttpSession | None = None,
        *,
        simulated: bool = False,
        max_calls_per_second: float | None = None,
    ) -> None:
        if "/ws/" in base_url:
            raise ValueError(f"base_url must stop at /tracesnt/, not name a service: {base_url}")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.simulated = simulated
        self._credentials = env.Credentials(username, auth_key, client_id)
        self._owns_session = session is None
        self._session = session if session is not None else cast(HttpSession, requests.Session())
        self._pacer = _Pacer(max_calls_per_second)

    def __repr__(self) -> str:
        return f"TracesClient({self.base_url!r}, {self._credentials!r})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()  # type: ignore[attr-defined]

    def __enter__(self) -> TracesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, request: env.Request) -> etree._Element:
        op = request.operation
        url = f"{self.base_url}ws/{op.service.name}"
        payload = env.build_envelope(request, self._credentials)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{op.soap_action}"',
            "Accept": "text/xml",
        }
        self._pacer.wait()
        started = time.monotonic()
        outcome = "ok"
        try:
            try:
                answer = self._session.post(url, data=payload, headers=headers,
                                            timeout=self.timeout)
            except requests.exceptions.ConnectTimeout as exc:
                raise TracesUnavailable(f"{op.name}: connect timeout",
                                        maybe_applied=False) from exc
            except requests.exceptions.Timeout as exc:
                raise TracesUnavailable(f"{op.name}: no answer within {self.timeout} s") from exc
            except requests.exceptions.RequestException as exc:
                raise TracesUnavailable(f"{op.name}: {exc.__class__.__name__}: {exc}") from exc
            log.debug(
                "TRACES %s -> HTTP %s in %.0f ms",
                op.name,
                answer.status_code,
                (time.monotonic() - started) * 1000,
            )
            return resp.response_body(op, answer.status_code, answer.content, answer.headers)
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            TRACES_CALLS.labels(op.name, outcome).inc()

    def submit_dds(self, statement: Statement, operator_role: OperatorRole = "OPERATOR") -> str:
        return resp.text_of(self._call(env.submit_dds(statement, operator_role)), "uuid")

    def amend_dds(self, uuid: str, statement: Statement) -> str:
        return resp.modification(self._call(env.amend_dds(uuid, statement))).status

    def withdraw_dds(self, uuid: str) -> str:
        return resp.modification(self._call(env.withdraw_dds(uuid))).status

    def get_dds(self, uuids: Sequence[str]) -> list[DdsOverview]:
        try:
            return resp.overviews(self._call(env.get_dds(uuids)), "ddsOverviewList")
        except NotFoundError:
            return []

    def get_dds_by_internal_reference(self, internal_reference: str) -> list[DdsOverview]:
        request = env.get_dds_by_internal_reference(internal_reference)
        try:
            return resp.overviews(self._call(request), "ddsOverviewList")
        except NotFoundError:
            return []

    def get_dds_by_identifiers(self, reference_number: str, verification_number: str) -> Statement:
        request = env.get_dds_by_identifiers(reference_number, verification_number)
        return resp.statement(self._call(request))

    def verify_declaration(self, reference_number: str, verification_number: str) -> VerifyResult:
        request = env.verify_declaration(reference_number, verification_number)
        return resp.verify_result(self._call(request))

    def submit_simplified_declaration(
        self, declaration: SimplifiedDeclaration, operator_role: SdOperatorRole = "MICRO_OPERATOR"
    ) -> str:
        return resp.text_of(self._call(env.submit_sd(declaration, operator_role)), "sdIdentifier")

    def update_simplified_declaration(
        self, sd_identifier: str, declaration: SimplifiedDeclaration
    ) -> Modification:
        return resp.modification(self._call(env.update_sd(sd_identifier, declaration)))

    def withdraw_simplified_declaration(self, sd_identifier: str) -> Modification:
        return resp.modification(self._call(env.withdraw_sd(sd_identifier)))

    def get_simplified_declarations(
        self, uuids: Sequence[str | tuple[str, int | None]]
    ) -> list[DdsOverview]:
        try:
            return resp.overviews(self._call(env.get_sd(uuids)), "sdOverviewList")
        except NotFoundError:
            return []

    def get_simplified_declarations_by_internal_reference(
        self, internal_reference: str
    ) -> list[DdsOverview]:
        request = env.get_sd_by_internal_reference(internal_reference)
        try:
            return resp.overviews(self._call(request), "sdOverviewList")
        except NotFoundError:
            return []

    def get_simplified_declaration_by_identifiers(
        self, reference_number: str, verification_number: str
    ) -> SimplifiedDeclaration:
        request = env.get_sd_by_identifiers(reference_number, verification_number)
        return resp.declaration(self._call(request))

    def echo(self, query: str = "ping") -> str:
        """EudrEchoService (acceptance only): checks credentials and connectivity."""
        return resp.text_of(self._call(env.echo(query)), "status")
