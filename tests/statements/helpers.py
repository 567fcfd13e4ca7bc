"""Steps the statement tests share: prepare and queue a statement through the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.statements.conftest import activate_mandate, ready_certificate


def prepared(client: TestClient, engine: Engine, owner: Account, n_certs: int = 1,
             n_areas: int = 1, mandate: bool = True) -> dict[str, Any]:
    ids = [ready_certificate(engine, owner.org_id, n_areas=n_areas) for _ in range(n_certs)]
    if mandate:
        activate_mandate(engine, owner.org_id)
    response = client.post("/api/v1/statements", headers=bearer(owner),
                           json={"certificate_ids": ids})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def queued(client: TestClient, engine: Engine, owner: Account, **kwargs: Any) -> dict[str, Any]:
    body = prepared(client, engine, owner, **kwargs)
    response = client.post(f"/api/v1/statements/{body['id']}/submit", headers=bearer(owner))
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def fetch(client: TestClient, owner: Account, statement_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/statements/{statement_id}", headers=bearer(owner))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def expire_leases(engine: Engine) -> None:
    """As if the lease of a dead worker and any backoff had run out."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET next_attempt_at = now() WHERE state = 'pending'"))
