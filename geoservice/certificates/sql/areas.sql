-- Felling areas of a page of certificates with their geometry as GeoJSON in the output CRS.
SELECT a.id::text AS id, a.certificate_id::text AS certificate_id, a.cirsma,
       a.cadastral_designation, a.quarter, a.compartment, a.sub_compartment, a.felling_type,
       a.execution_method, a.area_ha::float8 AS area_ha,
       a.declared_area_ha::float8 AS declared_area_ha, a.verdict,
       CASE WHEN :epsg = 3059 THEN ST_AsGeoJSON(a.geom, 2, 0)
            ELSE ST_AsGeoJSON(ST_Transform(a.geom, 4326), 7, 0) END AS geometry
FROM felling_areas a
WHERE a.certificate_id = ANY(CAST(:ids AS uuid[]))
ORDER BY a.certificate_id, a.cirsma
