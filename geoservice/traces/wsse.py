"""WS-Security header of TRACES: Timestamp plus UsernameToken with a PasswordDigest.

``PasswordDigest = Base64(SHA-1(nonce + Created + AuthenticationKey))`` over the raw nonce
bytes, not their Base64 text. The same module checks a header on the simulator side.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_WSS_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_DIGEST = f"{_WSS_PROFILE}#PasswordDigest"  # noqa: S105 - a URI, not a secret
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
MAX_TTL_SECONDS = 60
CLOCK_SKEW_SECONDS = 300
NONCE_BYTES = 16


def password_digest(nonce: bytes, created: str, auth_key: str) -> str:
    """Base64(SHA-1(raw nonce + Created + key)); SHA-1 is what the token profile prescribes."""
    raw = nonce + created.encode("utf-8") + auth_key.encode("utf-8")
    return base64.b64encode(hashlib.sha1(raw).digest()).decode("ascii")  # noqa: S324


def format_timestamp(moment: datetime) -> str:
    """``2026-05-20T09:52:32.345Z``: UTC with milliseconds, as in the EC samples."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def security_header(
    username: str,
    auth_key: str,
    *,
    now: datetime,
    nonce: bytes | None = None,
    ttl_seconds: int = MAX_TTL_SECONDS,
) -> etree._Element:
    """The ``wsse:Security`` element; ``ttl_seconds`` above 60 is refused (TRACES asks ≤ 60 s)."""
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be 1..{MAX_TTL_SECONDS}, got {ttl_seconds}")
    nonce = secrets.token_bytes(NONCE_BYTES) if nonce is None else nonce
    created = format_timestamp(now)
    expires = format_timestamp(now + timedelta(seconds=ttl_seconds))
    suffix = secrets.token_hex(8)

    security = etree.Element(f"{{{WSSE_NS}}}Security", nsmap={"wsse": WSSE_NS, "wsu": WSU_NS})
    stamp = etree.SubElement(
        security, f"{{{WSU_NS}}}Timestamp", {f"{{{WSU_NS}}}Id": f"TS-{suffix}"}
    )
    etree.SubElement(stamp, f"{{{WSU_NS}}}Created").text = created
    etree.SubElement(stamp, f"{{{WSU_NS}}}Expires").text = expires
    token = etree.SubElement(
        security, f"{{{WSSE_NS}}}UsernameToken", {f"{{{WSU_NS}}}Id": f"UT-{suffix}"}
    )
    etree.SubElement(token, f"{{{WSSE_NS}}}Username").text = username
    password = etree.SubElement(token, f"{{{WSSE_NS}}}Password", Type=PASSWORD_DIGEST)
    password.text = password_digest(nonce, created, auth_key)
    nonce_el = etree.SubElement(token, f"{{{WSSE_NS}}}Nonce", EncodingType=BASE64_BINARY)
    nonce_el.text = base64.b64encode(nonce).decode("ascii")
    etree.SubElement(token, f"{{{WSU_NS}}}Created").text = created
    return security


@dataclass(frozen=True)
class UsernameToken:
    """What a received ``wsse:Security`` header claims."""

    username: str
    password: str
    password_type: str
    nonce: bytes
    created: str
    expires: str | None


def read_token(header: etree._Element) -> UsernameToken:
    """Extract the token from a SOAP ``Header``; ValueError names what is missing."""
    token = header.find(f"{{{WSSE_NS}}}Security/{{{WSSE_NS}}}UsernameToken")
    if token is None:
        raise ValueError("no wsse:Security/wsse:UsernameToken header")

    def text(parent: etree._Element, tag: str) -> str:
        el = parent.find(tag)
        if el is None or not (el.text or "").strip():
            raise ValueError(f"missing {tag.split('}')[-1]}")
        return str(el.text).strip()

    password_el = token.find(f"{{{WSSE_NS}}}Password")
    try:
        nonce = base64.b64decode(text(token, f"{{{WSSE_NS}}}Nonce"), validate=True)
    except binascii.Error as exc:
        raise ValueError("nonce is not Base64") from exc
    stamp = header.find(f"{{{WSSE_NS}}}Security/{{{WSU_NS}}}Timestamp")
    expires = stamp.findtext(f"{{{WSU_NS}}}Expires") if stamp is not None else None
    return UsernameToken(
        username=text(token, f"{{{WSSE_NS}}}Username"),
        password=text(token, f"{{{WSSE_NS}}}Password"),
        password_type=(password_el.get("Type") or "") if password_el is not None else "",
        nonce=nonce,
        created=text(token, f"{{{WSU_NS}}}Created"),
        expires=expires.strip() if expires else None,
    )


def check_token(
    token: UsernameToken, auth_key: str, now: float, skew_seconds: int = CLOCK_SKEW_SECONDS
) -> str | None:
    """Why the token must be refused, or None when the digest and the timestamps hold."""
    if token.password_type != PASSWORD_DIGEST:
        return "password type is not PasswordDigest"
    expected = password_digest(token.nonce, token.created, auth_key)
    if not hmac.compare_digest(expected, token.password):
        return "password digest does not match"
    try:
        created = parse_timestamp(token.created).timestamp()
        expires = parse_timestamp(token.expires).timestamp() if token.expires else None
    except ValueError:
        return "timestamp is not an xs:dateTime"
    if abs(now - created) > skew_seconds:
        return "Created is outside the accepted clock skew"
    if expires is not None and (expires < created or now > expires + skew_seconds):
        return "timestamp has expired"
    return None
