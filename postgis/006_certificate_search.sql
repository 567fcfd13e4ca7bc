-- Certificate search: newest-first pages per organisation (and across all, for officers) without
-- sorting, and cadastral designation prefixes as index range scans.
CREATE INDEX certificates_org_page_idx ON certificates (organisation_id, created_at DESC, id DESC);
CREATE INDEX certificates_page_idx ON certificates (created_at DESC, id DESC);
CREATE INDEX certificates_org_status_idx ON certificates (organisation_id, status);
CREATE INDEX felling_areas_cadastre_prefix_idx ON felling_areas (cadastral_designation bpchar_pattern_ops);
