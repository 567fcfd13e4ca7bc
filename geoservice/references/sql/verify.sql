-- The statement carrying a reference/verification pair, if the caller may see it: its own
-- organisation's (or every one for the operator's officers) or one naming the caller as buyer.
WITH me AS (
    SELECT reg_no FROM organisations WHERE id = CAST(:me AS uuid)
)
SELECT s.status, coalesce(s.available_at, s.updated_at) AS at
FROM statements s
WHERE s.reference_number = :ref
  AND s.verification_number = :ver
  AND (({own_stmt})
       OR EXISTS (SELECT 1 FROM statement_buyers sb, me
                  WHERE sb.statement_id = s.id AND sb.buyer_reg_no = me.reg_no))
ORDER BY (s.status = 'available') DESC, s.updated_at DESC
LIMIT 1
