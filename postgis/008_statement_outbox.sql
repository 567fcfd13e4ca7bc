-- Outbox bookkeeping for exactly-once submission: the 'sending' mark is committed before the
-- SOAP call, so a worker that died after TRACES answered reconciles instead of resubmitting.
ALTER TABLE outbox ADD COLUMN sending_at timestamptz;
ALTER TABLE outbox ADD COLUMN claimed_by text;
-- The statement sent last (amend replaces it), as a summary for the history and the preview.
ALTER TABLE statements ADD COLUMN amended_at timestamptz;
ALTER TABLE statements ADD COLUMN withdrawn_at timestamptz;
