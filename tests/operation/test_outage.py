"""PostgreSQL going away under the running app: 503 in the error shape, then service again.

The app runs on its own real cluster (not the suite's), which the test stops and starts.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine
from starlette.testclient import TestClient

from geoservice.db.migrate import migrate
from geoservice.settings import DatabaseSettings, Settings
from tests.conftest import bearer, make_org, make_user
from tests.operation.conftest import Cluster


def _while_down(client: TestClient, auth: dict[str, str]) -> None:
    down = client.get("/api/v1/me", headers={**auth, "accept-language": "en"})
    assert down.status_code == 503, down.text
    assert down.headers["retry-after"] == "5"
    error = down.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"].startswith("The database is not reachable right now")
    assert set(error) == {"code", "message", "messages", "details"}
    lv = client.get("/api/v1/me", headers=auth)
    assert lv.json()["error"]["message"].startswith("Datubāze šobrīd nav sasniedzama")
    page = client.get("/certificates", headers={**auth, "accept": "text/html"},
                      follow_redirects=False)
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert "Datubāze šobrīd nav sasniedzama" in page.text
    assert client.get("/healthz").status_code == 503


def test_requests_during_an_outage_get_503_and_the_app_heals(
        new_clusters: list[Cluster], settings: Settings) -> None:
    cluster = new_clusters[0]
    cluster.pg("start")
    setup = create_engine(cluster.url)
    migrate(setup)
    org_id, reg_no = make_org(setup)
    user = make_user(setup, org_id, reg_no, "owner")
    setup.dispose()

    from geoservice.web.app import create_app

    app = create_app(settings.model_copy(
        update={"database": DatabaseSettings(url=cluster.url, pool_size=3)}))
    statuses: list[int] = []
    stop = threading.Event()
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/me", headers=bearer(user)).status_code == 200

        def hammer() -> None:  # requests in flight while the server goes down and up
            while not stop.is_set():
                statuses.append(client.get("/api/v1/me", headers=bearer(user)).status_code)
                time.sleep(0.05)

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)
            cluster.pg("stop")
            _while_down(client, bearer(user))
            time.sleep(1)
            cluster.pg("start")
            restarted = time.monotonic()
            while (status := client.get("/api/v1/me", headers=bearer(user)).status_code) != 200:
                assert time.monotonic() - restarted < 10, f"not healed within 10 s: {status}"
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
    assert 503 in statuses and 200 in statuses
    assert set(statuses) <= {200, 503}, f"only 200 or 503, never a 500: {set(statuses)}"
