/* The run page: metric charts, plots logged as data, the artifact tree and its previews. */
"use strict";
(function () {
  var el = AL.el, data = AL.pageData(), runId = data.run_id;

  // Metric charts: one per metric that has more than one point.
  var chartBox = document.getElementById("run-charts");
  if (chartBox && data.metrics.length) {
    var runs = {}; runs[runId] = { run_id: runId, run_name: data.run_name, status: data.status, start_time: data.start_time };
    var charts = new AL.MetricCharts(chartBox, { runIds: [runId], keys: data.metrics.slice(0, 50), runs: runs, skipSingle: true,
      onLoad: function (body) {
        var status = document.getElementById("run-status"), run = body.runs[runId];
        if (status && run && status.textContent !== run.status) { status.textContent = run.status; status.className = "status " + run.status.toLowerCase(); }
        var controls = document.getElementById("run-chart-controls");
        if (controls) controls.style.display = chartBox.getAttribute("data-charts") === "0" ? "none" : "";
      } });
    AL.bindControls(document.getElementById("run-chart-controls"), charts);
    charts.load();
  }

  // Plots that plugins logged as data.
  var plotBox = document.getElementById("plots");
  if (plotBox) data.plots.forEach(function (plot) { AL.drawPlot(plotBox, plot); });

  // Artifacts: directories open in place, files preview on the right.
  var tree = document.getElementById("artifact-tree"), preview = document.getElementById("artifact-preview");
  if (!tree) return;

  function rawUrl(path, extra) { return "/runs/" + encodeURIComponent(runId) + "/artifact?path=" + encodeURIComponent(path) + (extra || ""); }

  function entry(item) {
    var li = el("li", { cls: item.is_dir ? "dir" : "file", "data-path": item.path, "data-kind": item.kind });
    if (item.is_dir) li.appendChild(el("button", { type: "button", cls: "twisty", "aria-expanded": "false", text: "▸" }));
    li.appendChild(el("a", { href: rawUrl(item.path, item.is_dir ? "&zip=1" : ""), cls: "artifact-link", text: item.name }));
    if (!item.is_dir && item.size !== null) li.appendChild(el("span", { cls: "size muted", text: AL.fmtBytes(item.size) }));
    return li;
  }

  function toggleDir(li) {
    var button = li.querySelector(":scope > button.twisty"), sub = li.querySelector(":scope > ul");
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "▾" : "▸";
    if (sub) { sub.style.display = open ? "" : "none"; return; }
    if (!open) return;
    sub = el("ul", null, el("li", { cls: "muted", text: "loading…" }));
    li.appendChild(sub);
    AL.getJSON("/ui-api/runs/" + encodeURIComponent(runId) + "/artifacts?path=" + encodeURIComponent(li.getAttribute("data-path")))
      .then(function (body) {
        sub.textContent = "";
        if (!body.files.length) sub.appendChild(el("li", { cls: "muted", text: "(empty)" }));
        body.files.forEach(function (item) { sub.appendChild(entry(item)); });
      }).catch(function (err) { sub.textContent = ""; sub.appendChild(el("li", { cls: "alert", text: err.message })); });
  }

  function show(path) {
    tree.querySelectorAll("a.selected").forEach(function (a) { a.classList.remove("selected"); });
    var li = tree.querySelector('li[data-path="' + CSS.escape(path) + '"]');
    if (li) li.querySelector("a").classList.add("selected");
    preview.textContent = "";
    preview.appendChild(el("p", { cls: "muted", text: "loading…" }));
    AL.getJSON("/ui-api/runs/" + encodeURIComponent(runId) + "/preview?path=" + encodeURIComponent(path)).then(function (p) {
      preview.textContent = "";
      preview.setAttribute("data-kind", p.kind);
      preview.appendChild(el("div", { cls: "head" }, el("strong", { cls: "preview-path", text: p.path }),
        el("a", { href: p.download_url, download: "", cls: "button", text: "Download" })));
      if (p.truncated) preview.appendChild(el("p", { cls: "muted small", text: "Showing the beginning of a large file." }));
      if (p.kind === "image") {
        preview.appendChild(el("img", { src: p.raw_url, alt: p.path }));
      } else if (p.kind === "html") {
        preview.appendChild(el("p", { cls: "muted small", text: "HTML shown in a sandbox: its scripts do not run." }));
        preview.appendChild(el("iframe", { src: p.raw_url, sandbox: "", referrerpolicy: "no-referrer", title: p.path }));
      } else if (p.kind === "csv") {
        var t = el("table", { cls: "grid" });
        p.rows.forEach(function (row, i) {
          var tr = el("tr");
          row.forEach(function (c, j) {  // a number shortened for reading keeps its full value on hover
            var full = p.full && p.full[i] && p.full[i][j];
            tr.appendChild(el(i === 0 ? "th" : "td", { text: c, title: full || null }));
          });
          t.appendChild(tr);
        });
        preview.appendChild(t);
      } else if (p.kind === "binary") {
        preview.appendChild(el("p", { cls: "muted", text: "No preview for this file type." }));
      } else {
        if (p.plot) AL.drawPlot(preview, p.plot);
        if (p.note) preview.appendChild(el("p", { cls: "muted small", text: p.note }));
        preview.appendChild(el("pre", { text: p.text }));
      }
    }).catch(function (err) {
      preview.textContent = "";
      preview.appendChild(el("div", { cls: "alert", role: "alert", text: "Cannot preview " + path + ": " + err.message }));
    });
  }

  tree.addEventListener("click", function (event) {
    var li = event.target.closest("li");
    if (!li) return;
    if (event.target.closest("button.twisty")) { toggleDir(li); return; }
    var link = event.target.closest("a.artifact-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (li.classList.contains("dir")) toggleDir(li); else show(li.getAttribute("data-path"));
  });
  document.querySelectorAll("a.preview-link").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); show(a.getAttribute("data-path")); preview.scrollIntoView(); });
  });
  var more = document.getElementById("tree-more");
  if (more) more.addEventListener("click", function (e) {
    e.stopPropagation();
    more.disabled = true;
    AL.getJSON("/ui-api/runs/" + encodeURIComponent(runId) + "/artifacts?path=").then(function (body) {
      var item = more.parentNode;
      body.files.slice(data.tree_shown).forEach(function (f) { tree.insertBefore(entry(f), item); });
      item.remove();
    });
  });
  // Open the first previewable file so the pane is not empty.
  if (data.first_preview) show(data.first_preview);
})();
