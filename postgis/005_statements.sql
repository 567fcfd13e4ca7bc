-- Due diligence statements, their TRACES submission outbox, mandates, billing, buyers.
CREATE TABLE statements (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    -- Set by us and sent to TRACES: reconciles a submit whose answer was lost.
    internal_reference text NOT NULL UNIQUE,
    kind            text NOT NULL DEFAULT 'dds' CHECK (kind IN ('dds', 'simplified')),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN
                    ('draft', 'queued', 'submitted', 'available', 'rejected', 'withdrawn')),
    traces_uuid     text,
    reference_number text,
    verification_number text,
    simulated       boolean NOT NULL DEFAULT false,
    rejection_reason text,
    payload         jsonb,
    submitted_version jsonb,
    submitted_at    timestamptz,
    available_at    timestamptz,
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX statements_org_idx ON statements (organisation_id, created_at DESC);
CREATE INDEX statements_reference_idx ON statements (reference_number);

CREATE TABLE statement_certificates (
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES certificates(id) ON DELETE RESTRICT,
    certificate_version integer NOT NULL,
    PRIMARY KEY (statement_id, certificate_id)
);
CREATE INDEX statement_certificates_cert_idx ON statement_certificates (certificate_id);

CREATE TABLE statement_buyers (
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    buyer_reg_no    text NOT NULL,
    PRIMARY KEY (statement_id, buyer_reg_no)
);
CREATE INDEX statement_buyers_reg_idx ON statement_buyers (buyer_reg_no);

CREATE TABLE statement_events (
    id              bigserial PRIMARY KEY,
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    at              timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL,
    message         text NOT NULL DEFAULT ''
);
CREATE INDEX statement_events_stmt_idx ON statement_events (statement_id, at);

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    operation       text NOT NULL CHECK (operation IN ('submit', 'amend', 'withdraw', 'poll')),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE state = 'pending';
-- At most one open job per statement and operation: double clicks queue nothing twice.
CREATE UNIQUE INDEX outbox_one_open_idx ON outbox (statement_id, operation) WHERE state = 'pending';

CREATE TABLE mandates (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    content         bytea NOT NULL,
    sha256          text NOT NULL,
    status          text NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'active', 'revoked')),
    valid_from      date,
    valid_until     date,
    uploaded_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    activated_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    activated_at    timestamptz
);
CREATE INDEX mandates_org_idx ON mandates (organisation_id, uploaded_at DESC);

-- 1 EUR per felling area, once: the unique key makes a second charge impossible.
CREATE TABLE charges (
    id              bigserial PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    area_id         uuid NOT NULL UNIQUE REFERENCES felling_areas(id) ON DELETE RESTRICT,
    statement_id    uuid NOT NULL REFERENCES statements(id) ON DELETE RESTRICT,
    amount_eur      numeric(10, 2) NOT NULL DEFAULT 1.00,
    charged_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charges_org_month_idx ON charges (organisation_id, charged_at);

-- An organisation's own TRACES credentials (OPERATOR role), encrypted with Fernet.
CREATE TABLE traces_credentials (
    organisation_id uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    username        text NOT NULL,
    auth_key_encrypted bytea NOT NULL,
    client_id       text NOT NULL DEFAULT 'eudr-test',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
