-- How many features of a layer are only in the new version (added or altered) and only in the
-- old one (removed or altered), compared by fingerprint.
SELECT
    (SELECT count(*) FROM layer_features n
     WHERE n.layer_id = :layer AND n.version = :new
       AND NOT EXISTS (SELECT 1 FROM layer_features o WHERE o.layer_id = :layer
                       AND o.version = :old AND o.fingerprint = n.fingerprint)) AS added,
    (SELECT count(*) FROM layer_features o
     WHERE o.layer_id = :layer AND o.version = :old
       AND NOT EXISTS (SELECT 1 FROM layer_features n WHERE n.layer_id = :layer
                       AND n.version = :new AND n.fingerprint = o.fingerprint)) AS removed;
