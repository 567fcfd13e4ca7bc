-- Supersede the current findings of a batch of certificates and return what they were: decisions
-- (cleared, confirmed) carry over to the new run. `old` is the row before this update.
UPDATE findings f SET status = 'superseded'
FROM findings old
WHERE old.id = f.id
  AND f.certificate_id = ANY(CAST(:ids AS uuid[]))
  AND f.status <> 'superseded'
RETURNING old.id::text AS id, old.area_id::text AS area_id, old.rule, old.layer_id,
          old.overlap_ha, old.status, old.reviewed_by::text AS reviewed_by, old.reviewed_at,
          old.review_reason;
