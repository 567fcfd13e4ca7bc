"""The TRACES V3 integration contract that the real client and the simulator-backed client share.

Errors are ``geoservice.traces.errors.TracesError`` subclasses. List queries answer ``[]``
where TRACES answers NotFound, so reconciliation reads "nothing there" without an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from geoservice.traces.model import (
    DdsOverview,
    Modification,
    OperatorRole,
    SdOperatorRole,
    SimplifiedDeclaration,
    Statement,
    VerifyResult,
)


@runtime_checkable
class TracesService(Protocol):
    """EUDRDueDiligenceStatementServiceV3, EUDRVerifyDeclarationServiceV3 and
    EUDRSimplifiedDeclarationServiceV3 for one web-service user."""

    simulated: bool

    def submit_dds(self, statement: Statement, operator_role: OperatorRole) -> str:
        """The UUID TRACES assigns; numbers come later (status SUBMITTED → AVAILABLE)."""
        ...

    def amend_dds(self, uuid: str, statement: Statement) -> str:
        """Full replacement while AVAILABLE and within 72 h; returns the resulting status."""
        ...

    def withdraw_dds(self, uuid: str) -> str:
        """Withdraw while SUBMITTED or AVAILABLE and within 72 h; returns WITHDRAWN."""
        ...

    def get_dds(self, uuids: Sequence[str]) -> list[DdsOverview]:
        """Overviews of up to 100 UUIDs."""
        ...

    def get_dds_by_internal_reference(self, internal_reference: str) -> list[DdsOverview]:
        """Every DDS of this operator carrying the internal reference (reconciliation)."""
        ...

    def get_dds_by_identifiers(self, reference_number: str, verification_number: str) -> Statement:
        """The full statement; raises NotFoundError when the pair is unknown."""
        ...

    def verify_declaration(self, reference_number: str, verification_number: str) -> VerifyResult:
        """Whether a DDS or SD pair exists and is usable; NON_EXISTENT is not an error."""
        ...

    def submit_simplified_declaration(
        self, declaration: SimplifiedDeclaration, operator_role: SdOperatorRole
    ) -> str:
        """The declaration identifier (a UUID) of a new simplified declaration."""
        ...

    def update_simplified_declaration(
        self, sd_identifier: str, declaration: SimplifiedDeclaration
    ) -> Modification: ...

    def withdraw_simplified_declaration(self, sd_identifier: str) -> Modification: ...

    def get_simplified_declarations(
        self, uuids: Sequence[str | tuple[str, int | None]]
    ) -> list[DdsOverview]:
        """Overviews of up to 100 declarations, each UUID optionally with a version."""
        ...

    def get_simplified_declarations_by_internal_reference(
        self, internal_reference: str
    ) -> list[DdsOverview]: ...

    def get_simplified_declaration_by_identifiers(
        self, reference_number: str, verification_number: str
    ) -> SimplifiedDeclaration: ...
