// JSON API calls with the session's CSRF token, one error type, and 422 details mapped to fields.
import { t } from "./i18n.js";

export const csrf = document.body.dataset.csrf || "";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

/** fetch() a JSON endpoint; resolves to the parsed body, rejects with ApiError. */
export async function api(method, url, body, { raw = false } = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, "network", t("error.network"), []);
  }
  if (!response.ok) {
    let error = { code: "http_" + response.status, message: t("error.http", { status: response.status }), details: [] };
    try {
      const data = await response.json();
      if (data && data.error) error = data.error;
    } catch (_) { /* not JSON */ }
    throw new ApiError(response.status, error.code, error.message, error.details);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

let openapi = null;

/** Whether the server offers METHOD PATH (as written in the OpenAPI document, e.g. /api/v1/x/{id}). */
export async function hasRoute(method, path) {
  if (openapi === null) {
    try {
      openapi = await (await fetch("/api/v1/openapi.json")).json();
    } catch (_) {
      openapi = { paths: {} };
    }
  }
  const entry = openapi.paths && openapi.paths[path];
  return Boolean(entry && entry[method.toLowerCase()]);
}

/** Show a message that a screen part waits for a server feature that is not there yet. */
export function notYet(element, what) {
  element.textContent = t("app.not_available", { what });
  element.classList.add("notice");
}

/** Put server validation details next to the fields (ids: prefix + field name + "-error"). */
export function showFieldErrors(form, error, prefix = "") {
  clearFieldErrors(form);
  let placed = 0;
  for (const detail of error.details || []) {
    const field = String(detail.field || detail.loc || "").split(".").pop();
    const target = field && form.querySelector(`#${CSS.escape(prefix + field)}-error`);
    const input = field && form.querySelector(`#${CSS.escape(prefix + field)}`);
    if (target) {
      target.textContent = detail.message || detail.msg || error.message;
      target.hidden = false;
      if (input) input.setAttribute("aria-invalid", "true");
      placed += 1;
    }
  }
  return placed;
}

export function clearFieldErrors(form) {
  form.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

/** A short message at the bottom of the screen. */
export function toast(message) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

/** Create an element with text (never HTML) and attributes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Collapse the side panel on narrow screens. */
export function panelToggle() {
  const button = document.querySelector(".panel-toggle");
  if (!button) return;
  const body = document.getElementById(button.getAttribute("aria-controls"));
  const set = (open) => {
    button.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
  };
  if (window.matchMedia("(max-width: 760px)").matches) set(false);
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
}
