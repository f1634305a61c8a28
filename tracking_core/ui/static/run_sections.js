/* The run page's navigation: jump links that follow the scroll, one filter for the params,
   metrics and tags tables, copy buttons, long model signatures folded to their first rows. */
"use strict";
(function () {
  var nav = document.getElementById("section-nav");

  // Mark the section being read in the nav: the last one whose top has passed under the nav
  // (the last of all at the bottom of the page).
  if (nav) {
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
    var targets = links.map(function (a) { return document.getElementById(a.getAttribute("href").slice(1)); });
    var pending = false;
    var mark = function () {
      pending = false;
      var line = nav.getBoundingClientRect().bottom + 8, current = 0;
      targets.forEach(function (t, i) { if (t && t.getBoundingClientRect().top <= line) current = i; });
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) current = targets.length - 1;
      links.forEach(function (a, i) { a.classList.toggle("current", i === current); });
    };
    window.addEventListener("scroll", function () { if (!pending) { pending = true; requestAnimationFrame(mark); } }, { passive: true });
    mark();
  }

  // One filter for every key/value table: a row stays when its key or value holds the text.
  var filter = document.getElementById("run-filter");
  if (filter) filter.addEventListener("input", function () {
    var needle = filter.value.trim().toLowerCase();
    document.querySelectorAll("table.filterable").forEach(function (table) {
      var shown = 0, rows = table.querySelectorAll("tbody tr");
      rows.forEach(function (tr) {
        var cells = tr.querySelectorAll("td");
        var text = ((cells[0] ? cells[0].textContent : "") + "\u0000" + (cells[1] ? cells[1].textContent : "")).toLowerCase();
        var keep = !needle || text.indexOf(needle) >= 0;
        tr.hidden = !keep;
        if (keep) shown++;
      });
      var note = table.nextElementSibling && table.nextElementSibling.classList.contains("filter-note") ? table.nextElementSibling : null;
      if (!note) { note = AL.el("p", { cls: "filter-note muted small" }); table.parentNode.insertBefore(note, table.nextSibling); }
      note.textContent = needle ? shown + " of " + rows.length + " shown (filter \u201c" + filter.value.trim() + "\u201d)" : "";
    });
    var system = document.getElementById("system-tags");
    if (system && needle && system.querySelector("tbody tr:not([hidden])")) system.open = true;
  });

  // Copy buttons (their label is CSS, so a cell's text stays the value): the clipboard API where
  // the page may use it, else a selected text area.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = AL.el("textarea", { style: "position:fixed;top:-1000px" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      area.remove();
      if (ok) resolve(); else reject(new Error("the browser refused to copy"));
    });
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button.copy");
    if (!button) return;
    copyText(button.getAttribute("data-copy")).then(function () {
      button.classList.remove("failed");
      button.classList.add("done");
      setTimeout(function () { button.classList.remove("done"); }, 1500);
    }, function (err) { button.classList.add("failed"); button.title = "copy failed: " + err.message; });
  });

  // Long signatures show their first rows; "show all" unfolds (and folds) the rest.
  document.querySelectorAll("table.signature-table button.show-all").forEach(function (button) {
    var table = button.closest("table"), label = button.textContent;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      table.querySelectorAll("tr.more-row").forEach(function (tr) { tr.hidden = !open; });
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "show fewer" : label;
    });
  });
})();
