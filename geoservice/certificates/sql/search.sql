-- One page of certificates visible to the caller, newest first (certificates_*page_idx);
-- {where} is built from fixed fragments with bound parameters only.
SELECT c.id::text AS id
FROM certificates c
WHERE {where}
ORDER BY c.created_at DESC, c.id DESC
LIMIT :limit OFFSET :offset
