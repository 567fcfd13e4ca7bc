-- Certificates with a felling area within the extent of either version of a layer: what a
-- version can change when features cannot be compared (first versions, rasters).
SELECT c.id, c.status FROM certificates c
WHERE EXISTS (
    SELECT 1 FROM felling_areas a
    JOIN layer_versions v ON v.layer_id = :layer AND v.version IN (:new, coalesce(:old, :new))
    WHERE a.certificate_id = c.id AND (v.extent IS NULL OR a.geom && v.extent))
ORDER BY c.id;
