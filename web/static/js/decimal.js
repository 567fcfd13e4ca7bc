// Numbers typed by people: a Latvian decimal comma or a point, never silently misread.
//
// `171,6` and `171.6` are 171.6; `1 716,5` (spaces, as Intl prints lv-LV numbers) is 1716.5.
// Input whose meaning depends on the reader's habits is refused, not guessed: both separators
// (`1.234,5`, `1,234.5`), or one separator followed by exactly three digits after one to three
// digits (`1,234`, `1.234`: a thousand or one?). Grouping spaces must split groups of three.
import { t, lang } from "./i18n.js";

const SPACES = /[\s\u00a0\u202f]/g;
const HAS_SPACE = /[\s\u00a0\u202f]/;

/** {value} for a plain non-negative decimal, {error: "empty"|"invalid"|"ambiguous"} otherwise. */
export function parseDecimal(text) {
  const raw = String(text ?? "").trim();
  if (!raw) return { error: "empty" };
  if (HAS_SPACE.test(raw) && !/^\d{1,3}([\s\u00a0\u202f]\d{3})+([.,]\d+)?$/.test(raw)) return { error: "invalid" };
  const compact = raw.replace(SPACES, "");
  if (/[.,].*[.,]/.test(compact)) return /^\d+([.,]\d+)+$/.test(compact) ? { error: "ambiguous" } : { error: "invalid" };
  if (!/^\d+([.,]\d+)?$/.test(compact)) return { error: "invalid" };
  const grouped = raw === compact; // no spaces: a lone separator may be a thousands one
  if (grouped && /^[1-9]\d{0,2}[.,]\d{3}$/.test(compact)) return { error: "ambiguous" };
  return { value: Number(compact.replace(",", ".")) };
}

/** The exact value in the page's locale (up to 3 decimals), for a line a person reads. */
export function formatDecimal(value) {
  return Number(value).toLocaleString(lang === "lv" ? "lv-LV" : "en-GB",
    { minimumFractionDigits: 1, maximumFractionDigits: 3 });
}

/** A stored value for an input that parses back to itself (never an ambiguous `1,234`). */
export function inputText(value) {
  const text = Number(value).toLocaleString(lang === "lv" ? "lv-LV" : "en-GB",
    { minimumFractionDigits: 1, maximumFractionDigits: 3, useGrouping: false });
  return parseDecimal(text).error === "ambiguous" ? `${text}0` : text;
}

/** A person's message for a parse result's error (or "" for a value). */
export function decimalError(result) {
  return result.error ? t(`decimal.${result.error}`) : "";
}

/** Wire a text input: a live "will be saved" line under it, aria-invalid when refused.
 * Returns a function giving the current value (null when refused). */
export function decimalInput(input) {
  let out = document.getElementById(`${input.id}-saved`);
  if (!out) {
    out = document.createElement("output");
    out.id = `${input.id}-saved`;
    out.className = "will-save";
    out.setAttribute("for", input.id);
    input.insertAdjacentElement("afterend", out);
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${out.id}` : out.id);
  }
  const show = () => {
    const result = parseDecimal(input.value);
    if (result.error) {
      out.textContent = decimalError(result);
      out.classList.add("refused");
      input.setAttribute("aria-invalid", "true");
    } else {
      out.textContent = t("decimal.will_save", { value: formatDecimal(result.value) });
      out.classList.remove("refused");
      input.removeAttribute("aria-invalid");
    }
    return result;
  };
  input.addEventListener("input", show);
  show();
  return () => { const r = parseDecimal(input.value); return r.error ? null : r.value; };
}

/** The value of a decimal input, or null when it is refused. */
export function decimalValue(input) {
  const r = parseDecimal(input.value);
  return r.error ? null : r.value;
}
