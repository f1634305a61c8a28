/* The runs table follows its RUNNING runs: every few seconds it asks the server for their status,
   duration and the values of the shown columns, and writes them into the rows in place (the
   selection, the scroll position and the order stay as they are); runs started since the page
   opened are announced with a link that shows them. It stops once no run on the page runs. */
"use strict";
(function () {
  var table = document.getElementById("runs-table");
  if (!table) return;
  var EVERY_MS = 3000, CHUNK = 100;
  var note = null;

  function runningRows() {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-status=RUNNING]"));
  }
  function columnIndexes() {  // column name -> cell index, for the columns a run's values fill
    var found = {};
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var name = th.getAttribute("data-col");
      if (name) found[name] = i;
    });
    return found;
  }
  function show(text) {
    var count = document.getElementById("run-count");
    if (!count) return;
    if (!note) { note = AL.el("span", { cls: "live-note", id: "live-note", role: "status" }); count.parentNode.insertBefore(note, count.nextSibling); }
    note.textContent = text;
  }

  // New runs (a sweep starting its next trial): counted, offered, never pushed into the rows.
  var count = document.getElementById("run-count"), added = null;
  function checkNewRuns() {
    var before = count && count.getAttribute("data-count");
    if (!before) return;
    AL.getJSON(count.getAttribute("data-url")).then(function (body) {
      var n = body.count - +before;
      if (n <= 0) return;
      if (!added) {
        added = AL.el("a", { id: "new-runs", cls: "live-note", href: window.location.href });
        count.parentNode.insertBefore(added, count.nextSibling);
      }
      added.textContent = n + (n === 1 ? " new run" : " new runs") + " — show";
    }).catch(function () { /* the next poll tries again */ });
  }

  function update(row, run, at) {
    row.setAttribute("data-status", run.status);
    var status = row.querySelector(".status");  // absent when the column is hidden
    if (status) { status.className = "status " + run.status.toLowerCase(); status.textContent = run.status; }
    if (at["attributes.duration"] !== undefined) row.cells[at["attributes.duration"]].textContent = run.duration;
    Object.keys(run.cells).forEach(function (name) {
      var cell = row.cells[at[name]];
      if (cell && cell.textContent !== run.cells[name]) cell.textContent = run.cells[name];
    });
  }

  function poll() {
    var rows = runningRows();
    if (!rows.length) { if (note) show("live: every run on this page has ended"); return; }
    if (document.hidden) { setTimeout(poll, EVERY_MS); return; }
    var at = columnIndexes();
    var columns = Object.keys(at).filter(function (n) { return /^(params|metrics|tags)\./.test(n); });
    var byId = {};
    rows.forEach(function (tr) { byId[tr.getAttribute("data-run-id")] = tr; });
    var ids = Object.keys(byId), asks = [];
    for (var i = 0; i < ids.length; i += CHUNK) {  // short addresses, even for a page of 500 running runs
      asks.push(AL.getJSON("/ui-api/live-runs?runs=" + ids.slice(i, i + CHUNK).map(encodeURIComponent).join(",") +
                           "&columns=" + encodeURIComponent(columns.join(","))));
    }
    checkNewRuns();
    Promise.all(asks).then(function (answers) {
      answers.forEach(function (body) {
        body.runs.forEach(function (run) { if (byId[run.run_id]) update(byId[run.run_id], run, at); });
      });
      if (window.AL_RUNS_LAYOUT) window.AL_RUNS_LAYOUT();
      var still = runningRows().length;
      show(still ? "live: " + still + (still === 1 ? " run" : " runs") + " running, updated " + new Date().toLocaleTimeString() : "");
      table.setAttribute("data-live-polls", String(+(table.getAttribute("data-live-polls") || 0) + 1));
      setTimeout(poll, EVERY_MS);
    }).catch(function (err) {
      show("live updates paused: " + err.message);
      setTimeout(poll, EVERY_MS * 3);
    });
  }
  if (runningRows().length) setTimeout(poll, EVERY_MS);
})();
