/* The experiments page's changes: create, rename (in place), delete and restore an experiment,
   each a REST call through AL.edit (experiments/create|update|delete|restore). */
"use strict";
(function () {
  var edit = AL.edit, el = AL.el;

  var create = document.getElementById("create-experiment-form");
  if (create) create.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = document.getElementById("new-experiment-name").value.trim();
    if (!name) { edit.showError("An experiment name cannot be empty."); return; }
    edit.act(create.querySelector("button[type=submit]"), function () {
      return edit.call("POST", "experiments/create", { name: name });
    }, function (answer) {
      window.location.href = "/experiments/" + encodeURIComponent(answer.experiment_id);
    });
  });

  function startRename(button) {
    var cell = button.closest("tr").querySelector("td.name"), link = cell.querySelector("a");
    if (cell.querySelector("form")) return;
    var input = el("input", { type: "text", cls: "rename-input", "aria-label": "new name", maxlength: "500", spellcheck: "false" });
    input.value = button.getAttribute("data-name");
    var save = el("button", { type: "submit", text: "Save" }), cancel = el("button", { type: "button", text: "Cancel" });
    var form = el("form", { cls: "inline-edit rename-form" }, input, " ", save, " ", cancel);
    link.hidden = true;
    cell.appendChild(form);
    input.focus();
    input.select();
    function close() { form.remove(); link.hidden = false; edit.clearError(); }
    cancel.addEventListener("click", close);
    form.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var name = input.value.trim();
      if (!name) { edit.showError("An experiment name cannot be empty."); return; }
      edit.act(save, function () {
        return edit.call("POST", "experiments/update", { experiment_id: button.getAttribute("data-id"), new_name: name });
      });
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button");
    if (!button) return;
    var id = button.getAttribute("data-id");
    if (button.classList.contains("rename-experiment")) {
      startRename(button);
    } else if (button.classList.contains("delete-experiment")) {
      var runs = +button.getAttribute("data-runs");
      if (!window.confirm("Delete the experiment \u201c" + button.getAttribute("data-name") + "\u201d" +
          (runs ? " and its " + runs + (runs === 1 ? " run" : " runs") : "") + "? It can be restored from Deleted experiments.")) return;
      edit.act(button, function () { return edit.call("POST", "experiments/delete", { experiment_id: id }); });
    } else if (button.classList.contains("restore-experiment")) {
      edit.act(button, function () { return edit.call("POST", "experiments/restore", { experiment_id: id }); });
    }
  });
})();
