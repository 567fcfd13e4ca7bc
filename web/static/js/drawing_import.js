// Into the drawing from elsewhere: a file (GeoJSON, Shapefile zip, KML, GPX, read by the server)
// or vertices typed in LKS-92 or WGS 84 (coords.js). Each polygon becomes an editable Geoman
// layer exactly like one drawn by hand (the live area, refusals and saving treat it the same).
import { t, number } from "./i18n.js";
import { api } from "./api.js";
import { parseVertices } from "./coords.js";

/** Put a polygon into the drawing as if it had been drawn: Geoman's pm:create does the rest. */
export function addToDrawing(map, layer) {
  // Geoman gives drawn layers the global options; a layer made here needs them too, or a vertex
  // dragged across its boundary would be taken instead of refused.
  const { allowSelfIntersection, snappable, snapDistance } = map.pm.getGlobalOptions();
  layer.pm.setOptions({ allowSelfIntersection, snappable, snapDistance });
  map.fire("pm:create", { shape: "Polygon", layer, imported: true });
  return layer;
}

function polygonLayers(geometry) {
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return parts.map((rings) => L.polygon(rings.map((ring) => ring.slice(0, -1).map(([lon, lat]) => [lat, lon]))));
}

function say(box, text) {
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}

/** The file input: upload, then every polygon into the drawing and the map onto them. */
export function wireFileImport(map, { input, error, status }) {
  if (!input) return;
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    say(error, "");
    input.removeAttribute("aria-invalid");
    status.textContent = t("drawing.import.reading", { name: file.name });
    const form = new FormData();
    form.append("file", file, file.name);
    input.disabled = true;
    try {
      const data = await api("POST", "/api/v1/drawing/import", form);
      const added = [];
      for (const feature of data.features || []) {
        for (const layer of polygonLayers(feature.geometry)) added.push(addToDrawing(map, layer));
      }
      if (added.length) map.fitBounds(L.featureGroup(added).getBounds(), { maxZoom: 17, padding: [30, 30] });
      const lines = [t("drawing.import.added", { name: data.filename || file.name, n: added.length, crs: data.source_crs })];
      if (data.closed_lines) lines.push(t("drawing.import.closed_lines", { n: data.closed_lines }));
      if (data.ignored && (data.ignored.lines || data.ignored.points)) lines.push(t("drawing.import.ignored", data.ignored));
      if (data.repaired) lines.push(t("drawing.import.repaired", { n: data.repaired }));
      status.textContent = lines.join(" ");
      input.closest("fieldset")?.setAttribute("data-imported", String(added.length));
    } catch (err) {
      status.textContent = "";
      say(error, err.message || t("drawing.import.failed"));
      input.setAttribute("aria-invalid", "true");
    } finally {
      input.disabled = false;
      input.value = "";
    }
  });
}

/** The typed-coordinates form: a polygon from the list, or the reason it cannot be one. */
export function wireCoordinates(map, { system, text, button, error, status }) {
  if (!button) return;
  const placeholder = () => {
    text.placeholder = t(system.value === "wgs" ? "drawing.coords.example_wgs"
      : system.value === "lks_en" ? "drawing.coords.example_en" : "drawing.coords.example_lks");
  };
  system.addEventListener("change", placeholder);
  placeholder();
  button.addEventListener("click", () => {
    say(error, "");
    text.removeAttribute("aria-invalid");
    status.textContent = "";
    const result = parseVertices(text.value, system.value);
    if (result.error) {
      say(error, t(result.error.key, result.error.values));
      text.setAttribute("aria-invalid", "true");
      text.focus();
      return;
    }
    const layer = addToDrawing(map, L.polygon(result.latlngs));
    map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [30, 30] });
    status.textContent = t("drawing.coords.added", { n: result.latlngs.length, area: number(result.areaHa) });
  });
}
