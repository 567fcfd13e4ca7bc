-- Overlap of a batch of felling areas with the current version of every vector layer of an
-- overlay role (:roles, registry.OVERLAY_ROLES). Set-based: for each area the GiST index on
-- layer_parts finds candidate parts (&&); only overlay layers have parts, and only their current
-- versions count: matching (layer, version) against a small array keeps the planner on "areas
-- outer, index inner" (a join with `layers` there made it run the whole index search once per
-- layer). A part that covers the whole area, or lies wholly inside it, skips ST_Intersection.
-- Parts of one feature never overlap; features of one layer may, hence the union where a group
-- has several pieces. Permits are split by purpose: only conversion to agricultural land is
-- EUDR deforestation.
WITH a AS (
    SELECT fa.id, fa.geom
    FROM felling_areas fa
    WHERE fa.id = ANY(CAST(:area_ids AS uuid[]))
), l AS MATERIALIZED (
    SELECT id, current_version, role FROM layers
    WHERE kind = 'vector' AND role = ANY(CAST(:roles AS text[]))
), cand AS MATERIALIZED (
    SELECT a.id AS area_id, p.layer_id, p.feature_id,
           CASE WHEN ST_Covers(p.geom, a.geom) THEN a.geom
                WHEN ST_Covers(a.geom, p.geom) THEN p.geom
                ELSE ST_CollectionExtract(ST_Intersection(a.geom, p.geom), 3) END AS g
    FROM a
    JOIN layer_parts p ON p.geom && a.geom
         AND (p.layer_id, p.version) = ANY(ARRAY(SELECT (id, current_version) FROM l))
         AND ST_Intersects(p.geom, a.geom)
), grouped AS MATERIALIZED (
    SELECT c.area_id, c.layer_id, l.current_version AS version, l.role,
           CASE WHEN l.role <> 'deforestation_permit' THEN ''
                WHEN lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE', '')) = '' THEN 'unknown'
                WHEN lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE'))
                     IN ('agriculture', 'lauksaimniecība', 'lauksaimniecibai', 'liz') THEN 'agriculture'
                ELSE lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE')) END AS category,
           CASE WHEN count(*) = 1 THEN (array_agg(c.g))[1]
                ELSE ST_UnaryUnion(ST_Collect(c.g)) END AS g,
           array_agg(DISTINCT coalesce(f.source_id, f.id::text)
                     ORDER BY coalesce(f.source_id, f.id::text)) AS sources
    FROM cand c
    JOIN l ON l.id = c.layer_id
    JOIN layer_features f ON f.id = c.feature_id
    GROUP BY 1, 2, 3, 4, 5
), measured AS MATERIALIZED (
    SELECT grouped.*, ST_Area(g) AS overlap_m2 FROM grouped
)
SELECT area_id::text AS area_id, layer_id, version, role, category, overlap_m2,
       ST_AsBinary(g) AS wkb, sources
FROM measured
WHERE overlap_m2 > 0;
