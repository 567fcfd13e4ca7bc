// Volumes per species and per product code, with the 10 % deviation of the law explained live.
import { t, number } from "./i18n.js";
import { api, ApiError, hasRoute, notYet } from "./api.js";

export const PERMITTED_DEVIATION = 0.10;

/** |planned − accounted| / accounted, the deviation of Art. 8(2) (null when nothing accounted). */
export function deviation(planned, accounted) {
  return accounted > 0 ? Math.abs(planned - accounted) / accounted : null;
}

function refresh(fieldset) {
  let species = 0;
  fieldset.querySelectorAll("tr[data-species]").forEach((row) => {
    const input = row.querySelector("input.m3");
    const out = row.querySelector("output.deviation");
    const actual = Number(input.value);
    const planned = Number(row.dataset.planned);
    species += actual;
    const dev = deviation(planned, actual);
    if (dev === null) { out.textContent = "—"; out.className = "deviation"; return; }
    out.textContent = `${number(dev * 100, 1)} %`;
    out.className = dev > PERMITTED_DEVIATION ? "deviation over" : "deviation";
    out.title = dev > PERMITTED_DEVIATION ? t("volumes.over_limit") : t("volumes.within_limit");
  });
  let products = 0;
  fieldset.querySelectorAll("input.hs").forEach((input) => { products += Number(input.value); });
  const check = fieldset.querySelector(".sum-check");
  check.textContent = t("volumes.sum", { products: number(products, 1), species: number(species, 1) });
  check.classList.toggle("over", Math.abs(products - species) > 0.05);
}

export function setupVolumes(certId) {
  const form = document.getElementById("volumes-form");
  if (!form) return;
  const fieldsets = [...form.querySelectorAll("fieldset[data-area]")];
  fieldsets.forEach((fs) => {
    fs.addEventListener("input", () => refresh(fs));
    refresh(fs);
  });
  const status = document.getElementById("volumes-status");
  const errorBox = document.getElementById("volumes-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const bad = [...form.querySelectorAll("input[type=number]")].find((i) => i.value === "" || Number(i.value) < 0);
    if (bad) {
      bad.setAttribute("aria-invalid", "true");
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
          species_code: Number(row.dataset.species), m3: Number(row.querySelector("input").value),
        })),
        products: [...fs.querySelectorAll("tr[data-hs]")].map((row) => ({
          hs_code: row.dataset.hs, m3: Number(row.querySelector("input").value),
        })).filter((p) => p.m3 > 0),
      })),
    };
    try {
      await api("PUT", `/api/v1/certificates/${certId}/volumes`, body);
      status.textContent = t("volumes.saved");
    } catch (err) {
      const extra = err instanceof ApiError ? err.details.map((d) => d.message).filter(Boolean) : [];
      errorBox.textContent = [err.message, ...extra].join(" ");
      errorBox.hidden = false;
    }
  });
}
