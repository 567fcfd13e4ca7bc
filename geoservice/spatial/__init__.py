"""Geometry at the edges: GeoJSON parsing, CRS handling, Latvia bounds and polygon repair."""
