// Create one statement for the chosen certificates and buyers.
import { loadMessages, t } from "./i18n.js";
import { api, hasRoute, showFieldErrors, clearFieldErrors } from "./api.js";

await loadMessages();
const form = document.getElementById("statement-form");
if (form) {
  const errorBox = document.getElementById("statement-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    errorBox.hidden = true;
    const ids = [...form.querySelectorAll("input[name=certificate_ids]:checked")].map((i) => i.value);
    const buyers = document.getElementById("buyers").value.split(/[\s,;]+/).filter(Boolean);
    const bad = buyers.filter((b) => !/^\d{11}$/.test(b));
    const local = [];
    if (!ids.length) local.push({ field: "certificate_ids", message: t("statement.pick_some") });
    if (bad.length) local.push({ field: "buyers", message: t("statement.buyers_invalid", { values: bad.join(", ") }) });
    if (local.length) { showFieldErrors(form, { details: local }); return; }
    if (!(await hasRoute("POST", "/api/v1/statements"))) {
      errorBox.textContent = t("app.not_available", { what: t("nav.statements") });
      errorBox.hidden = false;
      return;
    }
    try {
      const statement = await api("POST", "/api/v1/statements", { certificate_ids: ids, buyers });
      window.location.href = `/statements/${statement.id}`;
    } catch (err) {
      if (!showFieldErrors(form, err)) { errorBox.textContent = err.message; errorBox.hidden = false; }
    }
  });
}
