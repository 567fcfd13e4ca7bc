"""Who a request acts for, and the tenancy rule every query applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["owner", "analyst", "compliance_officer", "admin"]
ROLES: tuple[Role, ...] = ("owner", "analyst", "compliance_officer", "admin")
SERVICE_ROLES: frozenset[str] = frozenset({"compliance_officer", "admin"})


@dataclass(frozen=True)
class Principal:
    """An authenticated user of one organisation."""

    user_id: str
    email: str
    name: str
    role: Role
    organisation_id: str
    organisation_name: str
    organisation_is_operator: bool
    language: str = "lv"
    via_token: bool = False

    @property
    def sees_all_organisations(self) -> bool:
        """Compliance officers and admins of the service operator see every tenant; no one else."""
        return self.organisation_is_operator and self.role in SERVICE_ROLES

    @property
    def is_service_admin(self) -> bool:
        return self.organisation_is_operator and self.role == "admin"

    @property
    def is_compliance_officer(self) -> bool:
        return self.role in SERVICE_ROLES

    def can_edit(self) -> bool:
        """Owners and analysts edit their organisation's data; officers review, admins manage."""
        return self.role in ("owner", "analyst", "admin")

    def org_filter(self, column: str = "organisation_id") -> tuple[str, dict[str, str]]:
        """SQL condition and parameters restricting rows to what this principal may see.

        ``column`` is a trusted identifier written by the caller, never user input.
        """
        if self.sees_all_organisations:
            return "TRUE", {}
        return f"{column} = CAST(:tenant_org AS uuid)", {"tenant_org": self.organisation_id}
