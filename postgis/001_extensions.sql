-- Extensions the service relies on: PostGIS for geometry, pg_trgm for fuzzy search by place and number.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
