"""A statement edited while it is being validated: the edit and the validation never interleave.

The hook pauses a validation half-way (after the certificates were checked, before the statement
is built) and starts the edit then, from another request; the validation goes on once the edit
has finished or is waiting for a lock, whichever comes first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.statements import prevalidate
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.statements.conftest import drain, set_org
from tests.statements.helpers import fetch, prepared


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def _edit_midway(monkeypatch: pytest.MonkeyPatch, engine: Engine, edit: Callable[[], Any]
                 ) -> dict[str, Any]:
    """On the next validation, run ``edit`` in another thread between the checks of the
    certificates and the build; returns what happened (the edit's answer once joined)."""
    seen: dict[str, Any] = {}
    original = prevalidate._mandate

    def paused(conn: Any, st: dict[str, Any]) -> Any:
        if "thread" not in seen:
            def run() -> None:
                seen["answer"] = edit()

            thread = threading.Thread(target=run)
            seen["thread"] = thread
            thread.start()
            for _ in range(400):  # until it is done or blocked, at most 20 s
                thread.join(0.05)
                if not thread.is_alive() or _waiting_for_a_lock(engine):
                    break
            seen["edit_done_during_validation"] = not thread.is_alive()
        return original(conn, st)

    monkeypatch.setattr(prevalidate, "_mandate", paused)
    return seen


def _versions(engine: Engine, statement_id: str) -> list[tuple[int, int]]:
    with engine.begin() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT c.version, sc.certificate_version FROM statement_certificates sc JOIN "
            "certificates c ON c.id = sc.certificate_id WHERE sc.statement_id = "
            "CAST(:s AS uuid)"), {"s": statement_id})]


def _prepared_with_an_edit_midway(client: TestClient, engine: Engine, owner: Any,
                                  monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any]]:
    """A prepared statement, and its first certificate's place edited by ``owner`` in the
    middle of the next validation (``_edit_midway``)."""
    st = prepared(client, engine, owner)
    cert = st["certificate_ids"][0]
    seen = _edit_midway(monkeypatch, engine, lambda: client.patch(
        f"/api/v1/certificates/{cert}", headers=bearer(owner), json={"place": "Cita vieta"}))
    return st, seen


def test_a_certificate_edited_while_submit_validates_waits_and_is_refused(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = client_org["owner"]
    st, seen = _prepared_with_an_edit_midway(client, engine, owner, monkeypatch)
    submitted = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    seen["thread"].join(timeout=30)
    assert submitted.status_code == 202, submitted.text
    assert not seen["edit_done_during_validation"]  # it waited for the submission
    edit = seen["answer"]
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "certificate_locked"
    assert "paziņojumā" in edit.json()["error"]["message"]  # clear, in the user's language
    [(version, validated)] = _versions(engine, st["id"])
    assert version == validated  # what was validated is what goes
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available"
    assert len(sim.store.by_internal_reference("simulator", done["internal_reference"],
                                               "DDS")) == 1


def test_a_certificate_edited_while_validate_runs_waits_for_the_answer_then_submit_sees_it(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = client_org["owner"]
    st, seen = _prepared_with_an_edit_midway(client, engine, owner, monkeypatch)
    checked = client.post(f"/api/v1/statements/{st['id']}/validate", headers=bearer(owner))
    seen["thread"].join(timeout=30)
    assert checked.status_code == 200 and checked.json()["valid"] is True  # the state before
    assert not seen["edit_done_during_validation"]
    assert seen["answer"].status_code == 200  # a draft's certificate may be corrected, after
    refused = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert refused.status_code == 422
    assert "certificate_changed" in [p["code"] for p in refused.json()["error"]["details"]]
    assert fetch(client, owner, st["id"])["status"] == "draft"
    assert sim.store.records() == []


def test_a_profile_emptied_while_submit_validates_is_refused_not_queued(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The profile is checked field by field before the statement is built; emptied in
    between, TRACES' own rule on the built statement still refuses it."""
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    original = prevalidate._organisation

    def emptied_after_the_check(conn: Any, statement: dict[str, Any]) -> Any:
        named = original(conn, statement)
        set_org(engine, owner.org_id, street="")
        return named

    monkeypatch.setattr(prevalidate, "_organisation", emptied_after_the_check)
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 422, answer.text
    assert "EUDR_BEHALF_OPERATOR_NOT_PROVIDED" in [
        p["code"] for p in answer.json()["error"]["details"]]
    assert fetch(client, owner, st["id"])["status"] == "draft"
    monkeypatch.undo()
    problems = client.post(f"/api/v1/statements/{st['id']}/validate",
                           headers=bearer(owner)).json()["problems"]
    assert [p["field"] for p in problems] == ["organisation.street"]  # named, once
