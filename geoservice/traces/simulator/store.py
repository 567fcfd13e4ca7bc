"""The simulator's register of statements and their lifecycle, thread-safe and in memory.

SUBMITTED turns AVAILABLE (or REJECTED) ``delay_seconds`` after submission; the change is
computed lazily from the clock whenever a record is read, so a test can move a fake clock.
A message of the competent authority can be scheduled for some time after AVAILABLE
(``schedule_message``): it appears in getDds once that time has come, as an officer's would.
DDS amend and withdraw follow the 72-hour window; simplified declarations have no window.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid as uuidlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from geoservice.traces.model import (
    CommunicationToOperator,
    DdsOverview,
    SimplifiedDeclaration,
    Statement,
)

Kind = Literal["DDS", "SD"]
FaultKind = Literal["business", "permission", "not_found"]
ALPHANUMERIC = string.ascii_uppercase + string.digits
USABLE = frozenset({"AVAILABLE", "ARCHIVED"})


class StoreFault(Exception):
    """A refusal the simulator turns into the matching SOAP fault."""

    def __init__(self, kind: FaultKind, error_id: str, message: str, field: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.error_id = error_id
        self.message = message
        self.field = field


@dataclass
class Record:
    uuid: str
    kind: Kind
    owner: str
    internal_reference: str
    payload: Statement | SimplifiedDeclaration
    submitted_at: float
    updated_at: float
    status: str = "SUBMITTED"
    reference_number: str | None = None
    verification_number: str | None = None
    version: int = 1
    rejection_reason: str | None = None
    pending_rejection: str | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)
    communication: CommunicationToOperator | None = None
    pending_message: tuple[float, str] | None = None  # (seconds after AVAILABLE, content)

    def overview(self) -> DdsOverview:
        return DdsOverview(
            uuid=self.uuid,
            internal_reference=self.internal_reference,
            reference_number=self.reference_number,
            verification_number=self.verification_number,
            status=self.status,
            rejection_reason=self.rejection_reason,
            date=datetime.fromtimestamp(self.updated_at, UTC),
            updated_by=self.owner,
            version=self.version,
            communication=self.communication,
        )


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


class DeclarationStore:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        delay_seconds: float = 20.0,
        amend_window_seconds: float = 72 * 3600,
    ) -> None:
        self.clock = clock
        self.delay_seconds = delay_seconds
        self.amend_window_seconds = amend_window_seconds
        self._records: dict[str, Record] = {}
        self._by_reference: dict[str, Record] = {}
        self._lock = threading.RLock()
        self._messages: deque[tuple[float, str]] = deque()

    def schedule_message(self, content: str, after_seconds: float, count: int = 1) -> None:
        """The next ``count`` submissions that become AVAILABLE get ``content`` as a
        communicationToOperator ``after_seconds`` after they did."""
        with self._lock:
            self._messages.extend([(after_seconds, content)] * count)

    def _settle(self, record: Record) -> Record:
        due = record.submitted_at + self.delay_seconds
        if record.status == "SUBMITTED" and self.clock() >= due:
            record.updated_at = due
            if record.pending_rejection:
                record.status, record.rejection_reason = "REJECTED", record.pending_rejection
            else:
                record.status = "AVAILABLE"
                record.reference_number = self._new_reference(record, due)
                record.verification_number = _random(8)
                self._by_reference[record.reference_number] = record
        if record.pending_message is not None and record.status in USABLE:
            after, content = record.pending_message
            written = record.submitted_at + self.delay_seconds + after
            if self.clock() >= written:
                record.communication = CommunicationToOperator(
                    datetime.fromtimestamp(written, UTC), content)
                record.updated_at = max(record.updated_at, written)
                record.pending_message = None
        return record

    def _new_reference(self, record: Record, moment: float) -> str:
        """``26LV`` + 10 alphanumerics (14 characters); simplified declarations start with S."""
        year = datetime.fromtimestamp(moment, UTC).year % 100
        country = (record.payload.country_of_activity or "LV").upper()
        while True:
            if record.kind == "SD":
                candidate = f"S{year:02d}{country}{_random(9)}"
            else:
                candidate = f"{year:02d}{country}{_random(10)}"
            if candidate not in self._by_reference:
                return candidate

    def _own(self, owner: str, uuid: str, kind: Kind, missing: FaultKind) -> Record:
        record = self._records.get(uuid.lower())
        if record is None or record.owner != owner or record.kind != kind:
            raise StoreFault(missing, "EUDR-API-NO-DDS", f"No {kind} with UUID {uuid}", "uuid")
        return self._settle(record)

    def add(
        self,
        kind: Kind,
        owner: str,
        payload: Statement | SimplifiedDeclaration,
        reject_with: str | None = None,
    ) -> Record:
        with self._lock:
            groups = self._check_grouping(kind, payload.grouped_declarations)
            now = self.clock()
            reference = (
                payload.internal_reference
                or f"{datetime.fromtimestamp(now, UTC).year % 100:02d}LV{_random(10)}"
            )
            record = Record(
                str(uuidlib.uuid4()),
                kind,
                owner,
                reference,
                payload,
                now,
                now,
                pending_rejection=reject_with,
                groups=tuple(r.uuid for r in groups),
                pending_message=(
                    self._messages.popleft() if self._messages and not reject_with else None
                ),
            )
            for grouped in groups:
                grouped.status = "GROUPED"
            self._records[record.uuid] = record
            return record

    def _check_grouping(self, kind: Kind, references: Sequence[str]) -> list[Record]:
        found = []
        for reference in references:
            record = self._by_reference.get(reference)
            if record is not None:
                self._settle(record)
            if (
                record is None
                or record.status != "AVAILABLE"
                or (kind == "SD" and record.kind != "SD")
            ):
                raise StoreFault(
                    "business",
                    "EUDR-REFERENCED-STATEMENT-NOT-FOUND",
                    f"Referenced statement {reference} does not exist or is not available",
                    "groupedDeclarations",
                )
            found.append(record)
        return found

    def amend(
        self, owner: str, uuid: str, payload: Statement | SimplifiedDeclaration, kind: Kind
    ) -> Record:
        with self._lock:
            record = self._own(owner, uuid, kind, "business" if kind == "DDS" else "not_found")
            if record.status != "AVAILABLE":
                raise StoreFault(
                    "business",
                    "EUDR-API-AMEND-NOT-ALLOWED-FOR-STATUS",
                    f"Cannot amend a statement in status {record.status}",
                    "status",
                )
            if kind == "DDS" and self.clock() - record.submitted_at > self.amend_window_seconds:
                raise StoreFault(
                    "business",
                    "EUDR-API-AMEND-OR-WITHDRAW-DDS-NOT-POSSIBLE",
                    "The amendment window has closed",
                    "uuid",
                )
            record.payload = payload
            record.internal_reference = payload.internal_reference or record.internal_reference
            record.version += 1
            record.updated_at = self.clock()
            return record

    def communicate(self, uuid: str, content: str) -> Record:
        """The competent authority writes to the operator: ``communicationToOperator`` (the
        latest one; TRACES shows one at a time) appears in getDds from now on."""
        with self._lock:
            record = self._records.get(uuid.lower())
            if record is None:
                raise KeyError(f"no statement with UUID {uuid}")
            now = self.clock()
            record.communication = CommunicationToOperator(datetime.fromtimestamp(now, UTC),
                                                           content)
            record.updated_at = now
            return record

    def withdraw(self, owner: str, uuid: str, kind: Kind) -> Record:
        with self._lock:
            record = self._own(owner, uuid, kind, "business" if kind == "DDS" else "not_found")
            allowed = ("SUBMITTED", "AVAILABLE") if kind == "DDS" else ("AVAILABLE",)
            expired = (
                kind == "DDS" and self.clock() - record.submitted_at > self.amend_window_seconds
            )
            if record.status not in allowed or expired:
                reason = (
                    "the 72-hour window has closed" if expired else f"status is {record.status}"
                )
                raise StoreFault(
                    "business",
                    "EUDR-API-AMEND-OR-WITHDRAW-DDS-NOT-POSSIBLE",
                    f"Cannot withdraw: {reason}",
                    "uuid",
                )
            record.status = "WITHDRAWN"
            record.updated_at = self.clock()
            for grouped_uuid in record.groups:
                self._records[grouped_uuid].status = "AVAILABLE"
            return record

    def get(self, owner: str, uuids: Sequence[str], kind: Kind) -> list[Record]:
        with self._lock:
            found = [self._records.get(u.lower()) for u in uuids]
            mine = [
                self._settle(r)
                for r in found
                if r is not None and r.owner == owner and r.kind == kind
            ]
        if not mine:
            raise StoreFault("not_found", "EUDR-API-NO-DDS", "Data not found.", "uuidList")
        return mine

    def by_internal_reference(self, owner: str, reference: str, kind: Kind) -> list[Record]:
        with self._lock:
            mine = [
                self._settle(r)
                for r in self._records.values()
                if r.owner == owner and r.kind == kind and r.internal_reference == reference
            ]
        if not mine:
            raise StoreFault("not_found", "EUDR-API-NO-DDS", "Data not found.", "internalReference")
        return sorted(mine, key=lambda r: r.submitted_at)[:1000]

    def _settle_all(self) -> None:
        """Numbers are assigned on settling, so look-ups by number settle everything first."""
        for pending in self._records.values():
            self._settle(pending)

    def by_identifiers(self, reference: str, verification: str, kind: Kind) -> Record:
        with self._lock:
            self._settle_all()
            record = self._by_reference.get(reference)
        if (
            record is None
            or record.verification_number != verification
            or record.kind != kind
            or record.status not in USABLE
        ):
            raise StoreFault(
                "not_found",
                "EUDR-WEBSERVICE-STATEMENT-NOT-FOUND",
                "Data not found.",
                "referenceNumber",
            )
        return record

    def verify(self, reference: str, verification: str) -> Record | None:
        """The record the pair designates, or None (NON_EXISTENT)."""
        with self._lock:
            self._settle_all()
            record = self._by_reference.get(reference)
        if record is None or record.verification_number != verification:
            return None
        return record

    def force_status(self, uuid: str, status: str) -> None:
        """Test hook: put a record in a state TRACES reaches by itself (ARCHIVED, OBSOLETE…)."""
        with self._lock:
            self._settle(self._records[uuid.lower()]).status = status

    def records(self) -> list[Record]:
        with self._lock:
            return [self._settle(r) for r in self._records.values()]
