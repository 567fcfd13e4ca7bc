// One statement: what will be sent, submit, status polling, reference numbers, amend and withdraw.
import { loadMessages, t, number, lang, moment } from "./i18n.js";
import { api, hasRoute, el, toast, panelToggle } from "./api.js";
import { createMap, verdictStyle } from "./map.js";
import { polygonsOf } from "./editing.js";

await loadMessages();
panelToggle();
const id = document.getElementById("panel").dataset.statement;
const organisationId = document.getElementById("panel").dataset.organisation;
const { map } = await createMap();
const areas = L.featureGroup().addTo(map);
const message = document.getElementById("statement-message");
const buttons = {
  submit: document.getElementById("submit-statement"),
  amend: document.getElementById("amend-statement"),
  withdraw: document.getElementById("withdraw-statement"),
  rebuild: document.getElementById("rebuild-statement"),
  resubmit: document.getElementById("resubmit-statement"),
};
const CHECKED = new Set(["draft", "rejected"]);
const OPERATOR_FIELDS = ["name", "reg_no", "vat_no", "street", "postal_code", "city", "country"];
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
      el("ul", {}, ...(preview.commodities || []).map((c) => el("li", { "data-field": `commodities[${c.hs_heading}]` },
        `${c.hs_heading} · ${t(`hs.${String(c.hs_heading).slice(0, 4)}`)}: ${number(c.volume_m3, 1)} m³`,
        c.species?.length ? el("div", { class: "muted", text: c.species.map((sp) => `${speciesName(sp)} (${sp.scientific_name})`).join(", ") }) : null))));
    const warnings = preview.warnings || [];
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
    el("ul", {}, ...certs.map((c) => el("li", { "data-field": `certificates[${c.ca_number}]` }, el("a", { href: `/certificates/${c.id}`, text: c.ca_number }),
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
  if (name !== `sstatus.${status}`) return name;
  const event = t(`statement_check.event_${status}`);
  return event === `statement_check.event_${status}` ? status : event;
}

/** TRACES' messages and reported statuses; what was sent and to which buyers. */
function renderTraces(s) {
  const said = s.communications || [];
  document.getElementById("communications-box").hidden = !said.length;
  document.getElementById("communications").replaceChildren(...said.map((c) => el("li", { class: c.kind },
    el("time", { datetime: c.traces_at || c.received_at, text: moment(c.traces_at || c.received_at) }),
    c.kind === "communication" ? ` · ${t("statement_check.message")}: ${c.content}`
      : ` · ${t("statement_check.reported")}: ${statusName(String(c.status).toLowerCase())}${c.content ? ` · ${c.content}` : ""}`)));
  const sent = s.sent;
  document.getElementById("sent-box").hidden = !sent;
  if (!sent) return;
  document.getElementById("sent").replaceChildren(el("ul", {}, ...(sent.commodities || []).map((c) => el("li", {},
    `${c.hs_heading} · ${c.description}: ${number(c.volume_m3, 1)} m³ (${c.supplementary_unit_qualifier || "MTQ"}, ±${c.percentage_estimation_or_deviation ?? "—"} %) · ${t("statement.producers")}: ${c.producer_count}`,
    c.species?.length ? el("div", { class: "muted", text: c.species.map((sp) => `${speciesName(sp)} (${sp.scientific_name})`).join(", ") }) : null))));
  const buyers = s.buyers || [];
  document.getElementById("buyers").replaceChildren(...(buyers.length ? buyers.map((b) => el("li", {}, el("code", { text: b })))
    : [el("li", { class: "muted", text: "—" })]));
}

let countdown = null;

/** Amend and withdraw are possible until window_closes_at: a countdown, then the buttons go. */
function showWindow(s) {
  const box = document.getElementById("window-countdown");
  clearInterval(countdown);
  if (!s.window_closes_at) { box.hidden = true; return; }
  const closes = new Date(s.window_closes_at).getTime();
  const tick = () => {
    const left = closes - Date.now();
    box.hidden = false;
    box.dataset.closesAt = s.window_closes_at;
    if (left <= 0) {
      box.textContent = t("statement_check.window_closed");
      buttons.amend.hidden = true;
      buttons.withdraw.hidden = true;
      clearInterval(countdown);
      return;
    }
    const hours = Math.floor(left / 3_600_000);
    const minutes = Math.floor((left % 3_600_000) / 60_000);
    box.textContent = t("statement_check.window_left", { hours, minutes });
  };
  tick();
  countdown = setInterval(tick, 30_000);
}

function render(s) {
  renderTraces(s);
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
  buttons.rebuild.hidden = s.status !== "draft";
  showWindow(s);
  buttons.resubmit.hidden = s.status !== "rejected";
  const rejection = document.getElementById("rejection-box");
  rejection.hidden = s.status !== "rejected" || !s.rejection;
  document.getElementById("rejection-text").textContent = s.rejection ? (s.rejection[lang] || s.rejection.lv) : "";
  document.getElementById("attempts-box").hidden = !(s.attempts || []).length;
  document.getElementById("attempts").replaceChildren(...(s.attempts || []).map((a) =>
    el("li", {}, `${t("statement_check.attempt", { n: a.attempt })} · ${statusName(a.status)}`,
      a.traces_uuid ? ` · ${a.traces_uuid}` : "", a.rejection_reason ? ` · ${a.rejection_reason}` : "")));
  message.textContent = waiting(s) ? t("statement.waiting") : s.status === "rejected" ? t("statement.rejected") : "";
  document.getElementById("history").replaceChildren(...(s.history || []).map((h) =>
    el("li", {}, el("time", { datetime: h.at, text: moment(h.at) }), ` · ${statusName(h.status)}`, (h.messages?.[lang] || h.message) ? ` · ${h.messages?.[lang] || h.message}` : "")));
}

/** The represented operator as TRACES gets it, each field ready to show its problems. */
async function operator() {
  const org = await api("GET", `/api/v1/organisations/${encodeURIComponent(organisationId)}`).catch(() => null);
  const box = document.getElementById("operator-box");
  if (!org) { box.hidden = true; return; }
  document.getElementById("operator").replaceChildren(...OPERATOR_FIELDS.flatMap((name) => [
    el("dt", { text: t(`organisation.${name}`) }),
    el("dd", { "data-field": `organisation.${name}` }, org[name] || "—")]));
  box.hidden = false;
}

function problemItem(p, inline) {
  const text = (p.message && (p.message[lang] || p.message.lv)) || p.code;
  return el(inline ? "p" : "li", { class: `${inline ? "field-error problem-inline" : "problem"} ${p.severity}`, "data-code": p.code, "data-field": inline ? null : p.field },
    p.severity === "warning" ? `${t("statement_check.warning")}: ` : "", text, " ",
    p.fix?.href ? el("a", { href: p.fix.href, class: "fix", text: t(`statement_check.fix_${p.fix.where}`) }) : null);
}

/** The full list on top, and each problem again next to the field it names. */
function showProblems(problems) {
  const box = document.getElementById("problems-box");
  const errors = problems.filter((p) => p.severity === "error").length;
  document.getElementById("problems-summary").textContent = problems.length
    ? t("statement_check.summary", { errors, warnings: problems.length - errors }) : t("statement_check.none");
  document.getElementById("problems").replaceChildren(...problems.map((p) => problemItem(p, false)));
  document.querySelectorAll(".problem-inline").forEach((n) => n.remove());
  const targets = [...document.querySelectorAll("#operator [data-field], #statement-content [data-field]")];
  for (const p of problems) {
    const matches = targets.filter((n) => p.field === n.dataset.field || p.field.startsWith(`${n.dataset.field}.`));
    const best = matches.sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0];
    if (best) best.append(problemItem(p, true));
  }
  box.hidden = false;
}

async function validate() {
  const report = await api("POST", `/api/v1/statements/${id}/validate`);
  showProblems(report.problems || []);
  return report;
}

async function refresh() {
  statement = await api("GET", `/api/v1/statements/${id}`);
  render(statement);
  await describe(statement);
  if (CHECKED.has(statement.status)) {
    await operator();
    await validate();
  } else {
    document.getElementById("problems-box").hidden = true;
  }
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
    if (err.code === "statement_invalid") showProblems(err.details);
  } finally {
    Object.values(buttons).forEach((b) => { b.disabled = false; });
  }
}

Object.entries(buttons).forEach(([op, button]) => button.addEventListener("click", () => act(op)));
document.getElementById("validate-statement").addEventListener("click", () => validate().catch((e) => { message.textContent = e.message; }));
document.querySelectorAll("button.copy").forEach((button) => button.addEventListener("click", async () => {
  const value = document.getElementById(button.dataset.copy).textContent;
  try { await navigator.clipboard.writeText(value); toast(t("statement.copied", { value })); } catch (_) { toast(value); }
}));

if (await hasRoute("GET", "/api/v1/statements/{id}")) {
  refresh().catch((err) => { message.textContent = err.message; });
} else {
  message.textContent = t("app.not_available", { what: t("nav.statements") });
}
