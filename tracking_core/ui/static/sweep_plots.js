/* Params against metrics over many runs, one value each: parallel coordinates (one line a run
   through its param values, coloured by a metric) and a scatter of any two params or metrics.
   Used by the compare page and by the charts page for metrics with one value per run.

   `data` is {runs: [{run_id, run_name}], params: {key: [value per run]}, metrics: {key: [value per run]}}. */
"use strict";
(function () {
  var svg = AL.svg;

  function SweepPlots(data) { this.data = data; }

  /* A column as numbers when every present value is one; otherwise as categories. */
  SweepPlots.prototype.column = function (name) {
    var parts = name.split("."), entity = parts.shift(), key = parts.join(".");
    var values = (entity === "params" ? this.data.params[key] : this.data.metrics[key]) || [];
    var numeric = values.every(function (v) { return v === null || v === undefined || v === "" || !isNaN(+v); });
    return { name: name, label: key, entity: entity, numeric: numeric,
             values: values.map(function (v) { return v === null || v === undefined || v === "" ? null : numeric ? +v : String(v); }) };
  };

  /* Params whose value is not the same in every run. */
  SweepPlots.prototype.varyingParams = function () {
    var params = this.data.params;
    return Object.keys(params).filter(function (k) {
      // values of the runs that have the param: another estimator's constant does not vary
      var seen = {}; params[k].forEach(function (v) { if (v !== null && v !== undefined && v !== "") seen[v] = 1; });
      return Object.keys(seen).length > 1;
    });
  };

  /* Every param and metric, as "params.KEY" / "metrics.KEY". */
  SweepPlots.prototype.choices = function () {
    return Object.keys(this.data.params).map(function (k) { return "params." + k; })
      .concat(Object.keys(this.data.metrics).map(function (k) { return "metrics." + k; }));
  };

  /* The param to put on the x axis first: a numeric one that varies, else any that varies. */
  SweepPlots.prototype.defaultX = function () {
    var self = this, varying = this.varyingParams();
    var numeric = varying.filter(function (k) { return self.column("params." + k).numeric; });
    var pick = numeric[0] || varying[0] || Object.keys(this.data.params)[0];
    return pick !== undefined ? "params." + pick : this.choices()[0];
  };

  /* A positive value spanning two orders of magnitude or more, on a log axis labelled by powers of ten. */
  function logScale(min, max, lo, hi, pad) {
    var a = Math.log10(min), b = Math.log10(max), ticks = [];
    for (var e = Math.ceil(a); e <= Math.floor(b); e++) ticks.push(Math.pow(10, e));
    if (pad) { var extra = (b - a) * pad; a -= extra; b += extra; }
    var f = function (v) { return v === null || !(v > 0) ? null : lo + (hi - lo) * (Math.log10(v) - a) / (b - a); };
    f.ticks = ticks.map(function (v) { return [v, AL.fmt(v)]; });
    f.log = true;
    return f;
  }

  function scale(col, lo, hi, pad) {
    if (col.numeric) {
      var nums = col.values.filter(function (v) { return v !== null; });
      var min = Math.min.apply(null, nums), max = Math.max.apply(null, nums);
      if (!nums.length) { min = 0; max = 1; }
      if (min > 0 && max / min >= 100) return logScale(min, max, lo, hi, pad);  // C = 0.001 .. 100
      if (min === max) { min -= 0.5; max += 0.5; }
      var ticks = [min, (min + max) / 2, max];
      if (pad) { var extra = (max - min) * pad; min -= extra; max += extra; }
      var f = function (v) { return v === null ? null : lo + (hi - lo) * (v - min) / (max - min); };
      f.ticks = ticks.map(function (v) { return [v, AL.fmt(v)]; });
      return f;
    }
    if (pad) { var shift = (hi - lo) * pad; lo += shift; hi -= shift; }
    var cats = []; col.values.forEach(function (v) { if (v !== null && cats.indexOf(v) < 0) cats.push(v); });
    cats.sort();
    var g = function (v) { var i = cats.indexOf(v); return i < 0 ? null : lo + (hi - lo) * (cats.length === 1 ? 0.5 : i / (cats.length - 1)); };
    g.ticks = cats.slice(0, 12).map(function (c) { return [c, c.length > 14 ? c.slice(0, 13) + "…" : c]; });
    return g;
  }

  function heat(t) {  // 0..1 -> blue..red
    var a = [36, 99, 199], b = [217, 72, 15];
    return "rgb(" + a.map(function (x, i) { return Math.round(x + (b[i] - x) * t); }).join(",") + ")";
  }

  /* Parallel coordinates in `box`: params that differ (at most 12), then `metricKey`. */
  SweepPlots.prototype.parcoords = function (box, metricKey) {
    var self = this, runs = this.data.runs;
    box.textContent = "";
    if (!Object.keys(this.data.params).length) {
      box.appendChild(AL.el("p", { cls: "muted", text: "These runs have no parameters to draw." }));
      box.setAttribute("data-lines", 0);
      return;
    }
    var params = this.varyingParams().slice(0, 12);
    if (!params.length) params = Object.keys(this.data.params).slice(0, 6);
    var cols = params.map(function (k) { return self.column("params." + k); }).concat([this.column("metrics." + metricKey)]);
    var width = Math.max(480, box.clientWidth || 900), height = 320, top = 36, bottom = height - 28;
    var root = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    var step = (width - 120) / Math.max(1, cols.length - 1);
    var xs = cols.map(function (_, i) { return cols.length === 1 ? width / 2 : 60 + i * step; });
    var scales = cols.map(function (c) { return scale(c, bottom, top); });
    var metric = cols[cols.length - 1], metricScale = scale(metric, 0, 1);
    runs.forEach(function (run, r) {
      var pts = [];
      cols.forEach(function (c, i) { var y = scales[i](c.values[r]); if (y !== null) pts.push(xs[i] + "," + y.toFixed(1)); });
      var t = metric.numeric ? metricScale(metric.values[r]) : null;
      var line = svg("polyline", { points: pts.join(" "), fill: "none", stroke: t === null ? "#adb5bd" : heat(t), "stroke-width": 1.6, opacity: 0.85, "data-run": run.run_id });
      line.addEventListener("mousemove", function (e) { line.setAttribute("class", "hover"); AL.tooltip(run.run_name + "\n" + metric.label + " = " + AL.fmt(metric.values[r]), e); });
      line.addEventListener("mouseleave", function () { line.removeAttribute("class"); AL.tooltip(null); });
      root.appendChild(line);
    });
    cols.forEach(function (c, i) {
      root.appendChild(svg("line", { x1: xs[i], x2: xs[i], y1: top, y2: bottom, stroke: "#6b7482" }));
      root.appendChild(svg("text", { x: xs[i], y: top - 14, "text-anchor": "middle", "font-weight": i === cols.length - 1 ? 700 : 500, text: c.label.length > 18 ? c.label.slice(0, 17) + "…" : c.label }));
      scales[i].ticks.forEach(function (tk) {
        var y = scales[i](tk[0]);
        root.appendChild(svg("text", { x: xs[i] + 4, y: y + 4, fill: "#6b7482", text: tk[1] }));
      });
    });
    box.appendChild(root);
    box.setAttribute("data-lines", runs.length);
  };

  /* A scatter in `box` of column `xName` against column `yName`; a dot opens its run. */
  SweepPlots.prototype.scatter = function (box, xName, yName) {
    var runs = this.data.runs;
    box.textContent = "";
    var cx = this.column(xName), cy = this.column(yName);
    var width = Math.min(760, Math.max(420, box.clientWidth || 700)), height = 380, left = 84, right = width - 20, top = 16, bottom = height - 46;
    var fx = scale(cx, left, right, 0.06), fy = scale(cy, bottom, top, 0.06);
    var root = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    root.appendChild(svg("line", { x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#6b7482" }));
    root.appendChild(svg("line", { x1: left, x2: left, y1: top, y2: bottom, stroke: "#6b7482" }));
    fx.ticks.forEach(function (tk) { root.appendChild(svg("text", { x: fx(tk[0]), y: bottom + 16, "text-anchor": "middle", fill: "#6b7482", text: tk[1] })); });
    fy.ticks.forEach(function (tk) { root.appendChild(svg("text", { x: left - 6, y: fy(tk[0]) + 4, "text-anchor": "end", fill: "#6b7482", text: tk[1] })); });
    root.appendChild(svg("text", { x: (left + right) / 2, y: height - 8, "text-anchor": "middle", text: cx.name + (fx.log ? " (log scale)" : "") }));
    root.appendChild(svg("text", { x: 14, y: (top + bottom) / 2, transform: "rotate(-90 14 " + (top + bottom) / 2 + ")", "text-anchor": "middle", text: cy.name + (fy.log ? " (log scale)" : "") }));
    var drawn = 0;
    runs.forEach(function (run, r) {
      var x = fx(cx.values[r]), y = fy(cy.values[r]);
      if (x === null || y === null) return;
      var dot = svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 5.5, fill: AL.color(r), opacity: 0.85, "data-run": run.run_id });
      dot.addEventListener("mousemove", function (e) { AL.tooltip(run.run_name + "\n" + cx.label + " = " + AL.fmt(cx.values[r]) + "\n" + cy.label + " = " + AL.fmt(cy.values[r]), e); });
      dot.addEventListener("mouseleave", function () { AL.tooltip(null); });
      dot.addEventListener("click", function () { window.location.href = "/runs/" + encodeURIComponent(run.run_id); });
      root.appendChild(dot);
      drawn++;
    });
    box.appendChild(root);
    box.setAttribute("data-points", drawn);
    box.setAttribute("data-x-scale", fx.log ? "log" : "linear");
  };

  AL.SweepPlots = SweepPlots;
})();
