// Compliance review as master–detail: the filtered, sorted queue on the left, the selected finding
// with its decision form beside the evidence map. A decision changes the item's badge and keeps
// the selection; the next finding is chosen on purpose (button or arrow keys), never by a jump.
import { loadMessages, t, number, lang, moment, day } from "./i18n.js";
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
const detail = document.getElementById("detail");
const nextButton = document.getElementById("review-next");
const filters = {
  rule: document.getElementById("f-rule"), severity: document.getElementById("f-severity"),
  org: document.getElementById("f-org"), age: document.getElementById("f-age"), sort: document.getElementById("f-sort"),
};
const DAY_MS = 86_400_000;
const SEVERITY_RANK = { block: 0, flag: 1, info: 2 };
let findings = [];
let current = null;
let tab = "open";

const text = (f) => f.message?.[lang] || f.message?.en || t(`rule.${f.rule}`);
const severityBadge = (f) => (f.severity === "block" ? "blocked" : f.severity === "flag" ? "flagged" : "unchecked");
const statusBadge = (status) => (status === "cleared" ? "clear" : status === "confirmed" ? "blocked" : "unchecked");

async function showEvidence(finding) {
  evidence.clearLayers();
  if (finding.certificate_id) {
    const cert = await api("GET", `/api/v1/certificates/${encodeURIComponent(finding.certificate_id)}`).catch(() => null);
    if (current !== finding) return;
    for (const a of cert?.areas || []) polygonsOf(a.geometry, verdictStyle(a.verdict)).forEach((p) => evidence.addLayer(p));
  }
  if (finding.geometry) L.geoJSON(finding.geometry, { style: FINDING_STYLE }).addTo(evidence);
  if (evidence.getLayers().length) map.fitBounds(evidence.getBounds(), { maxZoom: 17, padding: [30, 30] });
}

function itemOf(finding) {
  return queue.querySelector(`li[data-finding="${CSS.escape(finding.id)}"]`);
}

function renderDetail(finding) {
  detail.hidden = false;
  document.getElementById("detail-title").textContent = `${t(`rule.${finding.rule}`)} · ${finding.ca_number || ""}`;
  const severity = document.getElementById("detail-severity");
  severity.className = `badge ${severityBadge(finding)}`;
  severity.textContent = t(`severity.${finding.severity}`);
  const status = document.getElementById("detail-status");
  status.className = `badge ${statusBadge(finding.status)}`;
  status.textContent = t(`finding_status.${finding.status}`);
  document.getElementById("detail-org").textContent = finding.organisation_name || "—";
  const link = document.getElementById("detail-cert");
  link.href = `/certificates/${finding.certificate_id}`;
  link.textContent = finding.ca_number || finding.certificate_id;
  document.getElementById("detail-found").textContent = finding.created_at ? moment(finding.created_at) : "—";
  document.getElementById("detail-overlap").textContent = finding.overlap_ha != null
    ? `${number(finding.overlap_ha)} ha${finding.overlap_percent != null ? ` (${number(finding.overlap_percent, 1)} %)` : ""}` : "—";
  document.getElementById("review-finding").textContent = text(finding);
  const review = finding.review;
  document.getElementById("detail-review").textContent = review
    ? [moment(review.at), review.by, review.reason ? `${t("review.reason")}: ${review.reason}` : ""].filter(Boolean).join(" · ") : "";
  form.hidden = finding.status !== "open";
  nextButton.disabled = !nextOpen(finding);
}

function select(finding, { focus = false } = {}) {
  current = finding;
  queue.querySelectorAll("li").forEach((li) => {
    const on = li.dataset.finding === finding.id;
    li.classList.toggle("current", on);
    const button = li.querySelector("button");
    if (on) button.setAttribute("aria-current", "true"); else button.removeAttribute("aria-current");
  });
  clearFieldErrors(form);
  renderDetail(finding);
  if (focus) itemOf(finding)?.querySelector("button").focus();
  showEvidence(finding).catch(() => {});
}

function visible() {
  const now = Date.now();
  const age = Number(filters.age.value || 0);
  const list = findings.filter((f) => (!filters.rule.value || f.rule === filters.rule.value)
    && (!filters.severity.value || f.severity === filters.severity.value)
    && (!filters.org.value || f.organisation_name === filters.org.value)
    && (!age || (f.created_at && now - Date.parse(f.created_at) > age * DAY_MS)));
  const created = (f) => Date.parse(f.created_at || 0);
  const order = {
    oldest: (a, b) => created(a) - created(b),
    newest: (a, b) => created(b) - created(a),
    overlap: (a, b) => (b.overlap_ha ?? -1) - (a.overlap_ha ?? -1),
    severity: (a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || created(a) - created(b),
  }[filters.sort.value] || (() => 0);
  return list.sort(order);
}

function nextOpen(from) {
  const list = visible();
  const start = list.indexOf(from);
  return [...list.slice(start + 1), ...list.slice(0, Math.max(start, 0))].find((f) => f.status === "open" && f !== from) || null;
}

function item(f) {
  const li = el("li", { "data-certificate": f.certificate_id, "data-finding": f.id, "data-status": f.status });
  li.append(el("button", { type: "button", class: "link-like", onclick: () => select(f) },
    el("span", { class: `badge ${severityBadge(f)}`, text: t(`severity.${f.severity}`) }), " ",
    el("span", { class: `badge state ${statusBadge(f.status)}`, text: t(`finding_status.${f.status}`) }), " ",
    el("strong", { text: f.ca_number || "" }), ` · ${t(`rule.${f.rule}`)}`,
    f.overlap_ha != null ? ` (${number(f.overlap_ha)} ha)` : "",
    el("br"), el("span", { class: "muted tenant", text: `${f.organisation_name || ""} · ${day(f.created_at)}` })));
  if (f.review?.reason) li.append(el("div", { class: "muted", text: `${t("review.reason")}: ${f.review.reason}` }));
  return li;
}

function render() {
  const list = visible();
  queue.replaceChildren(...list.map(item));
  statusLine.textContent = list.length === findings.length ? t("review.count", { n: findings.length })
    : t("queue.shown", { n: list.length, total: findings.length });
  if (current && list.includes(current)) select(current);
  else if (list.length) select(list[0]);
  else { current = null; detail.hidden = true; evidence.clearLayers(); }
}

function fillChoices(select, values, label) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: t("cert.any") }),
    ...[...new Set(values.filter(Boolean))].sort().map((v) => el("option", { value: v, text: label(v) })));
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}

async function load() {
  queue.replaceChildren();
  form.hidden = true;
  detail.hidden = true;
  current = null;
  if (!(await hasRoute("GET", "/api/v1/findings"))) { statusLine.textContent = t("app.not_available", { what: t("nav.review") }); return; }
  let data;
  try {
    data = await api("GET", `/api/v1/findings?status=${tab}&limit=1000`);
  } catch (err) {
    statusLine.textContent = err.message;
    return;
  }
  findings = Array.isArray(data) ? data : data.findings || data.items || [];
  fillChoices(filters.rule, findings.map((f) => f.rule), (r) => t(`rule.${r}`));
  fillChoices(filters.org, findings.map((f) => f.organisation_name), (o) => o);
  render();
}

document.querySelectorAll("[role=tab]").forEach((button) => button.addEventListener("click", () => {
  tab = button.dataset.status;
  document.querySelectorAll("[role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
  load();
}));
Object.values(filters).forEach((s) => s.addEventListener("change", render));

queue.addEventListener("keydown", (event) => {
  const list = visible();
  const at = list.indexOf(current);
  const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 };
  if (event.key in moves) {
    event.preventDefault();
    const target = list[Math.min(Math.max(moves[event.key], 0), list.length - 1)];
    if (target) select(target, { focus: true });
  } else if (event.key === "Enter" && current?.status === "open" && event.target.closest("li")?.dataset.finding === current.id) {
    event.preventDefault();
    document.getElementById("reason").focus();
  }
});

nextButton.addEventListener("click", () => {
  const next = current && nextOpen(current);
  if (next) select(next, { focus: true });
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const decision = event.submitter?.value || "clear";
  const reason = document.getElementById("reason").value.trim();
  if (!reason) { showFieldErrors(form, { details: [{ field: "reason", message: t("review.reason_required") }] }); return; }
  const decided = current;
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await api("POST", `/api/v1/findings/${encodeURIComponent(decided.id)}/review`, { decision, reason });
    decided.status = decision === "clear" ? "cleared" : "confirmed";
    decided.review = { at: new Date().toISOString(), by: "", reason };
    toast(t(decision === "clear" ? "review.cleared" : "review.confirmed"));
    document.getElementById("reason").value = "";
    render(); // the item keeps its place with its new badge; the selection stays on it
    statusLine.textContent = t("queue.decided", { status: t(`finding_status.${decided.status}`) });
  } catch (err) {
    if (!showFieldErrors(form, err)) showFieldErrors(form, { details: [{ field: "reason", message: err.message }] });
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
});

load();
