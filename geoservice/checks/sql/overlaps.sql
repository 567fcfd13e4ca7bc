-- Overlap of a batch of felling areas with the current version of every vector layer that feeds
-- a rule. Set-based: the GiST index on layer_parts finds candidate parts (&&), ST_Intersects
-- confirms, ST_Intersection runs only for candidate pairs, and a part that covers the whole
-- area skips it. Parts of one feature never overlap; features of one layer may, hence the union.
-- Permits are split by purpose: only conversion to agricultural land is EUDR deforestation.
WITH a AS (
    SELECT fa.id, fa.geom
    FROM felling_areas fa
    WHERE fa.id = ANY(CAST(:area_ids AS uuid[]))
), cand AS (
    SELECT a.id AS area_id, p.layer_id, p.version, l.role, p.feature_id,
           CASE WHEN l.role <> 'deforestation_permit' THEN ''
                WHEN lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE', '')) = '' THEN 'unknown'
                WHEN lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE'))
                     IN ('agriculture', 'lauksaimniecība', 'lauksaimniecibai', 'liz') THEN 'agriculture'
                ELSE lower(coalesce(f.attrs->>'purpose', f.attrs->>'PURPOSE')) END AS category,
           coalesce(f.source_id, f.id::text) AS source,
           CASE WHEN ST_Covers(p.geom, a.geom) THEN a.geom
                ELSE ST_Intersection(a.geom, p.geom) END AS g
    FROM a
    JOIN layer_parts p ON p.geom && a.geom AND ST_Intersects(p.geom, a.geom)
    JOIN layers l ON l.id = p.layer_id AND l.current_version = p.version AND l.kind = 'vector'
         AND l.role IN ('agriculture', 'deforestation_permit', 'protected_area')
    JOIN layer_features f ON f.id = p.feature_id
), grouped AS (
    SELECT area_id, layer_id, version, role, category,
           ST_UnaryUnion(ST_Collect(ST_CollectionExtract(g, 3))) AS g,
           array_agg(DISTINCT source ORDER BY source) AS sources
    FROM cand
    GROUP BY area_id, layer_id, version, role, category
)
SELECT area_id::text AS area_id, layer_id, version, role, category, ST_Area(g) AS overlap_m2,
       ST_AsBinary(g) AS wkb, sources
FROM grouped
WHERE ST_Area(g) > 0;
