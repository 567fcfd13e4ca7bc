// The certificate list: selected rows become one statement.
import { loadMessages, t } from "./i18n.js";
import { toast } from "./api.js";

await loadMessages();
const form = document.getElementById("statement-pick");
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const ids = [...form.querySelectorAll("input[name=certificate_ids]:checked")].map((i) => i.value);
    if (!ids.length) { toast(t("statement.pick_some")); return; }
    window.location.href = `/statements/new?ids=${ids.map(encodeURIComponent).join(",")}`;
  });
}
