/* Metric charts (uPlot) and the plots plugins log as data (confusion matrix, curves, importances).

   Metric histories come from /ui-api/metrics already downsampled on the server to about two
   points per pixel of the chart (per-bucket min and max), so extremes are exact and a
   1,000,000-point history costs the browser no more than a 2,000-point one. */
"use strict";
(function () {
  var el = AL.el;

  function ema(values, weight) {
    if (!weight) return values;
    var out = new Array(values.length), last = 0, n = 0;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v === null) { out[i] = null; continue; }
      last = last * weight + (1 - weight) * v; n++;
      out[i] = last / (1 - Math.pow(weight, n));
    }
    return out;
  }

  // Steps are whole numbers: no tick at step 0.5.
  var STEP_INCRS = [];
  [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].forEach(function (m) { STEP_INCRS.push(m, 2 * m, 5 * m); });

  function xLabel(mode) { return mode === "time" ? "wall time" : mode === "relative" ? "seconds since run start" : "step"; }

  function relativeLabel(s) {
    if (Math.abs(s) < 10) return (+s.toPrecision(3)) + " s";
    s = Math.round(s);
    if (Math.abs(s) < 120) return s + " s";
    if (Math.abs(s) < 7200) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return (s / 3600).toFixed(1) + " h";
  }

  /* One series as [xs, ys] sorted by x, for the chosen x axis. */
  function table(series, run, state) {
    var n = series.step.length, xs = new Array(n), ys = ema(series.value, state.smoothing), order = [];
    for (var i = 0; i < n; i++) {
      var t = series.t0 + series.time[i];
      xs[i] = state.x === "time" ? t / 1000 : state.x === "relative" ? (t - (run ? run.start_time : series.t0)) / 1000 : series.step[i];
      order.push(i);
    }
    var sorted = true;
    for (i = 1; i < n; i++) if (xs[i] < xs[i - 1]) { sorted = false; break; }
    if (!sorted) order.sort(function (a, b) { return xs[a] - xs[b]; });
    var outX = [], outY = [];
    for (i = 0; i < n; i++) {
      var j = order[i], y = ys[j];
      if (state.log && y !== null && y <= 0) y = null;
      if (outX.length && outX[outX.length - 1] === xs[j]) { outY[outY.length - 1] = y; continue; }  // same x: last wins
      outX.push(xs[j]); outY.push(y);
    }
    return [outX, outY];
  }

  function chartWidth(box) { return Math.max(260, box.clientWidth - 14); }

  /* Charts of metrics for runs: one chart per metric, one line per run. */
  function MetricCharts(container, opts) {
    this.container = container;
    this.runIds = opts.runIds;
    this.keys = opts.keys;
    this.runs = opts.runs || {};
    this.skipSingle = !!opts.skipSingle;
    this.state = { x: opts.x || "step", log: false, smoothing: 0 };
    this.plots = [];
    this.series = null;
    this.timer = null;
    this.onLoad = opts.onLoad || null;
  }

  MetricCharts.refreshMs = 3000;  // a chart with a RUNNING run reloads itself this often

  MetricCharts.prototype.load = function () {
    var self = this;
    if (!this.keys.length || !this.runIds.length) { this.series = []; this.render(); return Promise.resolve(); }
    var probe = el("div", { cls: "chart" });
    this.container.appendChild(probe);
    var points = Math.min(2500, Math.max(200, chartWidth(probe)));
    probe.remove();
    var url = "/ui-api/metrics?runs=" + this.runIds.map(encodeURIComponent).join(",") + "&points=" + points +
      this.keys.map(function (k) { return "&key=" + encodeURIComponent(k); }).join("");
    this.container.setAttribute("aria-busy", "true");
    if (!this.container.children.length) this.container.appendChild(el("p", { cls: "muted loading", text: "loading metric histories…" }));
    return AL.getJSON(url).then(function (body) {
      self.series = body.series;
      Object.keys(body.runs).forEach(function (id) { self.runs[id] = body.runs[id]; });
      self.render();
      self.container.setAttribute("aria-busy", "false");
      if (self.onLoad) self.onLoad(body);
      var running = self.runIds.some(function (id) { return self.runs[id] && self.runs[id].status === "RUNNING"; });
      clearTimeout(self.timer);
      if (running) self.timer = setTimeout(function () { self.load(); }, MetricCharts.refreshMs);
    }).catch(function (err) {
      self.container.setAttribute("aria-busy", "false");
      self.container.textContent = "";
      self.container.appendChild(el("div", { cls: "alert", role: "alert", text: "Could not load the metric histories: " + err.message }));
    });
  };

  MetricCharts.prototype.set = function (changes) {
    Object.keys(changes).forEach(function (k) { this.state[k] = changes[k]; }, this);
    this.render();
  };

  MetricCharts.prototype.render = function () {
    var self = this, state = this.state;
    this.plots.forEach(function (p) { p.destroy(); });
    this.plots = [];
    this.container.textContent = "";
    var byKey = {};
    (this.series || []).forEach(function (s) { (byKey[s.key] = byKey[s.key] || []).push(s); });
    var drawnCharts = 0;
    this.keys.forEach(function (key) {
      var list = byKey[key] || [];
      if (!list.length) return;
      if (self.skipSingle && list.every(function (s) { return s.total <= 1; })) return;
      list.sort(function (a, b) { return self.runIds.indexOf(a.run_id) - self.runIds.indexOf(b.run_id); });
      var drawn = 0, total = 0;
      list.forEach(function (s) { total += s.total; s.value.forEach(function (v) { if (v !== null) drawn++; }); });
      var box = el("div", { cls: "chart", "data-key": key, "data-points": drawn, "data-total": total });
      var title = el("h4", { text: key });
      box.appendChild(title);
      self.container.appendChild(box);
      var tables = list.map(function (s) { return table(s, self.runs[s.run_id], state); });
      var data = tables.length === 1 ? tables[0] : uPlot.join(tables);
      var series = [{ label: xLabel(state.x), value: state.x === "relative" ? function (u, v) { return v === null ? "—" : relativeLabel(v); } : undefined }];
      list.forEach(function (s) {
        var run = self.runs[s.run_id] || {};
        series.push({ label: run.run_name || s.run_id, stroke: AL.color(self.runIds.indexOf(s.run_id)), width: 1.5,
                      spanGaps: true, points: { size: 4 }, value: function (u, v) { return v === null ? "—" : AL.fmt(v); } });
      });
      var axes = [{ label: xLabel(state.x), size: 42, incrs: state.x === "step" ? STEP_INCRS : undefined,
                    values: state.x === "relative" ? function (u, vals) { return vals.map(relativeLabel); } : undefined },
                  { size: 60, values: function (u, vals) { return vals.map(AL.fmt); } }];
      var plot = new uPlot({
        width: chartWidth(box), height: 230, series: series, axes: axes,
        scales: { x: { time: state.x === "time" }, y: { distr: state.log ? 3 : 1 } },
        legend: { live: true }, cursor: { drag: { x: true, y: false } },
      }, data, box);
      self.plots.push(plot);
      box.appendChild(el("div", { cls: "note", text: drawn === total ? drawn + " points" :
        drawn.toLocaleString() + " of " + total.toLocaleString() + " points drawn (min/max per pixel kept)" }));
      drawnCharts++;
    });
    this.container.setAttribute("data-charts", drawnCharts);
    this.container.setAttribute("data-drawn-ms", Math.round(performance.now()));  // since navigation start
  };

  /* Wire the standard controls (.x-axis, .log-scale, .smoothing) inside `controls` to `charts`. */
  function bindControls(controls, charts) {
    if (!controls) return;
    var x = controls.querySelector(".x-axis"), log = controls.querySelector(".log-scale"), smooth = controls.querySelector(".smoothing");
    if (x) { x.value = charts.state.x; x.addEventListener("change", function () { charts.set({ x: x.value }); }); }
    if (log) log.addEventListener("change", function () { charts.set({ log: log.checked }); });
    if (smooth) smooth.addEventListener("input", function () { charts.set({ smoothing: +smooth.value }); });
  }

  // -- plots logged as data ----------------------------------------------------------------------
  function heatmap(box, plot) {
    var matrix = plot.matrix, labels = plot.labels, max = 0, normalize = false;
    matrix.forEach(function (row) { row.forEach(function (v) { if (v > max) max = v; }); });
    var holder = el("div");
    var toggle = el("label", { cls: "small" }, el("input", { type: "checkbox", cls: "normalize" }), " normalise by true label");
    function draw() {
      holder.textContent = "";
      var t = el("table", { cls: "heatmap" });
      var head = el("tr", null, el("th", { text: "true \\ predicted" }));
      labels.forEach(function (l) { head.appendChild(el("th", { text: l, title: l })); });
      t.appendChild(head);
      matrix.forEach(function (row, i) {
        var sum = row.reduce(function (a, b) { return a + b; }, 0) || 1;
        var tr = el("tr", null, el("th", { text: labels[i] !== undefined ? labels[i] : String(i), title: labels[i] }));
        row.forEach(function (v, j) {
          var share = v / sum, alpha = normalize ? share : (max ? v / max : 0);
          var text = normalize ? (100 * share).toFixed(1) + "%" : AL.fmt(v);
          tr.appendChild(el("td", { text: text, style: "background: rgba(36, 99, 199, " + alpha.toFixed(3) + "); color: " + (alpha > 0.55 ? "#fff" : "#1d2430"),
            title: "true " + labels[i] + ", predicted " + labels[j] + ": " + v + " (" + (100 * share).toFixed(1) + "% of true " + labels[i] + ")" }));
        });
        t.appendChild(tr);
      });
      holder.appendChild(t);
    }
    toggle.querySelector("input").addEventListener("change", function (e) { normalize = e.target.checked; draw(); });
    box.appendChild(toggle);
    box.appendChild(holder);
    draw();
  }

  function bars(box, plot) {
    var shown = 20, holder = el("div");
    function draw() {
      holder.textContent = "";
      var grid = el("div", { cls: "bars" });
      var max = Math.max.apply(null, plot.importances.map(Math.abs).concat([1e-300]));
      plot.features.slice(0, shown).forEach(function (name, i) {
        var v = plot.importances[i];
        grid.appendChild(el("span", { cls: "label", text: name, title: name }));
        grid.appendChild(el("div", null, el("div", { cls: "bar", style: "width: " + (100 * Math.abs(v) / max).toFixed(2) + "%", title: name + ": " + v })));
        grid.appendChild(el("span", { cls: "num", text: AL.fmt(v) }));
      });
      holder.appendChild(grid);
      if (plot.features.length > shown) holder.appendChild(el("button", { type: "button", text: "show all " + plot.features.length,
        on: { click: function () { shown = plot.features.length; draw(); } } }));
    }
    box.appendChild(holder);
    draw();
  }

  function curves(box, plot) {
    var tables = [], series = [{ label: plot.x_label || "x" }];
    var list = plot.curves || plot.series;
    list.forEach(function (c, i) {
      var xs = plot.curves ? c.x : plot.x, ys = c.y, idx = xs.map(function (_, k) { return k; });
      idx.sort(function (a, b) { return xs[a] - xs[b] || ys[a] - ys[b]; });
      var tx = [], ty = [];
      idx.forEach(function (k) {
        if (tx.length && tx[tx.length - 1] === xs[k]) { tx.push(xs[k] + 1e-12 * tx.length); } else tx.push(xs[k]);
        ty.push(ys[k]);
      });
      tables.push([tx, ty]);
      var label = (c.label || plot.title) + (c.score !== null && c.score !== undefined ? " (" + AL.fmt(c.score) + ")" : "");
      series.push({ label: label, stroke: AL.color(i), width: 1.8, points: { show: plot.type === "learning_curve" }, spanGaps: true });
    });
    if (plot.type === "roc_curve") {
      tables.push([[0, 1], [0, 1]]);
      series.push({ label: "chance", stroke: "#adb5bd", dash: [5, 5], width: 1, spanGaps: true, points: { show: false } });
    }
    var data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    var unit = plot.type === "roc_curve" || plot.type === "pr_curve";
    var u = new uPlot({
      width: chartWidth(box), height: 260, series: series,
      scales: { x: { time: false, range: unit ? [0, 1] : undefined }, y: { range: unit ? [0, 1.02] : undefined } },
      axes: [{ label: plot.x_label || "training examples" }, { label: plot.y_label || "score", size: 55 }],
    }, data, box);
    box.setAttribute("data-points", tables.reduce(function (a, t) { return a + t[0].length; }, 0));
    return u;
  }

  function drawPlot(container, plot) {
    var box = el("div", { cls: "plot", "data-type": plot.type });
    box.appendChild(el("h4", { text: plot.title }));
    if (plot.path) box.appendChild(el("div", { cls: "muted small", text: plot.path }));
    container.appendChild(box);
    if (plot.type === "confusion_matrix") heatmap(box, plot);
    else if (plot.type === "feature_importance") bars(box, plot);
    else curves(box, plot);
    return box;
  }

  AL.MetricCharts = MetricCharts;
  AL.bindControls = bindControls;
  AL.drawPlot = drawPlot;
})();
