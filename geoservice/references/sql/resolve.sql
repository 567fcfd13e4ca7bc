-- For each CA number asked for: does it exist anywhere, is one of its certificates the caller's
-- own, and the best statement the caller may see (own organisation's, or naming the caller's
-- organisation as a buyer). "Best" is an available statement, else the most recent one.
-- {own_cert} and {own_stmt} are the tenancy conditions from Principal.org_filter.
WITH input AS (
    SELECT DISTINCT ca FROM unnest(CAST(:cas AS text[])) AS t(ca)
),
me AS (
    SELECT reg_no FROM organisations WHERE id = CAST(:me AS uuid)
),
cands AS (
    SELECT i.ca, c.id AS certificate_id, ({own_cert}) AS own
    FROM input i
    JOIN certificates c ON c.ca_number = i.ca
),
seen AS (
    SELECT ca, bool_or(own) AS own FROM cands GROUP BY ca
),
visible AS (
    SELECT cd.ca, s.status, s.reference_number, s.verification_number, s.internal_reference,
           coalesce(s.available_at, s.submitted_at) AS at, s.created_at
    FROM cands cd
    JOIN statement_certificates sc ON sc.certificate_id = cd.certificate_id
    JOIN statements s ON s.id = sc.statement_id
    WHERE (cd.own AND ({own_stmt}))
       OR EXISTS (SELECT 1 FROM statement_buyers sb, me
                  WHERE sb.statement_id = s.id AND sb.buyer_reg_no = me.reg_no)
),
best AS (
    SELECT DISTINCT ON (ca) *
    FROM visible
    ORDER BY ca, (status = 'available') DESC, at DESC NULLS LAST, created_at DESC
)
SELECT i.ca,
       seen.ca IS NOT NULL AS exists_anywhere,
       coalesce(seen.own, false) AS own,
       best.status, best.reference_number, best.verification_number, best.internal_reference,
       best.at
FROM input i
LEFT JOIN seen ON seen.ca = i.ca
LEFT JOIN best ON best.ca = i.ca
