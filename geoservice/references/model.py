"""What a reference look-up answers: per-CA-number status, the number pair, export filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

LookupStatus = Literal["found", "not submitted yet", "not yours", "unknown", "invalid"]
FOUND: LookupStatus = "found"
NOT_SUBMITTED: LookupStatus = "not submitted yet"
NOT_YOURS: LookupStatus = "not yours"
UNKNOWN: LookupStatus = "unknown"
INVALID: LookupStatus = "invalid"

STATEMENT_STATUSES = ("draft", "queued", "submitted", "available", "rejected", "withdrawn")

# The same pattern as the CHECK constraint on certificates.ca_number.
_CA_NUMBER = re.compile(r"^[0-9A-Za-z/-]{3,40}$")

# Columns of references.csv, in order; api.md names the first six.
EXPORT_COLUMNS = (
    "ca_number", "cadastral_designation", "internal_reference", "eudr_reference_number",
    "eudr_verification_number", "status", "date", "cirsma",
)


def clean_ca_number(raw: str) -> str | None:
    """The CA number in a cell, or None when the cell is empty or not a CA number.

    Surrounding blanks and the apostrophe our own CSV export puts before risky cells are removed,
    so a file we produced can be fed back unchanged.
    """
    value = raw.strip().lstrip("'").strip()
    return value if _CA_NUMBER.match(value) else None


@dataclass(slots=True)
class Resolution:
    """The answer for one CA number, as the caller may see it."""

    ca_number: str
    status: LookupStatus
    reference_number: str | None = None
    verification_number: str | None = None
    internal_reference: str | None = None
    statement_status: str | None = None
    date: datetime | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "ca_number": self.ca_number,
            "status": self.status,
            "eudr_reference_number": self.reference_number,
            "eudr_verification_number": self.verification_number,
            "internal_reference": self.internal_reference,
            "statement_status": self.statement_status,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass(frozen=True)
class ExportFilter:
    """Filters of references.csv and its JSON variant."""

    ca_numbers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    statuses: tuple[str, ...] = ()
