"""``python -m bench.buyers``: verifying a CSV of pairs and ``auto`` enrichment, over HTTP.

A fresh database gets ``--certificates`` (default 20 000) certificates with statements
(``bench.references.data.fill``). Then, through the whole ASGI app (middleware, Bearer auth,
routing, the throttle's queries and the verification log):

1. ``POST /api/v1/verify`` by a buyer of another organisation with a CSV of ``--pairs``
   (default 10 000) pairs, 2 % of them with a wrong verification number — target ≤ 2 s;
2. ``POST /api/v1/documents/enrich?mapping=auto`` by the seller with a document of an unknown
   shape with ``--items`` (default 5 000) items, each naming a CA number among other values —
   target ≤ 1 s.

Each is run ``--runs`` times (default 3); the median and the worst are printed. The throttle's
hourly allowance of misses is raised for the run (the runs' misses would exceed the default).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys

from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from bench.references import data
from bench.references.__main__ import timed
from geoservice.accounts import store as accounts
from geoservice.settings import DatabaseSettings, Settings, VerifySettings, WebSettings
from geoservice.web.app import create_app

ITEM = """  <Krava nr="{n}">
    <Datums>2026-11-{day:02d}</Datums>
    <Apliecinajums>{ca}</Apliecinajums>
    <Sugas kods="{species}">priede</Sugas>
    <Apjoms vieniba="m3">12.5</Apjoms>
    <Auto numurs="AB-{n:04d}"/>
  </Krava>
"""


def document(items: int, count: int) -> bytes:
    body = "".join(ITEM.format(n=i + 1, day=i % 28 + 1, species=i % 9 + 1,
                               ca=f"BENCH-{(i * 13) % count + 1:06d}") for i in range(items))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Pieņemšana xmlns="urn:example:bench:1">\n'
            + body + "</Pieņemšana>\n").encode()


def pairs_csv(pairs: list[tuple[str, str]]) -> bytes:
    lines = ["rinda;reference_number;verification_number"]
    for i, (ref, ver) in enumerate(pairs):
        wrong = i % 50 == 0
        lines.append(f"{i};{ref};{'ZZZZ' + ver[4:] if wrong else ver}")
    return ("\r\n".join(lines) + "\r\n").encode()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.buyers")
    parser.add_argument("--certificates", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with data.database() as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            org = accounts.create_organisation(conn, name="Bench seller", reg_no="40000099981")
            other = accounts.create_organisation(conn, name="Bench other", reg_no="40000099982")
            buyer = accounts.create_organisation(conn, name="Bench buyer", reg_no="40000099983")
            for email, org_id in (("seller@buyers.example", org), ("buyer@buyers.example", buyer)):
                accounts.create_user(conn, org_id=org_id, email=email, role="analyst",
                                     password=secrets.token_urlsafe(16))
            seller_token = accounts.create_token(conn, user_email="seller@buyers.example")
            buyer_token = accounts.create_token(conn, user_email="buyer@buyers.example")
        data.fill(engine, org, other, args.certificates)
        with engine.connect() as conn:
            pairs = [(str(r), str(v)) for r, v in conn.execute(text(
                "SELECT reference_number, verification_number FROM statements "
                "WHERE status = 'available' ORDER BY internal_reference LIMIT :n"),
                {"n": args.pairs})]
        engine.dispose()
        assert len(pairs) == args.pairs, f"only {len(pairs)} available statements"
        settings = Settings(database=DatabaseSettings(url=url),
                            web=WebSettings(environment="test", max_body_mb=50),
                            verify=VerifySettings(misses_per_hour=1_000_000,
                                                  ip_misses_per_hour=1_000_000))
        csv_body = pairs_csv(pairs)
        xml_body = document(args.items, args.certificates)
        seen: dict[str, str] = {}
        with TestClient(create_app(settings)) as client:
            def verify() -> None:
                response = client.post("/api/v1/verify", content=csv_body, headers={
                    "Authorization": f"Bearer {buyer_token}", "content-type": "text/csv"})
                assert response.status_code == 200, response.text[:300]
                assert response.text.count("\n") == args.pairs + 1
                seen["verify"] = response.headers["x-verify-summary"]

            def enrich() -> None:
                response = client.post("/api/v1/documents/enrich?mapping=auto",
                                       content=xml_body,
                                       headers={"Authorization": f"Bearer {seller_token}"})
                assert response.status_code == 200, response.text[:300]
                seen["enrich"] = response.headers["x-unresolved"]

            results = {"verify": timed(args.runs, verify), "enrich": timed(args.runs, enrich)}
        print(f"verify CSV {args.pairs} pairs: median {statistics.median(results['verify']):.2f}"
              f" s, worst {max(results['verify']):.2f} s (target 2 s) — {seen['verify']}")
        print(f"auto enrich {args.items} items ({len(xml_body) // 1024} KiB): median "
              f"{statistics.median(results['enrich']):.2f} s, worst {max(results['enrich']):.2f} s"
              f" (target 1 s) — unresolved {seen['enrich']}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = max(results["verify"]) <= 2 and max(results["enrich"]) <= 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
