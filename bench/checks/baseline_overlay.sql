-- The plain overlay the benchmark compares against: the same question as
-- geoservice/checks/sql/overlaps.sql, but on the undivided features (layer_features), without
-- the ST_Covers shortcut.
--
-- The LATERAL ... OFFSET 0 only fixes the plan: for each felling area, the GiST index on the
-- features, which is how anyone would want this query to run. Written as a flat join, the
-- planner misjudges the join with `layers` and instead scans every feature of the three layers,
-- probing the felling areas' index with the whole id list each time: 2.6 s instead of 1.2 s for
-- 2 000 areas. Up to 2026-11-22 the benchmark compared against that slow plan, which made the
-- product look 2.4× faster than it was.
WITH a AS (
    SELECT fa.id, fa.geom FROM felling_areas fa WHERE fa.id = ANY(CAST(:area_ids AS uuid[]))
), cand AS (
    SELECT a.id AS area_id, f.layer_id, f.version, l.role, ST_Intersection(a.geom, f.geom) AS g
    FROM a
    CROSS JOIN LATERAL (SELECT f.layer_id, f.version, f.geom FROM layer_features f
                        WHERE ST_Intersects(f.geom, a.geom) OFFSET 0) AS f
    JOIN layers l ON l.id = f.layer_id AND l.current_version = f.version AND l.kind = 'vector'
         AND l.role IN ('agriculture', 'deforestation_permit', 'protected_area')
)
SELECT area_id, layer_id, version, role, ST_Area(ST_UnaryUnion(ST_Collect(
           ST_CollectionExtract(g, 3)))) AS overlap_m2
FROM cand
GROUP BY area_id, layer_id, version, role;
