// Plausibility warnings before saving (issue 17): the server answers 422 plausibility_unconfirmed
// with the warnings (code, field, message); each is shown next to its field with a confirm box and
// a reason, and the next save sends them back as "confirm_warnings": [{code, field, reason}].
import { t } from "./i18n.js";
import { el } from "./api.js";

export const CODE = "plausibility_unconfirmed";

/** Whether an ApiError carries plausibility warnings. */
export function hasWarnings(err) {
  return Boolean(err && err.code === CODE && (err.details || []).length);
}

function fieldName(path) {
  return String(path || "").split(".").pop();
}

/** Show the warnings of ``err`` inside ``root``; ``anchor(name)`` is the element a warning about
 * field ``name`` (quarter, geometry, …) follows. Reasons typed before are kept. */
export function showWarnings(root, err, anchor) {
  const before = new Map([...root.querySelectorAll(".plausibility-warning")].map((box) => [
    `${box.dataset.code}|${box.dataset.field}`,
    { checked: box.querySelector(".confirm-warning").checked, reason: box.querySelector(".warning-reason").value }]));
  clearWarnings(root);
  (err.details || []).forEach((w, i) => {
    const id = `warning-${i}`;
    const kept = before.get(`${w.code}|${w.field}`) || { checked: false, reason: "" };
    const box = el("div", { class: "plausibility-warning", role: "group", "aria-labelledby": `${id}-text`,
      "data-code": w.code, "data-field": w.field },
      el("p", { class: "warning", id: `${id}-text` }, el("strong", { text: `${t("plausibility.warning")}: ` }), w.message),
      el("label", { class: "check" }, el("input", { type: "checkbox", class: "confirm-warning", id: `${id}-confirm` }),
        ` ${t("plausibility.confirm")}`),
      el("label", { for: `${id}-reason`, text: t("plausibility.reason") }),
      el("input", { type: "text", class: "warning-reason", id: `${id}-reason`, autocomplete: "off",
        "aria-describedby": `${id}-error`, maxlength: "1000" }),
      el("p", { class: "field-error", id: `${id}-error`, hidden: true }));
    box.querySelector(".confirm-warning").checked = kept.checked;
    box.querySelector(".warning-reason").value = kept.reason;
    // typing a reason is confirming it
    box.querySelector(".warning-reason").addEventListener("input", (e) => {
      if (e.target.value.trim()) box.querySelector(".confirm-warning").checked = true;
    });
    const after = anchor(fieldName(w.field)) || root.lastElementChild;
    if (after && after.parentNode) after.after(box); else root.append(box);
  });
}

export function clearWarnings(root) {
  root.querySelectorAll(".plausibility-warning").forEach((box) => box.remove());
}

/** The confirmations to send, or null (with the reasons asked for beside the warnings) when a
 * shown warning is not confirmed with a reason yet. */
export function confirmations(root) {
  const boxes = [...root.querySelectorAll(".plausibility-warning")];
  let complete = true;
  const out = boxes.map((box) => {
    const checked = box.querySelector(".confirm-warning").checked;
    const reason = box.querySelector(".warning-reason").value.trim();
    const error = box.querySelector(".field-error");
    error.hidden = true;
    if (!checked || !reason) {
      complete = false;
      error.textContent = checked ? t("plausibility.reason_required") : t("plausibility.confirm_all");
      error.hidden = false;
    }
    return { code: box.dataset.code, field: box.dataset.field, reason };
  });
  if (!complete) {
    const first = boxes.find((box) => !box.querySelector(".field-error").hidden);
    first?.querySelector(first.querySelector(".confirm-warning").checked ? ".warning-reason" : ".confirm-warning").focus();
    return null;
  }
  return out;
}
