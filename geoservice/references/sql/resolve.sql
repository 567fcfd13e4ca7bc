-- For each CA number asked for that exists anywhere: the best row the caller may see. A row is
-- a certificate with that number (own or another tenant's) and, when the caller may see it, one
-- of its statements (own organisation's, or one naming the caller's organisation as buyer).
-- Rows with a visible statement win, then the caller's own certificates, then available
-- statements, then the most recent. Numbers absent from the answer exist nowhere.
-- The input list is already distinct. {own_cert} and {own_stmt} come from Principal.org_filter.
SELECT DISTINCT ON (c.ca_number)
       c.ca_number AS ca, ({own_cert}) AS own, s.status, s.reference_number,
       s.verification_number, s.internal_reference,
       coalesce(s.available_at, s.submitted_at) AS at
FROM unnest(CAST(:cas AS text[])) AS i(ca)
JOIN certificates c ON c.ca_number = i.ca
LEFT JOIN statement_certificates sc ON sc.certificate_id = c.id
LEFT JOIN statements s ON s.id = sc.statement_id
     AND ((({own_cert}) AND ({own_stmt}))
          OR EXISTS (SELECT 1 FROM statement_buyers sb
                     WHERE sb.statement_id = s.id
                       AND sb.buyer_reg_no = (SELECT reg_no FROM organisations
                                              WHERE id = CAST(:me AS uuid))))
ORDER BY c.ca_number, (s.id IS NOT NULL) DESC, 2 DESC,
         (s.status = 'available') DESC, coalesce(s.available_at, s.submitted_at) DESC NULLS LAST,
         s.created_at DESC
