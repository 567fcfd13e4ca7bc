"""GIS interfaces: OGC API Features (Parts 1–3), WFS 2.0, GeoJSON downloads and vector tiles."""
