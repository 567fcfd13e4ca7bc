-- Reference look-ups for buyers search certificates by CA number across organisations (to tell
-- "unknown" from "not yours") and statements by their TRACES number pair.
CREATE INDEX certificates_ca_number_idx ON certificates (ca_number);
CREATE INDEX statements_pair_idx ON statements (reference_number, verification_number)
    WHERE reference_number IS NOT NULL;
