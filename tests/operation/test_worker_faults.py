"""Real worker processes against a real TRACES simulator process: skewed clocks, SIGKILL mid-call.

Clock skew is real: the server and the workers run under libfaketime (Debian's ``faketime``),
minutes ahead or behind, and one worker in a time zone whose calendar day is not the
database's. Leases, due times, the 72-hour window and the mandate's validity all go by the
database's clock, so nothing is lost and nothing doubled. A worker SIGKILLed while its SOAP
call is in flight leaves its job to another after the lease; the statement reaches TRACES once.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from geoservice.db.disposable import disposable_database
from geoservice.db.migrate import migrate
from geoservice.traces.client import TracesClient
from geoservice.traces.simulator import DEFAULT_ACCOUNTS
from tests.conftest import Account, _admin_url, bearer, make_org, make_user
from tests.operation.conftest import Cluster
from tests.operation.served import Child, Server, command_env, free_port
from tests.statements.conftest import ready_certificate, set_org

pytestmark = pytest.mark.slow


def libfaketime() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    assert found, "libfaketime is missing: scripts/system-deps.sh test installs faketime"
    return found[0]


def skewed(env: dict[str, str], offset: str) -> dict[str, str]:
    """``env`` for a process whose wall clock is ``offset`` (libfaketime: "+10m", "-4m")."""
    return env | {"LD_PRELOAD": libfaketime(), "FAKETIME": offset,
                  "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                  "PYTHONPATH": str(Path(__file__).with_name("faketime"))}


@dataclass
class Stage:
    """A disposable database with one client organisation, and a TRACES simulator process."""

    url: str
    engine: Engine
    owner: Account
    sim: Child
    sim_port: int
    folder: Path

    def env(self, **extra: str) -> dict[str, str]:
        return command_env(self.url, GEOSERVICE_TRACES_SIMULATOR_PORT=str(self.sim_port),
                           GEOSERVICE_TRACES_POLL_SECONDS="0.3",
                           GEOSERVICE_TRACES_TIMEOUT_SECONDS="30", **extra)

    def worker(self, name: str, *args: str, env: dict[str, str] | None = None) -> Child:
        return Child(["worker", "--idle", "0.1", *args], env or self.env(),
                     self.folder / f"{name}.log")

    def traces(self) -> TracesClient:
        username, key = next(iter(DEFAULT_ACCOUNTS.items()))
        return TracesClient(f"http://127.0.0.1:{self.sim_port}/tracesnt/", username, key,
                            "eudr-test", timeout=10, simulated=True)

    def dds_count(self, reference: str) -> int:
        return len(self.traces().get_dds_by_internal_reference(reference))


@contextmanager
def _staged(url: str, engine: Engine, folder: Path) -> Iterator[Stage]:
    org_id, reg_no = make_org(engine)
    owner = make_user(engine, org_id, reg_no, "owner")
    set_org(engine, org_id, street="Skolas iela 3", city="Madona", postal_code="LV-4801",
            vat_no="LV" + reg_no, email="info@a.example")
    port = free_port()
    sim = Child(["traces-sim", "--port", str(port), "--delay", "0", "--rate-limit", "0"],
                command_env(url), folder / "sim.log")
    try:
        _wait(lambda: _port_open(port), 30, "the simulator did not start")
        yield Stage(url, engine, owner, sim, port, folder)
    finally:
        if sim.proc.poll() is None:
            os.killpg(sim.pid, signal.SIGCONT)
        sim.stop()
        engine.dispose()


@pytest.fixture()
def stage(tmp_path: Path) -> Iterator[Stage]:
    with disposable_database(_admin_url(), "geoservice_workers") as (url, engine), \
            _staged(url, engine, tmp_path) as staged:
        yield staged


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return result


def _mandate(engine: Engine, org_id: str, valid_from: str, valid_until: str) -> None:
    """A mandate valid between two SQL dates (expressions of the database's CURRENT_DATE)."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
            f"status, valid_from, valid_until) VALUES (CAST(:o AS uuid), 'm.pdf', "  # noqa: S608
            f"'application/pdf', '%PDF-1.4', 'x', 'active', {valid_from}, {valid_until})"),
            {"o": org_id})


def _queue(http: httpx.Client, stage: Stage, count: int) -> list[dict[str, Any]]:
    """``count`` statements of one certificate each, submitted through ``http``."""
    queued = []
    for _ in range(count):
        cert = ready_certificate(stage.engine, stage.owner.org_id)
        made = http.post("/api/v1/statements", json={"certificate_ids": [cert]})
        assert made.status_code == 201, made.text
        sent = http.post(f"/api/v1/statements/{made.json()['id']}/submit")
        assert sent.status_code == 202, sent.text
        queued.append(sent.json())
    return queued


def _states(engine: Engine, ids: list[str]) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id::text, status FROM statements "
                                      "WHERE id::text = ANY(:ids)"), {"ids": ids}).all())


def _all_available(engine: Engine, ids: list[str]) -> bool:
    return set(_states(engine, ids).values()) == {"available"}


def _submit_jobs(engine: Engine, ids: list[str]) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT statement_id::text AS sid, attempts, state, claimed_by, last_error, "
            "(SELECT count(*) FROM statement_events e WHERE e.statement_id = o.statement_id "
            " AND e.status = 'sending') AS sendings FROM outbox o "
            "WHERE operation = 'submit' AND statement_id::text = ANY(:ids)"), {"ids": ids}))


def _history(engine: Engine, statement_id: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT at, status, message FROM statement_events WHERE "
                                      "statement_id = CAST(:s AS uuid) ORDER BY at"),
                                 {"s": statement_id}))


def _clock_of(env: dict[str, str]) -> float:
    """Seconds the clock of a process started with ``env`` is ahead of this one."""
    out = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout) - time.time()


def _day_apart_zone() -> tuple[str, str, str]:
    """A time zone whose calendar day is not the UTC day right now, and the mandate's dates
    (around the database's CURRENT_DATE, UTC here) that a worker going by that zone's day
    would find expired or not yet valid."""
    hour = datetime.now(UTC).hour
    if hour >= 10:  # UTC+14 is already tomorrow: a mandate ending today looks expired there.
        return "Pacific/Kiritimati", "CURRENT_DATE - 30", "CURRENT_DATE"
    # UTC-12 is still yesterday: a mandate starting today looks not yet valid there.
    return "Etc/GMT+12", "CURRENT_DATE", "CURRENT_DATE + 365"


def test_skewed_server_and_workers_lose_nothing_and_double_nothing(stage: Stage) -> None:
    zone, valid_from, valid_until = _day_apart_zone()
    _mandate(stage.engine, stage.owner.org_id, valid_from, valid_until)
    with stage.engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() in ("UTC", "Etc/UTC")
    ahead = skewed(stage.env(), "+10m")
    behind = skewed(stage.env(TZ=zone), "-4m")
    assert 590 < _clock_of(ahead) < 610 and -250 < _clock_of(behind) < -230
    day = subprocess.run([sys.executable, "-c", "import datetime; print(datetime.date.today())"],
                         env=behind, capture_output=True, text=True, check=True).stdout.strip()
    assert day != datetime.now(UTC).date().isoformat(), "the behind worker lives on another day"

    # The server runs 10 minutes ahead: it queues the statements and later withdraws them.
    with Server(ahead, stage.folder / "serve.log") as server:
        server.wait_ready()
        with httpx.Client(base_url=server.url, headers=bearer(stage.owner), timeout=30) as http:
            answered = http.get("/healthz").headers["date"]
            skew = datetime.strptime(answered, "%a, %d %b %Y %H:%M:%S GMT").replace(
                tzinfo=UTC) - datetime.now(UTC)
            assert 580 < skew.total_seconds() < 620, answered
            statements = _queue(http, stage, 10)
            ids = [s["id"] for s in statements]
            # Queued while no worker ran: due for ten minutes, longer than any skew here.
            with stage.engine.begin() as conn:
                conn.execute(text("UPDATE outbox SET next_attempt_at = now() - interval "
                                  "'10 minutes' WHERE statement_id::text = ANY(:ids)"),
                             {"ids": ids})
            # Two worker processes, 4 minutes behind (and a calendar day off) and 4 ahead:
            # within TRACES's 5-minute tolerance of WS-Security timestamps, beyond the lease
            # (60 s: longer than any job takes here, even on a busy machine).
            with stage.worker("behind", "--threads", "2", "--lease", "60", env=behind) as w1, \
                    stage.worker("ahead", "--threads", "2", "--lease", "60",
                                 env=skewed(stage.env(), "+4m")) as w2:
                _wait(lambda: _all_available(stage.engine, ids) or
                      {"draft", "rejected"} & set(_states(stage.engine, ids).values()), 60,
                      f"not all available: {_states(stage.engine, ids)}")
                assert _all_available(stage.engine, ids), (
                    _states(stage.engine, ids), w1.log.read_text()[-3000:])
                time.sleep(1)  # a worker that wrongly took a job again would do it now
                jobs = _submit_jobs(stage.engine, ids)
                assert w1.proc.poll() is None and w2.proc.poll() is None
            # Nothing doubled: each statement claimed once, marked 'sending' once, and TRACES
            # holds one DDS for it. Both workers took part, each under a name of its own.
            assert {(j.attempts, j.state, j.sendings) for j in jobs} == {(1, "done", 1)}, (
                jobs, _history(stage.engine, ids[0]))
            assert all(stage.dds_count(s["internal_reference"]) == 1 for s in statements)
            takers = {j.claimed_by.rsplit(":", 1)[0] for j in jobs}
            assert takers == {f"{os.uname().nodename}:{w1.pid}",
                              f"{os.uname().nodename}:{w2.pid}"}, takers

            # The 72-hour window goes by the database's clock, not the server's (10 min ahead).
            with stage.engine.begin() as conn:
                conn.execute(text("UPDATE statements SET submitted_at = now() - interval "
                                  "'72 hours' + interval '3 minutes' WHERE id = CAST(:s AS uuid)"),
                             {"s": ids[0]})
                conn.execute(text("UPDATE statements SET submitted_at = now() - interval "
                                  "'72 hours' - interval '3 minutes' WHERE id = CAST(:s AS uuid)"),
                             {"s": ids[1]})
            still_open = http.post(f"/api/v1/statements/{ids[0]}/withdraw")
            assert still_open.status_code == 202, still_open.text
            closed = http.post(f"/api/v1/statements/{ids[1]}/withdraw")
            assert closed.status_code == 409, closed.text
            assert closed.json()["error"]["code"] == "amend_window_closed"


def test_a_worker_killed_mid_call_is_taken_over_after_its_lease_and_sends_once(
        stage: Stage) -> None:
    _mandate(stage.engine, stage.owner.org_id, "CURRENT_DATE - 30", "CURRENT_DATE + 365")
    with Server(stage.env(), stage.folder / "serve.log") as server:
        server.wait_ready()
        with httpx.Client(base_url=server.url, headers=bearer(stage.owner), timeout=30) as http:
            statements = _queue(http, stage, 4)
    ids = [s["id"] for s in statements]
    # TRACES stops answering: the first worker's submitDds hangs in flight ...
    os.killpg(stage.sim.pid, signal.SIGSTOP)
    doomed = stage.worker("doomed", "--threads", "1", "--lease", "4")
    try:
        in_flight = _wait(lambda: [j for j in _submit_jobs(stage.engine, ids)
                                   if j.sendings and j.state == "pending"], 30,
                          "the worker never started sending")
        # ... and the worker is killed there, holding the job under its lease.
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.proc.wait(timeout=10)
    finally:
        os.killpg(stage.sim.pid, signal.SIGCONT)
        doomed.stop()
    victim = in_flight[0].sid
    killed_at = time.monotonic()
    # One loop: a job never outlives its lease while a sibling loop waits to take it.
    with stage.worker("heir", "--threads", "1", "--lease", "4") as heir:
        _wait(lambda: _all_available(stage.engine, ids), 60,
              f"not all available: {_states(stage.engine, ids)}; {heir.log.read_text()[-2000:]}")
        jobs = {j.sid: j for j in _submit_jobs(stage.engine, ids)}
    assert time.monotonic() - killed_at > 2, "the job was taken over before its lease ended"
    # The job the dead worker held: taken over once (a second attempt), by the heir.
    assert jobs[victim].attempts == 2 and jobs[victim].claimed_by.split(":")[1] == str(heir.pid)
    assert all(j.state == "done" for j in jobs.values())
    assert all(j.attempts == 1 for sid, j in jobs.items() if sid != victim)
    # TRACES holds exactly one DDS per statement, whether or not the dead call got through.
    assert all(stage.dds_count(s["internal_reference"]) == 1 for s in statements)


def test_postgresql_restarted_while_a_worker_is_mid_call_loses_and_doubles_nothing(
        new_clusters: list[Cluster], tmp_path: Path) -> None:
    """The worker's own cluster stops and starts while its submitDds is in flight."""
    cluster = new_clusters[0]
    cluster.pg("start")
    engine = create_engine(cluster.url)
    migrate(engine)
    with _staged(cluster.url, engine, tmp_path) as stage:
        _mandate(stage.engine, stage.owner.org_id, "CURRENT_DATE - 30", "CURRENT_DATE + 365")
        with Server(stage.env(), stage.folder / "serve.log") as server:
            server.wait_ready()
            with httpx.Client(base_url=server.url, headers=bearer(stage.owner),
                              timeout=30) as http:
                statements = _queue(http, stage, 3)
        ids = [s["id"] for s in statements]
        os.killpg(stage.sim.pid, signal.SIGSTOP)
        with stage.worker("worker", "--threads", "1", "--lease", "6") as worker:
            try:
                _wait(lambda: [j for j in _submit_jobs(stage.engine, ids)
                               if j.sendings and j.state == "pending"], 30,
                      "the worker never started sending")
                stage.engine.dispose()
                cluster.pg("stop")
            finally:
                os.killpg(stage.sim.pid, signal.SIGCONT)
            time.sleep(1)  # TRACES answers; the worker cannot record it: no database
            cluster.pg("start")
            _wait(lambda: _all_available(stage.engine, ids), 60,
                  f"not all available: {_states(stage.engine, ids)}; "
                  f"{worker.log.read_text()[-2000:]}")
            assert worker.proc.poll() is None, "the worker survived the outage"
        jobs = _submit_jobs(stage.engine, ids)
        assert all(j.state == "done" and j.sendings == 1 for j in jobs), jobs
        assert all(stage.dds_count(s["internal_reference"]) == 1 for s in statements)
