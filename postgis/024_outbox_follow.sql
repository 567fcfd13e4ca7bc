-- 'follow': after a statement is AVAILABLE the worker keeps asking TRACES about it for a while
-- (messages of the competent authority, a withdrawal or other status TRACES reports later):
-- every 15 minutes within the 72-hour amend/withdraw window, then every 6 hours until 30 days
-- after it became AVAILABLE (geoservice/statements/worker.py, FOLLOW_*).
ALTER TABLE outbox DROP CONSTRAINT outbox_operation_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_operation_check
    CHECK (operation IN ('submit', 'amend', 'withdraw', 'poll', 'follow'));

-- A status TRACES reports later may come with the same date as the one before: the status is
-- part of what makes a reported status new.
DROP INDEX statement_communications_once_idx;
CREATE UNIQUE INDEX statement_communications_once_idx ON statement_communications
    (statement_id, traces_uuid, kind, traces_at, status, md5(content)) NULLS NOT DISTINCT;

-- Statements that became AVAILABLE before this migration are followed for the rest of their
-- 30 days, like the ones after it.
INSERT INTO outbox (statement_id, operation, next_attempt_at)
SELECT id, 'follow', now() FROM statements
WHERE status = 'available' AND available_at > now() - interval '30 days'
ON CONFLICT (statement_id, operation) WHERE state = 'pending' DO NOTHING;
