"""Re-check what a new layer version changes, and only that.

A feature is unchanged between two versions when its fingerprint (geometry as read and
attributes) is the same. The features only in the new version (added or altered) and only in
the old one (removed or altered) are the change; certificates with a felling area that meets
them are affected. Without fingerprints on both sides (a first version, a raster, a version
imported before fingerprints existed), every certificate within the version's extent is.

Certificates not yet submitted are re-checked: their findings reach the review queue, and a
verdict that moves gets an entry in the certificate's history. A submitted certificate is never
changed: it is checked inside a savepoint that is rolled back, and when its verdict would be
worse, compliance officers get a ``recheck_alerts`` entry.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from geoservice.checks.runner import check_certificates
from geoservice.checks.sql import load

RANK = {None: -1, "clear": 0, "flagged": 1, "blocked": 2}
BATCH = 500
Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass(frozen=True)
class Affected:
    open_ids: list[str]  # not yet submitted: re-checked
    submitted_ids: list[str]  # submitted: only compared
    added: int
    removed: int


@dataclass(frozen=True)
class Recheck:
    id: str
    layer_id: str
    from_version: int | None
    to_version: int
    added: int
    removed: int
    affected: int
    rechecked: int
    changed: list[dict[str, Any]]
    alerts: int
    seconds: float | None

    def summary(self) -> str:
        moved = ", ".join(f"{c['ca_number'] or c['certificate_id']}: {c['before'] or 'none'} → "
                          f"{c['after']}" for c in self.changed[:10])
        more = f" (+{len(self.changed) - 10} more)" if len(self.changed) > 10 else ""
        seconds = f"{self.seconds:.1f}" if self.seconds is not None else "?"
        base = (f"re-check: {self.rechecked} certificates re-checked of {self.affected} affected "
                f"in {seconds} s; {self.added} features added or altered, {self.removed} removed "
                f"or altered since v{self.from_version or '-'}; {len(self.changed)} verdicts "
                f"changed")
        base += f": {moved}{more}" if moved else ""
        if self.alerts:
            base += (f"; {self.alerts} submitted certificates would now be worse: flagged to "
                     "compliance officers")
        return base


def affected(conn: Connection, layer_id: str, version: int, previous: int | None) -> Affected:
    params = {"layer": layer_id, "new": version, "old": previous}
    diffable = previous is not None and conn.execute(text(
        "SELECT bool_and(l.kind = 'vector') AND NOT EXISTS (SELECT 1 FROM layer_features f "
        "WHERE f.layer_id = :layer AND f.version IN (:new, :old) AND f.fingerprint IS NULL) "
        "FROM layers l WHERE l.id = :layer"), params).scalar_one()
    if diffable:
        counts = conn.execute(text(load("changed_features.sql")), params).one()
        rows = conn.execute(text(load("affected_by_change.sql")), params).all()
        added, removed = int(counts.added), int(counts.removed)
    else:
        rows = conn.execute(text(load("affected_by_extent.sql")), params).all()
        added = removed = 0
    return Affected([str(r.id) for r in rows if r.status != "submitted"],
                    [str(r.id) for r in rows if r.status == "submitted"], added, removed)


def start(conn: Connection, layer_id: str, version: int, previous: int | None, *,
          now_limit: int) -> str:
    """Record a re-check of ``version``; run it now when small, else queue it. Returns its id."""
    started = time.perf_counter()
    found = affected(conn, layer_id, version, previous)
    recheck_id = str(uuid.uuid4())
    conn.execute(text(
        "INSERT INTO layer_rechecks (id, layer_id, from_version, to_version, added, removed, "
        "affected, submitted_pending) VALUES (CAST(:id AS uuid), :layer, :old, :new, :added, "
        ":removed, :affected, CAST(:pending AS uuid[]))"),
        {"id": recheck_id, "layer": layer_id, "old": previous, "new": version,
         "added": found.added, "removed": found.removed,
         "affected": len(found.open_ids) + len(found.submitted_ids),
         "pending": found.submitted_ids})
    if len(found.open_ids) + len(found.submitted_ids) <= now_limit:
        check_batch(conn, recheck_id, found.open_ids)
        compare_submitted(conn, recheck_id, found.submitted_ids)
        _finish(conn, recheck_id, time.perf_counter() - started)
        return recheck_id
    if found.open_ids:
        conn.execute(text(
            "INSERT INTO check_queue (certificate_id, reason) "
            "SELECT id, :reason FROM unnest(CAST(:ids AS uuid[])) AS id ON CONFLICT "
            "(certificate_id) DO UPDATE SET reason = EXCLUDED.reason, queued_at = now()"),
            {"ids": found.open_ids, "reason": f"recheck:{recheck_id}"})
    conn.execute(text("UPDATE layer_rechecks SET seconds = :s WHERE id = CAST(:id AS uuid)"),
                 {"s": time.perf_counter() - started, "id": recheck_id})  # finding them counts
    return recheck_id


def check_batch(conn: Connection, recheck_id: str, ids: list[str]) -> None:
    """Re-check ``ids`` and record the verdicts that moved (history entry, run's list)."""
    if not ids:
        return
    before = {str(r.id): r for r in conn.execute(text(
        "SELECT id, verdict, ca_number, organisation_id FROM certificates "
        "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids})}
    outcomes = check_certificates(conn, ids)
    layer = conn.execute(text("SELECT layer_id, to_version FROM layer_rechecks "
                              "WHERE id = CAST(:id AS uuid)"), {"id": recheck_id}).one()
    changed = []
    for outcome in outcomes:
        old = before.get(outcome.certificate.id)
        previous = old.verdict if old is not None else None
        if previous == outcome.verdict:
            continue
        changed.append({"certificate_id": outcome.certificate.id,
                        "ca_number": old.ca_number if old is not None else None,
                        "organisation_id": outcome.certificate.organisation_id,
                        "before": previous, "after": outcome.verdict})
    if changed:
        conn.execute(text(
            "INSERT INTO audit_log (organisation_id, entity, entity_id, action, changes) "
            "SELECT CAST(c->>'organisation_id' AS uuid), 'certificate', c->>'certificate_id', "
            "'recheck', jsonb_build_object('verdict', jsonb_build_array(c->'before', c->'after'), "
            "'layer_id', CAST(:layer AS text), 'layer_version', CAST(:version AS int), "
            "'recheck_id', CAST(:id AS text)) "
            "FROM jsonb_array_elements(CAST(:changed AS jsonb)) c"),
            {"layer": layer.layer_id, "version": layer.to_version, "id": recheck_id,
             "changed": json.dumps(changed)})
    conn.execute(text(
        "UPDATE layer_rechecks SET rechecked = rechecked + :n, changed = changed || "
        "CAST(:changed AS jsonb) WHERE id = CAST(:id AS uuid)"),
        {"n": len(outcomes), "changed": json.dumps(changed), "id": recheck_id})


def compare_submitted(conn: Connection, recheck_id: str, ids: list[str]) -> None:
    """Check submitted certificates without keeping anything; alert when one turns worse."""
    if not ids:
        return
    before = {str(r.id): r for r in conn.execute(text(
        "SELECT id, verdict, organisation_id FROM certificates "
        "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids})}
    savepoint = conn.begin_nested()
    try:
        outcomes = check_certificates(conn, ids)
        worse = [(o.certificate.id, o.verdict, sorted({f.rule for f in o.findings
                                                         if f.severity != "info"}))
                 for o in outcomes
                 if RANK[o.verdict] > RANK.get(before[o.certificate.id].verdict, -1)]
    finally:
        savepoint.rollback()
    for cert_id, verdict, rules in worse:
        old = before[cert_id]
        conn.execute(text(
            "INSERT INTO recheck_alerts (recheck_id, organisation_id, certificate_id, "
            "previous_verdict, new_verdict, rules) VALUES (CAST(:r AS uuid), :org, "
            "CAST(:c AS uuid), :old, :new, CAST(:rules AS jsonb))"),
            {"r": recheck_id, "org": old.organisation_id, "c": cert_id,
             "old": old.verdict or "none", "new": verdict, "rules": json.dumps(rules)})
        conn.execute(text(
            "INSERT INTO audit_log (organisation_id, entity, entity_id, action, changes) VALUES "
            "(:org, 'certificate', :c, 'recheck_alert', CAST(:changes AS jsonb))"),
            {"org": old.organisation_id, "c": cert_id, "changes": json.dumps(
                {"verdict": [old.verdict, verdict], "rules": rules, "recheck_id": recheck_id})})
    conn.execute(text(
        "UPDATE layer_rechecks SET alerts = alerts + :n, submitted_pending = ARRAY(SELECT unnest("
        "submitted_pending) EXCEPT SELECT unnest(CAST(:ids AS uuid[]))) "
        "WHERE id = CAST(:id AS uuid)"), {"n": len(worse), "ids": ids, "id": recheck_id})


def _finish(conn: Connection, recheck_id: str, seconds: float) -> None:
    conn.execute(text("UPDATE layer_rechecks SET seconds = coalesce(seconds, 0) + :s, "
                      "finished_at = now() WHERE id = CAST(:id AS uuid)"),
                 {"s": seconds, "id": recheck_id})


def run_queued(engine: Engine, recheck_id: str, progress: Progress = lambda items: items,
               ) -> Recheck:
    """Work through what ``start`` queued, a batch per transaction (a crash loses one batch)."""
    started = time.perf_counter()
    reason = f"recheck:{recheck_id}"
    with engine.connect() as conn:
        queued = [str(r[0]) for r in conn.execute(text(
            "SELECT certificate_id FROM check_queue WHERE reason = :r ORDER BY certificate_id"),
            {"r": reason})]
        pending = [str(v) for v in conn.execute(text(
            "SELECT submitted_pending FROM layer_rechecks WHERE id = CAST(:id AS uuid)"),
            {"id": recheck_id}).scalar_one()]
    batches = ([("open", queued[i:i + BATCH]) for i in range(0, len(queued), BATCH)]
               + [("submitted", pending[i:i + BATCH]) for i in range(0, len(pending), BATCH)])
    for kind, batch in progress(batches):
        with engine.begin() as conn:
            if kind == "open":
                check_batch(conn, recheck_id, batch)
            else:
                compare_submitted(conn, recheck_id, batch)
    with engine.begin() as conn:
        finished = conn.execute(text("SELECT finished_at FROM layer_rechecks "
                                     "WHERE id = CAST(:id AS uuid)"), {"id": recheck_id}).scalar()
        if finished is None or batches:
            _finish(conn, recheck_id, time.perf_counter() - started)
    return read(engine, recheck_id)


def read(engine: Engine, recheck_id: str) -> Recheck:
    with engine.connect() as conn:
        r = conn.execute(text("SELECT * FROM layer_rechecks WHERE id = CAST(:id AS uuid)"),
                         {"id": recheck_id}).mappings().one()
    return Recheck(str(r["id"]), r["layer_id"], r["from_version"], r["to_version"], r["added"],
                   r["removed"], r["affected"], r["rechecked"], list(r["changed"]), r["alerts"],
                   r["seconds"])
