// Volumes per species and per product code, with the 10 % deviation of the law explained live.
// Every number is typed as text: a decimal comma or point (see decimal.js), refused when unclear.
import { t, number } from "./i18n.js";
import { api, ApiError, hasRoute, notYet } from "./api.js";
import { decimalInput, decimalValue, inputText } from "./decimal.js";

export const PERMITTED_DEVIATION = 0.10;

/** |planned − accounted| / accounted, the deviation of Art. 8(2) (null when nothing accounted). */
export function deviation(planned, accounted) {
  return accounted > 0 ? Math.abs(planned - accounted) / accounted : null;
}

/** The planned volume of a species row: its own input (typed by hand) or the certificate's. */
function plannedOf(row) {
  const input = row.querySelector("input.planned");
  return input ? decimalValue(input) ?? 0 : Number(row.dataset.planned);
}

/** Recompute the deviations and the product sum check of one fieldset (one felling area). */
export function refresh(fieldset) {
  let species = 0;
  fieldset.querySelectorAll("tr[data-species]").forEach((row) => {
    const input = row.querySelector("input.m3");
    const out = row.querySelector("output.deviation");
    const actual = decimalValue(input) ?? 0;
    species += actual;
    const dev = deviation(plannedOf(row), actual);
    if (dev === null) { out.textContent = "—"; out.className = "deviation"; return; }
    out.textContent = `${number(dev * 100, 1)} %`;
    out.className = dev > PERMITTED_DEVIATION ? "deviation over" : "deviation";
    out.title = dev > PERMITTED_DEVIATION ? t("volumes.over_limit") : t("volumes.within_limit");
  });
  let products = 0;
  fieldset.querySelectorAll("input.hs").forEach((input) => { products += decimalValue(input) ?? 0; });
  const check = fieldset.querySelector(".sum-check");
  check.textContent = t("volumes.sum", { products: number(products, 1), species: number(species, 1) });
  check.classList.toggle("over", Math.abs(products - species) > 0.05);
}

/** Wire every decimal input inside ``root`` (values shown in the page's locale). */
export function wireDecimals(root) {
  root.querySelectorAll("input.decimal").forEach((input) => {
    if (input.dataset.wired) return;
    input.dataset.wired = "1";
    if (input.value !== "" && !Number.isNaN(Number(input.value))) input.value = inputText(input.value);
    decimalInput(input);
  });
}

/** The first refused decimal input of ``root`` (empty ones too unless ``allowEmpty``). */
export function firstRefused(root, { allowEmpty = false } = {}) {
  return [...root.querySelectorAll("input.decimal")]
    .find((i) => !(allowEmpty && i.value.trim() === "") && decimalValue(i) === null);
}

export function setupVolumes(certId) {
  const form = document.getElementById("volumes-form");
  if (!form) return;
  wireDecimals(form);
  const fieldsets = [...form.querySelectorAll("fieldset[data-area]")];
  fieldsets.forEach((fs) => {
    fs.addEventListener("input", () => refresh(fs));
    refresh(fs);
  });
  const status = document.getElementById("volumes-status");
  const errorBox = document.getElementById("volumes-error");
  const button = document.getElementById("volumes-save");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    status.textContent = "";
    const bad = firstRefused(form);
    if (bad) {
      errorBox.textContent = t("volumes.invalid");
      errorBox.hidden = false;
      bad.focus();
      return;
    }
    if (!(await hasRoute("PUT", "/api/v1/certificates/{id}/volumes"))) { notYet(status, t("volumes.title")); return; }
    const body = {
      areas: fieldsets.map((fs) => ({
        cirsma: Number(fs.dataset.cirsma),
        volumes: [...fs.querySelectorAll("tr[data-species]")].map((row) => ({
          species_code: Number(row.dataset.species), m3: decimalValue(row.querySelector("input.m3")),
        })),
        products: [...fs.querySelectorAll("tr[data-hs]")].map((row) => ({
          hs_code: row.dataset.hs, m3: decimalValue(row.querySelector("input.hs")),
        })).filter((p) => p.m3 > 0),
      })),
    };
    button.disabled = true;
    try {
      await api("PUT", `/api/v1/certificates/${certId}/volumes`, body);
      status.textContent = t("volumes.saved");
    } catch (err) {
      const extra = err instanceof ApiError ? err.details.map((d) => d.message).filter(Boolean) : [];
      errorBox.textContent = [err.message, ...extra].join(" ");
      errorBox.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}
