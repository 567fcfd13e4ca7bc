-- Certificate search at 100 000 certificates (issue 3): each filter the API offers walks an index in
-- page order (created_at DESC, id DESC), or reads a selective prefix index, and stops after the page
-- or the 1 001 matches that bound the total, without visiting other tenants' rows or the heap.

-- Status and verdict: the equality column first, then the organisation, then the page order. A
-- tenant walks its own rows in order; an officer (all organisations) reads one status or verdict
-- index-only and sorts just those. Replaces (organisation_id, status).
CREATE INDEX certificates_status_page_idx
    ON certificates (status, organisation_id, created_at DESC, id DESC);
CREATE INDEX certificates_verdict_page_idx
    ON certificates (verdict, organisation_id, created_at DESC, id DESC);
DROP INDEX certificates_org_status_idx;

-- A tenant's pages carry place and CA number, so a word search filters inside the index
-- (index-only scan) instead of fetching every row it rejects. Without them the planner preferred
-- the all-organisations page index and filtered out other tenants' rows one by one.
DROP INDEX certificates_org_page_idx;
CREATE INDEX certificates_org_page_idx
    ON certificates (organisation_id, created_at DESC, id DESC) INCLUDE (place, ca_number);

-- A prefix of certificates_org_page_idx: only write cost.
DROP INDEX certificates_org_idx;

-- CA number prefixes, case-insensitive (read._number_matches writes ILIKE as lower() LIKE lower()):
-- a range scan instead of the trigram index, whose posting lists for "000" cover most numbers.
CREATE INDEX certificates_ca_lower_idx ON certificates (lower(ca_number) text_pattern_ops);
