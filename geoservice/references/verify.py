"""Verify a reference/verification pair the way TRACES' verify service answers.

``from_records`` answers from our statements: available → EXISTING_USABLE; withdrawn, rejected
or any other state → EXISTING_NON_USABLE; a pair the caller may not see, or that does not exist
→ NON_EXISTENT (never a hint that it exists elsewhere). ``from_traces`` asks TRACES itself
through a ``TracesService`` (``geoservice.traces.protocol``) — the integration point is
``traces_service(app_state)``: the object stored as ``app.state.traces_service`` by whoever
wires the TRACES client into the app; without it the endpoint answers 503 ``traces_not_configured``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Connection

from geoservice.accounts.principal import Principal
from geoservice.errors import UpstreamUnavailable, ValidationFailed
from geoservice.references import store

Outcome = Literal["EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT"]
_REFERENCE = re.compile(r"^[0-9A-Za-z]{5,35}$")
_VERIFICATION = re.compile(r"^[0-9A-Za-z]{5,35}$")


class Verifier(Protocol):
    """The slice of ``TracesService`` this module needs."""

    def verify_declaration(self, reference_number: str, verification_number: str) -> Any: ...


def check_pair(reference: str | None, verification: str | None) -> tuple[str, str]:
    """Both numbers present and plausible, else 422 naming the bad one."""
    values = {"reference": (reference or "").strip(),
              "verification": (verification or "").strip()}
    for name, pattern in (("reference", _REFERENCE), ("verification", _VERIFICATION)):
        if not pattern.match(values[name]):
            raise ValidationFailed(
                f"{name}={values[name]!r} is not a valid {name} number: 5 to 35 letters or "
                "digits, e.g. reference=26LVABCDEF1234&verification=K7Q2M9XD.",
                code=f"invalid_{name}", details=[{"field": name, "value": values[name]}])
    return values["reference"], values["verification"]


def answer(result: Outcome, status: str | None, at: datetime | None, source: str
           ) -> dict[str, object]:
    moment = at or datetime.now(UTC)
    return {"result": result, "status": status, "date_time": moment.isoformat(),
            "source": source}


def from_records(conn: Connection, principal: Principal, reference: str, verification: str
                 ) -> dict[str, object]:
    found = store.verify(conn, principal, reference, verification)
    if found is None:
        return answer("NON_EXISTENT", None, None, "records")
    status, at = found
    result: Outcome = "EXISTING_USABLE" if status == "available" else "EXISTING_NON_USABLE"
    return answer(result, status.upper(), at, "records")


def traces_service(state: object) -> Verifier:
    """The TRACES client wired into the app, or 503 when none is configured."""
    service = getattr(state, "traces_service", None)
    if service is None or not hasattr(service, "verify_declaration"):
        raise UpstreamUnavailable(
            "Verification against TRACES is not configured on this server; ask without "
            "source=traces to check our records.", code="traces_not_configured")
    return service  # type: ignore[no-any-return]


def from_traces(service: Verifier, reference: str, verification: str) -> dict[str, object]:
    """TRACES' own answer; a failure of TRACES is a 503 with nothing changed."""
    try:
        result = service.verify_declaration(reference, verification)
    except Exception as exc:  # the TRACES client raises its own TracesError family
        raise UpstreamUnavailable(
            "TRACES did not answer the verification; try again later.",
            log_detail=f"{type(exc).__name__}: {exc}") from None
    return answer(result.result, result.status, result.date_time, "traces")
