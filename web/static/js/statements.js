// The statement list: a draft (or rejected) statement can be deleted, which frees its certificates.
import { loadMessages, t } from "./i18n.js";
import { api, toast } from "./api.js";

await loadMessages();
const status = document.getElementById("statements-status");
document.querySelectorAll("button.delete-draft").forEach((button) => {
  button.addEventListener("click", async () => {
    const ref = button.dataset.ref;
    if (!window.confirm(t("draft.delete_confirm", { ref }))) return;
    button.disabled = true;
    try {
      await api("DELETE", `/api/v1/statements/${encodeURIComponent(button.dataset.statement)}`);
      button.closest("tr").remove();
      status.textContent = t("draft.deleted", { ref });
      toast(t("draft.deleted", { ref }));
    } catch (err) {
      button.disabled = false;
      status.textContent = err.message;
    }
  });
});
