-- Certificates to check (locked so that two checks of one certificate run one after the other).
SELECT c.id::text AS id, c.organisation_id::text AS organisation_id, c.ca_number, c.version,
       c.issued_on, c.valid_until, c.felling_from, c.felling_to
FROM certificates c
WHERE c.id = ANY(CAST(:certificate_ids AS uuid[]))
ORDER BY c.id
FOR UPDATE;
