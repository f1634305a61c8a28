/* The runs table: selection for compare/charts, collapsing child runs, the column chooser. */
"use strict";
(function () {
  var table = document.getElementById("runs-table");
  var compare = document.getElementById("compare-selected");
  var chart = document.getElementById("chart-selected");

  function picks() { return Array.prototype.slice.call(document.querySelectorAll("input.pick")); }
  function chosen() { return picks().filter(function (p) { return p.checked; }).map(function (p) { return p.value; }); }
  // A button says when the page it opens shows fewer runs than are selected.
  function over(button, n) {
    var limit = +button.getAttribute("data-limit");
    button.title = limit && n > limit ? "the first " + limit + " of the " + n + " selected runs are shown" : "";
    return limit && n > limit ? " (first " + limit + ")" : "";
  }
  function refresh() {
    var n = chosen().length;
    if (compare) {
      compare.disabled = n < 2;
      compare.textContent = n >= 2 ? "Compare " + n + " runs" + over(compare, n) : "Compare selected";
    }
    if (chart) { chart.disabled = n < 1; chart.textContent = n >= 1 ? "Chart " + n + (n === 1 ? " run" : " runs") + over(chart, n) : "Chart selected"; }
  }
  picks().forEach(function (p) { p.addEventListener("change", refresh); });
  var all = document.getElementById("select-all");
  if (all) all.addEventListener("change", function () {
    picks().forEach(function (p) { if (!p.closest("tr").classList.contains("collapsed")) p.checked = all.checked; });
    refresh();
  });
  // Only the runs the page will show travel in the address (500 ids make a 16 KB URL), with the
  // number selected, so the page can say how many it leaves out.
  function openSelected(button, path) {
    var ids = chosen(), limit = +button.getAttribute("data-limit") || ids.length;
    window.location.href = path + "?runs=" + ids.slice(0, limit).map(encodeURIComponent).join(",") +
      (ids.length > limit ? "&selected=" + ids.length : "");
  }
  if (compare) compare.addEventListener("click", function () { openSelected(compare, "/compare"); });
  if (chart) chart.addEventListener("click", function () { openSelected(chart, "/charts"); });
  refresh();
  // Back from Compare or Charts: the browser ticks the boxes again after this script ran.
  window.addEventListener("pageshow", refresh);

  // The count arrives after the rows: counting a large filtered experiment can take longer.
  var count = document.getElementById("run-count");
  if (count) AL.getJSON(count.getAttribute("data-url")).then(function (body) {
    var n = body.count, filtered = count.getAttribute("data-filtered") === "1";
    count.setAttribute("data-count", String(n));  // the live refresh tells of runs added since
    count.textContent = n.toLocaleString("en-US") + (n === 1 ? " run" : " runs") + (filtered ? " match" : "");
    var total = document.getElementById("rows-total");
    if (total) total.textContent = " of " + n.toLocaleString("en-US");
  }).catch(function (err) { count.textContent = "count unavailable: " + err.message; });

  // Child runs sit right under their parent; the twisty hides or shows them (and theirs).
  if (table) table.addEventListener("click", function (event) {
    var button = event.target.closest("button.twisty");
    if (!button) return;
    var row = button.closest("tr");
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "▾" : "▸";
    button.title = open ? "hide child runs" : "show child runs";
    var depth = +row.getAttribute("data-depth");
    for (var next = row.nextElementSibling; next && +next.getAttribute("data-depth") > depth; next = next.nextElementSibling) {
      if (open) {
        // show direct children; deeper ones only if their own parent is open
        var parentRow = table.querySelector('tr[data-run-id="' + next.getAttribute("data-parent") + '"]');
        var parentButton = parentRow && parentRow.querySelector("button.twisty");
        var visible = parentRow === row || (parentButton && parentButton.getAttribute("aria-expanded") === "true" && !parentRow.classList.contains("collapsed"));
        next.classList.toggle("collapsed", !visible);
      } else {
        next.classList.add("collapsed");
      }
    }
  });

  // Column chooser: the checked boxes become one "columns" parameter, kept in the address.
  var form = document.getElementById("columns-form");
  if (form) {
    var find = form.querySelector(".chooser-filter");
    find.addEventListener("input", function () {
      var q = find.value.toLowerCase();
      form.querySelectorAll("label").forEach(function (label) {
        label.style.display = label.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
      });
    });
    // The table's order is kept (columns may have been moved); newly ticked ones go at the end.
    var before = document.getElementById("columns-value").value.split(",").filter(Boolean);
    function chosenColumns() {
      var ticked = Array.prototype.slice.call(form.querySelectorAll("input.col")).filter(function (c) { return c.checked; })
        .map(function (c) { return c.value; });
      var listed = Array.prototype.slice.call(form.querySelectorAll("input.col")).map(function (c) { return c.value; });
      var kept = before.filter(function (name) { return ticked.indexOf(name) >= 0 || listed.indexOf(name) < 0; });
      return kept.concat(ticked.filter(function (name) { return kept.indexOf(name) < 0; }));
    }
    // Enter on "params.x" / "metrics.x" / "tags.x" adds that column even if it is not listed.
    find.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var name = find.value.trim();
      if (!/^(params|metrics|tags)\.\S/.test(name)) return;
      var cols = chosenColumns();
      if (cols.indexOf(name) < 0) cols.push(name);
      document.getElementById("columns-value").value = cols.join(",");
      find.disabled = true;
      form.submit();
    });
    form.addEventListener("submit", function () {
      document.getElementById("columns-value").value = chosenColumns().join(",");
      find.disabled = true;
    });
  }
})();
