"""JSON shapes of statements, mandates and charges as the API answers them (see api.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from geoservice.statements import history
from geoservice.statements.messages import explain_reason

STATEMENT_FIELDS = ("id", "organisation_id", "kind", "certificate_ids", "status",
                    "internal_reference", "traces_uuid", "reference_number",
                    "verification_number", "simulated", "rejection_reason", "buyers",
                    "created_at", "submitted_at", "available_at", "amended_at", "withdrawn_at",
                    "history", "attempt", "attempts", "rejection", "communications",
                    "communication_count", "sent", "window_closes_at")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def statement_json(row: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """The API shape; history lines carry ``messages`` {lv, en} and ``message`` in ``lang``
    (the caller's language; English when not given)."""
    if row.get("rejection_reason") and "rejection" not in row:
        row = {**row, "rejection": explain_reason(row["rejection_reason"])}
    if lang is not None and row.get("history"):
        row = {**row, "history": history.for_reader(row["history"], lang)}
    result: dict[str, Any] = jsonable({k: row[k] for k in STATEMENT_FIELDS if k in row})
    return result


class HistoryEntry(BaseModel):
    """One history line: ``message`` in the caller's language, ``messages`` in both, and the
    catalogue ``code`` (history.statement.<code>) with its ``params`` (null for old lines)."""

    at: str
    status: str
    message: str
    messages: dict[str, str] = {}
    code: str | None = None
    params: dict[str, Any] = {}


class Attempt(BaseModel):
    """An earlier TRACES submission of the statement (rejected, then corrected and resent)."""

    attempt: int
    traces_uuid: str | None
    status: str
    rejection_reason: str | None
    submitted_at: str | None
    ended_at: str


class Communication(BaseModel):
    """What TRACES said: a ``communication`` (communicationToOperator) or a reported ``status``."""

    kind: str
    attempt: int
    traces_uuid: str
    traces_at: str | None
    status: str | None
    content: str
    received_at: str


class Rejection(BaseModel):
    """TRACES' rejection reason explained in Latvian and English (TRACES' words included)."""

    lv: str
    en: str


class StatementOut(BaseModel):
    """A due diligence statement (or simplified declaration) and its TRACES state."""

    id: str
    organisation_id: str
    kind: str
    certificate_ids: list[str]
    status: str
    internal_reference: str
    traces_uuid: str | None
    reference_number: str | None
    verification_number: str | None
    simulated: bool
    rejection_reason: str | None
    buyers: list[str] = []
    created_at: str
    submitted_at: str | None
    available_at: str | None
    amended_at: str | None = None
    withdrawn_at: str | None = None
    history: list[HistoryEntry] = []
    attempt: int = 1
    attempts: list[Attempt] = []
    rejection: Rejection | None = None
    communications: list[Communication] = []
    communication_count: int | None = None
    sent: dict[str, Any] | None = None
    window_closes_at: str | None = None


class MandateOut(BaseModel):
    id: str
    organisation_id: str
    filename: str
    content_type: str
    sha256: str
    status: str
    valid_from: str | None
    valid_until: str | None
    uploaded_at: str
    activated_at: str | None
    size_bytes: int


class Charge(BaseModel):
    charged_at: str
    organisation_id: str
    organisation: str
    reg_no: str
    ca_number: str
    cirsma: int
    cadastral_designation: str
    statement_id: str
    internal_reference: str
    reference_number: str | None
    amount_eur: float
    area_id: str


class ChargesOut(BaseModel):
    month: str
    count: int
    total_eur: float
    charges: list[Charge]
