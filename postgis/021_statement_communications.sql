-- What TRACES tells about a statement, as seen by polling getDds: the competent authority's
-- communicationToOperator and each status it reported. Seen again on the next poll, the same
-- message is the same row (unique key), so polling never doubles one.
CREATE TABLE statement_communications (
    id              bigserial PRIMARY KEY,
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    attempt         integer NOT NULL DEFAULT 1,
    traces_uuid     text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('communication', 'status')),
    traces_at       timestamptz,
    status          text,
    content         text NOT NULL DEFAULT '',
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX statement_communications_once_idx ON statement_communications
    (statement_id, traces_uuid, kind, traces_at, md5(content)) NULLS NOT DISTINCT;
CREATE INDEX statement_communications_stmt_idx ON statement_communications (statement_id, id);
