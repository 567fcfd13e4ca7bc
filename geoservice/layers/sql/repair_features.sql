-- Repair invalid polygons of one layer version with ST_MakeValid; returns how many were repaired.
WITH repaired AS (
    UPDATE layer_features
    SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))
    WHERE layer_id = :layer AND version = :version AND NOT ST_IsValid(geom)
    RETURNING 1
)
SELECT count(*) FROM repaired;
