-- Notifications through an outbox: a row is written in the same transaction as the change it
-- tells of (never lost), and sent by the worker (claimed with SKIP LOCKED, one row per event,
-- channel and recipient: never doubled).
-- NULL: the default by role (owners and admins are told); true/false: the user's own choice.
ALTER TABLE users ADD COLUMN notifications boolean;

CREATE TABLE webhooks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    url             text NOT NULL,
    events          text[] NOT NULL,
    -- Signs each delivery (HMAC-SHA256); shown once when the webhook is created.
    secret          text NOT NULL,
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org_idx ON webhooks (organisation_id);

CREATE TABLE notifications (
    id              bigserial PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    event           text NOT NULL,
    event_key       text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
    target          text NOT NULL,
    language        text NOT NULL DEFAULT 'lv',
    payload         jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    UNIQUE (event_key, channel, target)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE state = 'pending';

CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    notification_id bigint NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    event           text NOT NULL,
    attempt         integer NOT NULL,
    status_code     integer,
    error           text,
    duration_ms     integer,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, id DESC);
