-- Exactly-once bookkeeping of a notification's delivery, in phases (geoservice/notify/dispatch.py):
-- claimed (attempts, lease in next_attempt_at) → sending (sending_at committed before the message
-- leaves: SMTP conversation, HTTP POST) → sent (sent_at committed right after the receiver took it:
-- SMTP 250 after DATA, HTTP 2xx; state 'done'). A row found with sending_at and no sent_at was
-- interrupted in between and is sent again with the same Message-ID / X-Geoservice-Delivery.
ALTER TABLE notifications ADD COLUMN message_id text;
ALTER TABLE notifications ADD COLUMN sending_at timestamptz;
ALTER TABLE notifications ADD COLUMN sent_at timestamptz;
ALTER TABLE notifications ADD COLUMN resent integer NOT NULL DEFAULT 0;
