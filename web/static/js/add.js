// Add a certificate: by CA number with the VMD data previewed on the map, or by hand with a drawn area.
import { loadMessages, t, number, day } from "./i18n.js";
import { api, hasRoute, el, showFieldErrors, clearFieldErrors, panelToggle } from "./api.js";
import { createMap, verdictStyle } from "./map.js";
import { setupGeoman, polygonsOf, multiPolygonOf, liveArea, explainRefusals } from "./editing.js";
import { refresh as refreshVolumes, wireDecimals, firstRefused } from "./volumes.js";
import { decimalValue } from "./decimal.js";
import { wirePlaceSearch, wireDesignationField } from "./place.js";
import { wireFileImport, wireCoordinates } from "./drawing_import.js";
import { hasWarnings, showWarnings, confirmations } from "./plausibility.js";

await loadMessages();
panelToggle();
const { map } = await createMap();
const preview = L.featureGroup().addTo(map);

// The owner's felling areas as faint context; the map starts at them, not at a fixed place.
const mine = L.geoJSON(null, { style: { color: "#555", weight: 1, fillOpacity: 0.08, dashArray: "3 3" },
  pmIgnore: true, interactive: false }).addTo(map);
async function areasFor(q) {
  const url = `/api/v1/certificates?f=geojson&limit=${q ? 50 : 500}${q ? `&q=${encodeURIComponent(q)}` : ""}`;
  const response = await fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" });
  return response.ok ? response.json() : { features: [] };
}
areasFor("").then((data) => {
  mine.addData(data);
  if (mine.getLayers().length && !preview.getLayers().length) map.fitBounds(mine.getBounds(), { maxZoom: 15, padding: [20, 20] });
  document.getElementById("map").dataset.started = mine.getLayers().length ? "areas" : "default";
}).catch(() => {});
wirePlaceSearch(map, { form: document.getElementById("place-search"), input: document.getElementById("place-q"),
  status: document.getElementById("place-status"), areasFor });
const vmdForm = document.getElementById("vmd-form");
const result = document.getElementById("vmd-result");
const saveButton = document.getElementById("vmd-save");
const caInput = document.getElementById("ca_number");

/** A server error about the CA number, placed next to the field (details without a field too). */
function onNumber(err) {
  const placed = (err.details || []).filter((d) => d.field);
  return { message: err.message, details: placed.length ? placed : [{ field: "ca_number", message: err.message }] };
}

/** A duplicate CA number: a link to the certificate the organisation already has. */
function linkExisting(err, box) {
  const existing = err.code === "certificate_exists" && (err.details || []).find((d) => d.certificate_id);
  if (!existing || !box) return;
  box.append(" ", el("a", { href: `/certificates/${existing.certificate_id}`, class: "existing-certificate",
    text: t("certstate.existing", { ca: existing.value || "" }) }));
  box.hidden = false;
}

function describe(cert) {
  const rows = (cert.areas || []).map((a) => el("li", {},
    `${t("cert.area_n", { n: a.cirsma })} · ${a.cadastral_designation} · ${number(a.area_ha)} ha · `,
    t(`felling.${a.felling_type}`),
    el("br"),
    (a.volumes || []).map((v) => `${t(`species.${v.species_code}`)}: ${number(v.m3, 1)} m³`).join(", ")));
  return el("div", { class: "preview" },
    el("h3", {}, `${t("cert.from_vmd")}: ${cert.ca_number} `,
      cert.simulated ? el("span", { class: "badge simulated", text: t("app.simulated") }) : null),
    el("p", { text: `${cert.place || ""} · ${t("field.valid_until")} ${day(cert.valid_until)}` }),
    el("ul", {}, ...rows));
}

vmdForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(vmdForm);
  result.replaceChildren();
  preview.clearLayers();
  saveButton.disabled = true;
  const ca = caInput.value.trim();
  if (!ca) { showFieldErrors(vmdForm, { details: [{ field: "ca_number", message: t("cert.ca_required") }] }); caInput.focus(); return; }
  if (!(await hasRoute("GET", "/api/v1/vmd/certificates/{ca_number}"))) {
    result.append(el("p", { class: "notice", text: t("app.not_available", { what: t("cert.from_vmd") }) }));
    saveButton.disabled = !(await hasRoute("POST", "/api/v1/certificates"));
    return;
  }
  result.append(el("p", { class: "muted", text: t("cert.fetching") }));
  const fetchButton = document.getElementById("vmd-preview");
  fetchButton.disabled = true;
  try {
    const cert = await api("GET", `/api/v1/vmd/certificates/${encodeURIComponent(ca)}`);
    result.replaceChildren(describe(cert));
    for (const area of cert.areas || []) polygonsOf(area.geometry, verdictStyle("unchecked")).forEach((p) => preview.addLayer(p));
    if (preview.getLayers().length) map.fitBounds(preview.getBounds(), { maxZoom: 17, padding: [30, 30] });
    saveButton.disabled = false;
  } catch (err) {
    result.replaceChildren();
    if (!showFieldErrors(vmdForm, onNumber(err))) {
      result.append(el("p", { class: "error", role: "alert", text: err.message }));
    }
    linkExisting(err, document.getElementById("ca_number-error"));
  } finally {
    fetchButton.disabled = false;
  }
});

saveButton.addEventListener("click", async () => {
  clearFieldErrors(vmdForm);
  saveButton.disabled = true;
  try {
    const cert = await api("POST", "/api/v1/certificates", { ca_number: caInput.value.trim() });
    window.location.href = `/certificates/${cert.id}`;
  } catch (err) {
    saveButton.disabled = false;
    if (!showFieldErrors(vmdForm, onNumber(err))) {
      result.append(el("p", { class: "error", role: "alert", text: err.message }));
    }
    linkExisting(err, document.getElementById("ca_number-error"));
  }
});

// By hand: draw the felling area on the map.
const manual = document.getElementById("manual-form");
const drawn = L.featureGroup().addTo(map);
let geomanReady = false;
document.getElementById("manual").addEventListener("toggle", (event) => {
  if (!event.target.open || geomanReady) return;
  geomanReady = true;
  setupGeoman(map);
  explainRefusals(map, document.getElementById("m-geometry-error"));
  liveArea(map, drawn, document.getElementById("live-area"));
  map.pm.enableDraw("Polygon");
});
// The drawing from a file or typed coordinates, and the map at the parcel the form names.
const byId = (id) => document.getElementById(id);
wireFileImport(map, { input: byId("draw-file"), error: byId("draw-file-error"), status: byId("draw-file-status") });
wireCoordinates(map, { system: byId("draw-coords-system"), text: byId("draw-coords-text"), button: byId("draw-coords-add"),
  error: byId("draw-coords-error"), status: byId("draw-coords-status") });
wireDesignationField(map, { input: byId("m-cadastral_designation"), status: byId("m-parcel-status"), drawn });

// Species volumes and the product split, typed like on the certificate page (same 10 % rule).
const volumeSet = document.getElementById("m-volumes");
const speciesRows = document.getElementById("m-species-rows");
const speciesTemplate = document.getElementById("m-species-template");
let rowCount = 0;
function addSpeciesRow() {
  rowCount += 1;
  const row = speciesTemplate.content.firstElementChild.cloneNode(true);
  const select = row.querySelector("select.species");
  select.id = `m-species-${rowCount}`;
  const used = new Set([...speciesRows.querySelectorAll("select.species")].map((s) => s.value));
  const free = [...select.options].find((o) => !used.has(o.value));
  if (free) select.value = free.value;
  row.dataset.species = select.value;
  select.addEventListener("change", () => { row.dataset.species = select.value; });
  row.querySelector("input.planned").id = `m-planned-${rowCount}`;
  row.querySelector("input.m3").id = `m-m3-${rowCount}`;
  row.querySelector(".remove-species").addEventListener("click", () => { row.remove(); refreshVolumes(volumeSet); });
  speciesRows.append(row);
  wireDecimals(row);
  refreshVolumes(volumeSet);
  return row;
}
addSpeciesRow();
wireDecimals(volumeSet);
volumeSet.addEventListener("input", () => refreshVolumes(volumeSet));
document.getElementById("m-add-species").addEventListener("click", () => addSpeciesRow().querySelector("select").focus());

/** The typed volumes as the API's lists, or a message for the field next to them. */
function manualVolumes() {
  const bad = firstRefused(volumeSet);
  if (bad) { bad.focus(); return { error: t("volumes.invalid") }; }
  const rows = [...speciesRows.querySelectorAll("tr[data-species]")];
  const volumes = rows.map((row) => ({
    species_code: Number(row.querySelector("select.species").value),
    planned_m3: decimalValue(row.querySelector("input.planned")),
    m3: decimalValue(row.querySelector("input.m3")),
  }));
  if (!volumes.some((v) => v.m3 > 0)) return { error: t("manual.species_required") };
  if (new Set(volumes.map((v) => v.species_code)).size !== volumes.length) return { error: t("manual.species_twice") };
  const products = [...volumeSet.querySelectorAll("tr[data-hs]")].map((row) => ({
    hs_code: row.dataset.hs, m3: decimalValue(row.querySelector("input.hs")),
  })).filter((p) => p.m3 > 0);
  const species = volumes.reduce((sum, v) => sum + v.m3, 0);
  const split = products.reduce((sum, p) => sum + p.m3, 0);
  if (Math.abs(split - species) > 0.05) {
    return { error: t("manual.products_mismatch", { products: number(split, 1), species: number(species, 1) }) };
  }
  return { volumes, products };
}

manual.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(manual);
  const data = Object.fromEntries(new FormData(manual).entries());
  const geometry = multiPolygonOf(drawn);
  const missing = ["ca_number", "issued_on", "valid_until", "cadastral_designation", "quarter", "compartment"]
    .filter((name) => !String(data[name] || "").trim())
    .map((name) => ({ field: name, message: t("field.required") }));
  if (!geometry.coordinates.length) missing.push({ field: "geometry", message: t("cert.draw_required") });
  const typed = manualVolumes();
  if (typed.error) missing.push({ field: "volumes", message: typed.error });
  if (missing.length) { showFieldErrors(manual, { details: missing }, "m-"); return; }
  const confirmed = confirmations(manual);
  if (confirmed === null) return;
  const body = {
    source: "manual", ca_number: data.ca_number.trim(), issued_on: data.issued_on, valid_until: data.valid_until,
    place: data.place || null,
    areas: [{
      cirsma: 1, cadastral_designation: data.cadastral_designation.trim(), quarter: data.quarter.trim(),
      compartment: data.compartment.trim(), sub_compartment: null, felling_type: data.felling_type,
      execution_method: data.execution_method, geometry, volumes: typed.volumes, products: typed.products,
    }],
    confirm_warnings: confirmed,
  };
  const out = document.getElementById("manual-result");
  const button = document.getElementById("manual-save");
  button.disabled = true;
  try {
    const cert = await api("POST", "/api/v1/certificates", body);
    if (await hasRoute("POST", "/api/v1/certificates/{id}/check")) await api("POST", `/api/v1/certificates/${cert.id}/check`).catch(() => null);
    window.location.href = `/certificates/${cert.id}`;
  } catch (err) {
    button.disabled = false;
    if (hasWarnings(err)) {
      showWarnings(manual, err, (name) => manual.querySelector(`#m-${CSS.escape(name)}-error`));
      out.replaceChildren(el("p", { class: "notice", role: "alert", text: err.message }));
      return;
    }
    if (!showFieldErrors(manual, err, "m-")) out.replaceChildren(el("p", { class: "error", role: "alert", text: err.message }));
    linkExisting(err, document.getElementById("m-ca_number-error"));
  }
});
