-- A rejected statement is corrected and sent again as a new TRACES submission of the same
-- statement: each earlier attempt is kept here, so the history shows what TRACES said to it.
ALTER TABLE statements ADD COLUMN attempt integer NOT NULL DEFAULT 1;

CREATE TABLE statement_attempts (
    id              bigserial PRIMARY KEY,
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    traces_uuid     text,
    status          text NOT NULL,
    rejection_reason text,
    submitted_at    timestamptz,
    ended_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (statement_id, attempt)
);
