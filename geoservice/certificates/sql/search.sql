-- One page of certificates visible to the caller, newest first; {where} is built from fixed
-- fragments with bound parameters only.
SELECT c.id::text AS id, count(*) OVER () AS total
FROM certificates c
WHERE {where}
ORDER BY c.created_at DESC, c.id
LIMIT :limit OFFSET :offset
