-- Only layers whose role the overlay reads (agriculture, deforestation permits, protected areas)
-- keep parts in layer_parts (see geoservice/layers/sql/subdivide_features.sql). Parts cut before
-- that rule, e.g. of forest compartments, only made the overlay's index larger.
DELETE FROM layer_parts p
USING layers l
WHERE l.id = p.layer_id
  AND l.role NOT IN ('agriculture', 'deforestation_permit', 'protected_area');
