// The organisation profile: what TRACES receives of the represented operator, saved over the API.
import { loadMessages, t } from "./i18n.js";
import { api, showFieldErrors, clearFieldErrors } from "./api.js";

await loadMessages();
const form = document.getElementById("organisation-form");
const url = `/api/v1/organisations/${encodeURIComponent(form.dataset.organisation)}`;
const status = document.getElementById("organisation-status");
const failure = document.getElementById("organisation-error");
const EDITABLE = ["name", "vat_no", "eori", "street", "postal_code", "city", "country", "email", "phone"];

function fill(org) {
  for (const input of form.querySelectorAll("input")) input.value = org[input.name] ?? "";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  failure.hidden = true;
  const body = {};
  for (const name of EDITABLE) {
    const input = form.elements.namedItem(name);
    if (input && !input.readOnly) body[name] = input.value.trim() || null;
  }
  if (body.name === null) delete body.name;
  if (body.country) body.country = body.country.toUpperCase();
  else delete body.country;
  try {
    fill(await api("PATCH", url, body));
    status.textContent = t("organisation.saved");
  } catch (err) {
    if (!showFieldErrors(form, err)) { failure.textContent = err.message; failure.hidden = false; }
  }
});

fill(await api("GET", url));
const wanted = location.hash.slice(1);
if (wanted && form.elements.namedItem(wanted)) form.elements.namedItem(wanted).focus();
