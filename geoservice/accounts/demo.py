"""Demo organisations and users: two client organisations with every role, and the operator.

Idempotent: existing organisations and users (by registration number, e-mail) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from geoservice.accounts import store
from geoservice.accounts.principal import ROLES

DEMO_PASSWORD = "demo-parole-2026"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoOrg:
    name: str
    reg_no: str
    domain: str
    is_operator: bool
    roles: tuple[str, ...]
    vat_no: str
    eori: str
    street: str
    city: str
    postal_code: str
    phone: str


DEMO_ORGS = (
    DemoOrg("SIA Meža Vēji", "40103111111", "mezaveji.example", False, ROLES,
            "LV40103111111", "LV40103111111", "Skolas iela 3", "Madona", "LV-4801",
            "+371 64800001"),
    DemoOrg("Z/S Ozolkalni", "40203222222", "ozolkalni.example", False, ROLES,
            "LV40203222222", "LV40203222222", "Ozolkalni, Jumurdas pagasts", "Madonas novads",
            "LV-4824", "+371 64800002"),
    DemoOrg("Koksnes plūsmas datu centrs", "40008000000", "kpdc.example", True,
            ("compliance_officer", "admin"), "LV40008000000", "LV40008000000",
            "Katlakalna iela 1", "Rīga", "LV-1073", "+371 67000000"),
)


def demo_email(role: str, org: DemoOrg) -> str:
    return f"{role.replace('_', '.')}@{org.domain}"


def load(conn: Connection) -> list[tuple[str, str, str]]:
    """Create what is missing; returns (organisation, e-mail, role) of every demo user."""
    users: list[tuple[str, str, str]] = []
    for org in DEMO_ORGS:
        org_id = store.find_organisation(conn, org.reg_no)
        if org_id is None:
            org_id = store.create_organisation(
                conn, name=org.name, reg_no=org.reg_no, is_operator=org.is_operator,
                vat_no=org.vat_no, eori=org.eori, street=org.street, city=org.city,
                postal_code=org.postal_code, phone=org.phone, email=f"info@{org.domain}",
            )
        for role in org.roles:
            email = demo_email(role, org)
            exists = conn.execute(
                text("SELECT 1 FROM users WHERE lower(email) = lower(:e)"), {"e": email}
            ).scalar()
            if not exists:
                store.create_user(conn, org_id=str(org_id), email=email, role=role,
                                  password=DEMO_PASSWORD, name=f"{role.replace('_', ' ').title()}")
            users.append((org.name, email, role))
    return users
