"""Organisations' own TRACES credentials, with the authentication key encrypted by Fernet.

The key comes from ``GEOSERVICE_TRACES_CREDENTIALS_KEY``; in development it is generated into
var/ like the session secret, in tests it lives for the process, in production it is required.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, text

from geoservice.errors import ConfigurationError
from geoservice.settings import ROOT, Settings

KEY_FILE = ROOT / "var" / "traces_credentials_key"
_process_key: bytes | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class OrgCredentials:
    username: str
    auth_key: str
    client_id: str
    updated_at: datetime


def credentials_key(settings: Settings) -> bytes:
    global _process_key
    configured = settings.traces.credentials_key.get_secret_value()
    if configured:
        return configured.encode()
    if settings.web.environment == "production":
        raise ConfigurationError("GEOSERVICE_TRACES_CREDENTIALS_KEY must be set in production.")
    with _lock:
        if settings.web.environment == "test":
            _process_key = _process_key or Fernet.generate_key()
            return _process_key
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        if not KEY_FILE.exists():
            KEY_FILE.write_bytes(Fernet.generate_key())
            KEY_FILE.chmod(0o600)
        return KEY_FILE.read_bytes().strip()


def _fernet(settings: Settings) -> Fernet:
    try:
        return Fernet(credentials_key(settings))
    except ValueError as exc:
        raise ConfigurationError(
            "GEOSERVICE_TRACES_CREDENTIALS_KEY is not a Fernet key (32 url-safe base64 bytes).",
            log_detail=str(exc)) from None


def save(conn: Connection, settings: Settings, org_id: str, username: str, auth_key: str,
         client_id: str) -> datetime:
    token = _fernet(settings).encrypt(auth_key.encode())
    updated: datetime = conn.execute(text(
        "INSERT INTO traces_credentials (organisation_id, username, auth_key_encrypted, "
        "client_id) VALUES (CAST(:o AS uuid), :u, :k, :c) ON CONFLICT (organisation_id) DO "
        "UPDATE SET username = EXCLUDED.username, auth_key_encrypted = EXCLUDED."
        "auth_key_encrypted, client_id = EXCLUDED.client_id, updated_at = now() "
        "RETURNING updated_at"),
        {"o": org_id, "u": username, "k": token, "c": client_id}).scalar_one()
    return updated


def delete(conn: Connection, org_id: str) -> bool:
    return bool(conn.execute(text("DELETE FROM traces_credentials WHERE organisation_id = "
                                  "CAST(:o AS uuid)"), {"o": org_id}).rowcount)


def load(conn: Connection, settings: Settings, org_id: str) -> OrgCredentials | None:
    row = conn.execute(text(
        "SELECT username, auth_key_encrypted, client_id, updated_at FROM traces_credentials "
        "WHERE organisation_id = CAST(:o AS uuid)"), {"o": org_id}).first()
    if row is None:
        return None
    try:
        key = _fernet(settings).decrypt(bytes(row[1])).decode()
    except InvalidToken:
        raise ConfigurationError(
            "Stored TRACES credentials cannot be decrypted with the configured key; store them "
            "again.") from None
    return OrgCredentials(row[0], key, row[2], row[3])
