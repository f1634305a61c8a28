/* The charts page: the metrics picked in the form, for the runs in the address. */
"use strict";
(function () {
  var data = AL.pageData(), runs = {};
  data.runs.forEach(function (r) { runs[r.run_id] = r; });
  var box = document.getElementById("charts");
  var charts = new AL.MetricCharts(box, { runIds: data.runs.map(function (r) { return r.run_id; }), keys: data.metrics,
                                          runs: runs, x: data.x });
  var form = document.getElementById("chart-form");
  AL.bindControls(form, charts);
  document.querySelectorAll(".run-chip").forEach(function (chip, i) { chip.style.borderColor = AL.color(i); chip.style.color = AL.color(i); });
  // The address remembers the metrics and the x axis, so a chart can be shared.
  function remember() {
    var params = new URLSearchParams(window.location.search);
    params.set("metrics", charts.keys.join(","));
    params.set("x", charts.state.x);
    history.replaceState(null, "", "/charts?" + params.toString());
  }
  form.querySelectorAll(".metric-pick").forEach(function (box) {
    box.addEventListener("change", function () {
      charts.keys = Array.prototype.slice.call(form.querySelectorAll(".metric-pick")).filter(function (b) { return b.checked; })
        .map(function (b) { return b.value; });
      remember();
      charts.load();
    });
  });
  form.querySelector(".x-axis").addEventListener("change", remember);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  charts.load();
})();
