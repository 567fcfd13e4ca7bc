// Messages of the one catalogue (web/i18n/messages.toml), fetched once per page from /i18n/{lang}.json.
let messages = {};

export const lang = document.body.dataset.lang || "lv";

export async function loadMessages() {
  const response = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
  messages = response.ok ? await response.json() : {};
  return messages;
}

/** Every catalogue key that starts with ``prefix``. */
export function catalogueKeys(prefix) {
  return Object.keys(messages).filter((key) => key.startsWith(prefix));
}

/** The message for key in the page language, with {name} placeholders filled in. */
export function t(key, values = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const LOCALE = lang === "lv" ? "lv-LV" : "en-GB";

/** A calendar date (ISO text or Date) in the page's locale: 02.03.2026. / 02/03/2026. */
export function day(value) {
  if (!value) return "—";
  const d = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(LOCALE, { day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
}

/** A moment (ISO timestamp) in the page's locale, to the minute. */
export function moment(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(LOCALE, { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(value));
}

export function number(value, digits = 2) {
  return Number(value ?? 0).toLocaleString(lang === "lv" ? "lv-LV" : "en-GB",
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
