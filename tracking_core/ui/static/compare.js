/* The compare page: the "only differences" switch, overlaid curves, parallel coordinates, scatter. */
"use strict";
(function () {
  var el = AL.el, data = AL.pageData();
  var runs = data.runs, runIds = runs.map(function (r) { return r.run_id; }), byId = {};
  runs.forEach(function (r) { byId[r.run_id] = r; });
  document.querySelectorAll(".swatch").forEach(function (s) { s.style.background = AL.color(+s.getAttribute("data-index")); });

  var only = document.getElementById("only-diff"), table = document.getElementById("compare-table");
  if (only) only.addEventListener("change", function () { table.classList.toggle("only-diff", only.checked); });

  var metricKeys = data.metric_order || Object.keys(data.metrics);  // the keys most runs have first
  if (!metricKeys.length) return;

  // The best value of each metric row, lower or higher by the metric's name; the user can flip it
  // and the address keeps the choice (better=key:higher,key:lower).
  var params = new URLSearchParams(window.location.search), chosen = {};
  (params.get("better") || "").split(",").forEach(function (item) {
    var at = item.lastIndexOf(":");
    if (at > 0) chosen[item.slice(0, at)] = item.slice(at + 1) === "higher" ? "higher" : "lower";
  });
  function rememberBetter() {
    var parts = Object.keys(chosen).filter(function (k) { return chosen[k] !== AL.betterByName(k); })
      .map(function (k) { return k + ":" + chosen[k]; });
    if (parts.length) params.set("better", parts.join(",")); else params.delete("better");
    history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }
  table.querySelectorAll("tr[data-key^='metrics.']").forEach(function (row) {
    var key = row.getAttribute("data-key").slice(8), values = data.metrics[key] || [];
    var cells = row.querySelectorAll("td.num");
    var button = AL.el("button", { type: "button", cls: "better link-button" });
    row.querySelector("td").appendChild(button);
    function mark() {
      var way = chosen[key] || AL.betterByName(key), best = null;
      values.forEach(function (v) { if (v !== null && (best === null || (way === "lower" ? v < best : v > best))) best = v; });
      var distinct = values.filter(function (v) { return v !== null; }).some(function (v) { return v !== best; });
      cells.forEach(function (cell, i) { cell.classList.toggle("best", distinct && values[i] === best); });
      button.textContent = way === "lower" ? "↓ lower is better" : "↑ higher is better";
      button.title = "best value underlined green; click to flip";
      row.setAttribute("data-better", way);
    }
    button.addEventListener("click", function () {
      chosen[key] = (chosen[key] || AL.betterByName(key)) === "lower" ? "higher" : "lower";
      mark();
      rememberBetter();
    });
    mark();
  });

  // Overlaid curves of one metric.
  var curveSelect = document.getElementById("curve-metric");
  // The server lists the metrics most runs have first: a default every run can be placed on.
  if (metricKeys.length) curveSelect.value = metricKeys[0];
  var charts = new AL.MetricCharts(document.getElementById("compare-charts"), { runIds: runIds, keys: [curveSelect.value], runs: byId,
                                                                                         ownSettings: false });
  AL.bindControls(document.getElementById("compare-chart-controls"), charts);
  curveSelect.addEventListener("change", function () { charts.setKeys([curveSelect.value]); charts.load(); });
  charts.load();

  var plots = new AL.SweepPlots(data);

  // Parallel coordinates: params that differ, then the chosen metric.
  var pcSelect = document.getElementById("parcoords-metric"), pcBox = document.getElementById("parcoords");
  if (metricKeys.length) pcSelect.value = metricKeys[0];
  function parcoords() { plots.parcoords(pcBox, pcSelect.value); }
  pcSelect.addEventListener("change", parcoords);
  parcoords();

  // Scatter of any two params or metrics.
  var sx = document.getElementById("scatter-x"), sy = document.getElementById("scatter-y"), scBox = document.getElementById("scatter");
  plots.choices().forEach(function (c) { sx.appendChild(el("option", { value: c, text: c })); sy.appendChild(el("option", { value: c, text: c })); });
  sx.value = plots.defaultX();
  sy.value = "metrics." + metricKeys[0];
  function scatter() { plots.scatter(scBox, sx.value, sy.value); }
  sx.addEventListener("change", scatter); sy.addEventListener("change", scatter);
  scatter();
})();
