// Where the drawing map looks: the owner's areas, a cadastral parcel (land unit) our layers
// know, or a felling certificate by CA number (the owner's own, else VMD's).
import { t, number } from "./i18n.js";
import { api, hasRoute } from "./api.js";

const DESIGNATION = /^\d{11}$/;
const PARCEL_STYLE = { color: "#7a3e00", weight: 2, dashArray: "6 4", fill: false };

/** The parcel outline layer of the map (context only: not editable, not clickable). */
export function parcelLayer(map) {
  map._parcelLayer ||= L.geoJSON(null, { style: PARCEL_STYLE, pmIgnore: true, interactive: false }).addTo(map);
  return map._parcelLayer;
}

/** Show the land unit of ``designation``: its outline and a sentence; null when unknown. */
export async function showParcel(map, designation, { fit = true } = {}) {
  if (!DESIGNATION.test(designation)) return null;
  let data;
  try {
    data = await api("GET", `/api/v1/parcels/${designation}`);
  } catch (err) {
    return err.status === 404 ? null : { error: err.message };
  }
  const layer = parcelLayer(map);
  layer.clearLayers();
  layer.addData(data);
  if ((typeof fit === "function" ? fit() : fit) && layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [20, 20] });
  const first = (data.features || [])[0];
  const area = (data.features || []).reduce((sum, f) => sum + (f.properties.area_ha || 0), 0);
  const key = first && first.properties.source === "compartments" ? "drawing.parcel.shown_stands" : "drawing.parcel.shown";
  map.getContainer().dataset.parcel = designation;
  return { text: t(key, { q: designation, area: number(area) }) };
}

/** A certificate VMD knows by number (not yet the owner's): its areas as context, or null. */
async function vmdAreas(map, q, context) {
  if (!(await hasRoute("GET", "/api/v1/vmd/certificates/{ca_number}"))) return null;
  let data;
  try {
    data = await api("GET", `/api/v1/vmd/certificates/${encodeURIComponent(q)}?f=geojson`);
  } catch (_) {
    return null;
  }
  context.clearLayers();
  context.addData(data);
  if (!context.getLayers().length) return null;
  map.fitBounds(context.getBounds(), { maxZoom: 17, padding: [30, 30] });
  return t("drawing.parcel.vmd_found", { q, n: context.getLayers().length });
}

/** The search form: own areas by CA number or designation, else the parcel, else VMD. */
export function wirePlaceSearch(map, { form, input, status, areasFor }) {
  if (!form) return;
  const vmdContext = L.geoJSON(null, { style: { color: "#0b5cad", weight: 2, dashArray: "2 4", fillOpacity: 0.05 },
    pmIgnore: true, interactive: false }).addTo(map);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    const found = L.geoJSON(await areasFor(q).catch(() => ({ features: [] })));
    if (found.getLayers().length) {
      map.fitBounds(found.getBounds(), { maxZoom: 17, padding: [30, 30] });
      status.textContent = t("drawmap.found", { n: found.getLayers().length, q });
      return;
    }
    const parcel = DESIGNATION.test(q) ? await showParcel(map, q) : null;
    if (parcel && parcel.text) { status.textContent = parcel.text; return; }
    const vmd = await vmdAreas(map, q, vmdContext);
    status.textContent = vmd || t("drawing.parcel.nothing", { q });
  });
}

/** The manual form's designation field: once it names a known parcel, the map goes there. */
export function wireDesignationField(map, { input, status, drawn }) {
  if (!input) return;
  let last = "";
  let working = null; // the polygon being drawn: never move the map under a half-drawn boundary
  map.on("pm:drawstart", (e) => { working = e.workingLayer || null; });
  const drawing = () => Boolean(working && working._map && working.getLatLngs().length);
  const look = async () => {
    const q = input.value.trim();
    if (q === last || !DESIGNATION.test(q)) return;
    last = q;
    const result = await showParcel(map, q, { fit: () => !drawn.getLayers().length && !drawing() });
    if (status) status.textContent = result && result.text ? result.text : "";
  };
  input.addEventListener("input", look);
  input.addEventListener("change", look);
}
