"""Land-use layers: registry, versioned import of vector and raster files, demo loading."""
