/* Completion in the filter box: the word being typed is matched against params., metrics., tags.,
   attributes. and this experiment's own keys; arrows move in the list, Enter or Tab takes the
   choice, Escape closes it. Keys that are not plain words are written in backquotes. */
"use strict";
(function () {
  var input = document.getElementById("filter");
  var list = document.getElementById("filter-suggestions");
  var data = document.getElementById("filter-keys");
  if (!input || !list || !data) return;
  var keys = JSON.parse(data.textContent);
  keys.attributes = ["run_name", "status", "start_time", "end_time", "run_id", "artifact_uri"];
  var ENTITIES = ["metrics", "params", "tags", "attributes"];
  var MAX_SHOWN = 40;  // the list scrolls
  var active = -1, shown = [];

  function quoted(entity, key) { return entity + "." + (/^[A-Za-z_][\w]*$/.test(key) ? key : "`" + key + "`"); }
  function wordAtCaret() {
    var before = input.value.slice(0, input.selectionStart);
    var match = /[\w.`\/-]*$/.exec(before);
    return { text: match[0], start: before.length - match[0].length };
  }
  function candidates(word) {
    var lower = word.toLowerCase(), out = [];
    var dot = word.indexOf(".");
    if (dot < 0) {
      ENTITIES.forEach(function (e) { if (e.indexOf(lower) === 0) out.push({ text: e + ".", kind: "" }); });
      ENTITIES.forEach(function (e) {  // "loss" finds metrics.loss and metrics.val_loss
        (keys[e] || []).forEach(function (k) { if (k.toLowerCase().indexOf(lower) >= 0) out.push({ text: quoted(e, k), kind: e.slice(0, -1) }); });
      });
      return out;
    }
    var entity = word.slice(0, dot), part = word.slice(dot + 1).replace(/`/g, "").toLowerCase();
    if (ENTITIES.indexOf(entity) < 0) return out;
    var starts = [], contains = [];
    (keys[entity] || []).forEach(function (k) {
      var at = k.toLowerCase().indexOf(part);
      if (at === 0) starts.push(k); else if (at > 0) contains.push(k);
    });
    return starts.concat(contains).map(function (k) { return { text: quoted(entity, k), kind: entity.slice(0, -1) }; });
  }

  function close() {
    list.hidden = true; active = -1; shown = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
  }
  function open() {
    var word = wordAtCaret();
    if (!/^[A-Za-z_`]/.test(word.text)) { close(); return; }  // nothing typed yet, or a number
    shown = candidates(word.text).filter(function (c) { return c.text !== word.text; }).slice(0, MAX_SHOWN);
    if (!shown.length) { close(); return; }
    list.textContent = "";
    shown.forEach(function (c, i) {
      list.appendChild(AL.el("li", { role: "option", id: "filter-suggestion-" + i, "aria-selected": "false", "data-value": c.text },
        c.text, c.kind ? AL.el("span", { cls: "kind", "aria-hidden": "true", text: c.kind }) : null));
    });
    list.hidden = false; active = -1;
    input.setAttribute("aria-expanded", "true");
  }
  function take(i) {
    var word = wordAtCaret(), text = shown[i].text;
    var after = input.value.slice(input.selectionStart);
    input.value = input.value.slice(0, word.start) + text + after;
    var caret = word.start + text.length;
    input.setSelectionRange(caret, caret);
    if (text.slice(-1) === ".") open(); else close();  // an entity: go on with its keys
  }

  input.addEventListener("input", open);
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { if (e.key === "ArrowDown" && e.altKey) open(); return; }
    if (e.key === "ArrowDown") { e.preventDefault(); mark((active + 1) % shown.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); mark(active <= 0 ? shown.length - 1 : active - 1); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
    else if ((e.key === "Enter" && active >= 0) || (e.key === "Tab" && !e.shiftKey)) { e.preventDefault(); take(active >= 0 ? active : 0); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  list.addEventListener("mousedown", function (e) {
    var li = e.target.closest("li");
    if (!li) return;
    e.preventDefault();  // keep the focus in the box
    take(Array.prototype.indexOf.call(list.children, li));
    input.focus();
  });
})();
