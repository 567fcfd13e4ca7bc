"""A faithful in-memory simulator of the TRACES V3 SOAP services, independent of HTTP.

``handle(path, soap_action, body)`` answers like TRACES: it checks the WS-Security digest and
timestamps, throttles 5 calls/s per client, validates the body against the XSD structure and
the documented business rules, and runs the statement lifecycle (see ``store``).
Two clocks: ``clock`` drives the lifecycle (status delay, 72-hour window), ``security_clock``
the timestamp check and throttling, so a test can jump days ahead while real timestamps
stay valid.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from geoservice.traces import services as svc
from geoservice.traces.errors import ErrorId
from geoservice.traces.limits import MAX_GEO_BYTES
from geoservice.traces.responses import parse_xml
from geoservice.traces.simulator import wire
from geoservice.traces.simulator.handlers import Operations, RulesFault
from geoservice.traces.simulator.schema import validate
from geoservice.traces.simulator.store import DeclarationStore, StoreFault
from geoservice.traces.wsse import CLOCK_SKEW_SECONDS, UsernameToken, check_token, read_token
from geoservice.traces.xml_shape import SchemaViolation

Answer = tuple[int, dict[str, str], bytes]
InjectionKind = Literal["timeout", "http500", "slow", "auth"]
DEFAULT_ACCOUNTS: dict[str, str] = {"simulator": "simulator-auth-key"}


@dataclass(frozen=True)
class _Injection:
    kind: InjectionKind
    seconds: float


class TracesSimulator:
    """TRACES V3 (DDS, simplified declaration, verify, echo) for the given accounts.

    ``accounts`` maps EU Login usernames to authentication keys; ``roles`` optionally limits
    the operator roles a username may use (others get EUDR-WEBSERVICE-USER-ACTIVITY-NOT-ALLOWED).
    ``rate_limit`` is calls per second per client (username, else IP); None disables it.
    """

    def __init__(
        self,
        delay_seconds: float = 20.0,
        clock: Callable[[], float] = time.time,
        accounts: Mapping[str, str] | None = None,
        *,
        security_clock: Callable[[], float] = time.time,
        rate_limit: int | None = 5,
        max_geo_bytes: int = MAX_GEO_BYTES,
        roles: Mapping[str, Collection[str]] | None = None,
        timeout_seconds: float = 35.0,
        amend_window_hours: float = 72.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.accounts = dict(DEFAULT_ACCOUNTS if accounts is None else accounts)
        self.store = DeclarationStore(clock, delay_seconds, amend_window_hours * 3600)
        self.security_clock = security_clock
        self.rate_limit = rate_limit
        self.timeout_seconds = timeout_seconds
        self._sleep = sleep
        self._lock = threading.Lock()
        self._injections: deque[_Injection] = deque()
        self._rejections: deque[str] = deque()
        self._calls: dict[str, deque[float]] = {}
        self._nonces: dict[bytes, float] = {}
        self.operations = Operations(self.store, roles, max_geo_bytes, self._take_rejection)

    @property
    def delay_seconds(self) -> float:
        return self.store.delay_seconds

    @delay_seconds.setter
    def delay_seconds(self, value: float) -> None:
        self.store.delay_seconds = value

    def inject(self, kind: InjectionKind, count: int = 1, seconds: float | None = None) -> None:
        """Make the next ``count`` calls fail: ``timeout`` answers after ``seconds`` (default
        ``timeout_seconds``, longer than a client waits) but still performs the call, as a lost
        answer would; ``slow`` the same with a delay the client tolerates; ``http500`` answers
        InternalSystemException; ``auth`` answers "Authentication failed"."""
        if kind not in ("timeout", "http500", "slow", "auth"):
            raise ValueError(f"unknown injection kind {kind!r}")
        wait = (
            seconds if seconds is not None else (self.timeout_seconds if kind == "timeout" else 1.0)
        )
        with self._lock:
            self._injections.extend(_Injection(kind, wait) for _ in range(count))

    def reject_next(self, reason: str, count: int = 1) -> None:
        """The next ``count`` accepted submissions end REJECTED with ``reason`` instead."""
        with self._lock:
            self._rejections.extend([reason] * count)

    def communicate(self, uuid: str, content: str) -> None:
        """A message of the competent authority on a statement, seen by getDds from now on."""
        self.store.communicate(uuid, content)

    def message_after_available(self, content: str, after_seconds: float = 0.0,
                                count: int = 1) -> None:
        """The next ``count`` accepted submissions receive a communicationToOperator
        ``after_seconds`` after they became AVAILABLE (seen by getDds from then on)."""
        self.store.schedule_message(content, after_seconds, count)

    def _take_rejection(self) -> str | None:
        with self._lock:
            return self._rejections.popleft() if self._rejections else None

    def handle(
        self, path: str, soap_action: str, body: bytes, client_ip: str = "127.0.0.1"
    ) -> Answer:
        """Answer one HTTP POST: (status, headers, body)."""
        with self._lock:
            injection = self._injections.popleft() if self._injections else None
        if injection is not None and injection.kind == "http500":
            return wire.internal_error_fault()
        if injection is not None and injection.kind == "auth":
            return wire.auth_fault()
        answer = self._handle(path, soap_action.strip().strip('"'), body, client_ip)
        if injection is not None:
            self._sleep(injection.seconds)
        return answer

    def _handle(self, path: str, soap_action: str, body: bytes, client_ip: str) -> Answer:
        service_name = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if "/ws/" not in path:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        if service_name in svc.DISCONTINUED_SERVICES:
            return 500, dict(wire.XML), wire.fault("Server", wire.DISCONTINUED)
        service = svc.SERVICES.get(service_name) or (
            svc.ECHO_SERVICE if path.rstrip("/").endswith("/eudr/echo") else None
        )
        if service is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        root = parse_xml(body)
        envelope = f"{{{svc.SOAP_ENV_NS}}}"
        if root is None or root.tag != f"{envelope}Envelope":
            return wire.schema_fault("Content is not allowed in prolog.", 1)
        header = root.find(f"{envelope}Header")
        body_el = root.find(f"{envelope}Body")
        children = list(body_el) if body_el is not None else []
        request = next((c for c in children if isinstance(c.tag, str)), None)
        try:
            token = read_token(header) if header is not None else None
        except ValueError:
            token = None
        if not self._admit(token.username if token else f"ip:{client_ip}"):
            return wire.throttle_fault(self.rate_limit or 0)
        if token is None or not self._authenticated(token):
            return wire.auth_fault()
        if (
            header is None
            or not (header.findtext(f"{{{svc.BASE_NS}}}WebServiceClientId") or "").strip()
        ):
            return 500, dict(wire.XML), wire.fault("Client", "WebServiceClientId header is missing")
        op = svc.find_operation(service.name, request.tag) if request is not None else None
        if op is None or request is None:
            name = request.tag if request is not None else "(empty body)"
            return (
                500,
                dict(wire.XML),
                wire.fault("Client", f"Cannot find dispatch method for {name}"),
            )
        if soap_action and soap_action != op.soap_action:
            return (
                500,
                dict(wire.XML),
                wire.fault(
                    "Client", f"SOAPAction {soap_action} does not match operation {op.name}"
                ),
            )
        try:
            validate(request)
            answer = self.operations.handlers[op.name](token.username, request)
        except SchemaViolation as exc:
            return wire.schema_fault(str(exc), exc.line)
        except RulesFault as exc:
            if exc.permission:
                return wire.permission_fault(op.service.namespace, exc.errors)
            return wire.business_fault(op.service.namespace, exc.errors)
        except StoreFault as exc:
            errors = [ErrorId(exc.error_id, exc.message, exc.field)]
            if exc.kind == "not_found":
                return wire.not_found_fault(op.service.namespace, errors)
            if exc.kind == "permission":
                return wire.permission_fault(op.service.namespace, errors)
            return wire.business_fault(op.service.namespace, errors)
        return 200, dict(wire.XML), wire.envelope(answer)

    def _admit(self, client: str) -> bool:
        """Sliding one-second window per client."""
        if self.rate_limit is None:
            return True
        now = self.security_clock()
        with self._lock:
            calls = self._calls.setdefault(client, deque())
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            if len(calls) >= self.rate_limit:
                return False
            calls.append(now)
            return True

    def _authenticated(self, token: UsernameToken) -> bool:
        key = self.accounts.get(token.username)
        now = self.security_clock()
        if key is None or check_token(token, key, now) is not None:
            return False
        with self._lock:
            for nonce, seen in list(self._nonces.items()):
                if seen < now - 2 * CLOCK_SKEW_SECONDS:
                    del self._nonces[nonce]
            if token.nonce in self._nonces:
                return False  # replayed nonce
            self._nonces[token.nonce] = now
        return True
