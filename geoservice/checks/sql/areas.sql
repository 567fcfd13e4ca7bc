-- The felling areas of a batch of certificates, with their certificates' dates.
SELECT a.id::text AS id, a.certificate_id::text AS certificate_id, a.cirsma, a.felling_type,
       ST_Area(a.geom) AS area_m2, ST_AsBinary(a.geom) AS wkb
FROM felling_areas a
WHERE a.certificate_id = ANY(CAST(:certificate_ids AS uuid[]))
ORDER BY a.certificate_id, a.cirsma;
