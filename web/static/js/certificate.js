// Certificate detail: the areas on the map, editing (Labot), the check with findings, and volumes.
import { loadMessages, t, number } from "./i18n.js";
import { api, ApiError, hasRoute, notYet, el, toast, panelToggle } from "./api.js";
import { createMap, verdictStyle, FINDING_STYLE } from "./map.js";
import { setupGeoman, polygonsOf, multiPolygonOf, liveArea, explainRefusals } from "./editing.js";
import { setupVolumes } from "./volumes.js";
import { hasWarnings, showWarnings, clearWarnings, confirmations } from "./plausibility.js";

await loadMessages();
panelToggle();
const panel = document.getElementById("panel");
const certId = panel.dataset.certificate;
const { map } = await createMap();
const areaGroup = L.featureGroup().addTo(map);
const findingsGroup = L.featureGroup().addTo(map);
const checkStatus = document.getElementById("check-status");
let certificate = null;

function drawAreas() {
  areaGroup.clearLayers();
  for (const area of certificate.areas || []) {
    if (!area.geometry) continue;
    for (const poly of polygonsOf(area.geometry, { ...verdictStyle(area.verdict || certificate.verdict), pmIgnore: true })) {
      poly.areaId = area.id;
      poly.bindTooltip(`${t("cert.area_n", { n: area.cirsma })} · ${number(area.area_ha)} ha`);
      areaGroup.addLayer(poly);
    }
  }
  if (areaGroup.getLayers().length) map.fitBounds(areaGroup.getBounds(), { maxZoom: 17, padding: [30, 30] });
}

function renderFindings(findings) {
  findingsGroup.clearLayers();
  const list = document.getElementById("findings");
  list.replaceChildren();
  for (const f of findings) {
    const text = f.message?.[document.body.dataset.lang] || f.message?.en || f.rule;
    list.append(el("li", { class: `finding ${f.severity}` },
      el("span", { class: `badge ${f.severity === "block" ? "blocked" : f.severity === "flag" ? "flagged" : "unchecked"}`, text: t(`severity.${f.severity}`) }),
      " ", text,
      f.overlap_ha != null ? el("span", { class: "muted", text: ` (${number(f.overlap_ha)} ha, ${number(f.overlap_percent, 1)} %)` }) : null,
      f.status ? el("span", { class: "muted", text: ` · ${t(`finding_status.${f.status}`)}` }) : null));
    if (f.geometry) L.geoJSON(f.geometry, { style: FINDING_STYLE, pmIgnore: true }).bindTooltip(text).addTo(findingsGroup);
  }
  if (!findings.length) list.append(el("li", { class: "muted", text: t("check.no_findings") }));
}

function showVerdict(verdict) {
  const badge = document.getElementById("verdict-badge");
  badge.className = `badge ${verdict}`;
  badge.dataset.verdict = verdict;
  badge.textContent = t(`verdict.${verdict}`);
  checkStatus.textContent = t("check.result", { verdict: t(`verdict.${verdict}`) });
}

async function loadFindings() {
  if (!(await hasRoute("GET", "/api/v1/certificates/{id}/findings"))) return;
  const data = await api("GET", `/api/v1/certificates/${certId}/findings`).catch(() => null);
  if (data) renderFindings(Array.isArray(data) ? data : data.findings || []);
}

async function runCheck() {
  if (!(await hasRoute("POST", "/api/v1/certificates/{id}/check"))) { notYet(checkStatus, t("check.title")); return; }
  checkStatus.textContent = t("check.running");
  try {
    const result = await api("POST", `/api/v1/certificates/${certId}/check`);
    showVerdict(result.verdict);
    renderFindings(result.findings || []);
  } catch (err) {
    checkStatus.textContent = err.message;
  }
}

document.getElementById("run-check").addEventListener("click", runCheck);

if (await hasRoute("GET", "/api/v1/certificates/{id}")) {
  try {
    certificate = await api("GET", `/api/v1/certificates/${certId}`);
    drawAreas();
    await loadFindings();
  } catch (err) {
    checkStatus.textContent = err.message;
  }
} else {
  notYet(checkStatus, t("nav.map"));
}

// Editing (Labot)
const start = document.getElementById("edit-start");
if (start && certificate) {
  setupGeoman(map);
  explainRefusals(map, document.getElementById("geometry-error"));
  const save = document.getElementById("edit-save");
  const cancel = document.getElementById("edit-cancel");
  const errorBox = document.getElementById("geometry-error");
  const editGroup = L.featureGroup().addTo(map);
  let updateArea = null;
  start.addEventListener("click", () => {
    const areaId = document.getElementById("edit-area").value;
    editGroup.clearLayers();
    areaGroup.eachLayer((poly) => {
      if (poly.areaId !== areaId) return;
      const copy = L.polygon(poly.getLatLngs(), { ...verdictStyle("unchecked", true) });
      editGroup.addLayer(copy);
    });
    areaGroup.eachLayer((poly) => { if (poly.areaId === areaId) poly.setStyle({ opacity: 0.2, fillOpacity: 0.05 }); });
    editGroup.eachLayer((l) => l.pm.enable({ allowSelfIntersection: false, snappable: true }));
    updateArea = updateArea || liveArea(map, editGroup, document.getElementById("live-area"));
    updateArea();
    save.disabled = false;
    cancel.disabled = false;
    start.disabled = true;
  });
  cancel.addEventListener("click", () => {
    clearWarnings(document.getElementById("edit-tools"));
    editGroup.clearLayers();
    drawAreas();
    save.disabled = true; cancel.disabled = true; start.disabled = false;
  });
  save.addEventListener("click", async () => {
    errorBox.hidden = true;
    const areaId = document.getElementById("edit-area").value;
    const geometry = multiPolygonOf(editGroup);
    if (!geometry.coordinates.length) { errorBox.textContent = t("edit.empty"); errorBox.hidden = false; return; }
    if (!(await hasRoute("PATCH", "/api/v1/certificates/{id}"))) { notYet(errorBox, t("edit.save")); errorBox.hidden = false; return; }
    const tools = document.getElementById("edit-tools");
    const confirmed = confirmations(tools);
    if (confirmed === null) return;
    try {
      save.disabled = true;
      const cirsma = (certificate.areas || []).find((a) => a.id === areaId)?.cirsma;
      certificate = await api("PATCH", `/api/v1/certificates/${certId}`,
        { areas: [{ cirsma, geometry }], confirm_warnings: confirmed });
      clearWarnings(tools);
      editGroup.eachLayer((l) => l.pm.disable());
      editGroup.clearLayers();
      drawAreas();
      start.disabled = false; cancel.disabled = true;
      toast(t("edit.saved"));
      await runCheck();
    } catch (err) {
      save.disabled = false;
      if (hasWarnings(err)) {
        showWarnings(document.getElementById("edit-tools"), err, () => errorBox);
        errorBox.textContent = err.message;
        errorBox.hidden = false;
        return;
      }
      const detail = (err instanceof ApiError && err.details[0]?.message) || err.message;
      errorBox.textContent = detail;
      errorBox.hidden = false;
    }
  });
}

setupVolumes(certId);
