// Compliance review: the queue of flagged findings, the evidence on the map, clear or confirm.
import { loadMessages, t, number, lang } from "./i18n.js";
import { api, hasRoute, el, showFieldErrors, clearFieldErrors, toast, panelToggle } from "./api.js";
import { createMap, verdictStyle, FINDING_STYLE } from "./map.js";
import { polygonsOf } from "./editing.js";

await loadMessages();
panelToggle();
const { map } = await createMap();
const evidence = L.featureGroup().addTo(map);
const statusLine = document.getElementById("review-status");
const queue = document.getElementById("queue");
const form = document.getElementById("review-form");
let current = null;
let tab = "open";

const text = (f) => f.message?.[lang] || f.message?.en || f.rule;

async function showEvidence(finding) {
  evidence.clearLayers();
  if (finding.certificate_id) {
    const cert = await api("GET", `/api/v1/certificates/${encodeURIComponent(finding.certificate_id)}`).catch(() => null);
    for (const a of cert?.areas || []) polygonsOf(a.geometry, verdictStyle(a.verdict)).forEach((p) => evidence.addLayer(p));
  }
  if (finding.geometry) L.geoJSON(finding.geometry, { style: FINDING_STYLE }).addTo(evidence);
  if (evidence.getLayers().length) map.fitBounds(evidence.getBounds(), { maxZoom: 17, padding: [30, 30] });
}

function select(finding, item) {
  current = finding;
  queue.querySelectorAll("li").forEach((li) => li.classList.toggle("current", li === item));
  form.hidden = tab !== "open";
  document.getElementById("review-finding").textContent = text(finding);
  clearFieldErrors(form);
  showEvidence(finding).catch(() => {});
}

async function load() {
  queue.replaceChildren();
  form.hidden = true;
  if (!(await hasRoute("GET", "/api/v1/findings"))) { statusLine.textContent = t("app.not_available", { what: t("nav.review") }); return; }
  let data;
  try {
    data = await api("GET", `/api/v1/findings?status=${tab}`);
  } catch (err) {
    statusLine.textContent = err.message;
    return;
  }
  const findings = Array.isArray(data) ? data : data.findings || data.items || [];
  statusLine.textContent = t("review.count", { n: findings.length });
  for (const f of findings) {
    const item = el("li", { "data-certificate": f.certificate_id });
    const button = el("button", { type: "button", class: "link-like", onclick: () => select(f, item) },
      el("span", { class: `badge ${f.severity === "block" ? "blocked" : "flagged"}`, text: t(`severity.${f.severity}`) }),
      " ", f.ca_number ? `${f.ca_number} · ` : "", text(f),
      f.overlap_ha != null ? ` (${number(f.overlap_ha)} ha)` : "");
    item.append(button);
    const review = f.review || (f.review_reason ? { reason: f.review_reason } : null);
    if (review) {
      item.append(el("div", { class: "muted" },
        review.at ? el("time", { datetime: review.at, text: moment(review.at) }) : null,
        review.by ? ` · ${review.by}` : "", review.reason ? ` · ${t("review.reason")}: ${review.reason}` : ""));
    }
    queue.append(item);
  }
  if (findings.length) select(findings[0], queue.firstChild);
}

document.querySelectorAll("[role=tab]").forEach((button) => button.addEventListener("click", () => {
  tab = button.dataset.status;
  document.querySelectorAll("[role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
  load();
}));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const decision = event.submitter?.value || "clear";
  const reason = document.getElementById("reason").value.trim();
  if (!reason) { showFieldErrors(form, { details: [{ field: "reason", message: t("review.reason_required") }] }); return; }
  try {
    await api("POST", `/api/v1/findings/${encodeURIComponent(current.id)}/review`, { decision, reason });
    toast(t(decision === "clear" ? "review.cleared" : "review.confirmed"));
    document.getElementById("reason").value = "";
    await load();
  } catch (err) {
    if (!showFieldErrors(form, err)) showFieldErrors(form, { details: [{ field: "reason", message: err.message }] });
  }
});

load();
