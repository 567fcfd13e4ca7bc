// The Leaflet map every screen shares: base maps with an offline fallback, land-use overlays,
// the 2020 forest mask, scale bar and LKS-92 / WGS84 coordinates under the pointer.
import { t, number } from "./i18n.js";
import { hasRoute, el } from "./api.js";
import { toLks92 } from "./lks92.js";

export const COLOURS = { clear: "#2e7d32", flagged: "#c77700", blocked: "#b3261e", unchecked: "#6b7280" };
export const FINDING_STYLE = { color: "#a3007d", weight: 3, dashArray: "6 4", fillColor: "#e040b0", fillOpacity: 0.45 };
const OVERLAY_COLOURS = ["#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#4e342e", "#ad1457"];
const DETAIL_ZOOM = 13;
const JUMURDA = [56.93, 26.17];

export function verdictStyle(verdict, selected = false) {
  const colour = COLOURS[verdict] || COLOURS.unchecked;
  return { color: selected ? "#111" : colour, weight: selected ? 4 : 2, fillColor: colour, fillOpacity: 0.35 };
}

function baseLayers(map, status) {
  const data = document.body.dataset;
  const layers = {};
  const blank = L.layerGroup();
  if (!data.basemapUrl) layers[t("map.base_blank")] = blank; // nothing configured: blank first
  // A tile base that cannot load a single tile (offline, blocked) gives way to the blank base.
  const withFallback = (tiles) => {
    let errors = 0;
    let loaded = 0;
    tiles.on("tileload", () => { loaded += 1; });
    tiles.on("tileerror", () => {
      errors += 1;
      if (errors >= 3 && loaded === 0 && map.hasLayer(tiles)) {
        map.removeLayer(tiles);
        blank.addTo(map);
        status(t("map.offline"));
      }
    });
    return tiles;
  };
  if (data.basemapUrl) {
    layers[t("map.base_osm")] = withFallback(L.tileLayer(data.basemapUrl, { maxZoom: 19, attribution: data.basemapAttribution }));
  }
  if (data.orthoUrl) {
    layers[t("map.base_ortho")] = withFallback(L.tileLayer.wms(data.orthoUrl, {
      layers: data.orthoLayer, format: "image/jpeg", maxZoom: 19, attribution: "© LĢIA",
    }));
  }
  layers[t("map.base_blank")] = blank;
  return layers;
}

/** The forest 2020 mask as one PNG for the current view (green = forest), fetched when zoomed in. */
function forestMask(map, status) {
  const group = L.layerGroup();
  let overlay = null;
  const refresh = () => {
    if (!map.hasLayer(group)) return;
    if (map.getZoom() < DETAIL_ZOOM - 1) {
      group.clearLayers();
      overlay = null;
      status(t("map.zoom_in"));
      return;
    }
    const b = map.getBounds();
    const size = map.getSize();
    const url = `/map/forest-mask.png?bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",")}&width=${size.x}&height=${size.y}`;
    const next = L.imageOverlay(url, b, { opacity: 0.6, interactive: false, alt: t("map.forest_mask") });
    next.on("load", () => { if (overlay && overlay !== next) group.removeLayer(overlay); overlay = next; });
    next.on("error", () => { group.removeLayer(next); status(t("map.forest_mask_missing")); });
    group.addLayer(next);
  };
  map.on("moveend", refresh);
  group.on("add", refresh);
  return group;
}

/** One OGC API collection as a GeoJSON overlay loaded for the view when zoomed in. */
function ogcOverlay(map, collection, colour, status) {
  const layer = L.geoJSON(null, {
    style: { color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.15 },
    onEachFeature: (feature, lyr) => {
      const props = feature.properties || {};
      const rows = Object.entries(props).slice(0, 8).map(([k, v]) => el("div", {}, el("b", { text: `${k}: ` }), String(v ?? "")));
      const version = props.version ?? props.layer_version ?? collection.version;
      lyr.bindPopup(el("div", { class: "identify" },
        el("strong", { text: `${t("mapview.identify_layer")}: ${collection.title || collection.id}` }),
        version != null ? el("div", { text: `${t("report.version")}: v${version}` }) : null, ...rows));
    },
    pmIgnore: true,
    snapIgnore: false,
  });
  let pending = null;
  const refresh = async () => {
    if (!map.hasLayer(layer)) return;
    if (map.getZoom() < DETAIL_ZOOM) { layer.clearLayers(); status(t("map.zoom_in")); return; }
    const b = map.getBounds();
    const url = `/ogc/collections/${encodeURIComponent(collection.id)}/items?f=json&limit=2000&bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",")}`;
    pending = url;
    try {
      const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (pending !== url) return;
      layer.clearLayers();
      layer.addData(data);
      layer.bringToBack();
    } catch (_) {
      status(t("map.layer_failed", { layer: collection.title || collection.id }));
    }
  };
  map.on("moveend", refresh);
  layer.on("add", refresh);
  return layer;
}

/** A land-use layer in the legend (#layer-legend): its colour, title, a switch and an opacity slider. */
function legendRow(map, overlay, collection, colour) {
  const legend = document.getElementById("layer-legend");
  if (!legend) return;
  const title = collection.title || collection.id;
  const id = `layer-${collection.id}`;
  let opacity = 1;
  const restyle = () => overlay.setStyle({ opacity, fillOpacity: 0.15 * opacity * 2 });
  overlay.on("add", () => setTimeout(restyle));
  overlay.on("layeradd", restyle);
  const toggle = el("input", { type: "checkbox", id: `${id}-on`, class: "layer-on" });
  toggle.addEventListener("change", () => { if (toggle.checked) overlay.addTo(map); else map.removeLayer(overlay); });
  overlay.on("add", () => { toggle.checked = true; });
  overlay.on("remove", () => { toggle.checked = false; });
  const slider = el("input", { type: "range", min: "10", max: "100", step: "10", value: "100", id: `${id}-opacity`,
    class: "layer-opacity", "aria-label": t("mapview.opacity_of", { layer: title }) });
  slider.addEventListener("input", () => { opacity = Number(slider.value) / 100; restyle(); });
  legend.append(el("li", { "data-layer": collection.id },
    toggle, " ", el("span", { class: "swatch layer", style: `background:${colour}33;border-color:${colour}` }),
    el("label", { for: `${id}-on`, text: title }), " ", slider));
}

/** Coordinates under the pointer in LKS-92 (easting, northing) and WGS84. */
function coordinates(map) {
  const box = document.getElementById("coords");
  if (!box) return;
  map.on("mousemove", (e) => {
    const [x, y] = toLks92(e.latlng.lat, e.latlng.lng);
    box.textContent = `LKS-92 E ${Math.round(x)} N ${Math.round(y)} · WGS84 ${e.latlng.lat.toFixed(5)}° N ${e.latlng.lng.toFixed(5)}° E`;
  });
  map.on("mouseout", () => { box.textContent = ""; });
}

/** A small status line on the map (offline base map, zoom hints, missing layers). */
function statusControl(map) {
  const Control = L.Control.extend({
    onAdd() {
      this.box = L.DomUtil.create("div", "map-note");
      this.box.setAttribute("role", "status");
      this.box.hidden = true;
      return this.box;
    },
  });
  const control = new Control({ position: "bottomleft" });
  control.addTo(map);
  let timer;
  return (message) => {
    control.box.textContent = message;
    control.box.hidden = !message;
    clearTimeout(timer);
    timer = setTimeout(() => { control.box.hidden = true; }, 8000);
  };
}

/** Build the map in #map with base layers, overlays and controls. */
export async function createMap(element = document.getElementById("map")) {
  const map = L.map(element, { preferCanvas: true, zoomControl: true }).setView(JUMURDA, 13);
  element.leafletMap = map; // for tests and the benchmark, which compute screen positions
  const status = statusControl(map);
  const bases = baseLayers(map, status);
  const names = Object.keys(bases);
  bases[names[0]].addTo(map);
  if (!document.body.dataset.basemapUrl) status(t("map.blank_base"));
  L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
  coordinates(map);
  const overlays = { [t("map.forest_mask")]: forestMask(map, status) };
  const control = L.control.layers(bases, overlays, { collapsed: true }).addTo(map);
  loadOgcOverlays(map, control, status);
  return { map, status, control };
}

async function loadOgcOverlays(map, control, status) {
  if (!(await hasRoute("GET", "/ogc/collections")) && !(await probe("/ogc/collections"))) {
    status(t("map.layers_unavailable"));
    return;
  }
  try {
    const data = await (await fetch("/ogc/collections?f=json", { headers: { Accept: "application/json" } })).json();
    (data.collections || []).filter((c) => c.id !== "felling_areas" && c.id !== "findings")
      .forEach((collection, i) => {
        const colour = OVERLAY_COLOURS[i % OVERLAY_COLOURS.length];
        const overlay = ogcOverlay(map, collection, colour, status);
        control.addOverlay(overlay, collection.title || collection.id);
        legendRow(map, overlay, collection, colour);
      });
  } catch (_) {
    status(t("map.layers_unavailable"));
  }
}

async function probe(url) {
  try {
    return (await fetch(url, { method: "GET", headers: { Accept: "application/json" } })).ok;
  } catch (_) {
    return false;
  }
}

/** GeoJSON bbox parameter of the current view (lon/lat). */
export function bboxParam(map) {
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
}

/** Popup content of one felling-area feature (built with DOM nodes, never HTML strings). */
export function areaPopup(props) {
  const certId = props.certificate_id || props.id;
  const box = el("div", { class: "popup" },
    el("strong", {}, el("a", { href: `/certificates/${certId}`, text: `${t("cert.title")} ${props.ca_number ?? ""}` })),
    el("div", { text: `${t("cert.area_n", { n: props.cirsma ?? "?" })} · ${number(props.area_ha)} ha` }),
    props.cadastral_designation ? el("div", { text: `${t("cert.cadastral")}: ${props.cadastral_designation}` }) : null,
    el("div", {}, el("span", { class: `badge ${props.verdict || "unchecked"}`, text: t(`verdict.${props.verdict || "unchecked"}`) })));
  if (Array.isArray(props.volumes) && props.volumes.length) {
    box.append(el("div", { text: `${t("volumes.title")}: ${props.volumes.map((v) => `${t(`species.${v.species_code}`)}: ${number(v.m3, 1)} m³`).join(", ")}` }));
  }
  return box;
}

export { DETAIL_ZOOM };
