-- Felling certificates (ciršanas apliecinājumi), their felling areas (cirsmas), volumes and products.
CREATE TABLE species (
    code            smallint PRIMARY KEY,
    name_lv         text NOT NULL,
    name_en         text NOT NULL,
    scientific      text NOT NULL,
    conifer         boolean NOT NULL
);

CREATE TABLE certificates (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    ca_number       text NOT NULL CHECK (ca_number ~ '^[0-9A-Za-z/-]{3,40}$'),
    source          text NOT NULL CHECK (source IN ('vmd', 'manual', 'file')),
    issued_on       date NOT NULL,
    valid_until     date NOT NULL,
    felling_from    date,
    felling_to      date,
    place           text,
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'ready', 'in_statement', 'submitted')),
    verdict         text NOT NULL DEFAULT 'unchecked'
                    CHECK (verdict IN ('unchecked', 'clear', 'flagged', 'blocked')),
    checked_at      timestamptz,
    -- Optimistic concurrency and "changed after submission" detection.
    version         integer NOT NULL DEFAULT 1,
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until >= issued_on),
    UNIQUE (organisation_id, ca_number)
);
CREATE INDEX certificates_org_idx ON certificates (organisation_id, created_at DESC);
CREATE INDEX certificates_ca_trgm ON certificates USING gin (ca_number gin_trgm_ops);
CREATE INDEX certificates_place_trgm ON certificates USING gin (place gin_trgm_ops);

CREATE TABLE felling_areas (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    certificate_id  uuid NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cirsma          smallint NOT NULL CHECK (cirsma BETWEEN 1 AND 3),
    cadastral_designation char(11) NOT NULL CHECK (cadastral_designation ~ '^[0-9]{11}$'),
    quarter         text NOT NULL,
    compartment     text NOT NULL,
    sub_compartment text,
    felling_type    text NOT NULL CHECK (felling_type IN
                    ('galvena', 'kopsanas', 'sanitara', 'rekonstruktiva', 'ainavu', 'atmezosanas', 'cita')),
    execution_method text NOT NULL CHECK (execution_method IN ('kailcirte', 'izlases', 'cita')),
    -- Area as the source declared it, and as computed from the geometry in EPSG:3059.
    declared_area_ha numeric(10, 4),
    area_ha         numeric(10, 4) NOT NULL,
    geom            geometry(MultiPolygon, 3059) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    verdict         text NOT NULL DEFAULT 'unchecked'
                    CHECK (verdict IN ('unchecked', 'clear', 'flagged', 'blocked')),
    UNIQUE (certificate_id, cirsma)
);
CREATE INDEX felling_areas_geom_idx ON felling_areas USING gist (geom);
CREATE INDEX felling_areas_cert_idx ON felling_areas (certificate_id);
CREATE INDEX felling_areas_org_idx ON felling_areas (organisation_id);
CREATE INDEX felling_areas_cadastre_idx ON felling_areas (cadastral_designation);

CREATE TABLE area_volumes (
    area_id         uuid NOT NULL REFERENCES felling_areas(id) ON DELETE CASCADE,
    species_code    smallint NOT NULL REFERENCES species(code),
    m3              numeric(12, 3) NOT NULL CHECK (m3 >= 0 AND m3 < 1000000),
    planned_m3      numeric(12, 3) CHECK (planned_m3 >= 0 AND planned_m3 < 1000000),
    PRIMARY KEY (area_id, species_code)
);

CREATE TABLE area_products (
    area_id         uuid NOT NULL REFERENCES felling_areas(id) ON DELETE CASCADE,
    hs_code         varchar(6) NOT NULL CHECK (hs_code ~ '^(4401|4403)([0-9]{2})?$'),
    m3              numeric(12, 3) NOT NULL CHECK (m3 >= 0 AND m3 < 1000000),
    PRIMARY KEY (area_id, hs_code)
);

-- Forest State Register species codes (kept equal to geoservice/certificates/species.py by a test).
INSERT INTO species (code, name_lv, name_en, scientific, conifer) VALUES
    (1, 'priede', 'Scots pine', 'Pinus sylvestris', true),
    (3, 'egle', 'Norway spruce', 'Picea abies', true),
    (4, 'bērzs', 'birch', 'Betula pendula', false),
    (6, 'melnalksnis', 'black alder', 'Alnus glutinosa', false),
    (8, 'apse', 'aspen', 'Populus tremula', false),
    (9, 'baltalksnis', 'grey alder', 'Alnus incana', false),
    (10, 'ozols', 'oak', 'Quercus robur', false),
    (11, 'osis', 'ash', 'Fraxinus excelsior', false),
    (12, 'liepa', 'lime', 'Tilia cordata', false),
    (13, 'lapegle', 'larch', 'Larix spp.', true),
    (14, 'citas priedes', 'other pines', 'Pinus spp.', true),
    (15, 'citas egles', 'other spruces', 'Picea spp.', true),
    (16, 'gobas, vīksnas', 'elms', 'Ulmus spp.', false),
    (19, 'papele', 'poplar', 'Populus spp.', false),
    (20, 'vītols', 'willow', 'Salix spp.', false),
    (21, 'blīgzna', 'goat willow', 'Salix caprea', false),
    (24, 'kļava', 'Norway maple', 'Acer platanoides', false),
    (68, 'hibrīdā apse', 'hybrid aspen', 'Populus tremula × tremuloides', false);
