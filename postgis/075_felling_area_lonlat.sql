-- Felling areas also kept in lon/lat (EPSG:4326), computed by PostgreSQL whenever geom changes.
-- GIS reads in degrees (OGC API items and GeoJSON downloads, CRS84 by default, WFS in 4326)
-- used to transform every area on every read: about half of PostgreSQL's time per GeoJSON
-- feature. A generated column cannot go stale and needs no trigger.
ALTER TABLE felling_areas
    ADD COLUMN geom_lonlat geometry(MultiPolygon, 4326)
    GENERATED ALWAYS AS (ST_Transform(geom, 4326)) STORED;
