-- Cut every feature of one layer version into parts of at most :vertices vertices (GiST-indexed):
-- the overlay then tests small boxes and intersects small polygons. Only layers whose role the
-- overlay reads (:roles) get parts: forest compartments would triple the index it searches.
INSERT INTO layer_parts (feature_id, layer_id, version, geom)
SELECT f.id, f.layer_id, f.version, d.geom
FROM layer_features f
CROSS JOIN LATERAL ST_Subdivide(f.geom, :vertices) AS s(geom)
CROSS JOIN LATERAL ST_Dump(s.geom) AS d
WHERE f.layer_id = :layer AND f.version = :version
  AND EXISTS (SELECT 1 FROM layers l WHERE l.id = f.layer_id AND l.role = ANY(:roles))
  AND GeometryType(d.geom) = 'POLYGON';
