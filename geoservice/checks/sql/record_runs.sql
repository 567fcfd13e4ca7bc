-- One statement for a batch: the check runs, the verdicts of areas and certificates, and the
-- certificates leave the re-check queue. Findings follow by COPY (they reference the runs).
WITH runs AS (
    INSERT INTO check_runs (id, organisation_id, certificate_id, certificate_version, verdict,
                            layer_versions, thresholds, by_user_id)
    SELECT r.id, r.org, r.cert, r.cv, r.verdict, CAST(:layers AS jsonb), CAST(:th AS jsonb),
           CAST(:by AS uuid)
    FROM unnest(CAST(:run_ids AS uuid[]), CAST(:orgs AS uuid[]), CAST(:certs AS uuid[]),
                CAST(:cvs AS integer[]), CAST(:verdicts AS text[]))
         AS r(id, org, cert, cv, verdict)
), areas AS (
    UPDATE felling_areas a SET verdict = u.verdict
    FROM unnest(CAST(:area_ids AS uuid[]), CAST(:area_verdicts AS text[])) AS u(id, verdict)
    WHERE a.id = u.id
), certs AS (
    UPDATE certificates c SET verdict = u.verdict, checked_at = now()
    FROM unnest(CAST(:certs AS uuid[]), CAST(:verdicts AS text[])) AS u(id, verdict)
    WHERE c.id = u.id
), queue AS (
    DELETE FROM check_queue WHERE certificate_id = ANY(CAST(:certs AS uuid[]))
)
SELECT 1;
