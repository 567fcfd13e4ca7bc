-- Buyers and market systems (issue 14): the verification log that also throttles guessing, the
-- buyer's register of received reference/verification pairs (kept at least 5 years), the
-- organisations' own XML document mappings, and the EUDR-X operator block's missing fields.

-- One row per verification call (GET, a CSV of pairs, a received document, a re-verify run).
-- The throttle counts these rows per caller and per IP address, so it holds across processes.
CREATE TABLE verify_requests (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    organisation_id uuid REFERENCES organisations(id) ON DELETE SET NULL,
    user_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    -- 'token:<first 16 hex of the token hash>', 'user:<id>' (web session) or 'system:<job>'.
    caller          text NOT NULL,
    ip              text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('get', 'csv', 'received', 'reverify')),
    source          text NOT NULL CHECK (source IN ('records', 'traces')),
    pairs           integer NOT NULL CHECK (pairs >= 0),
    misses          integer NOT NULL CHECK (misses >= 0),
    request_id      text
);
CREATE INDEX verify_requests_caller_idx ON verify_requests (caller, at);
CREATE INDEX verify_requests_ip_idx ON verify_requests (ip, at);

-- Every pair asked about. The verification number is not kept: the pair is the proof, and a
-- log is no place for proofs. statement_id names the statement held here, if any.
CREATE TABLE verify_log (
    request_id      bigint NOT NULL REFERENCES verify_requests(id) ON DELETE CASCADE,
    row_no          integer NOT NULL,
    reference_number text NOT NULL,
    result          text NOT NULL CHECK (result IN ('EXISTING_USABLE', 'EXISTING_NON_USABLE',
                                                    'NON_EXISTENT', 'INVALID')),
    status          text,
    statement_id    uuid,
    PRIMARY KEY (request_id, row_no)
);
CREATE INDEX verify_log_statement_idx ON verify_log (statement_id) WHERE statement_id IS NOT NULL;

-- The buyer's register: every pair a buyer organisation received, however it came.
CREATE TABLE received_pairs (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id      uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    reference_number     text NOT NULL CHECK (reference_number ~ '^[0-9A-Za-z-]{5,40}$'),
    verification_number  text NOT NULL CHECK (verification_number ~ '^[0-9A-Za-z-]{5,40}$'),
    supplier_name        text NOT NULL DEFAULT '' CHECK (length(supplier_name) <= 200),
    supplier_reg_no      text NOT NULL DEFAULT '' CHECK (length(supplier_reg_no) <= 40),
    supplier_country     text NOT NULL DEFAULT '' CHECK (length(supplier_country) <= 2),
    order_reference      text NOT NULL DEFAULT '' CHECK (length(order_reference) <= 100),
    item_reference       text NOT NULL DEFAULT '' CHECK (length(item_reference) <= 100),
    production_reference text NOT NULL DEFAULT '' CHECK (length(production_reference) <= 100),
    container_reference  text NOT NULL DEFAULT '' CHECK (length(container_reference) <= 100),
    taric_document_code  text NOT NULL DEFAULT '' CHECK (length(taric_document_code) <= 4),
    document_identifier  text NOT NULL DEFAULT '' CHECK (length(document_identifier) <= 100),
    -- How it came: an EUDR-X document (json/xml/csv), a CSV of pairs, an enriched XML document,
    -- or typed in.
    source               text NOT NULL CHECK (source IN ('eudr-x-json', 'eudr-x-xml',
                                                          'eudr-x-csv', 'csv', 'xml', 'manual')),
    received_on          date NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    created_by           uuid REFERENCES users(id) ON DELETE SET NULL,
    -- EUDR Art. 12(3)/amendment 2025: kept five years; the row cannot be deleted before.
    keep_until           date NOT NULL DEFAULT (now() + interval '5 years')::date,
    -- INVALID: the numbers are not shaped like TRACES numbers, so they were not looked up.
    last_result          text CHECK (last_result IN ('EXISTING_USABLE', 'EXISTING_NON_USABLE',
                                                     'NON_EXISTENT', 'INVALID')),
    last_status          text,
    last_source          text CHECK (last_source IN ('records', 'traces')),
    last_verified_at     timestamptz,
    UNIQUE (organisation_id, reference_number, verification_number, order_reference,
            item_reference)
);
CREATE INDEX received_pairs_org_idx ON received_pairs (organisation_id, received_on DESC);

CREATE FUNCTION received_pairs_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.keep_until > current_date THEN
            RAISE EXCEPTION USING MESSAGE = 'received pair ' || OLD.id
                || ' must be kept until ' || OLD.keep_until, ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    -- What was received stays as received; only the verification columns change.
    IF (NEW.organisation_id, NEW.reference_number, NEW.verification_number, NEW.supplier_name,
        NEW.supplier_reg_no, NEW.order_reference, NEW.item_reference, NEW.source,
        NEW.received_on, NEW.created_at)
       IS DISTINCT FROM
       (OLD.organisation_id, OLD.reference_number, OLD.verification_number, OLD.supplier_name,
        OLD.supplier_reg_no, OLD.order_reference, OLD.item_reference, OLD.source,
        OLD.received_on, OLD.created_at)
       OR NEW.keep_until < OLD.keep_until THEN
        RAISE EXCEPTION USING MESSAGE = 'received pair ' || OLD.id
            || ' is a record: only its verification may change', ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER received_pairs_keep BEFORE UPDATE OR DELETE ON received_pairs
    FOR EACH ROW EXECUTE FUNCTION received_pairs_keep();

-- An organisation's own XML mappings (same TOML keys as the built-in ones), by name.
CREATE TABLE document_mappings (
    organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (name ~ '^[a-z0-9_-]{1,40}$'),
    -- The TOML keys as JSON, validated on upload (geoservice/references/mapping.py).
    definition      jsonb NOT NULL CHECK (length(definition::text) <= 20000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (organisation_id, name)
);

-- EUDR-X operator block: the contact person and the EUDR role come from the profile.
ALTER TABLE organisations
    ADD COLUMN contact_name text CHECK (length(contact_name) <= 200),
    ADD COLUMN eudr_role text CHECK (eudr_role IN ('SME-Operator', 'SME-Trader', 'LC-Operator',
                                                    'LC-Trader'));
