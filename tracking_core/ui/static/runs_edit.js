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
