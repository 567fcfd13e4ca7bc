-- Felling areas of a page of certificates with their geometry as GeoJSON in the output CRS,
-- and their volumes and products as JSON arrays (one round trip for the whole page).
-- geom_lonlat is geom in EPSG:4326, kept by PostgreSQL (migration 075): no transform per read.
SELECT a.id::text AS id, a.certificate_id::text AS certificate_id, a.cirsma,
       a.cadastral_designation, a.quarter, a.compartment, a.sub_compartment, a.felling_type,
       a.execution_method, a.area_ha::float8 AS area_ha,
       a.declared_area_ha::float8 AS declared_area_ha, a.verdict, a.confirmed_warnings,
       CASE WHEN :epsg = 3059 THEN ST_AsGeoJSON(a.geom, 2, 0)
            ELSE ST_AsGeoJSON(a.geom_lonlat, 7, 0) END AS geometry,
       COALESCE((SELECT json_agg(json_build_object('species_code', v.species_code,
                                                   'm3', v.m3::float8,
                                                   'planned_m3', v.planned_m3::float8)
                                 ORDER BY v.m3 DESC, v.species_code)
                 FROM area_volumes v WHERE v.area_id = a.id), '[]'::json) AS volumes,
       COALESCE((SELECT json_agg(json_build_object('hs_code', p.hs_code, 'm3', p.m3::float8)
                                 ORDER BY p.hs_code DESC)
                 FROM area_products p WHERE p.area_id = a.id), '[]'::json) AS products
FROM felling_areas a
WHERE a.certificate_id = ANY(CAST(:ids AS uuid[]))
ORDER BY a.certificate_id, a.cirsma
