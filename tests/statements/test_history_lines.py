"""Statement history lines (issue 17): a code with parameters, said in Latvian and English."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.settings import ROOT
from geoservice.statements import history
from geoservice.statements.worker import Worker
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, prepared, queued


def test_history_lines_carry_a_code_and_both_languages(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    first = st["history"][0]
    assert first["code"] == "prepared" and first["params"] == {"n": 1}
    assert first["messages"] == {"lv": "Melnraksts sagatavots; apliecinājumu skaits: 1",
                                 "en": "prepared with 1 certificate(s)"}
    # message: the caller's language (here the owner's Latvian), ?lang= and Accept-Language too
    assert first["message"] == first["messages"]["lv"]
    en = client.get(f"/api/v1/statements/{st['id']}?lang=en", headers=bearer(owner)).json()
    assert en["history"][0]["message"] == "prepared with 1 certificate(s)"
    with engine.begin() as conn:
        stored = conn.execute(text(
            "SELECT code, params, message FROM statement_events "
            "WHERE statement_id = CAST(:s AS uuid)"), {"s": st["id"]}).one()
    assert stored == ("prepared", {"n": 1}, "prepared with 1 certificate(s)")


def test_a_submitted_statement_reads_in_latvian_all_the_way(
    client: TestClient, engine: Engine, client_org, worker: Worker,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    codes = [h["code"] for h in done["history"]]
    assert codes == ["prepared", "queued", "sending", "accepted", "available_charged"]
    for line in done["history"]:
        assert line["message"] == line["messages"]["lv"] != line["messages"]["en"], line
    sending = next(h for h in done["history"] if h["code"] == "sending")
    assert sending["messages"]["lv"] == "Sūta uz TRACES: iesniegšana (simulators), 1. mēģinājums"
    assert sending["messages"]["en"] == "submit to TRACES (simulator), attempt 1"
    ref = done["reference_number"]
    assert any(ref in h["messages"]["lv"] and h["messages"]["lv"].startswith("Atsauces numurs")
               for h in done["history"])


def test_old_lines_without_a_code_stay_readable(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO statement_events (statement_id, status, message, at) "
            "VALUES (CAST(:s AS uuid), 'draft', 'an old line from 2025', now() + interval '1 s')"),
            {"s": st["id"]})
    old = fetch(client, owner, st["id"])["history"][-1]
    assert old["code"] is None
    assert old["messages"] == {"lv": "an old line from 2025", "en": "an old line from 2025"}
    assert old["message"] == "an old line from 2025"


def test_every_code_the_service_writes_has_both_languages() -> None:
    written = ("prepared", "queued", "requeued", "amend_queued", "withdraw_queued", "rebuilt",
               "sending", "not_sent", "withdraw_sending", "retrying", "refused", "communication",
               "accepted", "reconciled", "amended", "withdrawn_done", "withdrawn_reported",
               "withdrawn_already", "refused_before", "rejected", "available",
               "available_charged", "gave_up", "traces_status")
    params = {"n": 2, "by": "a@b.lv", "attempt": 2, "previous": 1, "operation": "submit",
              "simulated": True, "reason": {"lv": "iemesls", "en": "reason"}, "delay": "30",
              "content": "x", "uuid": "u", "traces_status": "AVAILABLE", "reference": "R",
              "verification": "V", "charged": 1}
    for code in written:
        said = history.messages(code, params, "legacy")
        assert said["lv"] != "legacy" and "{" not in said["lv"] + said["en"], (code, said)
        assert said["lv"] != said["en"], code


def test_migration_060_turns_known_english_lines_into_codes(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    old = ("rebuilt from the certificates' current data", "prepared with 3 certificate(s)",
           "queued for TRACES by a@b.lv", "an unknown old sentence",
           "TRACES accepted the statement, UUID 0a1b-2c; waiting for the reference number")
    sql = (ROOT / "postgis" / "060_plausibility_history_codes.sql").read_text(encoding="utf-8")
    updates = [part.strip() for part in sql.split(";") if part.strip().startswith("UPDATE")]
    with engine.begin() as conn:
        for i, message in enumerate(old):
            conn.execute(text(
                "INSERT INTO statement_events (statement_id, status, message, at) VALUES "
                "(CAST(:s AS uuid), 'draft', :m, now() + :i * interval '1 s')"),
                {"s": st["id"], "m": message, "i": i + 1})
        for update in updates:
            conn.exec_driver_sql(update.replace("%", "%%"))
    lines = fetch(client, owner, st["id"])["history"][1:]
    assert [(h["code"], h["params"]) for h in lines] == [
        ("rebuilt", {}), ("prepared", {"n": 3}), ("queued", {"by": "a@b.lv"}), (None, {}),
        ("accepted", {"uuid": "0a1b-2c"})]
    assert [h["message"] for h in lines] == [
        "Melnraksts atjaunots ar apliecinājumu pašreizējiem datiem",
        "Melnraksts sagatavots; apliecinājumu skaits: 3",
        "Nodots nosūtīšanai uz TRACES (a@b.lv)", "an unknown old sentence",
        "TRACES pieņēma deklarāciju (UUID 0a1b-2c); gaida atsauces numuru"]
