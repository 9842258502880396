// Guard compliance console: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Filters: changing a select applies the filter at once.
  const filters = document.getElementById("filters");
  if (filters) {
    for (const select of filters.querySelectorAll("select")) {
      select.addEventListener("change", () => filters.requestSubmit());
    }
  }
  // A running chain verification: poll until it finishes, then reload.
  const status = document.getElementById("verify-status");
  if (status && status.querySelector(".pending")) {
    const base = document.querySelector("link[rel=stylesheet]").getAttribute("href").replace(/\/static\/console\.css$/, "");
    const poll = () => fetch(`${base}/api/verify`, {credentials: "same-origin"})
      .then((r) => r.json()).then((s) => { if (s.running) { setTimeout(poll, 1000); } else { location.reload(); } })
      .catch(() => setTimeout(poll, 3000));
    setTimeout(poll, 1000);
  }
});
