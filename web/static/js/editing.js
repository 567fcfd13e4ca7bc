// Geoman editing of one felling area: vertices, new parts, cut holes, snapping, live area in ha.
import { polygonAreaHa } from "./lks92.js";
import { t, lang, catalogueKeys, number } from "./i18n.js";

const GLOBAL = { allowSelfIntersection: false, snappable: true, snapDistance: 15, continueDrawing: false };

/** Geoman's translation table from the catalogue's geoman.<section>_<key> messages. */
export function geomanTable() {
  const table = {};
  for (const key of catalogueKeys("geoman.")) {
    const [section, name] = key.slice("geoman.".length).split("_");
    (table[section] ||= {})[name] = t(key);
  }
  return table;
}

/** A notice over the map itself, where the eyes are while drawing (the panel may be folded). */
export function mapNotice(map) {
  if (map._notice) return map._notice;
  const box = L.DomUtil.create("p", "map-notice", map.getContainer());
  box.setAttribute("role", "alert");
  box.hidden = true;
  L.DomEvent.disableClickPropagation(box);
  map._notice = {
    show(text, reason) { box.textContent = text; box.dataset.reason = reason; box.hidden = false; },
    hide(reason) { if (!reason || box.dataset.reason === reason) { box.hidden = true; delete box.dataset.reason; } },
  };
  return map._notice;
}

/** Say why a vertex was refused (Geoman refuses a boundary that crosses itself), beside the
 * form and over the map; the notice goes once a vertex is accepted. */
export function explainRefusals(map, box) {
  if (!box) return;
  const notice = mapNotice(map);
  const tell = (key) => {
    box.textContent = t(key); box.hidden = false; box.dataset.reason = "self_crossing";
    notice.show(t(key), "self_crossing");
  };
  const clear = () => {
    if (box.dataset.reason === "self_crossing") { box.hidden = true; delete box.dataset.reason; }
    notice.hide("self_crossing");
  };
  map.on("pm:intersect", () => tell("drawing.self_crossing")); // while drawing, Geoman tells the map
  map.on("pm:drawstart", (e) => { if (e.workingLayer) e.workingLayer.on("pm:vertexadded", clear); });
  map.on("pm:create pm:drawend", clear); // a finished or abandoned boundary: nothing refused now
  map.on("layeradd", (e) => { // editing: the layer tells, and puts a refused vertex back
    if (!(e.layer instanceof L.Polygon) || e.layer._refusalsWired) return;
    e.layer._refusalsWired = true;
    e.layer.on("pm:intersect", () => tell("drawing.self_crossing"));
    e.layer.on("pm:layerreset", () => tell("drawing.refusal.edit"));
    e.layer.on("pm:edit", clear);
  });
}

export function setupGeoman(map) {
  map.pm.setLang(lang, geomanTable(), "en");
  map.pm.setGlobalOptions(GLOBAL);
  map.pm.addControls({
    position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawRectangle: false, drawCircle: false, drawText: false, rotateMode: false, dragMode: false,
    editMode: true, cutPolygon: true, removalMode: true, drawPolygon: true,
  });
  nameButtons(map);
  map.on("layeradd", (e) => { if (e.layer instanceof L.Marker) nameMarker(e.layer); });
}

/** Geoman's handles are Leaflet markers with role=button and no name: name the vertices and the
 * "add a vertex here" handles; the cursor that follows the mouse is no control at all. */
function nameMarker(marker) {
  const icon = marker.getElement && marker.getElement();
  if (!icon) return;
  if (icon.classList.contains("cursor-marker")) {
    icon.setAttribute("aria-hidden", "true");
    icon.removeAttribute("role");
    icon.removeAttribute("tabindex");
  } else if (icon.classList.contains("marker-icon-middle")) {
    icon.setAttribute("aria-label", t("drawing.marker.middle"));
  } else if (icon.classList.contains("marker-icon")) {
    icon.setAttribute("aria-label", t("drawing.marker.vertex"));
  }
}

/** Geoman's toolbar links have no text: give each the name its container's title shows. */
function nameButtons(map) {
  map.getContainer().querySelectorAll(".leaflet-pm-toolbar .button-container").forEach((box) => {
    const link = box.querySelector("a.leaflet-buttons-control-button");
    if (link && box.title) link.setAttribute("aria-label", box.title);
    box.querySelectorAll(".leaflet-pm-actions-container a").forEach((a) => {
      if (!a.getAttribute("aria-label") && a.textContent.trim()) a.setAttribute("aria-label", a.textContent.trim());
    });
  });
}

/** Polygons (as L.Polygon) of a GeoJSON (Multi)Polygon. */
export function polygonsOf(geometry, style) {
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return parts.map((rings) => L.polygon(rings.map((ring) => ring.map(([x, y]) => [y, x])), style));
}

function ringsOf(layer) {
  // L.Polygon latlngs: [ring, hole…] or [[ring, hole…], …] for multi-polygons
  const latlngs = layer.getLatLngs();
  const nested = Array.isArray(latlngs[0]) && Array.isArray(latlngs[0][0]) ? latlngs : [latlngs];
  return nested.map((rings) => rings.map((ring) => ring.map((p) => [p.lat, p.lng])));
}

/** The edit group's polygons as one GeoJSON MultiPolygon (lon/lat, closed rings). */
export function multiPolygonOf(group) {
  const coordinates = [];
  group.eachLayer((layer) => {
    if (!(layer instanceof L.Polygon)) return;
    for (const rings of ringsOf(layer)) {
      coordinates.push(rings.map((ring) => {
        const closed = ring.map(([lat, lon]) => [Number(lon.toFixed(7)), Number(lat.toFixed(7))]);
        closed.push(closed[0]);
        return closed;
      }));
    }
  });
  return { type: "MultiPolygon", coordinates };
}

/** Area in ha of the group as the server will store it: of the coordinates that are sent
 * (multiPolygonOf, 7 decimals), in LKS-92 (EPSG:3059), rounded to 4 decimals like the database. */
export function groupAreaHa(group) {
  let total = 0;
  for (const polygon of multiPolygonOf(group).coordinates) {
    total += polygonAreaHa(polygon.map((ring) => ring.slice(0, -1).map(([lon, lat]) => [lat, lon])));
  }
  return Math.round(total * 10000) / 10000;
}

/** Keep ``output`` showing the live area while the group is edited, drawn into or cut: the
 * figure that will be saved (data-ha holds it as a number). */
export function liveArea(map, group, output) {
  const update = () => {
    const ha = groupAreaHa(group);
    output.value = number(ha, 4);
    output.dataset.ha = String(ha);
  };
  const watch = (layer) => {
    layer.on("pm:edit pm:vertexadded pm:vertexremoved pm:markerdragend pm:markerdrag", update);
  };
  group.eachLayer(watch);
  map.on("pm:create", (e) => {
    if (e.shape === "Polygon") { group.addLayer(e.layer); watch(e.layer); }
    update();
  });
  map.on("pm:cut", (e) => {
    if (group.hasLayer(e.originalLayer)) { group.removeLayer(e.originalLayer); group.addLayer(e.layer); watch(e.layer); }
    update();
  });
  map.on("pm:remove", (e) => { group.removeLayer(e.layer); update(); });
  update();
  return update;
}
