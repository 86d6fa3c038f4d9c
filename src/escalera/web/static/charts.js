/* escalera charts: each <figure class="chart" data-src="/api/v1/charts/..."> holds a
   <script type="application/json" class="chart-spec"> with
     {"mode": "vega-lite" | "vega", "spec": {...}, "data": {"<dataset>": "<key in the JSON>"},
      "filter": {"<field>": "<value>"}, "table": {"caption", "columns": [{"field", "title"}]}}.
   The JSON is fetched once per address (same-origin cookies, the page's language), the rows
   are handed to the spec, and vega-embed draws it as SVG. When "table" is given, the same
   rows are written as a table under the chart (the text alternative for screen readers and
   for browsers without scripts gets the server-rendered tables). */
(function () {
  "use strict";
  var cache = {};

  /* The page's language goes in Accept-Language, not in ?lang=: a ?lang= request would
     store the language in the session, and a chart answering late from a page left
     behind would undo the visitor's switch of language. */
  function fetchJson(src) {
    var lang = document.documentElement.lang || "es";
    if (!cache[src]) {
      cache[src] = fetch(src, {credentials: "same-origin",
                               headers: {"Accept": "application/json", "Accept-Language": lang}})
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
    }
    return cache[src];
  }

  function pick(json, path, filter) {
    var rows = path.split(".").reduce(function (v, k) { return v == null ? v : v[k]; }, json) || [];
    if (!filter) { return rows; }
    return rows.filter(function (row) {
      return Object.keys(filter).every(function (k) { return row[k] === filter[k]; });
    });
  }

  function table(config, rows) {
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = config.summary || config.caption;
    details.appendChild(summary);
    var wrap = document.createElement("div");
    wrap.className = "scroll";
    var t = document.createElement("table");
    var caption = document.createElement("caption");
    caption.textContent = config.caption;
    t.appendChild(caption);
    var head = t.createTHead().insertRow();
    config.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = c.title;
      if (c.numeric) { th.className = "num"; }
      head.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      config.columns.forEach(function (c) {
        var td = tr.insertCell();
        var v = row[c.field];
        if (typeof v === "number" && !Number.isInteger(v)) { v = Math.round(v * 100) / 100; }
        td.textContent = v == null ? "—" : String(v);
        if (c.numeric) { td.className = "num"; }
      });
    });
    wrap.appendChild(t);
    details.appendChild(wrap);
    return details;
  }

  function draw(figure) {
    var holder = figure.querySelector("script.chart-spec");
    var target = figure.querySelector(".chart-area");
    if (!holder || !target) { return; }
    var config = JSON.parse(holder.textContent);
    var status = figure.querySelector(".chart-status");
    fetchJson(figure.dataset.src).then(function (json) {
      var spec = config.spec;
      var first = null;
      Object.keys(config.data || {}).forEach(function (name) {
        var rows = pick(json, config.data[name], config.filter);
        if (first === null) { first = rows; }
        if (config.mode === "vega") {
          spec.data.forEach(function (d) { if (d.name === name) { d.values = rows; } });
        } else {
          spec.datasets = spec.datasets || {};
          spec.datasets[name] = rows;
        }
      });
      if (!first || first.length === 0) {
        if (status) { status.textContent = figure.dataset.empty || ""; status.hidden = false; }
        target.hidden = true;
        return null;
      }
      if (config.table) { figure.appendChild(table(config.table, first)); }
      /* ast: Vega interprets its expressions instead of compiling them with Function(),
         which the Content-Security-Policy (script-src 'self', no 'unsafe-eval') forbids. */
      return window.vegaEmbed(target, spec, {mode: config.mode || "vega-lite", renderer: "svg",
                                             actions: false, ast: true});
    }).then(function (result) {
      if (result && result.view) {
        var svg = target.querySelector("svg");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", figure.dataset.label || "");
        }
      }
    }).catch(function () {
      if (status) { status.textContent = figure.dataset.error || "error"; status.hidden = false; }
      target.hidden = true;
    });
  }

  function drawAll(root) {
    if (!window.vegaEmbed) { return; }
    (root || document).querySelectorAll("figure.chart[data-src]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
}());
