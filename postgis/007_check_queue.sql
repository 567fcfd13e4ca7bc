-- Certificates waiting for a re-check after a land-use layer was replaced (big batches are not
-- re-checked inside the import; `geoservice check --all` or `--queued` works through this list).
CREATE TABLE check_queue (
    certificate_id  uuid PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
    reason          text NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now()
);
