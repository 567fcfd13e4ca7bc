-- Issue 17 (web client): plausibility warnings confirmed with a reason, kept with the felling
-- area; statement history as a code with parameters, rendered in the reader's language.

-- [{code, field, reason, params, confirmed_at, confirmed_by}] — what the user confirmed to save.
ALTER TABLE felling_areas ADD COLUMN confirmed_warnings jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The parcel a felling area names, looked up by its designation in the cadastre layer.
CREATE INDEX layer_features_parcel_code_idx ON layer_features ((attrs->>'CODE'))
    WHERE attrs ? 'CODE';

-- A history line is a catalogue code (history.statement.<code>) and its parameters; ``message``
-- keeps the English sentence. Rows written before this migration have no code and are shown as
-- they were written, except the fixed sentences below, which become codes.
ALTER TABLE statement_events ADD COLUMN code text;
ALTER TABLE statement_events ADD COLUMN params jsonb NOT NULL DEFAULT '{}'::jsonb;

UPDATE statement_events SET code = 'rebuilt'
 WHERE code IS NULL AND message = 'rebuilt from the certificates'' current data';
UPDATE statement_events SET code = 'withdraw_sending'
 WHERE code IS NULL AND message = 'withdraw in TRACES';
UPDATE statement_events SET code = 'withdrawn_done'
 WHERE code IS NULL AND message = 'withdrawn in TRACES';
UPDATE statement_events SET code = 'withdrawn_reported'
 WHERE code IS NULL AND message = 'TRACES reports the statement as withdrawn';
UPDATE statement_events SET code = 'withdrawn_already'
 WHERE code IS NULL AND message = 'TRACES already shows the statement as withdrawn';
UPDATE statement_events
   SET code = 'prepared',
       params = jsonb_build_object('n', (substring(message FROM '^prepared with ([0-9]+) certificate'))::int)
 WHERE code IS NULL AND message ~ '^prepared with [0-9]+ certificate\(s\)$';
UPDATE statement_events
   SET code = 'queued', params = jsonb_build_object('by', substring(message FROM '^queued for TRACES by (.+)$'))
 WHERE code IS NULL AND message ~ '^queued for TRACES by .+$';
UPDATE statement_events
   SET code = 'withdraw_queued',
       params = jsonb_build_object('by', substring(message FROM '^withdrawal queued by (.+)$'))
 WHERE code IS NULL AND message ~ '^withdrawal queued by .+$';
UPDATE statement_events
   SET code = 'accepted',
       params = jsonb_build_object('uuid', substring(message FROM 'UUID ([0-9A-Fa-f-]+)'))
 WHERE code IS NULL
   AND message ~ '^TRACES accepted the statement, UUID [0-9A-Fa-f-]+. waiting for the reference number$';
