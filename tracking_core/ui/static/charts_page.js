/* The charts page: the charts picked in the form (each with its own settings and overlaid metrics),
   for the runs in the address; params against metrics when the runs form a sweep. */
"use strict";
(function () {
  var el = AL.el, data = AL.pageData(), runs = {};
  data.runs.forEach(function (r) { runs[r.run_id] = r; });
  var box = document.getElementById("charts"), form = document.getElementById("chart-form");
  var charts = new AL.MetricCharts(box, { runIds: data.runs.map(function (r) { return r.run_id; }), charts: data.charts,
                                          runs: runs, x: data.x, log: data.log, smoothing: data.smoothing,
                                          choices: data.all_metrics, onChange: remember,
                                          latest: data.latest, spread: data.step_spread });
  AL.bindControls(form, charts);
  document.querySelectorAll(".run-chip").forEach(function (chip, i) { chip.style.borderColor = AL.color(i); chip.style.color = AL.color(i); });

  /* One chart of the address: its metrics, then the settings that differ from the page's. */
  function encode(spec) {
    var options = [], state = charts.state;
    if (spec.x !== state.x) options.push("x=" + spec.x);
    if (spec.log !== state.log) options.push(spec.log ? "log" : "log=0");
    if (spec.smoothing !== state.smoothing) options.push("s=" + spec.smoothing);
    if (spec.order && spec.order !== "table") options.push("o=" + spec.order);
    return spec.keys.join("|") + (options.length ? "@" + options.join(";") : "");
  }

  // The address remembers the charts and their settings, so a chart can be shared.
  function remember() {
    var params = new URLSearchParams(window.location.search);
    params.set("metrics", charts.charts.map(encode).join(","));
    params.set("x", charts.state.x);
    if (charts.state.log) params.set("log", "1"); else params.delete("log");
    if (charts.state.smoothing) params.set("smooth", charts.state.smoothing); else params.delete("smooth");
    history.replaceState(null, "", "/charts?" + params.toString());
    var shown = {};
    charts.charts.forEach(function (c) { c.keys.forEach(function (k) { shown[k] = 1; }); });
    form.querySelectorAll(".metric-pick").forEach(function (b) { b.checked = !!shown[b.value]; });
  }

  form.querySelectorAll(".metric-pick").forEach(function (pick) {
    pick.addEventListener("change", function () {
      var key = pick.value;
      if (pick.checked) charts.charts.push(AL.MetricCharts.spec([key], charts.state));
      else charts.charts = charts.charts.map(function (c) { c.keys = c.keys.filter(function (k) { return k !== key; }); return c; })
        .filter(function (c) { return c.keys.length; });
      remember();
      charts.load();
    });
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  charts.load();

  // Params against a metric, for runs of a sweep (each metric's latest value).
  var sweep = document.getElementById("sweep");
  var plots = new AL.SweepPlots({ runs: data.runs, params: data.params, metrics: data.latest });
  var metricKeys = Object.keys(data.latest);
  if (!sweep || data.runs.length < 3 || !metricKeys.length || !plots.varyingParams().length) return;
  sweep.hidden = false;
  var sx = document.getElementById("sweep-x"), sy = document.getElementById("sweep-y"), pc = document.getElementById("sweep-parcoords-metric");
  plots.choices().forEach(function (c) { sx.appendChild(el("option", { value: c, text: c })); });
  metricKeys.forEach(function (k) {
    sy.appendChild(el("option", { value: "metrics." + k, text: k }));
    pc.appendChild(el("option", { value: k, text: k }));
  });
  var first = data.charts.length ? data.charts[0].keys[0] : metricKeys[0];
  sx.value = plots.defaultX(); sy.value = "metrics." + first; pc.value = first;
  function scatter() { plots.scatter(document.getElementById("sweep-scatter"), sx.value, sy.value); }
  function parcoords() { plots.parcoords(document.getElementById("sweep-parcoords"), pc.value); }
  sx.addEventListener("change", scatter); sy.addEventListener("change", scatter); pc.addEventListener("change", parcoords);
  scatter(); parcoords();
})();
