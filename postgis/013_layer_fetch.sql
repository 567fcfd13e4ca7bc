-- Layers fetched from their sources (WFS 2.0, OGC API Features, GDAL rasters, OGR files):
-- what each version came from, harvests that can resume, a log of every fetch, and the
-- re-checks a new version causes.

-- A version is 'ready' once complete; a harvest writes its pages into a 'harvesting' version,
-- which is never current, so a failed harvest leaves the previous version current.
ALTER TABLE layer_versions
    ADD COLUMN state          text NOT NULL DEFAULT 'ready'
                              CHECK (state IN ('harvesting', 'ready')),
    ADD COLUMN source_url     text,
    ADD COLUMN fetched_at     timestamptz,
    ADD COLUMN content_hash   text,
    ADD COLUMN http_etag      text,
    ADD COLUMN http_last_modified text,
    ADD COLUMN raster_width   integer,
    ADD COLUMN raster_height  integer,
    ADD COLUMN coverage_source text;

-- md5 of a feature's geometry (EWKB as read) and attributes: what changed between versions.
ALTER TABLE layer_features ADD COLUMN fingerprint bytea;

-- A harvest in progress (one per layer title): where to resume after an interruption.
CREATE TABLE layer_harvests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    layer_id        text NOT NULL REFERENCES layers(id) ON DELETE CASCADE,
    version         integer NOT NULL,
    protocol        text NOT NULL CHECK (protocol IN ('wfs', 'oapif', 'file')),
    source_url      text NOT NULL,
    -- Everything that defines the result (type name, CRS, filter, page size): a resume with
    -- other parameters starts afresh.
    params          jsonb NOT NULL,
    next_index      bigint NOT NULL DEFAULT 0,
    next_url        text,
    pages           integer NOT NULL DEFAULT 0,
    features        bigint NOT NULL DEFAULT 0,
    number_matched  bigint,
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (layer_id),
    FOREIGN KEY (layer_id, version) REFERENCES layer_versions(layer_id, version) ON DELETE CASCADE
);

-- Every fetch, whatever its outcome: new version, unchanged, failed (with the message).
CREATE TABLE layer_fetches (
    id              bigserial PRIMARY KEY,
    layer_title     text NOT NULL,
    layer_id        text,
    version         integer,
    source_url      text NOT NULL,
    protocol        text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('new_version', 'unchanged', 'failed')),
    message         text NOT NULL DEFAULT '',
    features        bigint,
    content_hash    text,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_fetches_title_idx ON layer_fetches (layer_title, finished_at DESC);

-- A re-check caused by a new layer version: what changed and which verdicts moved.
CREATE TABLE layer_rechecks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    layer_id        text NOT NULL REFERENCES layers(id) ON DELETE CASCADE,
    from_version    integer,
    to_version      integer NOT NULL,
    added           integer NOT NULL DEFAULT 0,
    removed         integer NOT NULL DEFAULT 0,
    affected        integer NOT NULL DEFAULT 0,
    rechecked       integer NOT NULL DEFAULT 0,
    changed         jsonb NOT NULL DEFAULT '[]'::jsonb,
    alerts          integer NOT NULL DEFAULT 0,
    -- Submitted certificates still to be compared (never changed, only alerted on).
    submitted_pending uuid[] NOT NULL DEFAULT '{}',
    seconds         double precision,
    at              timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX layer_rechecks_layer_idx ON layer_rechecks (layer_id, at DESC);

-- A submitted certificate whose verdict would turn worse under a new layer version: its
-- statement is never changed, compliance officers are told.
CREATE TABLE recheck_alerts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recheck_id      uuid NOT NULL REFERENCES layer_rechecks(id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    previous_verdict text NOT NULL,
    new_verdict     text NOT NULL,
    rules           jsonb NOT NULL DEFAULT '[]'::jsonb,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    reviewed_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    reviewed_at     timestamptz,
    review_reason   text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recheck_alerts_status_idx ON recheck_alerts (status, organisation_id);
