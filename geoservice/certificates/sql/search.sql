-- One page of certificates visible to the caller, newest first. {matches} is a derived table
-- (id, created_at) built from fixed fragments with bound parameters only; a plain filter is pulled
-- up into a walk of certificates_*page_idx (migrations 006 and 011) that stops after the page.
SELECT m.id::text AS id
FROM {matches} AS m
ORDER BY m.created_at DESC, m.id DESC
LIMIT :limit OFFSET :offset
