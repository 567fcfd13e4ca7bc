// The map view (Kartes skats): felling areas by verdict, selection for a statement, fit to selection.
import { loadMessages, t } from "./i18n.js";
import { el, panelToggle } from "./api.js";
import { createMap, bboxParam } from "./map.js";
import { areaSource, areasLayer, certificateIdOf, loadAreas } from "./areas.js";

await loadMessages();
panelToggle();
const { map } = await createMap();
const statusLine = document.getElementById("map-status");
const selected = new Map();
const findingsLayer = L.featureGroup().addTo(map);
const selectedIds = new Set();
const layer = areasLayer(map, { selected: selectedIds, onClick: (feature) => toggle(feature), findingsLayer });

function renderSelection() {
  const list = document.getElementById("selection");
  list.replaceChildren(...[...selected.values()].map((s) => el("li", {}, el("a", { href: `/certificates/${s.id}`, text: s.ca || s.id }))));
  document.getElementById("make-statement").disabled = selected.size === 0;
  selectedIds.clear();
  selected.forEach((_, id) => selectedIds.add(id));
  layer.restyle();
}

/** Whether any felling area of the feature's certificate is blocked by its check. */
function blocked(id) {
  let found = false;
  layer.eachLayer((lyr) => { if (certificateIdOf(lyr.feature) === id && lyr.feature.properties?.verdict === "blocked") found = true; });
  return found;
}

function toggle(feature) {
  const id = certificateIdOf(feature);
  if (!selected.has(id) && blocked(id)) {
    statusLine.textContent = t("blocked.not_selectable", { ca: feature.properties?.ca_number || id });
    statusLine.dataset.refused = id;
    return;
  }
  if (selected.has(id)) selected.delete(id);
  else selected.set(id, { id, ca: feature.properties?.ca_number });
  renderSelection();
}

document.getElementById("make-statement").addEventListener("click", () => {
  window.location.href = `/statements/new?ids=${[...selected.keys()].map(encodeURIComponent).join(",")}`;
});
document.getElementById("fit-all").addEventListener("click", () => {
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
});

/** Felling-area labels (CA number / cirsma) when zoomed in, for the areas in view (at most 300). */
const LABEL_ZOOM = 15;
function labels() {
  const view = map.getBounds();
  let shown = 0;
  layer.eachLayer((lyr) => {
    const wanted = map.getZoom() >= LABEL_ZOOM && shown < 300 && view.intersects(lyr.getBounds());
    if (wanted && !lyr.getTooltip()) {
      const p = lyr.feature?.properties || {};
      lyr.bindTooltip(`${p.ca_number ?? ""} / ${p.cirsma ?? ""}`, { permanent: true, direction: "center", className: "cirsma-label" });
    }
    if (wanted) { shown += 1; lyr.openTooltip(); } else if (lyr.getTooltip()) lyr.unbindTooltip();
  });
}
map.on("zoomend moveend", labels);
layer.on("add layeradd", () => setTimeout(labels));

document.getElementById("fit-selection").addEventListener("click", () => {
  const bounds = L.latLngBounds([]);
  layer.eachLayer((lyr) => {
    if (selected.size === 0 || selected.has(certificateIdOf(lyr.feature))) bounds.extend(lyr.getBounds());
  });
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
});

const source = await areaSource();
if (!source) {
  statusLine.textContent = t("map.areas_unavailable");
} else {
  // The view's own areas are (re)loaded after every move, the fit below included.
  map.on("moveend", async () => {
    if (map.getZoom() < 11) return;
    const timing = await loadAreas(layer, source, bboxParam(map)).catch(() => null);
    if (timing) statusLine.textContent = t("map.areas_count", { n: timing.count });
  });
  const first = await loadAreas(layer, source, null).catch(() => null);
  if (first === null) {
    statusLine.textContent = t("map.areas_failed");
  } else {
    statusLine.textContent = t("map.areas_count", { n: first.count });
    document.getElementById("map").dataset.loaded = String(first.count);
    if (first.count > 0) map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
  }
}
