"""Webhooks: an organisation's URLs that receive signed JSON events, with a delivery log.

Each delivery's body is signed as ``X-Geoservice-Signature: sha256=<hex HMAC-SHA256 of the body
with the secret>``; ``X-Geoservice-Delivery`` is the notification's id, the same on every
retry, so a receiver can drop a repeat. In production a URL whose host resolves to a private,
loopback, link-local or otherwise non-public address is refused, when registered and again
before each delivery (DNS may change), and the delivery connects to the very address that was
checked (``pinned_post``), so a name that resolves elsewhere a moment later (DNS rebinding)
cannot lead it into our own network (SSRF).
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
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import Connection, text

from geoservice import i18n
from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound, ValidationFailed
from geoservice.ids import canonical
from geoservice.notify.outbox import EVENTS

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Geoservice-Signature"
DELIVERY_HEADER = "X-Geoservice-Delivery"
_COLUMNS = ("w.id::text AS id, w.organisation_id::text AS organisation_id, w.url, w.events, "
            "w.created_at")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refuse(key: str, lang: str, code: str = "webhook_url_invalid", **values: Any
            ) -> ValidationFailed:
    return ValidationFailed(i18n.both(f"webhook.{key}", lang, **values), code=code,
                            details=[{"field": "url"}])


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (a seam: tests stand in for DNS here)."""
    return [str(info[4][0]) for info in
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_url(url: str, *, production: bool, lang: str = "en") -> list[str]:
    """422 for a URL we will not call; in production also for non-public addresses. Returns
    the checked addresses (production) so the caller connects to one of them and to nothing
    DNS answers a moment later (rebinding)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("url_invalid", lang, url=url)
    if production and parts.scheme != "https":
        raise _refuse("https_required", lang)
    if not production:
        return []
    try:
        addresses = resolve(parts.hostname, parts.port or 443)
    except (socket.gaierror, UnicodeError):
        raise _refuse("unresolvable", lang, host=parts.hostname) from None
    if not addresses:
        raise _refuse("unresolvable", lang, host=parts.hostname)
    for found in addresses:
        address = ipaddress.ip_address(found.split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise _refuse("not_public", lang, code="webhook_url_not_public",
                          host=parts.hostname, address=str(address))
    return addresses


def pinned_post(url: str, address: str, body: bytes, headers: dict[str, str],
                timeout: float) -> requests.Response:
    """POST to ``url`` over a connection to ``address``: the Host header, TLS SNI and the
    certificate check keep the URL's name, but no second DNS look-up decides where it goes."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal + (f":{parts.port}" if parts.port else "")
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    adapter = HTTPAdapter(max_retries=0)
    if parts.scheme == "https":
        adapter.init_poolmanager(1, 1, server_hostname=host, assert_hostname=host)
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: it would resolve again
        session.mount(f"{parts.scheme}://", adapter)
        return session.post(target, data=body, timeout=timeout, allow_redirects=False,
                            headers={**headers, "Host": host + (f":{parts.port}"
                                                                if parts.port else "")})


def create(conn: Connection, principal: Principal, url: str, events: list[str],
           *, production: bool, lang: str | None = None) -> dict[str, Any]:
    lang = lang or principal.language
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise ValidationFailed(
            i18n.both("webhook.events_unknown" if unknown else "webhook.events_invalid", lang,
                      allowed=", ".join(EVENTS), unknown=", ".join(unknown)),
            code="webhook_events_invalid", details=[{"field": "events"}])
    check_url(url, production=production, lang=lang)
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
    reached: bool = True  # the request may have reached the receiver (no answer is not "no")


def deliver(url: str, secret: str, event: str, delivery_id: int, body: bytes,
            *, production: bool, session: requests.Session | None = None,
            redelivery: bool = False) -> Outcome:
    """POST once; any 2xx is delivered, anything else (or no answer) is retried later.

    ``X-Geoservice-Delivery`` is the same on every try of one notification; ``redelivery``
    (an earlier try was cut off after the request may have gone out) adds
    ``X-Geoservice-Redelivery: 1``: a receiver that has that delivery id drops this one.
    """
    started = time.monotonic()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body),
               "X-Geoservice-Event": event, DELIVERY_HEADER: str(delivery_id),
               "User-Agent": "geoservice-webhooks/1"}
    if redelivery:
        headers["X-Geoservice-Redelivery"] = "1"
    try:
        addresses = check_url(url, production=production)
        if addresses:  # production: connect to the address just checked
            answer = pinned_post(url, addresses[0], body, headers, TIMEOUT_SECONDS)
        else:
            answer = (session or requests).post(
                url, data=body, timeout=TIMEOUT_SECONDS, allow_redirects=False,
                headers=headers)
    except ValidationFailed as exc:
        return Outcome(False, None, exc.message, int((time.monotonic() - started) * 1000),
                       reached=False)
    except requests.RequestException as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500],
                       int((time.monotonic() - started) * 1000),
                       reached=not isinstance(exc, requests.ConnectTimeout))
    ms = int((time.monotonic() - started) * 1000)
    if 200 <= answer.status_code < 300:
        return Outcome(True, answer.status_code, None, ms)
    return Outcome(False, answer.status_code, f"HTTP {answer.status_code}", ms)
