-- Certificates with a felling area that meets a feature present in only one of two versions
-- of a layer (added, removed or altered): the only ones a new version can change.
WITH changed AS (
    SELECT n.geom FROM layer_features n
    WHERE n.layer_id = :layer AND n.version = :new
      AND NOT EXISTS (SELECT 1 FROM layer_features o WHERE o.layer_id = :layer
                      AND o.version = :old AND o.fingerprint = n.fingerprint)
    UNION ALL
    SELECT o.geom FROM layer_features o
    WHERE o.layer_id = :layer AND o.version = :old
      AND NOT EXISTS (SELECT 1 FROM layer_features n WHERE n.layer_id = :layer
                      AND n.version = :new AND n.fingerprint = o.fingerprint)
), hit AS (
    SELECT DISTINCT a.certificate_id
    FROM changed ch
    JOIN felling_areas a ON a.geom && ch.geom AND ST_Intersects(a.geom, ch.geom)
)
SELECT c.id, c.status FROM hit JOIN certificates c ON c.id = hit.certificate_id
ORDER BY c.id;
