// The evidence report: print it (a script, since the Content Security Policy forbids inline handlers).
document.getElementById("print-report")?.addEventListener("click", () => window.print());
