-- Organisations (tenants), users, API tokens, audit log.
CREATE TABLE organisations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    reg_no          text NOT NULL UNIQUE CHECK (reg_no ~ '^[0-9A-Za-z-]{3,40}$'),
    vat_no          text,
    eori            text,
    street          text,
    city            text,
    postal_code     text,
    country         char(2) NOT NULL DEFAULT 'LV',
    email           text,
    phone           text,
    -- The organisation that runs the service: its compliance officers and admins see every tenant.
    is_operator     boolean NOT NULL DEFAULT false,
    -- 'dds': full due diligence statement; 'simplified': micro/small primary operator declaration.
    declaration_kind text NOT NULL DEFAULT 'dds' CHECK (declaration_kind IN ('dds', 'simplified')),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email           text NOT NULL,
    name            text NOT NULL DEFAULT '',
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('owner', 'analyst', 'compliance_officer', 'admin')),
    language        text NOT NULL DEFAULT 'lv' CHECK (language IN ('lv', 'en')),
    is_active       boolean NOT NULL DEFAULT true,
    -- Bumped on logout-everywhere and password change; sessions carry the epoch they were made in.
    session_epoch   integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_organisation_idx ON users (organisation_id);

CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash      bytea NOT NULL UNIQUE,
    prefix          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    organisation_id uuid REFERENCES organisations(id) ON DELETE CASCADE,
    actor_user_id   uuid REFERENCES users(id) ON DELETE SET NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    entity          text NOT NULL,
    entity_id       text NOT NULL,
    action          text NOT NULL,
    changes         jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id      text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_org_idx ON audit_log (organisation_id, at);
