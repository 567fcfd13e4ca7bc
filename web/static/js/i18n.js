// Messages of the one catalogue (web/i18n/messages.toml), fetched once per page from /i18n/{lang}.json.
let messages = {};

export const lang = document.body.dataset.lang || "lv";

export async function loadMessages() {
  const response = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
  messages = response.ok ? await response.json() : {};
  return messages;
}

/** The message for key in the page language, with {name} placeholders filled in. */
export function t(key, values = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function number(value, digits = 2) {
  return Number(value ?? 0).toLocaleString(lang === "lv" ? "lv-LV" : "en-GB",
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
