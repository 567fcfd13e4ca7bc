-- Land-use layers (versioned), and the findings of the deforestation and legality checks.
CREATE TABLE layers (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9_]{1,63}$'),
    title           text NOT NULL UNIQUE,
    role            text NOT NULL CHECK (role IN ('forest_2020', 'agriculture', 'deforestation_permit',
                    'land_use_cadastre', 'protected_area', 'forest_compartments')),
    kind            text NOT NULL CHECK (kind IN ('vector', 'raster')),
    source          text NOT NULL DEFAULT '',
    licence         text NOT NULL DEFAULT '',
    rule            text,
    current_version integer,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE layer_versions (
    layer_id        text NOT NULL REFERENCES layers(id) ON DELETE CASCADE,
    version         integer NOT NULL,
    reference_date  date,
    source_crs      text,
    source_path     text,
    -- Rasters stay files (read with rasterio, windowed); vectors are in layer_features.
    raster_path     text,
    feature_count   integer NOT NULL DEFAULT 0,
    extent          geometry(Polygon, 3059),
    checksum        text,
    imported_at     timestamptz NOT NULL DEFAULT now(),
    imported_by     text,
    PRIMARY KEY (layer_id, version)
);

-- Whole features as imported (served over OGC API / WFS / tiles).
CREATE TABLE layer_features (
    id              bigserial PRIMARY KEY,
    layer_id        text NOT NULL,
    version         integer NOT NULL,
    source_id       text,
    attrs           jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom            geometry(MultiPolygon, 3059) NOT NULL,
    FOREIGN KEY (layer_id, version) REFERENCES layer_versions(layer_id, version) ON DELETE CASCADE
);
CREATE INDEX layer_features_geom_idx ON layer_features USING gist (geom);
CREATE INDEX layer_features_layer_idx ON layer_features (layer_id, version);

-- The same features cut with ST_Subdivide: small pieces make the overlay fast.
CREATE TABLE layer_parts (
    id              bigserial PRIMARY KEY,
    feature_id      bigint NOT NULL REFERENCES layer_features(id) ON DELETE CASCADE,
    layer_id        text NOT NULL,
    version         integer NOT NULL,
    geom            geometry(Polygon, 3059) NOT NULL
);
CREATE INDEX layer_parts_geom_idx ON layer_parts USING gist (geom);
CREATE INDEX layer_parts_layer_idx ON layer_parts (layer_id, version);

CREATE TABLE check_runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    certificate_version integer NOT NULL,
    verdict         text NOT NULL CHECK (verdict IN ('clear', 'flagged', 'blocked')),
    layer_versions  jsonb NOT NULL DEFAULT '{}'::jsonb,
    thresholds      jsonb NOT NULL DEFAULT '{}'::jsonb,
    at              timestamptz NOT NULL DEFAULT now(),
    by_user_id      uuid REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX check_runs_cert_idx ON check_runs (certificate_id, at DESC);

CREATE TABLE findings (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    area_id         uuid REFERENCES felling_areas(id) ON DELETE CASCADE,
    run_id          uuid NOT NULL REFERENCES check_runs(id) ON DELETE CASCADE,
    rule            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('info', 'flag', 'block')),
    layer_id        text,
    layer_version   integer,
    overlap_ha      numeric(12, 4),
    overlap_percent numeric(7, 3),
    geom            geometry(MultiPolygon, 3059),
    message_lv      text NOT NULL,
    message_en      text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- open → cleared | confirmed by a compliance officer; superseded when a newer run replaces it.
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'cleared', 'confirmed', 'superseded', 'info')),
    reviewed_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    reviewed_at     timestamptz,
    review_reason   text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX findings_cert_idx ON findings (certificate_id, status);
CREATE INDEX findings_status_idx ON findings (status, organisation_id);
CREATE INDEX findings_geom_idx ON findings USING gist (geom);
