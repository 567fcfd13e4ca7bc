"""Run by Debian's /usr/bin/python3 (PyQGIS 3.22), headless: load layers, print what QGIS read.

``python3 qgis_client.py CONFIG.json`` where CONFIG holds the bearer token and a list of
[name, provider, uri]. Prints JSON: per layer its validity, CRS, feature count and, per
feature, its attributes and the first vertex (x/y as QGIS holds it: easting or longitude first).
"""

import json
import os
import sys

from qgis.core import QgsApplication, QgsNetworkAccessManager, QgsVectorLayer


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isNull") and value.isNull():
        return None
    kind = type(value).__name__
    if kind == "QDate":
        return value.toString("yyyy-MM-dd")
    if kind == "QDateTime":
        return value.toUTC().toString("yyyy-MM-ddTHH:mm:ss")
    return str(value)


def main(path):
    with open(path) as fh:
        config = json.load(fh)
    app = QgsApplication([], False)
    app.initQgis()
    token = config["token"].encode()

    def authorise(request):
        request.setRawHeader(b"Authorization", b"Bearer " + token)

    QgsNetworkAccessManager.setRequestPreprocessor(authorise)
    out = {}
    for name, provider, uri in config["layers"]:
        layer = QgsVectorLayer(uri, name, provider)
        if not layer.isValid():
            out[name] = {"valid": False, "error": layer.error().summary()}
            continue
        features = []
        for feature in layer.getFeatures():
            vertex = feature.geometry().vertexAt(0)
            features.append({
                "attributes": {f.name(): _plain(v) for f, v in
                               zip(layer.fields(), feature.attributes(), strict=True)},
                "first": [vertex.x(), vertex.y()]})
        out[name] = {"valid": True, "crs": layer.crs().authid(),
                     "count": layer.featureCount(), "features": features}
    print(json.dumps(out), flush=True)
    # QgsApplication.exitQgis() crashes PyQGIS 3.22 at interpreter exit; leave directly.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
