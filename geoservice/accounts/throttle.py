"""Slowing down guessing: refused credentials counted per account and per address in PostgreSQL.

Counts live in the database (``auth_failures``), so every server process and replica sees the
same numbers and a restart forgives nothing. Time is PostgreSQL's ``now()``, so clock skew
between app hosts does not matter. A blocked attempt is refused before the password is checked
and is not counted itself: the block ends when the window has passed over the failures that
caused it, whatever the guesser does meanwhile.

A successful login clears the account's count (not the address's: otherwise an attacker's own
account would reset their address between guesses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, text

from geoservice.accounts import audit, store
from geoservice.accounts.principal import Principal
from geoservice.errors import Unauthorized
from geoservice.settings import AuthSettings

Kind = Literal["login", "api"]


@dataclass(frozen=True)
class Block:
    """Attempts are refused for ``retry_after`` more seconds, because of ``scope``."""

    scope: Literal["account", "address"]
    retry_after: int


@dataclass(frozen=True)
class LoginResult:
    principal: Principal | None = None
    epoch: int = 0
    block: Block | None = None


_BLOCK_SQL = text("""
SELECT
  (SELECT at FROM auth_failures
    WHERE kind = :kind AND account = :account AND :account <> ''
      AND at > now() - make_interval(mins => :window)
    ORDER BY at DESC OFFSET :account_limit - 1 LIMIT 1) AS account_at,
  (SELECT at FROM auth_failures
    WHERE kind = :kind AND address = :address AND at > now() - make_interval(mins => :window)
    ORDER BY at DESC OFFSET :address_limit - 1 LIMIT 1) AS address_at,
  now() AS now
""")


def blocked(conn: Connection, limits: AuthSettings, kind: Kind, *, account: str,
            address: str) -> Block | None:
    """The block in force for this account or address, if any (the longer one when both)."""
    address_limit = limits.address_failures if kind == "login" else limits.api_refusals
    row = conn.execute(_BLOCK_SQL, {
        "kind": kind, "account": account, "address": address, "window": limits.window_minutes,
        "account_limit": limits.account_failures, "address_limit": address_limit,
    }).one()
    found: list[Block] = []
    for scope, at in (("account", row.account_at), ("address", row.address_at)):
        if at is not None:
            left = (at - row.now).total_seconds() + limits.window_minutes * 60
            found.append(Block(scope, max(1, math.ceil(left))))  # type: ignore[arg-type]
    return max(found, key=lambda b: b.retry_after) if found else None


def record_failure(conn: Connection, kind: Kind, *, account: str, address: str) -> None:
    conn.execute(text("DELETE FROM auth_failures WHERE at < now() - interval '1 day'"))
    conn.execute(text("INSERT INTO auth_failures (kind, account, address) VALUES (:k, :a, :ip)"),
                 {"k": kind, "a": account, "ip": address})


def _audit_block(conn: Connection, block: Block, *, account: str, address: str, kind: Kind,
                 request_id: str | None) -> None:
    user = None
    if block.scope == "account":
        user = conn.execute(text("SELECT id, organisation_id FROM users "
                                 "WHERE lower(email) = :e"), {"e": account}).first()
    if block.scope == "address":
        entity, entity_id = "address", address
    elif user is not None:
        entity, entity_id = "user", str(user.id)
    else:  # an e-mail with no account: recorded all the same, without saying so to the caller
        entity, entity_id = "login", account
    audit.record(conn, None, entity=entity, entity_id=entity_id, action=f"{kind}_blocked",
                 changes={"scope": block.scope, "address": address, "account": account,
                          "retry_after_seconds": block.retry_after},
                 organisation_id=str(user.organisation_id) if user is not None else None,
                 request_id=request_id)


def attempt_login(conn: Connection, limits: AuthSettings, email: str, password: str, *,
                  address: str, request_id: str | None = None) -> LoginResult:
    """Check the password unless a block is in force; count a failure; clear on success.

    Attempts on one account are serialised (transaction advisory lock), so parallel guesses
    from several processes cannot slip past the limit together.
    """
    account = email.strip().lower()
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('geoservice-login:' || :a))"),
                 {"a": account})
    block = blocked(conn, limits, "login", account=account, address=address)
    if block is not None:
        return LoginResult(block=block)
    try:
        principal = store.authenticate_password(conn, email, password)
    except Unauthorized:
        record_failure(conn, "login", account=account, address=address)
        block = blocked(conn, limits, "login", account=account, address=address)
        if block is not None:  # this failure reached the limit: the next attempt is refused
            _audit_block(conn, block, account=account, address=address, kind="login",
                         request_id=request_id)
        return LoginResult()
    conn.execute(text("DELETE FROM auth_failures WHERE kind = 'login' AND account = :a"),
                 {"a": account})
    return LoginResult(principal=principal, epoch=store.session_epoch(conn, principal.user_id))


def refuse_api(conn: Connection, limits: AuthSettings, *, address: str,
               request_id: str | None = None) -> Block | None:
    """Count one API request refused for lack of valid credentials; the block, if now in force.

    The request that reaches the limit is still answered 401; the ones after it get 429 and are
    not counted.
    """
    block = blocked(conn, limits, "api", account="", address=address)
    if block is not None:
        return block
    record_failure(conn, "api", account="", address=address)
    reached = blocked(conn, limits, "api", account="", address=address)
    if reached is not None:
        _audit_block(conn, reached, account="", address=address, kind="api",
                     request_id=request_id)
    return None

