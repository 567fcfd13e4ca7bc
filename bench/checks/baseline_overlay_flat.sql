-- The plain overlay as the benchmark wrote it until 2026-11-22: a flat join. The planner
-- misjudges the join with `layers` and scans every feature of the three layers, probing the
-- felling areas' index with the whole id list each time. Kept to show what that plan cost; the
-- fair baseline is baseline_overlay.sql.
WITH a AS (
    SELECT fa.id, fa.geom FROM felling_areas fa WHERE fa.id = ANY(CAST(:area_ids AS uuid[]))
), cand AS (
    SELECT a.id AS area_id, f.layer_id, f.version, l.role, ST_Intersection(a.geom, f.geom) AS g
    FROM a
    JOIN layer_features f ON ST_Intersects(f.geom, a.geom)
    JOIN layers l ON l.id = f.layer_id AND l.current_version = f.version AND l.kind = 'vector'
         AND l.role IN ('agriculture', 'deforestation_permit', 'protected_area')
)
SELECT area_id, layer_id, version, role, ST_Area(ST_UnaryUnion(ST_Collect(
           ST_CollectionExtract(g, 3)))) AS overlap_m2
FROM cand
GROUP BY area_id, layer_id, version, role;
