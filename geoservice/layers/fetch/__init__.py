"""Fetching land-use layers from their sources: WFS 2.0, OGC API Features, OGR files, rasters."""
