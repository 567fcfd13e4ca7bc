/* OGC API Features HTML view: draws the page's features on a Leaflet map and lists them. */
(function () {
  "use strict";
  var el = document.getElementById("ogc-map");
  if (!el || !window.L) { return; }
  var status = document.getElementById("ogc-status");
  var map = L.map(el).setView([56.95, 24.1], 7);
  if (el.dataset.basemapUrl) {
    L.tileLayer(el.dataset.basemapUrl, { maxZoom: 19, attribution: el.dataset.basemapAttribution }).addTo(map);
  }
  var params = new URLSearchParams(el.dataset.query || "");
  params.set("f", "geojson");
  params.delete("crs");
  var url = el.dataset.items + "?" + params.toString();

  function cell(row, text, tag) {
    var td = document.createElement(tag || "td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function table(features) {
    var head = document.querySelector(".ogc-features thead");
    var body = document.querySelector(".ogc-features tbody");
    if (!head || !body || !features.length) { return; }
    var names = Object.keys(features[0].properties || {});
    var hr = document.createElement("tr");
    cell(hr, "id", "th");
    names.forEach(function (n) { cell(hr, n, "th"); });
    head.appendChild(hr);
    features.forEach(function (f) {
      var tr = document.createElement("tr");
      cell(tr, f.id);
      names.forEach(function (n) { cell(tr, f.properties[n]); });
      body.appendChild(tr);
    });
  }

  fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok) { status.textContent = res.body.description || "Error"; return; }
      var data = res.body;
      var features = data.type === "Feature" ? [data] : data.features;
      var layer = L.geoJSON(features, {
        style: function () { return { color: "#1b5e20", weight: 2, fillOpacity: 0.25 }; },
        onEachFeature: function (f, l) {
          var box = document.createElement("div");
          Object.keys(f.properties || {}).forEach(function (k) {
            var line = document.createElement("div");
            line.textContent = k + ": " + f.properties[k];
            box.appendChild(line);
          });
          l.bindPopup(box);
        }
      }).addTo(map);
      if (features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
      status.textContent = features.length + (data.numberMatched !== undefined ? " / " + data.numberMatched : "");
      table(features);
    })
    .catch(function (err) { status.textContent = String(err); });
}());
