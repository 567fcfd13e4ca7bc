"""Webhooks: an organisation's URLs that receive signed JSON events, with a delivery log.

Each delivery's body is signed as ``X-Geoservice-Signature: sha256=<hex HMAC-SHA256 of the body
with the secret>``; ``X-Geoservice-Delivery`` is the notification's id, the same on every
retry, so a receiver can drop a repeat. In production a URL whose host resolves to a private,
loopback, link-local or otherwise non-public address is refused, when registered and again
before each delivery (DNS may change): no requests into our own network (SSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound, ValidationFailed
from geoservice.ids import canonical
from geoservice.notify.outbox import EVENTS

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Geoservice-Signature"
_COLUMNS = ("w.id::text AS id, w.organisation_id::text AS organisation_id, w.url, w.events, "
            "w.created_at")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refuse(message: str, code: str = "webhook_url_invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"field": "url"}])


def check_url(url: str, *, production: bool) -> None:
    """422 for a URL we will not call; in production also for non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(f"The webhook URL must be http(s)://host/…, not {url!r}.")
    if production and parts.scheme != "https":
        raise _refuse("In production a webhook URL must use https.")
    if not production:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise _refuse(f"The webhook host {parts.hostname} does not resolve.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise _refuse(f"The webhook host {parts.hostname} resolves to {address}, a private "
                          "or local address; only public addresses are called.",
                          code="webhook_url_not_public")


def create(conn: Connection, principal: Principal, url: str, events: list[str],
           *, production: bool) -> dict[str, Any]:
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise ValidationFailed(
            f"events must be some of {', '.join(EVENTS)}"
            + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
            code="webhook_events_invalid", details=[{"field": "events"}])
    check_url(url, production=production)
    secret = secrets.token_urlsafe(32)
    row = conn.execute(text(
        "INSERT INTO webhooks (organisation_id, url, events, secret, created_by) VALUES "
        "(CAST(:o AS uuid), :u, :e, :s, CAST(:by AS uuid)) RETURNING id::text"),
        {"o": principal.organisation_id, "u": url, "e": list(dict.fromkeys(events)),
         "s": secret, "by": principal.user_id}).scalar_one()
    return {**load(conn, principal, row), "secret": secret}


def load(conn: Connection, principal: Principal, webhook_id: str) -> dict[str, Any]:
    where, params = principal.org_filter("w.organisation_id")
    wid = canonical(webhook_id)
    row = wid and conn.execute(text(
        f"SELECT {_COLUMNS} FROM webhooks w WHERE w.id = CAST(:id AS uuid) AND {where}"),
        {"id": wid, **params}).mappings().first()
    if not row:
        raise NotFound(f"Webhook {webhook_id} was not found.", code="webhook_not_found")
    return dict(row)


def listing(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    where, params = principal.org_filter("w.organisation_id")
    return [dict(r) for r in conn.execute(text(
        f"SELECT {_COLUMNS} FROM webhooks w WHERE {where} ORDER BY w.created_at"),
        params).mappings()]


def deliveries(conn: Connection, principal: Principal, webhook_id: str) -> list[dict[str, Any]]:
    hook = load(conn, principal, webhook_id)
    return [dict(r) for r in conn.execute(text(
        "SELECT d.id, d.notification_id, d.event, d.attempt, d.status_code, d.error, "
        "d.duration_ms, d.at, n.state FROM webhook_deliveries d JOIN notifications n ON "
        "n.id = d.notification_id WHERE d.webhook_id = CAST(:w AS uuid) ORDER BY d.id DESC "
        "LIMIT 500"), {"w": hook["id"]}).mappings()]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def deliver(url: str, secret: str, event: str, delivery_id: int, body: bytes,
            *, production: bool, session: requests.Session | None = None) -> Outcome:
    """POST once; any 2xx is delivered, anything else (or no answer) is retried later."""
    started = time.monotonic()
    try:
        check_url(url, production=production)
        answer = (session or requests).post(
            url, data=body, timeout=TIMEOUT_SECONDS, allow_redirects=False,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body),
                     "X-Geoservice-Event": event, "X-Geoservice-Delivery": str(delivery_id),
                     "User-Agent": "geoservice-webhooks/1"})
    except ValidationFailed as exc:
        return Outcome(False, None, exc.message, int((time.monotonic() - started) * 1000))
    except requests.RequestException as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500],
                       int((time.monotonic() - started) * 1000))
    ms = int((time.monotonic() - started) * 1000)
    if 200 <= answer.status_code < 300:
        return Outcome(True, answer.status_code, None, ms)
    return Outcome(False, answer.status_code, f"HTTP {answer.status_code}", ms)
