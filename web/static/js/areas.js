// Loading the organisation's felling areas as GeoJSON (the certificates API, else OGC API Features)
// and drawing them coloured by verdict on the canvas renderer.
import { t } from "./i18n.js";
import { api, hasRoute } from "./api.js";
import { verdictStyle, FINDING_STYLE, areaPopup } from "./map.js";

const OGC_PAGE = 5000;
const API_PAGE = 500; // certificates per page (each with up to 3 areas)
const MAX_PAGES = 40;

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

/** An L.geoJSON layer of felling areas, styled by verdict and by selection. */
export function areasLayer(map, { selected = new Set(), onClick } = {}) {
  const layer = L.geoJSON(null, {
    style: (f) => verdictStyle(f.properties?.verdict, selected.has(certificateIdOf(f))),
    onEachFeature: (feature, lyr) => {
      lyr.bindPopup(() => areaPopup(feature.properties || {}));
      if (onClick) lyr.on("click", () => onClick(feature, lyr));
    },
  }).addTo(map);
  layer.restyle = () => layer.setStyle((f) => verdictStyle(f.properties?.verdict, selected.has(certificateIdOf(f))));
  return layer;
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
  if (returned >= page && matched > page) {
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

/** Overlap geometries of a certificate's findings, highlighted on the map. */
export async function showFindings(findingsLayer, certificateId) {
  if (!(await hasRoute("GET", "/api/v1/certificates/{id}/findings"))) return [];
  const data = await api("GET", `/api/v1/certificates/${encodeURIComponent(certificateId)}/findings`);
  const findings = Array.isArray(data) ? data : data.findings || [];
  findings.filter((f) => f.geometry).forEach((f) => {
    L.geoJSON({ type: "Feature", geometry: f.geometry, properties: {} }, { style: FINDING_STYLE, pmIgnore: true })
      .bindTooltip(f.message?.[document.body.dataset.lang] || f.message?.en || f.rule || t("map.finding"))
      .addTo(findingsLayer);
  });
  return findings;
}
