// File inputs in the catalogue's words (issue 17: no English on Latvian screens). A native
// <input type="file"> shows the browser's own "Choose File" / "No file chosen", so the templates
// (web/templates/_file_input.html) keep it focusable and labelled but visually hidden, and show
// a label styled as a button and an <output id="<input id>-name">. This module keeps that output
// naming the chosen file, or the catalogue's "no file chosen" (its data-none) when there is none.

function showChoice(input) {
  const output = document.getElementById(`${input.id}-name`);
  if (!output) return;
  const names = Array.from(input.files || [], (file) => file.name);
  output.textContent = names.length ? names.join(", ") : output.dataset.none || "";
  output.classList.toggle("chosen", names.length > 0);
}

export function wireFileInputs(root = document) {
  for (const input of root.querySelectorAll('input[type="file"]')) {
    if (!input.id || input.dataset.fileInput) continue;
    input.dataset.fileInput = "wired";
    input.addEventListener("change", () => showChoice(input));
    // A form's reset event comes before the reset itself: look once it is done.
    input.form?.addEventListener("reset", () => setTimeout(() => showChoice(input)));
    if (input.files && input.files.length) showChoice(input);  // a choice the browser restored
  }
}

wireFileInputs();
