"""Verify a reference/verification pair the way TRACES' verify service answers.

The pair is the proof: whoever presents both numbers of a statement held here learns its state
and nothing else about it, whichever organisation asks. ``from_records`` answers from our
statements: available → EXISTING_USABLE; withdrawn, rejected or any other state →
EXISTING_NON_USABLE with the status; a wrong verification number → NON_EXISTENT, exactly as for
a pair that does not exist. ``verify_many`` answers a list of pairs in one query (a CSV of
pairs, a received document). ``from_traces`` asks TRACES itself through a ``TracesService``
(``geoservice.traces.protocol``) — the integration point is ``traces_service(app_state)``: the
object stored as ``app.state.traces_service`` by whoever wires the TRACES client into the app;
without it the endpoint answers 503 ``traces_not_configured``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, text

from geoservice.errors import UpstreamUnavailable, ValidationFailed

Outcome = Literal["EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT"]
_REFERENCE = re.compile(r"^[0-9A-Za-z]{5,35}$")
_VERIFICATION = re.compile(r"^[0-9A-Za-z]{5,35}$")


@cache
def _sql() -> str:
    return resources.files("geoservice.references").joinpath("sql", "verify.sql").read_text(
        "utf-8")


def plausible(value: str) -> bool:
    """A reference or verification number could be this (5 to 35 letters or digits)."""
    return bool(_REFERENCE.match(value))


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


@dataclass(frozen=True)
class Found:
    """The statement held here for a pair: its status, since when, its id."""

    status: str
    at: datetime
    statement_id: str


def lookup(conn: Connection, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Found]:
    """The statement of each distinct pair that exists here, in one query."""
    distinct = sorted(set(pairs))
    if not distinct:
        return {}
    rows = conn.execute(text(_sql()), {"refs": [p[0] for p in distinct],
                                       "vers": [p[1] for p in distinct]})
    return {(ref, ver): Found(str(status), at, sid) for ref, ver, status, at, sid in rows}


def outcome(found: Found | None) -> tuple[Outcome, str | None]:
    if found is None:
        return "NON_EXISTENT", None
    usable = found.status == "available"
    return ("EXISTING_USABLE" if usable else "EXISTING_NON_USABLE"), found.status.upper()


def answer_of(found: Found | None, source: str = "records") -> dict[str, object]:
    result, status = outcome(found)
    return answer(result, status, found.at if found else None, source)


def from_records(conn: Connection, reference: str, verification: str) -> dict[str, object]:
    return answer_of(lookup(conn, [(reference, verification)]).get((reference, verification)))


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
