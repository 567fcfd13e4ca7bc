// One statement: what will be sent, submit, status polling, reference numbers, amend and withdraw.
import { loadMessages, t, number, moment } from "./i18n.js";
import { api, hasRoute, el, toast, panelToggle } from "./api.js";
import { createMap, verdictStyle } from "./map.js";
import { polygonsOf } from "./editing.js";

await loadMessages();
panelToggle();
const id = document.getElementById("panel").dataset.statement;
const { map } = await createMap();
const areas = L.featureGroup().addTo(map);
const message = document.getElementById("statement-message");
const buttons = {
  submit: document.getElementById("submit-statement"),
  amend: document.getElementById("amend-statement"),
  withdraw: document.getElementById("withdraw-statement"),
};
const POLLING = new Set(["queued", "submitted"]);
let statement = null;
let timer = null;
let drawn = false;

function csv(s, certs) {
  const header = "ca_number;cadastral_designation;internal_reference;eudr_reference_number;eudr_verification_number;status";
  const clean = (v) => String(v ?? "").replace(/[;\r\n"]/g, " ");
  const lines = certs.flatMap((c) => (c.areas || [{}]).map((a) => [c.ca_number, a.cadastral_designation, s.internal_reference,
    s.reference_number, s.verification_number, s.status].map(clean).join(";")));
  return [header, ...lines].join("\r\n") + "\r\n";
}

/** A species of the preview in the page's language (TRACES gets the English common name). */
function speciesName(sp) {
  const key = `species_latin.${String(sp.scientific_name || "").toLowerCase().replace(/[^a-z]+/g, "_").replace(/^_|_$/g, "")}`;
  const name = t(key);
  return name === key ? sp.common_name : name;
}

async function describe(s) {
  const box = document.getElementById("statement-content");
  const certs = [];
  for (const cid of s.certificate_ids || []) {
    const cert = await api("GET", `/api/v1/certificates/${encodeURIComponent(cid)}`).catch(() => null);
    if (cert) certs.push(cert);
  }
  const preview = s.status === "draft" || !drawn
    ? await api("GET", `/api/v1/statements/${id}/preview`).catch(() => null) : null;
  const parts = [];
  if (preview) {
    parts.push(el("h3", { text: t("statement.commodities") }),
      el("ul", {}, ...(preview.commodities || []).map((c) => el("li", {},
        `${c.hs_heading} · ${t(`hs.${String(c.hs_heading).slice(0, 4)}`)}: ${number(c.volume_m3, 1)} m³`,
        c.species?.length ? el("div", { class: "muted", text: c.species.map((sp) => `${speciesName(sp)} (${sp.scientific_name})`).join(", ") }) : null))));
    const warnings = [...(preview.warnings || []), ...(preview.problems || []).map((p) => p.message)];
    if (warnings.length) parts.push(el("ul", { class: "note" }, ...warnings.map((w) => el("li", { text: typeof w === "string" ? w : w.message || JSON.stringify(w) }))));
  } else {
    const totals = {};
    for (const c of certs) for (const a of c.areas || []) for (const p of a.products || []) totals[p.hs_code] = (totals[p.hs_code] || 0) + Number(p.m3);
    parts.push(el("h3", { text: t("statement.commodities") }),
      el("ul", {}, ...Object.entries(totals).map(([hs, m3]) => el("li", { text: `${hs} · ${t(`hs.${hs.slice(0, 4)}`)}: ${number(m3, 1)} m³` }))));
  }
  parts.push(el("h3", { text: t("statement.producers") }),
    el("p", { text: document.querySelector("[data-testid=org]")?.textContent || "" }),
    el("h3", { text: t("statement.certificates") }),
    el("ul", {}, ...certs.map((c) => el("li", {}, el("a", { href: `/certificates/${c.id}`, text: c.ca_number }),
      ` · ${t("cert.areas")}: ${(c.areas || []).length} · ${number((c.areas || []).reduce((sum, a) => sum + Number(a.area_ha || 0), 0))} ha`))));
  box.replaceChildren(...parts);
  if (!drawn) {
    for (const c of certs) for (const a of c.areas || []) if (a.geometry) polygonsOf(a.geometry, verdictStyle(c.verdict)).forEach((p) => areas.addLayer(p));
    if (areas.getLayers().length) map.fitBounds(areas.getBounds(), { maxZoom: 16, padding: [30, 30] });
    drawn = true;
  }
  const link = document.getElementById("csv-link");
  link.href = URL.createObjectURL(new Blob([csv(s, certs)], { type: "text/csv" }));
  link.hidden = !s.reference_number;
}

/** Whether TRACES still has to answer: queued or submitted, or an amendment or withdrawal queued. */
function waiting(s) {
  const last = (s.history || []).at(-1)?.status || "";
  return POLLING.has(s.status) || /_queued$|^sending$|^retrying$/.test(last);
}

/** A status or event name in the page language (an unknown one as the server sent it). */
function statusName(status) {
  const name = t(`sstatus.${status}`);
  return name === `sstatus.${status}` ? status : name;
}

function render(s) {
  const badge = document.getElementById("statement-status");
  badge.className = `badge sstatus ${s.status}`;
  badge.dataset.status = s.status;
  badge.textContent = t(`sstatus.${s.status}`);
  document.getElementById("simulated").hidden = !s.simulated;
  document.getElementById("reference-number").textContent = s.reference_number || "—";
  document.getElementById("verification-number").textContent = s.verification_number || "—";
  document.querySelectorAll("button.copy").forEach((b) => { b.hidden = !s.reference_number; });
  buttons.submit.hidden = s.status !== "draft";
  buttons.amend.hidden = s.status !== "available";
  buttons.withdraw.hidden = !["available", "submitted"].includes(s.status);
  message.textContent = waiting(s) ? t("statement.waiting") : s.status === "rejected" ? t("statement.rejected") : "";
  document.getElementById("history").replaceChildren(...(s.history || []).map((h) =>
    el("li", {}, el("time", { datetime: h.at, text: moment(h.at) }), ` · ${statusName(h.status)}`, h.message ? ` · ${h.message}` : "")));
}

async function refresh() {
  statement = await api("GET", `/api/v1/statements/${id}`);
  render(statement);
  await describe(statement);
  clearTimeout(timer);
  if (waiting(statement)) timer = setTimeout(() => refresh().catch((e) => { message.textContent = e.message; }), 2000);
}

async function act(operation) {
  if (operation === "withdraw" && !window.confirm(t("statement.withdraw_confirm"))) return;
  if (operation === "submit" && !window.confirm(t("confirm.submit", { ref: statement?.internal_reference || "" }))) return;
  try {
    Object.values(buttons).forEach((b) => { b.disabled = true; });
    await api("POST", `/api/v1/statements/${id}/${operation}`);
    await refresh();
  } catch (err) {
    message.textContent = err.message;
  } finally {
    Object.values(buttons).forEach((b) => { b.disabled = false; });
  }
}

Object.entries(buttons).forEach(([op, button]) => button.addEventListener("click", () => act(op)));
document.querySelectorAll("button.copy").forEach((button) => button.addEventListener("click", async () => {
  const value = document.getElementById(button.dataset.copy).textContent;
  try { await navigator.clipboard.writeText(value); toast(t("statement.copied", { value })); } catch (_) { toast(value); }
}));

if (await hasRoute("GET", "/api/v1/statements/{id}")) {
  refresh().catch((err) => { message.textContent = err.message; });
} else {
  message.textContent = t("app.not_available", { what: t("nav.statements") });
}
