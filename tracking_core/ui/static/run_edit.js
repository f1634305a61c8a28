/* The run page's changes: rename, delete, tags (set, edit, delete) and the note (MLflow's tag
   mlflow.note.content). Each is a REST call through AL.edit; the page reloads to show the result. */
"use strict";
(function () {
  var data = AL.pageData(), runId = data.run_id, edit = AL.edit;
  var NOTE_TAG = "mlflow.note.content";

  function byId(id) { return document.getElementById(id); }

  /* A form shown in place of what it edits; Cancel puts things back. */
  function inlineForm(form, opener, hideWhileOpen) {
    function show(open) {
      form.hidden = !open;
      if (opener) opener.hidden = open;
      (hideWhileOpen || []).forEach(function (node) { if (node) node.hidden = open; });
      if (open) { var field = form.querySelector("input, textarea"); if (field) { field.focus(); if (field.select) field.select(); } }
    }
    if (opener) opener.addEventListener("click", function () { show(true); });
    form.querySelector(".cancel").addEventListener("click", function () { show(false); edit.clearError(); });
    form.addEventListener("keydown", function (ev) { if (ev.key === "Escape") show(false); });
    return show;
  }

  var renameForm = byId("rename-form");
  if (renameForm) {
    inlineForm(renameForm, byId("rename-run"));
    renameForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = byId("rename-input").value.trim();
      if (!name) { edit.showError("A run name cannot be empty."); return; }
      edit.act(renameForm.querySelector("button[type=submit]"), function () {
        return edit.call("POST", "runs/update", { run_id: runId, run_name: name });
      });
    });
  }

  var deleteButton = byId("delete-run");
  if (deleteButton) deleteButton.addEventListener("click", function () {
    if (!window.confirm("Delete the run \u201c" + data.run_name + "\u201d? It can be restored from its page or the experiment's deleted runs.")) return;
    edit.act(deleteButton, function () { return edit.call("POST", "runs/delete", { run_id: runId }); });
  });

  var noteForm = byId("note-form");
  if (noteForm) {
    inlineForm(noteForm, byId("edit-note"), [byId("note-text"), byId("no-note")]);
    noteForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = byId("note-input").value;
      edit.act(noteForm.querySelector("button[type=submit]"), function () {
        return text.trim()
          ? edit.call("POST", "runs/set-tag", { run_id: runId, key: NOTE_TAG, value: text })
          : edit.call("POST", "runs/delete-tag", { run_id: runId, key: NOTE_TAG }).catch(function (err) {
              if (/RESOURCE_DOES_NOT_EXIST/.test(err.message)) return {};  // there was no note
              throw err;
            });
      });
    });
  }

  var tagForm = byId("tag-form");
  if (tagForm) tagForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var key = byId("tag-key").value.trim(), value = byId("tag-value").value;
    edit.act(tagForm.querySelector("button[type=submit]"), function () {
      return edit.call("POST", "runs/set-tag", { run_id: runId, key: key, value: value });
    });
  });

  var tags = byId("tags-table");
  if (tags) tags.addEventListener("click", function (ev) {
    var button = ev.target.closest("button");
    if (!button) return;
    var key = button.getAttribute("data-key");
    if (button.classList.contains("edit-tag")) {
      byId("tag-key").value = key;
      byId("tag-value").value = button.getAttribute("data-value");
      byId("tag-value").focus();
      byId("tag-value").select();
    } else if (button.classList.contains("delete-tag")) {
      if (!window.confirm("Delete the tag \u201c" + key + "\u201d?")) return;
      edit.act(button, function () { return edit.call("POST", "runs/delete-tag", { run_id: runId, key: key }); });
    }
  });
})();
