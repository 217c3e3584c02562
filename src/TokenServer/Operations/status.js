// TokenCenter status page: fetches /status.json (summary, dynamic key counts, 24 h history, one page of keys) every 5 s
// and renders it with DOM calls and textContent only (no HTML from data).
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var LIFETIME = 7200;
  var view = { q: "", state: "all", page: 1 };
  var pages = 1;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function duration(seconds) {
    if (seconds <= 0) return "expired";
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h > 0 ? h + "h " : "") + (h > 0 || m > 0 ? m + "m " : "") + s + "s";
  }
  function time(value) { return value ? new Date(value).toISOString().replace(".000Z", "Z").replace("T", " ") : "—"; }

  function card(number, label, cls) {
    var c = el("div", null, "card" + (cls ? " " + cls : ""));
    c.appendChild(el("div", String(number), "n"));
    c.appendChild(el("div", label, "l"));
    return c;
  }
  function renderCards(s, status) {
    var cards = $("cards");
    cards.replaceChildren(
      card(s.keys, "keys"),
      card(s.valid, "valid", "good"),
      card(s.expiring, "expiring within 10 min", s.expiring > 0 ? "warn" : ""),
      card(s.withoutToken, "without a valid token", s.withoutToken > 0 ? "bad" : ""),
      card(s.needsReauthorization, "need re-authorization", s.needsReauthorization > 0 ? "bad" : ""),
      card(s.failing, "valid, last attempt failed", s.failing > 0 ? "warn" : ""),
      card(s.busiestAppCallsToday + " / " + s.weChatDailyQuota, "WeChat calls today, busiest app" + (s.busiestApp ? " (" + s.busiestApp + ")" : ""),
        s.busiestAppCallsToday > s.weChatDailyQuota * 0.8 ? "bad" : ""),
      card(s.forcedRefreshesToday, "forced refreshes today (configured apps)"),
      card(status.storeReachable ? "up" : "DOWN", "store: " + status.store, status.storeReachable ? "good" : "bad"),
      card(s.lockFailures24h, "lock failures, 24 h", s.lockFailures24h > 0 ? "warn" : ""));
  }

  function renderHistory(history) {
    var svg = $("history");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var max = 1, totals = { refreshes: 0, errors: 0 };
    history.forEach(function (h) {
      max = Math.max(max, h.startup + h.proactive + h.forced, h.failures + h.upstreamErrors);
      totals.refreshes += h.startup + h.proactive + h.forced;
      totals.errors += h.failures + h.upstreamErrors;
    });
    var w = 960 / history.length;
    history.forEach(function (h, i) {
      var y = 110;
      [["startup", "#8c959f"], ["proactive", "#2da44e"], ["forced", "#0969da"]].forEach(function (part) {
        var v = h[part[0]];
        if (v <= 0) return;
        var height = 100 * v / max;
        var r = document.createElementNS(SVG, "rect");
        r.setAttribute("x", String(i * w + w * 0.1)); r.setAttribute("width", String(w * 0.5));
        r.setAttribute("y", String(y - height)); r.setAttribute("height", String(height)); r.setAttribute("fill", part[1]);
        svg.appendChild(r);
        y -= height;
      });
      var bad = h.failures + h.upstreamErrors;
      if (bad > 0) {
        var e = document.createElementNS(SVG, "rect");
        var eh = 100 * bad / max;
        e.setAttribute("x", String(i * w + w * 0.62)); e.setAttribute("width", String(w * 0.25));
        e.setAttribute("y", String(110 - eh)); e.setAttribute("height", String(eh)); e.setAttribute("fill", "#cf222e");
        svg.appendChild(e);
      }
      var t = document.createElementNS(SVG, "title");
      t.textContent = time(h.hour) + ": " + h.startup + " startup, " + h.proactive + " proactive, " + h.forced + " forced, " + h.failures + " failed, " + h.upstreamErrors + " WeChat errors";
      svg.lastChild && svg.lastChild.appendChild(t);
    });
    var axis = document.createElementNS(SVG, "line");
    axis.setAttribute("x1", "0"); axis.setAttribute("x2", "960"); axis.setAttribute("y1", "110.5"); axis.setAttribute("y2", "110.5");
    axis.setAttribute("stroke", "#d0d7de");
    svg.appendChild(axis);
    $("historyTotals").textContent = totals.refreshes + " refreshes, " + totals.errors + " failures and WeChat errors";
  }

  function stateOf(k) {
    if (k.state && k.state.indexOf("re-authorization") >= 0) return ["needs re-authorization", "bad"];
    if (!k.hasValidToken) return ["no valid token", "bad"];
    if (k.remainingSeconds < 600) return ["expiring", "warn"];
    if (k.lastError) return ["valid, failing", "warn"];
    return ["valid", "ok"];
  }
  function renderKeys(status) {
    var body = $("keys");
    var rows = status.keys.map(function (k) {
      var row = el("tr");
      row.setAttribute("data-key", k.key);
      row.appendChild(el("td", k.key));
      row.appendChild(el("td", k.grant || "—"));
      var state = stateOf(k);
      var st = el("td", state[0], state[1]);
      if (k.state) { st.appendChild(el("div", k.state, "muted")); }
      row.appendChild(st);
      var life = el("td", k.hasValidToken ? duration(k.remainingSeconds) : "—");
      var bar = el("div", null, "bar " + state[1]);
      var fill = el("span");
      fill.style.width = Math.max(0, Math.min(100, 100 * k.remainingSeconds / LIFETIME)) + "%";
      bar.appendChild(fill);
      life.appendChild(bar);
      if (k.expiresAt) life.title = "expires " + time(k.expiresAt);
      row.appendChild(life);
      row.appendChild(el("td", String(k.version)));
      row.appendChild(el("td", k.lastRefreshAt ? time(k.lastRefreshAt) + " (" + (k.lastTrigger || "—") + ")" : "—"));
      row.appendChild(el("td", k.lastError ? k.lastError.errcode + ": " + k.lastError.errmsg + " (" + time(k.lastError.at) + ")" : "—", k.lastError ? "bad" : ""));
      row.appendChild(el("td", String(k.upstreamCallsToday)));
      row.appendChild(el("td", String(k.forcedRefreshBudgetLeft)));
      return row;
    });
    if (rows.length === 0) {
      var empty = el("tr"), td = el("td", "No key matches.", "muted");
      td.colSpan = 9; empty.appendChild(td); rows.push(empty);
    }
    body.replaceChildren.apply(body, rows);
    pages = status.page.pages;
    $("pageinfo").textContent = "page " + status.page.number + " of " + status.page.pages + " · " + status.page.matching + " matching";
    $("prev").disabled = status.page.number <= 1;
    $("next").disabled = status.page.number >= status.page.pages;
  }

  function renderForced(list) {
    var rows = list.map(function (f) {
      var row = el("tr");
      row.appendChild(el("td", time(f.at)));
      row.appendChild(el("td", f.caller));
      row.appendChild(el("td", f.key));
      row.appendChild(el("td", f.outcome.replace(/_/g, " "), f.outcome === "rotated" ? "ok" : f.outcome === "answered_current" ? "" : "warn"));
      row.appendChild(el("td", String(f.version)));
      return row;
    });
    if (rows.length === 0) {
      var empty = el("tr"), td = el("td", "No forced refresh since this replica started.", "muted");
      td.colSpan = 5; empty.appendChild(td); rows.push(empty);
    }
    var body = $("forced");
    body.replaceChildren.apply(body, rows);
  }

  function renderDynamic(list) {
    var rows = list.map(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", c.kind));
      tr.appendChild(el("td", c.componentAppId || "—"));
      tr.appendChild(el("td", String(c.valid)));
      tr.appendChild(el("td", String(c.invalid), c.invalid > 0 ? "warn" : ""));
      tr.appendChild(el("td", String(c.needsReauthorization), c.needsReauthorization > 0 ? "bad" : ""));
      return tr;
    });
    if (rows.length === 0) {
      var empty = el("tr"), td = el("td", "No authorizer or ticket held by this replica.", "muted");
      td.colSpan = 5; empty.appendChild(td); rows.push(empty);
    }
    var body = $("dynamic");
    body.replaceChildren.apply(body, rows);
  }

  function render(status) {
    $("where").textContent = "replica " + status.replica + " · store " + status.store + (status.storeReachable ? " (reachable)" : " (UNREACHABLE)") + " · as of " + time(status.now);
    renderCards(status.summary, status);
    renderDynamic(status.dynamicKeyCounts);
    renderHistory(status.history);
    renderKeys(status);
    renderForced(status.recentForcedRefreshes);
    $("error").textContent = "";
  }
  function load() {
    var url = "status.json?page=" + view.page + "&state=" + encodeURIComponent(view.state) + (view.q ? "&q=" + encodeURIComponent(view.q) : "");
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(render)
      .catch(function (e) { $("error").textContent = "Could not load status: " + e.message; });
  }

  var typing;
  $("search").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { view.q = $("search").value.trim(); view.page = 1; load(); }, 250);
  });
  $("state").addEventListener("change", function () { view.state = $("state").value; view.page = 1; load(); });
  $("prev").addEventListener("click", function () { if (view.page > 1) { view.page--; load(); } });
  $("next").addEventListener("click", function () { if (view.page < pages) { view.page++; load(); } });
  load();
  setInterval(load, 5000);
})();
