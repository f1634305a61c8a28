/* The model page: set, move and delete aliases, edit descriptions. Every change goes through the
   same REST endpoints as MLflow's and our clients (/ajax-api/2.0/mlflow/...), so the server's
   Origin checks and --users-file authentication apply; a refusal shows the server's message. */
"use strict";
(function () {
  var data = AL.pageData(), name = data.name;
  var errorBox = document.getElementById("edit-error");

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: "nearest" });
  }

  var call = AL.edit.call;  // edit.js: one REST call, the server's refusal as the error's message

  function busy(button, on) { if (button) button.disabled = on; }

  function act(button, method, path, body) {
    errorBox.hidden = true;
    busy(button, true);
    return call(method, path, body).then(function () {
      window.location.reload();
    }, function (err) {
      busy(button, false);
      showError("The server refused the change: " + err.message);
    });
  }

  var aliasForm = document.getElementById("alias-form");
  if (aliasForm) aliasForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var alias = document.getElementById("alias-name").value.trim();
    var version = document.getElementById("alias-version").value;
    act(aliasForm.querySelector("button[type=submit]"), "POST", "registered-models/alias",
        { name: name, alias: alias, version: version });
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.delete-alias"), function (button) {
    button.addEventListener("click", function () {
      var alias = button.getAttribute("data-alias");
      if (!window.confirm("Delete the alias @" + alias + "? models:/" + name + "@" + alias + " will no longer load.")) return;
      act(button, "DELETE", "registered-models/alias", { name: name, alias: alias });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".editable"), function (box) {
    var edit = box.querySelector(".edit-description"), form = box.querySelector(".description-form");
    var text = box.querySelector(".description-text");
    if (!edit || !form) return;
    edit.addEventListener("click", function () {
      form.hidden = false; edit.hidden = true; text.hidden = true;
      form.querySelector("textarea").focus();
    });
    form.querySelector(".cancel").addEventListener("click", function () {
      form.hidden = true; edit.hidden = false; text.hidden = false;
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var description = form.querySelector("textarea").value;
      if (box.getAttribute("data-kind") === "version") {
        act(form.querySelector("button[type=submit]"), "PATCH", "model-versions/update",
            { name: name, version: box.getAttribute("data-version"), description: description });
      } else {
        act(form.querySelector("button[type=submit]"), "PATCH", "registered-models/update",
            { name: name, description: description });
      }
    });
  });
})();
