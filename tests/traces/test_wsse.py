"""WS-Security: the PasswordDigest vector, the header layout, and the server-side checks."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from geoservice.traces.wsse import (
    BASE64_BINARY,
    PASSWORD_DIGEST,
    WSSE_NS,
    WSU_NS,
    check_token,
    format_timestamp,
    password_digest,
    read_token,
    security_header,
)

NONCE = bytes(range(16))
CREATED = "2026-05-20T09:52:32.345Z"
KEY = "kQ9x-test-authentication-key"


def test_digest_matches_hand_computed_sha1_over_raw_nonce() -> None:
    expected = base64.b64encode(
        hashlib.sha1(NONCE + CREATED.encode() + KEY.encode()).digest()  # noqa: S324
    ).decode()
    assert password_digest(NONCE, CREATED, KEY) == expected
    # The classic mistake: hashing the Base64 text of the nonce gives another value.
    nonce_text = base64.b64encode(NONCE)
    wrong = base64.b64encode(hashlib.sha1(nonce_text + CREATED.encode() + KEY.encode()).digest())  # noqa: S324
    assert password_digest(NONCE, CREATED, KEY) != wrong.decode()


def test_timestamp_format_is_utc_with_milliseconds() -> None:
    moment = datetime(2026, 5, 20, 11, 52, 32, 345678, tzinfo=UTC) + timedelta(hours=0)
    assert format_timestamp(moment) == "2026-05-20T11:52:32.345Z"


def test_header_layout_and_self_consistency() -> None:
    now = datetime(2026, 5, 20, 9, 52, 32, 345000, tzinfo=UTC)
    header = security_header("eu-login-user", KEY, now=now, nonce=NONCE)
    assert header.tag == f"{{{WSSE_NS}}}Security"
    assert [c.tag for c in header] == [f"{{{WSU_NS}}}Timestamp", f"{{{WSSE_NS}}}UsernameToken"]
    stamp, token = list(header)
    assert [c.tag for c in stamp] == [f"{{{WSU_NS}}}Created", f"{{{WSU_NS}}}Expires"]
    assert stamp[0].text == CREATED
    assert stamp[1].text == "2026-05-20T09:53:32.345Z"  # Expires = Created + 60 s
    assert [etree.QName(c).localname for c in token] == ["Username", "Password", "Nonce", "Created"]
    assert token[1].get("Type") == PASSWORD_DIGEST
    assert token[2].get("EncodingType") == BASE64_BINARY
    assert base64.b64decode(token[2].text) == NONCE
    assert token[3].tag == f"{{{WSU_NS}}}Created" and token[3].text == CREATED
    assert token[1].text == password_digest(NONCE, CREATED, KEY)


def test_expires_beyond_sixty_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        security_header("u", KEY, now=datetime.now(UTC), ttl_seconds=61)


def test_fresh_nonce_each_time() -> None:
    now = datetime.now(UTC)
    nonces = {
        security_header("u", KEY, now=now).findtext(f".//{{{WSSE_NS}}}Nonce") for _ in range(5)
    }
    assert len(nonces) == 5


def _token(now: datetime, key: str = KEY, nonce: bytes = NONCE):  # type: ignore[no-untyped-def]
    wrapper = etree.Element("Header")
    wrapper.append(security_header("u", key, now=now, nonce=nonce))
    return read_token(wrapper)


def test_check_token_accepts_fresh_and_refuses_wrong_key_and_stale_time() -> None:
    now = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
    ts = now.timestamp()
    assert check_token(_token(now), KEY, ts) is None
    assert check_token(_token(now), KEY, ts + 299) is None  # within the 5-minute skew
    assert check_token(_token(now, key="other"), KEY, ts) == "password digest does not match"
    assert "skew" in (check_token(_token(now - timedelta(minutes=10)), KEY, ts) or "")
    assert "skew" in (check_token(_token(now + timedelta(minutes=6)), KEY, ts) or "")


def test_read_token_requires_the_parts() -> None:
    with pytest.raises(ValueError, match="UsernameToken"):
        read_token(etree.Element("Header"))


def test_check_token_refuses_an_expired_timestamp() -> None:
    now = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
    token = _token(now)
    expired = type(token)(
        token.username,
        token.password,
        token.password_type,
        token.nonce,
        token.created,
        format_timestamp(now - timedelta(seconds=1)),  # Expires before Created
    )
    assert check_token(expired, KEY, now.timestamp()) == "timestamp has expired"
