"""``python -m bench.references``: CSV lookup and XML enrichment through the HTTP stack.

A fresh database gets ``--certificates`` (default 100 000) certificates with areas and
statements. Then, through the whole ASGI app (middleware, auth by Bearer token, routing):

1. ``POST /api/v1/references/lookup`` with a CSV of ``--lookup-rows`` (default 100 000) CA
   numbers — target ≤ 5 s;
2. ``POST /api/v1/documents/enrich`` with a papiNet DeliveryMessageWood of ``--items``
   (default 5 000) line items — target ≤ 2 s.

Each is run ``--runs`` times (default 3); the median and the worst are printed.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time

from sqlalchemy import create_engine
from starlette.testclient import TestClient

from bench.references import data
from geoservice.accounts import store as accounts
from geoservice.settings import DatabaseSettings, Settings, WebSettings
from geoservice.web.app import create_app

LINE_ITEM = """      <DeliveryShipmentLineItem>
        <DeliveryShipmentLineItemNumber>{n}</DeliveryShipmentLineItemNumber>
        <DeliveryMessageReference DeliveryMessageReferenceType="FellingCertificateNumber">\
{ca}</DeliveryMessageReference>
        <Quantity QuantityType="Volume"><Value UOM="CubicMeter">12.5</Value></Quantity>
      </DeliveryShipmentLineItem>
"""


def waybill(items: int, count: int) -> bytes:
    body = "".join(LINE_ITEM.format(n=i + 1, ca=f"BENCH-{(i * 17) % (count + 500) + 1:06d}")
                   for i in range(items))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<DeliveryMessageWood xmlns='
            '"http://www.papinet.org/papiNet_V2R31">\n  <DeliveryMessageShipment>\n'
            '    <DeliveryMessageProductGroup>\n' + body +
            '    </DeliveryMessageProductGroup>\n  </DeliveryMessageShipment>\n'
            '</DeliveryMessageWood>\n').encode()


def lookup_csv(rows: int, count: int) -> bytes:
    lines = ["rinda;CA numurs"]
    lines += [f"{i};BENCH-{(i * 7) % (count + 1000) + 1:06d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def timed(runs: int, call: object) -> list[float]:
    assert callable(call)
    seconds: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.references")
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--lookup-rows", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with data.database() as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            org = accounts.create_organisation(conn, name="Bench seller", reg_no="40000099991")
            other = accounts.create_organisation(conn, name="Bench other", reg_no="40000099992")
            accounts.create_user(conn, org_id=org, email="bench@refs.example", role="analyst",
                                 password=secrets.token_urlsafe(16))
            token = accounts.create_token(conn, user_email="bench@refs.example")
        started = time.perf_counter()
        data.fill(engine, org, other, args.certificates)
        print(f"filled {args.certificates} certificates in {time.perf_counter() - started:.1f} s")
        engine.dispose()
        settings = Settings(database=DatabaseSettings(url=url),
                            web=WebSettings(environment="test", max_body_mb=50))
        headers = {"Authorization": f"Bearer {token}"}
        csv_body = lookup_csv(args.lookup_rows, args.certificates)
        xml_body = waybill(args.items, args.certificates)
        seen: dict[str, str] = {}
        with TestClient(create_app(settings)) as client:
            def lookup() -> None:
                response = client.post("/api/v1/references/lookup", content=csv_body,
                                       headers=headers)
                assert response.status_code == 200, response.text[:300]
                assert response.text.count("\n") == args.lookup_rows + 1
                seen["lookup"] = response.headers["x-lookup-summary"]

            def enrich() -> None:
                response = client.post("/api/v1/documents/enrich", content=xml_body,
                                       headers=headers)
                assert response.status_code == 200, response.text[:300]
                seen["enrich"] = response.headers["x-unresolved"]

            results = {"lookup": timed(args.runs, lookup), "enrich": timed(args.runs, enrich)}
        print(f"lookup CSV {args.lookup_rows} rows: median "
              f"{statistics.median(results['lookup']):.2f} s, worst "
              f"{max(results['lookup']):.2f} s (target 5 s) — {seen['lookup']}")
        print(f"enrich XML {args.items} items ({len(xml_body) // 1024} KiB): median "
              f"{statistics.median(results['enrich']):.2f} s, worst {max(results['enrich']):.2f} s"
              f" (target 2 s) — unresolved {seen['enrich']}")
    ok = max(results["lookup"]) <= 5 and max(results["enrich"]) <= 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
