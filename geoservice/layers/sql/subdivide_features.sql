-- Cut every feature of one layer version into parts of at most :vertices vertices (GiST-indexed):
-- the overlay then tests small boxes and intersects small polygons.
INSERT INTO layer_parts (feature_id, layer_id, version, geom)
SELECT f.id, f.layer_id, f.version, d.geom
FROM layer_features f
CROSS JOIN LATERAL ST_Subdivide(f.geom, :vertices) AS s(geom)
CROSS JOIN LATERAL ST_Dump(s.geom) AS d
WHERE f.layer_id = :layer AND f.version = :version
  AND GeometryType(d.geom) = 'POLYGON';
