// TokenCenter status page: fetches /status.json every 5 s and renders it with textContent only.
"use strict";
(function () {
  function duration(seconds) {
    if (seconds <= 0) return "expired";
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h > 0 ? h + "h " : "") + (h > 0 || m > 0 ? m + "m " : "") + s + "s";
  }
  function time(value) { return value ? new Date(value).toISOString().replace(".000Z", "Z") : "—"; }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  function render(status) {
    document.getElementById("summary").textContent =
      "Replica " + status.replica + " · store " + status.store + (status.storeReachable ? " (reachable)" : " (UNREACHABLE)") +
      " · " + status.keys.length + " keys · as of " + time(status.now);
    var body = document.getElementById("keys");
    while (body.firstChild) body.removeChild(body.firstChild);
    status.keys.forEach(function (k) {
      var row = document.createElement("tr");
      row.setAttribute("data-key", k.key);
      cell(row, k.key);
      cell(row, k.grant || "—");
      cell(row, k.hasValidToken ? "valid" : "none", k.hasValidToken ? "ok" : "bad");
      cell(row, k.hasValidToken ? duration(k.remainingSeconds) : "—");
      cell(row, time(k.expiresAt));
      cell(row, String(k.version));
      cell(row, time(k.lastRefreshAt));
      cell(row, k.lastTrigger || "—");
      cell(row, k.lastError ? k.lastError.errcode + ": " + k.lastError.errmsg + " (" + time(k.lastError.at) + ")" : "—", k.lastError ? "bad" : "");
      cell(row, String(k.upstreamCallsToday));
      cell(row, String(k.forcedRefreshBudgetLeft));
      body.appendChild(row);
    });
    document.getElementById("error").textContent = "";
  }
  function load() {
    fetch("status.json", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(render)
      .catch(function (e) { document.getElementById("error").textContent = "Could not load status: " + e.message; });
  }
  load();
  setInterval(load, 5000);
})();
