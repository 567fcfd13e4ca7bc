"""Run by Debian's /usr/bin/python3: write the QGIS Server project of the benchmark.

``python3 qgis_project.py OUT.qgs`` with libpq's PG* variables set: one PostGIS layer,
``felling_areas`` over the view ``bench_felling_areas`` (key ``id``, EPSG:3059), published for
WFS and OGC API Features with 3 decimals (millimetres), as a QGIS user would publish it.
"""

import os
import sys

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsProject,
    QgsVectorLayer,
)


def main(out: str) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    uri = QgsDataSourceUri()
    uri.setConnection(os.environ.get("PGHOST", ""), os.environ.get("PGPORT", "5432"),
                      os.environ["PGDATABASE"], os.environ.get("PGUSER", ""),
                      os.environ.get("PGPASSWORD", ""))
    uri.setDataSource("public", "bench_felling_areas", "geom", "", "id")
    uri.setSrid("3059")
    uri.setWkbType(6)  # MultiPolygon
    layer = QgsVectorLayer(uri.uri(False), "felling_areas", "postgres")
    if not layer.isValid():
        print(f"the layer is not valid: {layer.error().summary()}", file=sys.stderr)
        os._exit(1)
    project = QgsProject.instance()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3059"))
    project.addMapLayer(layer)
    project.writeEntry("WFSLayers", "/", [layer.id()])
    project.writeEntry("WFSLayersPrecision", "/" + layer.id(), 3)
    project.writeEntry("WFSUrl", "/", "")
    project.writeEntry("WMSServiceCapabilities", "/", True)
    project.writeEntry("WMSServiceTitle", "/", "geoservice benchmark")
    project.writeEntry("WMSCrsList", "/", ["EPSG:3059", "EPSG:4326"])
    if not project.write(out):
        print(f"could not write {out}", file=sys.stderr)
        os._exit(1)
    sys.stdout.flush()
    os._exit(0)  # exitQgis() crashes PyQGIS 3.22 at interpreter exit


if __name__ == "__main__":
    main(sys.argv[1])
