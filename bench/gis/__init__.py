"""GIS interfaces benchmark (issue 7): OGC API Features, downloads, WFS and vector tiles."""
