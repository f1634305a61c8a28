/* Deleting and restoring runs: many at once from the runs table's selection (with an Undo
   that restores them), and back from a deleted run's page or the experiment's deleted runs. */
"use strict";
(function () {
  var edit = AL.edit, UNDO_KEY = "autolog.undo-delete";

  function checked(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector))
      .filter(function (p) { return p.checked; }).map(function (p) { return p.value; });
  }
  function bodies(ids) { return ids.map(function (id) { return { run_id: id }; }); }

  // The runs table: "Delete selected", then an Undo bar on the reloaded page.
  var deleteButton = document.getElementById("delete-selected");
  if (deleteButton) {
    var refresh = function () {
      var n = checked("input.pick").length;
      deleteButton.disabled = n === 0;
      deleteButton.textContent = n ? "Delete " + n + (n === 1 ? " run" : " runs") : "Delete selected";
    };
    document.addEventListener("change", function (ev) {
      if (ev.target.matches("input.pick, #select-all")) setTimeout(refresh, 0);  // after runs.js ticks the rows
    });
    window.addEventListener("pageshow", refresh);  // Back: the browser restores the ticks
    refresh();
    deleteButton.addEventListener("click", function () {
      var ids = checked("input.pick");
      if (!ids.length || !window.confirm("Delete " + ids.length + (ids.length === 1 ? " run" : " runs") + "? They can be restored.")) return;
      edit.act(deleteButton, function () { return edit.callEach("POST", "runs/delete", bodies(ids)); }, function () {
        sessionStorage.setItem(UNDO_KEY, JSON.stringify({ path: location.pathname, ids: ids }));
        window.location.reload();
      });
    });
    var undo = null;
    try { undo = JSON.parse(sessionStorage.getItem(UNDO_KEY) || "null"); } catch (e) { undo = null; }
    if (undo && undo.path === location.pathname && undo.ids && undo.ids.length) {
      sessionStorage.removeItem(UNDO_KEY);
      var n = undo.ids.length;
      var button = AL.el("button", { type: "button", id: "undo-delete", text: "Undo" });
      var bar = AL.el("div", { cls: "notice", id: "undo-bar", role: "status" },
        (n === 1 ? "1 run deleted. " : n + " runs deleted. "), button, " ",
        AL.el("a", { href: location.pathname + "/deleted", text: "deleted runs" }));
      var toolbar = deleteButton.closest(".toolbar");
      toolbar.parentNode.insertBefore(bar, toolbar);
      button.addEventListener("click", function () {
        edit.act(button, function () { return edit.callEach("POST", "runs/restore", bodies(undo.ids)); });
      });
    }
  }

  // In the table itself: rename a run (the pencil by its name) or edit a tag cell (double-click);
  // the cell changes in place once the server has the change. The table's data-last-edit-ms is
  // the time from submit to the cell showing it (read by bench/ui.py).
  var runsTable = document.getElementById("runs-table");
  if (runsTable) {
    var columnOf = function (td) {
      var th = runsTable.querySelectorAll("thead tr > *")[Array.prototype.indexOf.call(td.parentNode.children, td)];
      return th ? th.getAttribute("data-col") || "" : "";
    };
    var editCell = function (td, value, save, show) {
      if (td.querySelector("form")) return;
      var input = AL.el("input", { type: "text", cls: "cell-input", "aria-label": "new value", spellcheck: "false" });
      input.value = value;
      var form = AL.el("form", { cls: "cell-edit" }, input);
      var kept = Array.prototype.slice.call(td.childNodes);
      kept.forEach(function (n) { if (n.nodeType === 1) n.hidden = true; else n.remove(); });
      td.appendChild(form);
      input.focus();
      input.select();
      var closed = false;
      var close = function () {
        if (closed) return;  // removing the form blurs its input, which closes again
        closed = true;
        form.remove();
        kept.forEach(function (n) { if (n.nodeType === 1) n.hidden = false; else td.insertBefore(n, td.firstChild); });
      };
      input.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); close(); } });
      input.addEventListener("blur", function () { if (!form.classList.contains("saving")) close(); });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var started = performance.now(), text = input.value;
        form.classList.add("saving");
        input.disabled = true;
        edit.clearError();
        save(text).then(function () {
          close();
          show(text);
          runsTable.setAttribute("data-last-edit-ms", String(Math.round(performance.now() - started)));
        }, function (err) {
          form.classList.remove("saving");
          close();
          edit.showError("The server refused the change: " + err.message);
        });
      });
    };
    var addPencils = function () {
      runsTable.querySelectorAll("tbody td.name").forEach(function (td) {
        if (td.querySelector("button.rename-in-table")) return;
        td.appendChild(AL.el("button", { type: "button", cls: "link rename-in-table", title: "rename this run", "aria-label": "rename", text: "✎" }));
      });
    };
    addPencils();
    new MutationObserver(addPencils).observe(runsTable, { childList: true, subtree: true });  // rows drawn later
    runsTable.addEventListener("click", function (ev) {
      var button = ev.target.closest("button.rename-in-table");
      if (!button) return;
      var td = button.closest("td"), link = td.querySelector(":scope > a"), runId = td.parentNode.getAttribute("data-run-id");
      editCell(td, link.textContent, function (name) {
        if (!name.trim()) return Promise.reject(new Error("a run name cannot be empty"));
        return edit.call("POST", "runs/update", { run_id: runId, run_name: name.trim() });
      }, function (name) { link.textContent = name.trim(); });
    });
    runsTable.addEventListener("dblclick", function (ev) {
      var td = ev.target.closest("tbody td");
      if (!td || td.querySelector("form")) return;
      var column = columnOf(td);
      if (column.indexOf("tags.") !== 0) return;
      var key = column.slice(5), runId = td.parentNode.getAttribute("data-run-id");
      editCell(td, td.textContent.trim(), function (value) {
        return edit.call("POST", "runs/set-tag", { run_id: runId, key: key, value: value });
      }, function (value) { td.textContent = value; td.title = value.length > 30 ? value : ""; });
    });
    runsTable.querySelectorAll("thead th[data-col^='tags.']").forEach(function (th) { th.title = (th.title ? th.title + ": " : "") + "double-click a cell to edit"; });
  }

  // A deleted run's page.
  var restoreOne = document.getElementById("restore-run");
  if (restoreOne) restoreOne.addEventListener("click", function () {
    edit.act(restoreOne, function () { return edit.call("POST", "runs/restore", { run_id: restoreOne.getAttribute("data-run-id") }); });
  });

  // The deleted runs of an experiment.
  var table = document.getElementById("deleted-runs-table");
  if (table) {
    var restoreSelected = document.getElementById("restore-selected"), all = document.getElementById("select-all-deleted");
    var update = function () {
      var n = checked("input.pick-deleted").length;
      restoreSelected.disabled = n === 0;
      restoreSelected.textContent = n ? "Restore " + n + (n === 1 ? " run" : " runs") : "Restore selected";
    };
    table.addEventListener("change", function (ev) {
      if (ev.target === all) document.querySelectorAll("input.pick-deleted").forEach(function (p) { p.checked = all.checked; });
      update();
    });
    window.addEventListener("pageshow", update);
    restoreSelected.addEventListener("click", function () {
      var ids = checked("input.pick-deleted");
      edit.act(restoreSelected, function () { return edit.callEach("POST", "runs/restore", bodies(ids)); });
    });
    table.addEventListener("click", function (ev) {
      var button = ev.target.closest("button.restore-run");
      if (button) edit.act(button, function () { return edit.call("POST", "runs/restore", { run_id: button.getAttribute("data-run-id") }); });
    });
  }
})();
