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
  var DASHES = [null, [6, 4], [2, 3], [10, 3, 2, 3]];  // one per overlaid metric when several runs share a colour

  function xMetric(x) { return x && x.indexOf("metric:") === 0 ? x.slice(7) : null; }

  function xLabel(mode) {
    var key = xMetric(mode);
    if (key !== null) return key;
    if (mode === "time") return "wall time" + (window.ALLocalTime ? " (" + window.ALLocalTime.zone() + ")" : "");
    return mode === "relative" ? "seconds since run start" : "step";
  }

  function relativeLabel(s) {
    if (Math.abs(s) < 10) return (+s.toPrecision(3)) + " s";
    s = Math.round(s);
    if (Math.abs(s) < 120) return s + " s";
    if (Math.abs(s) < 7200) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return (s / 3600).toFixed(1) + " h";
  }

  /* The value of series `by` at `step`, interpolated between its nearest steps (both may be downsampled). */
  function valueAtStep(by, step) {
    var steps = by.step, lo = 0, hi = steps.length - 1;
    if (!steps.length || step < steps[0] || step > steps[hi]) return null;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (steps[mid] <= step) lo = mid; else hi = mid; }
    if (steps[lo] === step || hi === lo) return by.value[lo];
    if (steps[hi] === step) return by.value[hi];
    var a = by.value[lo], b = by.value[hi];
    if (a === null || b === null) return null;
    return a + (b - a) * (step - steps[lo]) / (steps[hi] - steps[lo]);
  }

  /* One series as [xs, ys] sorted by x, for the chosen x axis; `xSeries` is the run's series of the
     metric used as x axis, when the x axis is a metric. */
  function table(series, run, spec, xSeries, smoothed) {
    var n = series.step.length, xs = new Array(n), ys = smoothed ? ema(series.value, spec.smoothing) : series.value, order = [];
    for (var i = 0; i < n; i++) {
      var t = series.t0 + series.time[i];
      xs[i] = xMetric(spec.x) !== null ? (xSeries ? valueAtStep(xSeries, series.step[i]) : null) :
        spec.x === "time" ? t / 1000 : spec.x === "relative" ? (t - (run ? run.start_time : series.t0)) / 1000 : series.step[i];
      if (xs[i] !== null) order.push(i);
    }
    order.sort(function (a, b) { return xs[a] - xs[b] || a - b; });
    var outX = [], outY = [];
    order.forEach(function (j) {
      var y = ys[j];
      if (spec.log && y !== null && y <= 0) y = null;
      if (outX.length && outX[outX.length - 1] === xs[j]) { outY[outY.length - 1] = y; return; }  // same x: last wins
      outX.push(xs[j]); outY.push(y);
    });
    return [outX, outY];
  }

  function chartWidth(box) { return Math.max(260, box.clientWidth - 14); }

  /* A chart: the metrics drawn in it (several overlay) and its own settings. */
  function chartSpec(keys, defaults, own) {
    own = own || {};
    return { keys: keys.slice(), x: own.x || defaults.x, log: own.log !== undefined ? !!own.log : !!defaults.log,
             smoothing: own.smoothing !== undefined ? +own.smoothing : +defaults.smoothing, order: own.order || "table" };
  }

  /* Every selected run has at most one value (or all its values at one step): compared as bars. */
  function isSingleValued(list) {
    return list.length > 0 && list.every(function (s) {
      return s.total <= 1 || s.step.every(function (st) { return st === s.step[0]; });
    });
  }

  /* Charts of metrics for runs: one chart per entry of `charts` (one or several overlaid metrics),
     one line per run and metric; metrics with one value per run are drawn as bars, one per run. */
  function MetricCharts(container, opts) {
    this.container = container;
    this.runIds = opts.runIds;
    this.runs = opts.runs || {};
    this.skipSingle = !!opts.skipSingle;
    this.state = { x: opts.x || "step", log: !!opts.log, smoothing: +(opts.smoothing || 0) };
    this.charts = opts.charts ? opts.charts.map(function (c) { return chartSpec(c.keys, this.state, c); }, this) :
      (opts.keys || []).map(function (k) { return chartSpec([k], this.state); }, this);
    this.choices = opts.choices || (opts.keys ? opts.keys.slice() : null);  // metrics offered for overlays and as x axis
    this.plots = [];  // {spec, plot, box, signature}
    this.series = null;
    this.timer = null;
    this.onLoad = opts.onLoad || null;
    this.onChange = opts.onChange || null;  // called when a chart's own settings change
    this.ownSettings = opts.ownSettings !== false;  // each chart shows its own settings
    // metric -> latest value of each run, and metric -> widest span of steps of any run: a metric
    // with its values at one step in every run is drawn from these, without fetching histories
    this.latest = opts.latest || null;
    this.spread = opts.spread || null;
  }

  MetricCharts.CHUNK = 200;  // runs per history request (keeps each address short)

  MetricCharts.refreshMs = 3000;  // a chart with a RUNNING run reloads itself this often
  MetricCharts.spec = chartSpec;

  /* One chart per key (each keeps its settings when its key stays). */
  MetricCharts.prototype.setKeys = function (keys) {
    var old = {};
    this.charts.forEach(function (c) { old[c.keys[0]] = c; });
    this.charts = keys.map(function (k) { return old[k] || chartSpec([k], this.state); }, this);
  };

  MetricCharts.prototype.keys = function () {
    var seen = {}, out = [];
    this.charts.forEach(function (c) {
      c.keys.concat(xMetric(c.x) !== null ? [xMetric(c.x)] : []).forEach(function (k) { if (!seen[k]) { seen[k] = 1; out.push(k); } });
    });
    return out;
  };

  /* Metrics known to have one point per run and drawn alone in their charts: bars from the latest values. */
  MetricCharts.prototype.knownSingle = function () {
    var self = this, single = {};
    if (!this.latest || !this.spread || this.skipSingle) return single;
    this.charts.forEach(function (c) {
      if (c.keys.length === 1 && xMetric(c.x) === null && self.spread[c.keys[0]] === 0 && self.latest[c.keys[0]]) single[c.keys[0]] = true;
    });
    this.charts.forEach(function (c) {  // overlaid or used as an x axis: its history is fetched
      if (c.keys.length > 1) c.keys.forEach(function (k) { delete single[k]; });
      if (xMetric(c.x) !== null) delete single[xMetric(c.x)];
    });
    return single;
  };

  MetricCharts.prototype.latestSeries = function (keys) {
    var self = this, out = [];
    keys.forEach(function (key) {
      self.latest[key].forEach(function (v, i) {
        if (v !== null && v !== undefined) out.push({ run_id: self.runIds[i], key: key, total: 1, t0: 0, step: [0], time: [0], value: [v] });
      });
    });
    return out;
  };

  /* The histories of `keys` for every run, 200 runs a request, as one answer. */
  MetricCharts.prototype.fetchHistories = function (keys, points) {
    if (!keys.length) return Promise.resolve({ series: [], runs: {} });
    var chunks = [];
    for (var i = 0; i < this.runIds.length; i += MetricCharts.CHUNK) chunks.push(this.runIds.slice(i, i + MetricCharts.CHUNK));
    var tail = "&points=" + points + keys.map(function (k) { return "&key=" + encodeURIComponent(k); }).join("");
    return Promise.all(chunks.map(function (ids) {
      return AL.getJSON("/ui-api/metrics?runs=" + ids.map(encodeURIComponent).join(",") + tail);
    })).then(function (bodies) {
      var all = { series: [], runs: {} };
      bodies.forEach(function (b) {
        all.series = all.series.concat(b.series);
        Object.keys(b.runs).forEach(function (id) { all.runs[id] = b.runs[id]; });
      });
      return all;
    });
  };

  MetricCharts.prototype.load = function (refresh) {
    var self = this, single = this.knownSingle(), keys = this.keys();
    if (!keys.length || !this.runIds.length) { this.series = []; this.render(); return Promise.resolve(); }
    var fetchKeys = keys.filter(function (k) { return !single[k]; }), fromLatest = keys.filter(function (k) { return single[k]; });
    var probe = el("div", { cls: "chart" });
    this.container.appendChild(probe);
    var points = Math.min(2500, Math.max(200, chartWidth(probe)));
    probe.remove();
    this.container.setAttribute("aria-busy", "true");
    if (!this.container.children.length) this.container.appendChild(el("p", { cls: "muted loading", text: "loading metric histories…" }));
    return this.fetchHistories(fetchKeys, points).then(function (body) {
      self.series = self.latestSeries(fromLatest).concat(body.series);
      Object.keys(body.runs).forEach(function (id) { self.runs[id] = body.runs[id]; });
      if (refresh === true) self.refresh(); else self.render();
      self.container.setAttribute("aria-busy", "false");
      if (self.onLoad) self.onLoad(body);
      var running = self.runIds.some(function (id) { return self.runs[id] && self.runs[id].status === "RUNNING"; });
      clearTimeout(self.timer);
      if (running) self.timer = setTimeout(function () { self.load(true); }, MetricCharts.refreshMs);
    }).catch(function (err) {
      self.container.setAttribute("aria-busy", "false");
      self.container.textContent = "";
      self.container.appendChild(el("div", { cls: "alert", role: "alert", text: "Could not load the metric histories: " + err.message }));
    });
  };

  /* The page-wide controls: every chart takes the new setting. */
  MetricCharts.prototype.set = function (changes) {
    Object.keys(changes).forEach(function (k) {
      this.state[k] = changes[k];
      this.charts.forEach(function (c) { c[k] = changes[k]; });
    }, this);
    this.render();
  };

  MetricCharts.prototype.byRunAndKey = function () {
    var index = {};
    (this.series || []).forEach(function (s) { index[s.run_id + "\u0000" + s.key] = s; });
    return index;
  };

  /* What a chart draws: [{run, key, series, xSeries}] in run order, then key order. */
  MetricCharts.prototype.linesOf = function (spec, index) {
    var lines = [], xKey = xMetric(spec.x);
    spec.keys.forEach(function (key, k) {
      this.runIds.forEach(function (id, r) {
        var s = index[id + "\u0000" + key];
        if (s) lines.push({ runIndex: r, keyIndex: k, key: key, series: s, xSeries: xKey !== null ? index[id + "\u0000" + xKey] : null });
      });
    }, this);
    return lines;
  };

  MetricCharts.prototype.render = function () {
    var self = this, index = this.byRunAndKey();
    this.plots.forEach(function (p) { if (p.plot) p.plot.destroy(); });
    this.plots = [];
    this.container.textContent = "";
    var drawnCharts = 0;
    this.charts.forEach(function (spec) {
      var lines = self.linesOf(spec, index);
      if (!lines.length) return;
      var single = spec.keys.length === 1 && xMetric(spec.x) === null && isSingleValued(lines.map(function (l) { return l.series; }));
      if (single && self.skipSingle) return;
      var entry = single && AL.barChart ? self.drawBars(spec, lines) : self.drawLines(spec, lines);
      self.plots.push(entry);
      drawnCharts++;
    });
    this.container.setAttribute("data-charts", drawnCharts);
    this.container.setAttribute("data-drawn-ms", Math.round(performance.now()));  // since navigation start
  };

  /* New data from a reload of a RUNNING run: each line chart gets its new points in place and keeps
     the user's zoom; a chart whose lines changed is drawn again. */
  MetricCharts.prototype.refresh = function () {
    var self = this, index = this.byRunAndKey();
    var same = this.plots.length && this.plots.every(function (p) {
      return p.plot && p.signature === self.signature(p.spec, self.linesOf(p.spec, index));
    });
    if (!same) { this.render(); return; }
    this.plots.forEach(function (p) {
      var lines = self.linesOf(p.spec, index), built = self.lineData(p.spec, lines), u = p.plot;
      var xs = u.data[0], sx = u.scales.x;
      var zoomed = xs.length > 1 && sx.min !== null && (sx.min > xs[0] || sx.max < xs[xs.length - 1]);
      if (zoomed) {
        var keep = { min: sx.min, max: sx.max }, ykeep = { min: u.scales.y.min, max: u.scales.y.max };
        u.setData(built.data, false);
        u.setScale("x", keep); u.setScale("y", ykeep);
      } else {
        u.setData(built.data);
      }
      self.noteCounts(p.box, lines);
    });
    this.container.setAttribute("data-refreshed", (+this.container.getAttribute("data-refreshed") || 0) + 1);
  };

  MetricCharts.prototype.signature = function (spec, lines) {
    return [spec.x, spec.log, spec.smoothing].concat(lines.map(function (l) { return l.series.run_id + "/" + l.key; })).join("|");
  };

  MetricCharts.prototype.noteCounts = function (box, lines) {
    var drawn = 0, total = 0;
    lines.forEach(function (l) { total += l.series.total; l.series.value.forEach(function (v) { if (v !== null) drawn++; }); });
    box.setAttribute("data-points", drawn);
    box.setAttribute("data-total", total);
    var note = box.querySelector(".note");
    if (note) note.textContent = drawn === total ? drawn + " points" :
      drawn.toLocaleString() + " of " + total.toLocaleString() + " points drawn (min/max per pixel kept)";
  };

  /* uPlot series and aligned data of a line chart: with smoothing, each line is drawn raw (faded)
     and smoothed over it. */
  MetricCharts.prototype.lineData = function (spec, lines) {
    var self = this, tables = [], series = [{ label: xLabel(spec.x),
      value: spec.x === "relative" ? function (u, v) { return v === null ? "—" : relativeLabel(v); } : undefined }];
    var manyKeys = spec.keys.length > 1, oneRun = this.runIds.length === 1, raw = [];
    lines.forEach(function (l) {
      var run = self.runs[l.series.run_id] || {}, name = run.run_name || l.series.run_id;
      var colour = manyKeys && oneRun ? AL.color(l.keyIndex) : AL.color(l.runIndex);
      var label = manyKeys ? (oneRun ? l.key : name + " · " + l.key) : name;
      var dash = manyKeys && !oneRun ? DASHES[l.keyIndex % DASHES.length] : null;
      var fmtValue = function (u, v) { return v === null ? "—" : AL.fmt(v); };
      if (spec.smoothing) {
        tables.push(table(l.series, run, spec, l.xSeries, false));
        raw.push(series.length);
        series.push({ label: label + " (raw)", stroke: fade(colour), width: 1, spanGaps: true, dash: dash || undefined, points: { show: false }, value: fmtValue });
      }
      tables.push(table(l.series, run, spec, l.xSeries, true));
      series.push({ label: label, stroke: colour, width: 1.6, spanGaps: true, dash: dash || undefined, points: { size: 4 }, value: fmtValue });
    });
    return { data: tables.length === 1 ? tables[0] : uPlot.join(tables), series: series, raw: raw };
  };

  MetricCharts.prototype.drawLines = function (spec, lines) {
    var self = this, box = el("div", { cls: "chart", "data-key": spec.keys[0], "data-keys": spec.keys.join("|"), "data-x": spec.x });
    box.appendChild(this.header(spec, false));
    this.container.appendChild(box);
    var built = this.lineData(spec, lines), xIsMetric = xMetric(spec.x) !== null;
    var axes = [{ label: xLabel(spec.x), size: 42, incrs: spec.x === "step" ? STEP_INCRS : undefined,
                  values: spec.x === "relative" ? function (u, vals) { return vals.map(relativeLabel); } :
                          xIsMetric ? function (u, vals) { return vals.map(AL.fmt); } : undefined },
                { size: 60, values: function (u, vals) {
                  // on a log scale only powers of ten are labelled (the other grid lines stay unlabelled)
                  return vals.map(function (v) { return !spec.log || Math.abs(Math.log10(v) % 1) < 1e-9 ? AL.fmt(v) : ""; });
                } }];
    var plot = new uPlot({
      width: chartWidth(box), height: 230, series: built.series, axes: axes,
      scales: { x: { time: spec.x === "time" }, y: { distr: spec.log ? 3 : 1 } },
      legend: { live: true }, cursor: { drag: { x: true, y: false } },
      hooks: { setScale: [function (u, key) {
        if (key !== "x") return;
        box.setAttribute("data-x-min", u.scales.x.min); box.setAttribute("data-x-max", u.scales.x.max);
      }] },
    }, built.data, box);
    // raw lines under a smoothed one are not listed in the legend (the smoothed line is)
    var rows = plot.root.querySelectorAll(".u-legend .u-series");
    built.raw.forEach(function (i) { if (rows[i]) rows[i].classList.add("raw"); });
    if (built.series.length > 12) box.classList.add("many");
    box.appendChild(el("div", { cls: "note" }));
    this.noteCounts(box, lines);
    return { spec: spec, plot: plot, box: box, signature: this.signature(spec, lines) };
  };

  MetricCharts.prototype.drawBars = function (spec, lines) {
    var self = this, box = el("div", { cls: "chart bar-chart", "data-key": spec.keys[0], "data-keys": spec.keys.join("|") });
    box.appendChild(this.header(spec, true));
    this.container.appendChild(box);
    var items = lines.map(function (l) {
      var run = self.runs[l.series.run_id] || {}, values = l.series.value;
      return { runId: l.series.run_id, name: run.run_name || l.series.run_id, value: values[values.length - 1],
               color: AL.color(l.runIndex), index: l.runIndex };
    });
    var missing = this.runIds.length - items.length, way = betterByName(spec.keys[0]), best = null;
    items.forEach(function (i) { if (i.value !== null && (best === null || (way === "lower" ? i.value < best.value : i.value > best.value))) best = i; });
    AL.barChart(box, items, { order: spec.order, log: spec.log, best: best && items.length > 1 ? best.runId : null,
                              onOrder: function (order) { spec.order = order; self.changed(); } });
    box.appendChild(el("div", { cls: "note", text: items.length + " run" + (items.length === 1 ? "" : "s") + ", one value each" +
      (missing ? "; " + missing + " without this metric" : "") +
      (best && items.length > 1 ? "; best (" + way + " is better): " + best.name + " = " + AL.fmt(best.value) : "") }));
    box.setAttribute("data-points", items.length);
    box.setAttribute("data-total", items.length);
    return { spec: spec, plot: null, box: box, signature: null };
  };

  MetricCharts.prototype.changed = function () { if (this.onChange) this.onChange(); };

  /* A chart's title and its own settings: x axis, log scale, smoothing, metrics overlaid. */
  MetricCharts.prototype.header = function (spec, bars) {
    var self = this, head = el("div", { cls: "chart-head" });
    var title = el("h4");
    spec.keys.forEach(function (key, i) {
      var chip = el("span", { cls: "chart-key", "data-key": key }, key);
      if (spec.keys.length > 1) {
        chip.style.borderColor = self.runIds.length === 1 ? AL.color(i) : "";
        chip.appendChild(el("button", { type: "button", cls: "remove-key", title: "remove " + key + " from this chart", "aria-label": "remove " + key, text: "×",
          on: { click: function () { spec.keys.splice(spec.keys.indexOf(key), 1); self.changed(); self.load(); } } }));
      }
      title.appendChild(chip);
    });
    head.appendChild(title);
    if (!this.ownSettings) return head;
    var settings = el("div", { cls: "chart-settings" });
    var multi = {};  // with skipSingle (the run page), only metrics with a history are offered
    (this.series || []).forEach(function (s) { if (s.total > 1) multi[s.key] = 1; });
    var offered = (this.choices || []).filter(function (k) { return !self.skipSingle || multi[k]; });
    var choices = offered.filter(function (k) { return spec.keys.indexOf(k) < 0; });
    if (!bars) {  // bars compare runs on one metric; overlays are for histories
      var overlay = el("select", { cls: "overlay", "aria-label": "add a metric to this chart" }, el("option", { value: "", text: "+ metric" }));
      choices.forEach(function (k) { overlay.appendChild(el("option", { value: k, text: k })); });
      overlay.addEventListener("change", function () {
        if (!overlay.value) return;
        spec.keys.push(overlay.value); self.changed(); self.load();
      });
      if (choices.length) settings.appendChild(overlay);
    }
    if (!bars) {
      var x = el("select", { cls: "chart-x", "aria-label": "x axis of this chart" });
      [["step", "step"], ["time", "wall time"], ["relative", "relative time"]].forEach(function (o) { x.appendChild(el("option", { value: o[0], text: o[1] })); });
      offered.forEach(function (k) { x.appendChild(el("option", { value: "metric:" + k, text: "metric: " + k })); });
      if (xMetric(spec.x) !== null && !x.querySelector("option[value='" + CSS.escape(spec.x) + "']")) x.appendChild(el("option", { value: spec.x, text: "metric: " + xMetric(spec.x) }));
      x.value = spec.x;
      x.addEventListener("change", function () { spec.x = x.value; self.changed(); if (xMetric(spec.x) !== null) self.load(); else self.render(); });
      settings.appendChild(el("label", null, "x ", x));
    }
    var log = el("input", { type: "checkbox", cls: "chart-log" });
    log.checked = spec.log;
    log.addEventListener("change", function () { spec.log = log.checked; self.changed(); self.render(); });
    settings.appendChild(el("label", null, log, " log"));
    if (!bars) {
      var smooth = el("input", { type: "range", cls: "chart-smoothing", min: 0, max: 0.99, step: 0.01, "aria-label": "smoothing of this chart" });
      smooth.value = spec.smoothing;
      smooth.addEventListener("change", function () { spec.smoothing = +smooth.value; self.changed(); self.render(); });
      settings.appendChild(el("label", null, "smooth ", smooth));
    }
    head.appendChild(settings);
    return head;
  };

  function fade(colour) {
    var probe = document.createElement("span");
    probe.style.color = colour;
    document.body.appendChild(probe);
    var rgb = getComputedStyle(probe).color;
    probe.remove();
    return rgb.replace(/^rgb\(([^)]*)\)$/, "rgba($1, 0.28)");
  }

  /* Wire the standard controls (.x-axis, .log-scale, .smoothing) inside `controls` to `charts`. */
  function bindControls(controls, charts) {
    if (!controls) return;
    var x = controls.querySelector(".x-axis"), log = controls.querySelector(".log-scale"), smooth = controls.querySelector(".smoothing");
    if (x) { x.value = charts.state.x; x.addEventListener("change", function () { charts.set({ x: x.value }); charts.changed(); }); }
    if (log) { log.checked = charts.state.log; log.addEventListener("change", function () { charts.set({ log: log.checked }); charts.changed(); }); }
    if (smooth) {
      smooth.value = charts.state.smoothing;
      smooth.addEventListener("input", function () { charts.set({ smoothing: +smooth.value }); });
      smooth.addEventListener("change", function () { charts.changed(); });
    }
  }

  // -- plots logged as data ----------------------------------------------------------------------
  /* A confusion matrix as a table sized to its box: cells as large as the box allows (readable, not
     huge), text scaled with them. */
  function heatmap(box, plot) {
    var matrix = plot.matrix, labels = plot.labels, max = 0, normalize = false;
    var n = Math.max(1, labels.length), head = 110, room = Math.max(240, (box.clientWidth || 420) - 24);
    var cell = Math.max(26, Math.min(96, Math.floor((room - head) / n)));
    matrix.forEach(function (row) { row.forEach(function (v) { if (v > max) max = v; }); });
    var holder = el("div");
    var toggle = el("label", { cls: "small" }, el("input", { type: "checkbox", cls: "normalize" }), " normalise by true label");
    function draw() {
      holder.textContent = "";
      var t = el("table", { cls: "heatmap sized", style: "width: " + (head + n * cell) + "px; font-size: " +
        Math.max(11, Math.min(18, Math.round(cell / 3.6))) + "px", "data-cell": cell });
      var cols = el("colgroup", null, el("col", { style: "width: " + head + "px" }));
      for (var c = 0; c < n; c++) cols.appendChild(el("col", { style: "width: " + cell + "px" }));
      t.appendChild(cols);
      var head = el("tr", null, el("th", { text: "true \\ predicted" }));
      labels.forEach(function (l) { head.appendChild(el("th", { text: l, title: l })); });
      t.appendChild(head);
      matrix.forEach(function (row, i) {
        var sum = row.reduce(function (a, b) { return a + b; }, 0) || 1;
        var tr = el("tr", null, el("th", { text: labels[i] !== undefined ? labels[i] : String(i), title: labels[i] }));
        row.forEach(function (v, j) {
          var share = v / sum, alpha = normalize ? share : (max ? v / max : 0);
          var text = normalize ? (100 * share).toFixed(1) + "%" : AL.fmt(v);
          tr.appendChild(el("td", { text: text, style: "height: " + Math.round(cell * 0.72) + "px; background: rgba(36, 99, 199, " + alpha.toFixed(3) + "); color: " + (alpha > 0.55 ? "#fff" : "#1d2430"),
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

  /* Area under a curve by trapezoids over points sorted by x. */
  function area(xs, ys) {
    var sum = 0;
    for (var i = 1; i < xs.length; i++) sum += (xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1]) / 2;
    return sum;
  }

  /* " (AUC = 0.91)" for a ROC curve (computed from its points when not logged), " (AP = 0.83)" for a
     precision-recall curve that logged it. */
  function scoreLabel(type, c, xs, ys) {
    var score = c.score, name = c.score_name || "score";
    if ((score === null || score === undefined) && type === "roc_curve" && xs.length > 1) { score = area(xs, ys); name = "AUC"; }
    if (score === null || score === undefined) return "";
    if (type === "roc_curve" && name === "score") name = "AUC";
    return " (" + name + " = " + (+score).toFixed(3).replace(/0+$/, "").replace(/\.$/, "") + ")";
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
      var label = (c.label || plot.title) + scoreLabel(plot.type, c, tx, ty);
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

  /* "lower" or "higher": which value of a metric is the better one, guessed from its name. */
  var LOWER = /(^|[^a-z])(loss|logloss|error|err|mse|mae|rmse|mape|perplexity|distance)([^a-z]|$)|loss|error/i;
  var HIGHER = /(^|[^a-z])(accuracy|acc|auc|roc_auc|f1|precision|recall|r2|score|ap|map|iou|dice|ndcg)([^a-z]|$)|accuracy|precision|recall/i;
  function betterByName(key) {
    var name = String(key).toLowerCase();
    if (LOWER.test(name)) return /(^|[^a-z])neg_/.test(name) ? "higher" : "lower";  // sklearn's neg_mean_squared_error
    return HIGHER.test(name) ? "higher" : "lower";
  }

  AL.betterByName = betterByName;
  AL.MetricCharts = MetricCharts;
  AL.bindControls = bindControls;
  AL.drawPlot = drawPlot;
})();
