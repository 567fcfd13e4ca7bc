// Loading the organisation's felling areas as GeoJSON (the certificates API, else OGC API Features)
// and drawing them coloured by verdict on the canvas renderer.
import { t, number, lang } from "./i18n.js";
import { api, hasRoute, el } from "./api.js";
import { verdictStyle, FINDING_STYLE, areaPopup } from "./map.js";

const OGC_PAGE = 5000;
const API_PAGE = 500; // certificates per page (each with up to 3 areas)
const MAX_PAGES = 10; // per view; without a bbox only the first page (then the view's bbox)

/** Which endpoint serves felling areas as GeoJSON: OGC API Features (one large page, streamed
 * by the server), else the certificates API (pages of 500 certificates), else null. */
export async function areaSource() {
  const ogc = await fetch("/ogc/collections/felling_areas?f=json", { headers: { Accept: "application/json" } }).catch(() => null);
  if (ogc?.ok) {
    const url = (bbox, offset = 0) => `/ogc/collections/felling_areas/items?f=json&limit=${OGC_PAGE}&offset=${offset}${bbox ? `&bbox=${bbox}` : ""}`;
    url.page = OGC_PAGE;
    return url;
  }
  if (await hasRoute("GET", "/api/v1/certificates")) {
    const url = (bbox, offset = 0) => `/api/v1/certificates?f=geojson&limit=${API_PAGE}&offset=${offset}${bbox ? `&bbox=${bbox}` : ""}`;
    url.page = API_PAGE;
    return url;
  }
  return null;
}

export function certificateIdOf(feature) {
  const p = feature.properties || {};
  return String(p.certificate_id || p.id || feature.id || "");
}

/** An L.geoJSON layer of felling areas, styled by verdict and by selection; a popup grows the
 * area's volumes and findings when opened (and the findings light up in ``findingsLayer``). */
export function areasLayer(map, { selected = new Set(), onClick, findingsLayer = null } = {}) {
  const layer = L.geoJSON(null, {
    style: (f) => verdictStyle(f.properties?.verdict, selected.has(certificateIdOf(f))),
    onEachFeature: (feature, lyr) => {
      let content = null; // built once, so popup.update() keeps what the enrichment added
      lyr.bindPopup(() => content || (content = areaPopup(feature.properties || {})));
      lyr.on("popupopen", (e) => enrichPopup(e.popup, feature, findingsLayer).catch(() => {}));
      if (onClick) lyr.on("click", () => onClick(feature, lyr));
    },
  }).addTo(map);
  layer.restyle = () => layer.setStyle((f) => verdictStyle(f.properties?.verdict, selected.has(certificateIdOf(f))));
  return layer;
}

async function enrichPopup(popup, feature, findingsLayer) {
  const certId = certificateIdOf(feature);
  const box = popup.getElement()?.querySelector(".popup");
  if (!box || box.dataset.enriched || !(await hasRoute("GET", "/api/v1/certificates/{id}"))) return;
  box.dataset.enriched = "1";
  const cert = await api("GET", `/api/v1/certificates/${encodeURIComponent(certId)}`);
  const area = (cert.areas || []).find((a) => a.id === String(feature.id))
    || (cert.areas || []).find((a) => a.cirsma === feature.properties?.cirsma);
  if (area?.volumes?.length) {
    box.append(el("div", { text: `${t("volumes.title")}: ${area.volumes.map((v) => `${t(`species.${v.species_code}`)} ${number(v.m3, 1)} m³`).join(", ")}` }));
  }
  if (!(await hasRoute("GET", "/api/v1/certificates/{id}/findings"))) return;
  const data = await api("GET", `/api/v1/certificates/${encodeURIComponent(certId)}/findings`);
  const findings = (Array.isArray(data) ? data : data.findings || data.items || [])
    .filter((f) => !area || f.area_id === area.id);
  if (findings.length) {
    box.append(el("ul", { class: "popup-findings" }, ...findings.map((f) => el("li", { text: f.message?.[lang] || f.message?.en || f.rule }))));
  }
  if (findingsLayer) {
    findingsLayer.clearLayers();
    findings.filter((f) => f.geometry).forEach((f) => L.geoJSON(f.geometry, { style: FINDING_STYLE, pmIgnore: true, interactive: false }).addTo(findingsLayer));
  }
  popup.update();
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${response.status}`);
  return response.json();
}

/** Fetch every page for the view and draw; returns {count, fetchMs, drawMs} from performance.now(). */
export async function loadAreas(layer, source, bbox = null) {
  const start = performance.now();
  const page = source.page;
  const first = await getJson(source(bbox, 0));
  const features = [...(first.features || [])];
  const matched = first.numberMatched ?? features.length;
  const returned = first.numberReturned ?? features.length;
  if (bbox && returned >= page && matched > page) {
    const offsets = [];
    for (let offset = page; offset < matched && offsets.length < MAX_PAGES; offset += page) offsets.push(offset);
    const pages = await Promise.all(offsets.map((offset) => getJson(source(bbox, offset))));
    pages.forEach((page) => features.push(...(page.features || [])));
  }
  const fetched = performance.now();
  layer.clearLayers();
  layer.addData({ type: "FeatureCollection", features });
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const drawn = performance.now();
  const timing = { count: features.length, fetchMs: fetched - start, drawMs: drawn - fetched, totalMs: drawn - start };
  window.geoserviceTimings = [...(window.geoserviceTimings || []), timing];
  return timing;
}
