-- references.csv: one row per certificate and felling area the caller may see, with the best
-- statement of that certificate (available first, else the most recent). Buyers see only the
-- certificates of statements that name their organisation.
-- {own_cert} and {own_stmt} are the tenancy conditions from Principal.org_filter.
WITH me AS (
    SELECT reg_no FROM organisations WHERE id = CAST(:me AS uuid)
),
vis AS (
    SELECT sc.certificate_id, s.status, s.reference_number, s.verification_number,
           s.internal_reference, coalesce(s.available_at, s.submitted_at) AS at, s.created_at
    FROM statements s
    JOIN statement_certificates sc ON sc.statement_id = s.id
    WHERE ({own_stmt})
       OR EXISTS (SELECT 1 FROM statement_buyers sb, me
                  WHERE sb.statement_id = s.id AND sb.buyer_reg_no = me.reg_no)
),
best AS (
    SELECT DISTINCT ON (certificate_id) *
    FROM vis
    ORDER BY certificate_id, (status = 'available') DESC, at DESC NULLS LAST, created_at DESC
),
certs AS (
    SELECT c.id, c.ca_number FROM certificates c WHERE {own_cert}
    UNION
    SELECT c.id, c.ca_number FROM certificates c JOIN best b ON b.certificate_id = c.id
),
rows AS (
    SELECT c.ca_number, fa.cadastral_designation, fa.cirsma, b.internal_reference,
           b.reference_number, b.verification_number, coalesce(b.status, 'none') AS status,
           (b.at AT TIME ZONE 'Europe/Riga')::date AS day
    FROM certs c
    JOIN felling_areas fa ON fa.certificate_id = c.id
    LEFT JOIN best b ON b.certificate_id = c.id
    WHERE (CAST(:cas AS text[]) IS NULL OR c.ca_number = ANY(CAST(:cas AS text[])))
)
SELECT ca_number, cadastral_designation, internal_reference, reference_number,
       verification_number, status, day, cirsma
FROM rows
WHERE (CAST(:statuses AS text[]) IS NULL OR status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:day_from AS date) IS NULL OR day >= CAST(:day_from AS date))
  AND (CAST(:day_to AS date) IS NULL OR day <= CAST(:day_to AS date))
ORDER BY ca_number, cirsma
LIMIT :limit OFFSET :offset
