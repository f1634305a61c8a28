/* Changes made from the pages: every one is a call to the same REST endpoints MLflow's and our
   clients use (/ajax-api/2.0/mlflow/...), so the server's Origin checks and --users-file
   authentication apply, and a client sees the change. A refusal shows the server's own message
   in the page's #edit-error box; what the user typed is only ever put in the page as text. */
"use strict";
AL.edit = (function () {
  function errorBox() {
    var box = document.getElementById("edit-error");
    if (!box) {
      box = AL.el("div", { cls: "alert", id: "edit-error", role: "alert" });
      var main = document.querySelector("main");
      main.insertBefore(box, main.firstChild);
    }
    return box;
  }

  function showError(message) {
    var box = errorBox();
    box.textContent = message;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    var box = document.getElementById("edit-error");
    if (box) box.hidden = true;
  }

  /* One REST call; resolves to the JSON answer, rejects with the server's message. */
  function call(method, path, body) {
    return fetch("/ajax-api/2.0/mlflow/" + path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.text().then(function (text) {
        var answer = null;
        try { answer = text ? JSON.parse(text) : {}; } catch (e) { answer = null; }
        if (!r.ok) {
          var message = answer && answer.message ? answer.message : (text || ("HTTP " + r.status)).slice(0, 500);
          throw new Error(message + " (HTTP " + r.status + (answer && answer.error_code ? ", " + answer.error_code : "") + ")");
        }
        return answer;
      });
    });
  }

  /* Several calls one after the other (a bulk delete): stops at the first refusal. */
  function callEach(method, path, bodies) {
    return bodies.reduce(function (done, body) {
      return done.then(function () { return call(method, path, body); });
    }, Promise.resolve());
  }

  /* Run `work` (a promise maker) with `button` disabled; then reload, or show the refusal. */
  function act(button, work, after) {
    clearError();
    if (button) button.disabled = true;
    return work().then(function (answer) {
      if (after) after(answer); else window.location.reload();
    }, function (err) {
      if (button) button.disabled = false;
      showError("The server refused the change: " + err.message);
    });
  }

  return { call: call, callEach: callEach, act: act, showError: showError, clearError: clearError };
})();
