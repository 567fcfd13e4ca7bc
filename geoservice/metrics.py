"""Prometheus metrics: counters kept by each process, gauges read from the database.

Request counts and latencies and TRACES call outcomes are counted where they happen. With several
processes (``geoservice serve --workers N``, the TRACES worker) they write to the folder named by
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) and any process serving
``/metrics`` adds them all up; without it, the counts of this process are shown. What PostgreSQL
knows (outbox depth by state, check runs by verdict, current layer versions, statements by status)
is read at scrape time, so it is the same whichever process answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Connection, text

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Instruments of this process; in multiprocess mode their values go to files in the folder.
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "geoservice_http_requests", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"], registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "geoservice_http_request_duration_seconds",
    "Time from request to the end of the response, by route template, method and status.",
    ["route", "method", "status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TRACES_CALLS = Counter(
    "geoservice_traces_calls",
    "SOAP calls to TRACES by operation and outcome (ok, or the error class).",
    ["operation", "outcome"], registry=REGISTRY,
)


@dataclass
class DatabaseFacts:
    """What the database says at scrape time."""

    outbox: dict[str, int] = field(default_factory=dict)
    outbox_due: int = 0
    statements: dict[str, int] = field(default_factory=dict)
    check_runs: dict[str, int] = field(default_factory=dict)
    layers: list[tuple[str, str, int, int]] = field(default_factory=list)


def read_facts(conn: Connection) -> DatabaseFacts:
    facts = DatabaseFacts()
    facts.outbox = {str(s): int(n) for s, n in conn.execute(text(
        "SELECT state, count(*) FROM outbox GROUP BY state"))}
    facts.outbox_due = int(conn.execute(text(
        "SELECT count(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= now()"
    )).scalar_one())
    facts.statements = {str(s): int(n) for s, n in conn.execute(text(
        "SELECT status, count(*) FROM statements GROUP BY status"))}
    facts.check_runs = {str(v): int(n) for v, n in conn.execute(text(
        "SELECT verdict, count(*) FROM check_runs GROUP BY verdict"))}
    facts.layers = [(str(lid), str(role), int(version or 0), int(features or 0))
                    for lid, role, version, features in conn.execute(text(
                        "SELECT l.id, l.role, l.current_version, v.feature_count FROM layers l "
                        "LEFT JOIN layer_versions v ON v.layer_id = l.id "
                        "AND v.version = l.current_version ORDER BY l.id"))]
    return facts


class _FactsCollector(Collector):
    def __init__(self, facts: DatabaseFacts) -> None:
        self.facts = facts

    def collect(self) -> Iterator[Metric]:
        f = self.facts
        outbox = GaugeMetricFamily("geoservice_outbox_jobs", "TRACES outbox jobs by state.",
                                   labels=["state"])
        for state in ("pending", "done", "failed"):
            outbox.add_metric([state], f.outbox.get(state, 0))
        yield outbox
        yield GaugeMetricFamily("geoservice_outbox_due_jobs",
                                "Pending outbox jobs whose time has come (the worker's backlog).",
                                value=f.outbox_due)
        statements = GaugeMetricFamily("geoservice_statements", "Statements by status.",
                                       labels=["status"])
        for status, n in sorted(f.statements.items()):
            statements.add_metric([status], n)
        yield statements
        runs = CounterMetricFamily("geoservice_check_runs", "Check runs recorded, by verdict.",
                                   labels=["verdict"])
        for verdict in ("clear", "flagged", "blocked"):
            runs.add_metric([verdict], f.check_runs.get(verdict, 0))
        yield runs
        version = GaugeMetricFamily("geoservice_layer_version",
                                    "Current version of each land-use layer.",
                                    labels=["layer", "role"])
        features = GaugeMetricFamily("geoservice_layer_features",
                                     "Features in the current version of each vector layer.",
                                     labels=["layer", "role"])
        for lid, role, v, n in f.layers:
            version.add_metric([lid, role], v)
            features.add_metric([lid, role], n)
        yield version
        yield features


class _Forward(Collector):
    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(facts: DatabaseFacts) -> bytes:
    """The text format of every metric: all processes' counters plus the database facts."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROC_ENV)
    if folder and os.path.isdir(folder):
        MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward([REGISTRY]))
    registry.register(_FactsCollector(facts))
    return generate_latest(registry)
