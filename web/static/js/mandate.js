// Mandate upload and status, and the charges of a month (1 EUR per felling area).
import { loadMessages, t, number } from "./i18n.js";
import { api, hasRoute, el, showFieldErrors, clearFieldErrors } from "./api.js";

await loadMessages();
const form = document.getElementById("mandate-form");
const status = document.getElementById("mandate-status");

async function listMandates() {
  const list = document.getElementById("mandates");
  if (!(await hasRoute("GET", "/api/v1/mandates"))) { status.textContent = t("app.not_available", { what: t("mandate.title") }); return false; }
  const data = await api("GET", "/api/v1/mandates").catch(() => []);
  const items = Array.isArray(data) ? data : data.mandates || data.items || [];
  list.replaceChildren(...items.map((m) => el("li", {}, el("span", { class: `badge mstatus ${m.status}`, text: t(`mandate.status_${m.status}`) }),
    ` ${m.filename || ""} · ${m.uploaded_at ? new Date(m.uploaded_at).toLocaleDateString() : ""}`,
    m.valid_until ? ` · ${t("field.valid_until")} ${m.valid_until}` : "")));
  if (!items.length) list.append(el("li", { class: "muted", text: t("mandate.none") }));
  return true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  const file = document.getElementById("file").files[0];
  if (!file) { showFieldErrors(form, { details: [{ field: "file", message: t("mandate.file_required") }] }); return; }
  try {
    const body = new FormData();
    body.append("file", file);
    await api("POST", "/api/v1/mandates", body);
    status.textContent = t("mandate.uploaded");
    form.reset();
    await listMandates();
  } catch (err) {
    if (!showFieldErrors(form, err)) showFieldErrors(form, { details: [{ field: "file", message: err.message }] });
  }
});

async function charges(month) {
  const line = document.getElementById("billing-status");
  const table = document.getElementById("charges");
  if (!(await hasRoute("GET", "/api/v1/billing/charges"))) { line.textContent = t("app.not_available", { what: t("billing.title") }); return; }
  try {
    const data = await api("GET", `/api/v1/billing/charges?month=${encodeURIComponent(month)}`);
    const rows = Array.isArray(data) ? data : data.charges || data.items || [];
    table.tBodies[0].replaceChildren(...rows.map((c) => el("tr", {},
      el("td", { text: (c.charged_at || "").slice(0, 10) }), el("td", { text: c.ca_number || "" }),
      el("td", { text: c.cadastral_designation || "" }), el("td", { class: "num", text: number(c.amount_eur) }))));
    document.getElementById("charges-total").textContent = number(data.total_eur ?? rows.reduce((s, c) => s + Number(c.amount_eur || 0), 0));
    table.hidden = false;
    line.textContent = rows.length ? "" : t("billing.none");
    const csv = document.getElementById("charges-csv");
    csv.href = `/api/v1/billing/charges?month=${encodeURIComponent(month)}&f=csv`;
    csv.hidden = false;
  } catch (err) {
    line.textContent = err.message;
  }
}

document.getElementById("billing-form").addEventListener("submit", (event) => {
  event.preventDefault();
  charges(document.getElementById("month").value);
});
listMandates();
charges(document.getElementById("month").value);
