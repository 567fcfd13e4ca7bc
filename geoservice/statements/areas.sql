-- Felling areas of the given certificates, in WGS84 lon/lat, with volumes and products.
SELECT a.id::text AS area_id,
       a.certificate_id::text AS certificate_id,
       c.ca_number,
       c.version,
       a.cirsma,
       a.cadastral_designation,
       a.area_ha::float AS area_ha,
       ST_AsBinary(ST_Transform(a.geom, 4326)) AS wkb,
       coalesce((SELECT json_agg(json_build_array(v.species_code, v.m3) ORDER BY v.species_code)
                 FROM area_volumes v WHERE v.area_id = a.id), '[]'::json) AS volumes,
       coalesce((SELECT json_agg(json_build_array(p.hs_code, p.m3) ORDER BY p.hs_code)
                 FROM area_products p WHERE p.area_id = a.id), '[]'::json) AS products
FROM felling_areas a
JOIN certificates c ON c.id = a.certificate_id
WHERE a.certificate_id = ANY(CAST(:ids AS uuid[]))
  AND a.organisation_id = CAST(:org AS uuid)
ORDER BY c.ca_number, a.cirsma
