-- For a batch of felling areas: the roles whose current layers' extents do not cover the area
-- (there the layer has no data, which must never count as "no conflict").
WITH a AS (
    SELECT fa.id, fa.geom FROM felling_areas fa WHERE fa.id = ANY(CAST(:area_ids AS uuid[]))
), roles AS (
    SELECT l.role, v.extent
    FROM layers l JOIN layer_versions v ON v.layer_id = l.id AND v.version = l.current_version
)
SELECT a.id::text AS area_id, r.role
FROM a CROSS JOIN (SELECT DISTINCT role FROM roles) AS r
WHERE NOT EXISTS (
    SELECT 1 FROM roles x
    WHERE x.role = r.role AND (x.extent IS NULL OR ST_Covers(x.extent, a.geom))
);
