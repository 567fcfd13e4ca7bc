"""SQL for organisations, users and tokens. Functions take a connection and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts import audit, passwords, tokens
from geoservice.accounts.principal import ROLES, Principal
from geoservice.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from geoservice.ids import canonical


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    reg_no: str
    is_operator: bool


def create_organisation(conn: Connection, *, name: str, reg_no: str, **fields: Any) -> str:
    allowed = {"vat_no", "eori", "street", "city", "postal_code", "country", "email", "phone",
               "is_operator", "declaration_kind"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed(f"unknown organisation fields: {', '.join(sorted(unknown))}")
    exists = conn.execute(
        text("SELECT id FROM organisations WHERE reg_no = :r"), {"r": reg_no}
    ).scalar()
    if exists:
        raise Conflict(f"An organisation with registration number {reg_no} already exists.",
                       code="organisation_exists")
    columns = ["name", "reg_no", *fields]
    params = {"name": name, "reg_no": reg_no, **fields}
    row = conn.execute(
        text(
            f"INSERT INTO organisations ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)}) RETURNING id"
        ),
        params,
    ).scalar_one()
    return str(row)


def get_organisation(conn: Connection, org_id: str) -> dict[str, Any]:
    row = conn.execute(
        text("SELECT * FROM organisations WHERE id = CAST(:id AS uuid)"), {"id": org_id}
    ).mappings().first()
    if row is None:
        raise NotFound(f"Organisation {org_id} does not exist.", code="organisation_not_found")
    return dict(row)


def find_organisation(conn: Connection, ref: str) -> str | None:
    """Organisation id by id or registration number."""
    return conn.execute(
        text(
            "SELECT id FROM organisations WHERE reg_no = :r "
            "OR id = CAST(:id AS uuid) LIMIT 1"
        ),
        {"r": ref, "id": canonical(ref)},
    ).scalar()


def create_user(
    conn: Connection, *, org_id: str, email: str, role: str, password: str, name: str = "",
    language: str = "lv",
) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if "@" not in email or len(email) > 254:
        raise ValidationFailed(f"{email!r} is not an e-mail address")
    if conn.execute(
        text("SELECT 1 FROM users WHERE lower(email) = lower(:e)"), {"e": email}
    ).scalar():
        raise Conflict(f"A user with e-mail {email} already exists.", code="user_exists")
    try:
        password_hash = passwords.hash_password(password)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    return str(
        conn.execute(
            text(
                "INSERT INTO users (organisation_id, email, name, password_hash, role, language) "
                "VALUES (CAST(:org AS uuid), :email, :name, :ph, :role, :lang) RETURNING id"
            ),
            {"org": org_id, "email": email, "name": name, "ph": password_hash, "role": role,
             "lang": language},
        ).scalar_one()
    )


_PRINCIPAL_SQL = """
SELECT u.id, u.email, u.name, u.role, u.language, u.password_hash, u.session_epoch,
       o.id AS org_id, o.name AS org_name, o.is_operator
FROM users u JOIN organisations o ON o.id = u.organisation_id
WHERE {where} AND u.is_active
"""
# Parsed once: it runs on every request with a session cookie.
_PRINCIPAL_BY_ID = text(_PRINCIPAL_SQL.format(where="u.id = CAST(:id AS uuid)"))


def _principal(row: Any, via_token: bool = False) -> Principal:
    return Principal(
        user_id=str(row.id), email=row.email, name=row.name, role=row.role,
        organisation_id=str(row.org_id), organisation_name=row.org_name,
        organisation_is_operator=row.is_operator, language=row.language, via_token=via_token,
    )


def authenticate_password(conn: Connection, email: str, password: str) -> Principal:
    row = conn.execute(
        text(_PRINCIPAL_SQL.format(where="lower(u.email) = lower(:e)")), {"e": email}
    ).first()
    if row is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
    if not passwords.verify_password(row.password_hash, password):
        raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
    conn.execute(text("UPDATE users SET last_login_at = now() WHERE id = :id"), {"id": row.id})
    return _principal(row)


def principal_for_session(conn: Connection, user_id: str, epoch: int) -> Principal | None:
    row = conn.execute(
        _PRINCIPAL_BY_ID, {"id": user_id}
    ).first()
    if row is None or row.session_epoch != epoch:
        return None
    return _principal(row)


def session_epoch(conn: Connection, user_id: str) -> int:
    return int(conn.execute(
        text("SELECT session_epoch FROM users WHERE id = CAST(:id AS uuid)"), {"id": user_id}
    ).scalar_one())


def create_token(
    conn: Connection, *, user_email: str, name: str = "", expires_at: datetime | None = None
) -> str:
    user = conn.execute(
        text("SELECT id, organisation_id FROM users WHERE lower(email) = lower(:e)"),
        {"e": user_email},
    ).first()
    if user is None:
        raise NotFound(f"No user with e-mail {user_email}.", code="user_not_found")
    token = tokens.new_token()
    conn.execute(
        text(
            "INSERT INTO api_tokens (user_id, organisation_id, name, token_hash, prefix, "
            "expires_at) VALUES (:u, :o, :n, :h, :p, :x)"
        ),
        {"u": user.id, "o": user.organisation_id, "n": name, "h": tokens.token_hash(token),
         "p": tokens.token_prefix(token), "x": expires_at},
    )
    return token


def revoke_token(conn: Connection, token: str) -> bool:
    result = conn.execute(
        text("UPDATE api_tokens SET revoked_at = now() "
             "WHERE token_hash = :h AND revoked_at IS NULL"),
        {"h": tokens.token_hash(token)},
    )
    return bool(result.rowcount)


def set_user_active(conn: Connection, email: str, active: bool) -> str:
    """Enable or disable a user; disabling ends their sessions and revokes their API tokens.

    The revocation is done by a trigger (``postgis/040_login_throttle.sql``), so it holds however
    ``users.is_active`` is changed. Returns the user's id.
    """
    row = conn.execute(
        text("UPDATE users SET is_active = :active WHERE lower(email) = lower(:e) "
             "RETURNING id, organisation_id"),
        {"active": active, "e": email},
    ).first()
    if row is None:
        raise NotFound(f"No user with e-mail {email}.", code="user_not_found")
    audit.record(conn, None, entity="user", entity_id=str(row.id),
                 action="enabled" if active else "disabled",
                 organisation_id=str(row.organisation_id))
    return str(row.id)


_PRINCIPAL_BY_HASH_SQL = """
SELECT t.id AS token_id, t.revoked_at, t.expires_at < now() AS expired,
       t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' AS stale_use,
       u.id, u.email, u.name, u.role, u.language, o.id AS org_id, o.name AS org_name, o.is_operator
FROM api_tokens t
JOIN users u ON u.id = t.user_id AND u.is_active
JOIN organisations o ON o.id = u.organisation_id
WHERE t.token_hash = :h
"""


# Parsed once: it runs on every request with a token.
_PRINCIPAL_BY_HASH = text(_PRINCIPAL_BY_HASH_SQL)


def authenticate_token(conn: Connection, token: str) -> Principal:
    row = conn.execute(_PRINCIPAL_BY_HASH, {"h": tokens.token_hash(token)}).first()
    if row is None:
        raise Unauthorized("This API token is not valid.", code="invalid_token")
    if row.revoked_at is not None:
        raise Unauthorized("This API token has been revoked.", code="token_revoked")
    if row.expired:
        raise Unauthorized("This API token has expired.", code="token_expired")
    if row.stale_use:  # at most one write a minute per token: reads stay read-only
        conn.execute(
            text("UPDATE api_tokens SET last_used_at = now() WHERE id = :id"), {"id": row.token_id}
        )
    return _principal(row, via_token=True)
