// Add a certificate: by CA number with the VMD data previewed on the map, or by hand with a drawn area.
import { loadMessages, t, number } from "./i18n.js";
import { api, hasRoute, el, showFieldErrors, clearFieldErrors, panelToggle } from "./api.js";
import { createMap, verdictStyle } from "./map.js";
import { setupGeoman, polygonsOf, multiPolygonOf, liveArea } from "./editing.js";

await loadMessages();
panelToggle();
const { map } = await createMap();
const preview = L.featureGroup().addTo(map);
const vmdForm = document.getElementById("vmd-form");
const result = document.getElementById("vmd-result");
const saveButton = document.getElementById("vmd-save");
const caInput = document.getElementById("ca_number");

/** A server error about the CA number, placed next to the field (details without a field too). */
function onNumber(err) {
  const placed = (err.details || []).filter((d) => d.field);
  return { message: err.message, details: placed.length ? placed : [{ field: "ca_number", message: err.message }] };
}

function describe(cert) {
  const rows = (cert.areas || []).map((a) => el("li", {},
    `${t("cert.area_n", { n: a.cirsma })} · ${a.cadastral_designation} · ${number(a.area_ha)} ha · `,
    t(`felling.${a.felling_type}`),
    el("br"),
    (a.volumes || []).map((v) => `${v.species_code}: ${number(v.m3, 1)} m³`).join(", ")));
  return el("div", { class: "preview" },
    el("h3", {}, `${t("cert.from_vmd")}: ${cert.ca_number} `,
      cert.simulated ? el("span", { class: "badge simulated", text: t("app.simulated") }) : null),
    el("p", { text: `${cert.place || ""} · ${t("field.valid_until")} ${cert.valid_until || "—"}` }),
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
  liveArea(map, drawn, document.getElementById("live-area"));
  map.pm.enableDraw("Polygon");
});

manual.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(manual);
  const data = Object.fromEntries(new FormData(manual).entries());
  const geometry = multiPolygonOf(drawn);
  const missing = ["ca_number", "issued_on", "valid_until", "cadastral_designation", "quarter", "compartment"]
    .filter((name) => !String(data[name] || "").trim())
    .map((name) => ({ field: name, message: t("field.required") }));
  if (!geometry.coordinates.length) missing.push({ field: "geometry", message: t("cert.draw_required") });
  if (missing.length) { showFieldErrors(manual, { details: missing }, "m-"); return; }
  const body = {
    source: "manual", ca_number: data.ca_number.trim(), issued_on: data.issued_on, valid_until: data.valid_until,
    place: data.place || null,
    areas: [{
      cirsma: 1, cadastral_designation: data.cadastral_designation.trim(), quarter: data.quarter.trim(),
      compartment: data.compartment.trim(), sub_compartment: null, felling_type: data.felling_type,
      execution_method: data.execution_method, geometry, volumes: [], products: [],
    }],
  };
  const out = document.getElementById("manual-result");
  try {
    const cert = await api("POST", "/api/v1/certificates", body);
    if (await hasRoute("POST", "/api/v1/certificates/{id}/check")) await api("POST", `/api/v1/certificates/${cert.id}/check`).catch(() => null);
    window.location.href = `/certificates/${cert.id}`;
  } catch (err) {
    if (!showFieldErrors(manual, err, "m-")) out.replaceChildren(el("p", { class: "error", role: "alert", text: err.message }));
  }
});
