/* The runs table's column layout: the run name (and pinned columns) stay in view when scrolling
   right; a column's menu pins, moves or hides it; its right edge resizes it; a header dragged onto
   another moves it. The layout lives in the address (columns=, pin=, widths=) and the last one
   chosen is remembered per experiment in this browser, restored when an address names none. */
"use strict";
(function () {
  var table = document.getElementById("runs-table");
  var params = new URLSearchParams(window.location.search);
  var storeKey = table ? "autolog.runs.layout." + table.getAttribute("data-experiments") : null;
  var LAYOUT = ["columns", "pin", "widths", "hide"];

  function stored() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  function remember(layout) {
    try { window.localStorage.setItem(storeKey, JSON.stringify(layout)); } catch (e) { /* private mode: only the address keeps it */ }
  }
  function forget() {
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
  }

  // An address without a column choice opens with the one this browser remembers. Asked after
  // the first paint: the first read of localStorage can take tens of ms, the rows should not wait.
  if (table && !params.has("columns")) {
    requestAnimationFrame(function () {
      setTimeout(function () {
        var last = stored();
        if (!last || !last.columns) return;
        LAYOUT.forEach(function (k) { if (last[k]) params.set(k, last[k]); else params.delete(k); });
        window.location.replace(window.location.pathname + "?" + params.toString());
      }, 0);
    });
  }

  var reset = document.getElementById("columns-reset");
  if (reset) reset.addEventListener("click", function () {
    forget();
    LAYOUT.forEach(function (k) { params.delete(k); });
    params.delete("page_token"); params.delete("start"); params.delete("back");
    window.location.assign(window.location.pathname + (params.toString() ? "?" + params.toString() : ""));
  });
  var chooser = document.getElementById("columns-form");
  if (chooser) chooser.addEventListener("submit", function () {
    var hide = Array.prototype.slice.call(chooser.querySelectorAll("input.attr")).filter(function (b) { return !b.checked; })
      .map(function (b) { return b.value; }).join(",");
    document.getElementById("hide-value").value = hide;
    remember({ columns: document.getElementById("columns-value").value, pin: params.get("pin") || "",
               widths: params.get("widths") || "", hide: hide });
  });
  if (!table) return;

  var headRow = table.tHead.rows[0];
  function headers() { return Array.prototype.slice.call(headRow.cells); }
  function dataColumns() {  // the chosen columns in table order (pinned ones first)
    return headers().filter(function (th) { return th.draggable; })
      .map(function (th) { return th.getAttribute("data-col"); });
  }
  function pinnedColumns() {
    return headers().filter(function (th) { return th.classList.contains("pinned"); })
      .map(function (th) { return th.getAttribute("data-col"); });
  }
  function cellsOf(index) {
    return Array.prototype.map.call(table.rows, function (row) { return row.cells[index]; }).filter(Boolean);
  }

  // -- widths ----------------------------------------------------------------------------------
  var widths = {};
  (table.getAttribute("data-widths") || "").split(",").forEach(function (part) {
    var at = part.lastIndexOf(":");
    if (at > 0) widths[part.slice(0, at)] = +part.slice(at + 1);
  });
  function widthsText() {
    return Object.keys(widths).map(function (k) { return k + ":" + widths[k]; }).join(",");
  }
  function applyWidth(th) {
    var px = widths[th.getAttribute("data-col")];
    if (!px) return;
    cellsOf(th.cellIndex).forEach(function (c) {
      c.style.width = c.style.minWidth = c.style.maxWidth = px + "px";
      c.classList.add("sized");
    });
  }

  // -- pinned columns stick beside the run name (the stylesheet keeps the checkbox and the name) --
  function layoutSticky() {
    var pinned = headers().filter(function (th) { return th.classList.contains("pinned"); });
    if (!pinned.length) return;  // nothing to measure: no layout forced before the first paint
    var left = headRow.querySelector("th.sel").getBoundingClientRect().width +
               headRow.querySelector("th.name").getBoundingClientRect().width;
    pinned.forEach(function (th, i) {
      var width = th.getBoundingClientRect().width;
      cellsOf(th.cellIndex).forEach(function (c) {
        c.classList.add("sticky");
        c.classList.toggle("sticky-edge", i === pinned.length - 1);
        c.style.left = left + "px";
      });
      left += width;
    });
  }

  // -- a new layout: kept in the address (a new page load) and in this browser -------------------
  function hiddenAttributes() { return (params.get("hide") || "").split(",").filter(Boolean); }
  function go(columns, pinned, hidden) {
    var layout = { columns: columns.join(","), pin: pinned.filter(function (c) { return columns.indexOf(c) >= 0; }).join(","),
                   widths: widthsText(), hide: (hidden || hiddenAttributes()).join(",") };
    remember(layout);
    LAYOUT.forEach(function (k) { if (layout[k]) params.set(k, layout[k]); else params.delete(k); });
    if (!layout.columns) params.set("columns", "");
    window.location.assign(window.location.pathname + "?" + params.toString());
  }
  // Widths change in place: the address and the page's links learn them without a reload.
  function keepWidths() {
    var text = widthsText();
    function update(url) {
      var u = new URL(url, window.location.href);
      if (u.pathname !== window.location.pathname && u.pathname !== window.location.pathname + "/runs.csv") return null;
      if (text) u.searchParams.set("widths", text); else u.searchParams.delete("widths");
      return u.pathname + u.search;
    }
    history.replaceState(history.state, "", update(window.location.href));
    document.querySelectorAll("a[href]").forEach(function (a) {
      var next = update(a.getAttribute("href"));
      if (next) a.setAttribute("href", next);
    });
    ["search-form", "columns-form"].forEach(function (id) {
      var form = document.getElementById(id);
      if (!form) return;
      var input = form.querySelector("input[name=widths]");
      if (!input) { input = AL.el("input", { type: "hidden", name: "widths" }); form.appendChild(input); }
      input.value = text;
    });
    params = new URLSearchParams(window.location.search);
    remember({ columns: params.get("columns") || dataColumns().join(","), pin: params.get("pin") || "", widths: text,
               hide: params.get("hide") || "" });
  }

  // -- the column menu ---------------------------------------------------------------------------
  var menu = null;
  function closeMenu() {
    if (!menu) return;
    var opener = menu.opener;
    menu.remove(); menu = null;
    opener.setAttribute("aria-expanded", "false");
  }
  function openMenu(button) {
    closeMenu();
    var th = button.closest("th"), name = th.getAttribute("data-col");
    var columns = dataColumns(), pinned = pinnedColumns(), at = columns.indexOf(name);
    var isPinned = pinned.indexOf(name) >= 0;
    function moved(to) {
      var next = columns.slice(); next.splice(at, 1); next.splice(to, 0, name);
      return next;
    }
    var items = !th.draggable ? [  // an attribute column: it can only be hidden (the chooser shows it again)
      ["Hide column", function () { go(columns, pinned, hiddenAttributes().concat([name])); }],
    ] : [
      [isPinned ? "Unpin" : "Pin to the left", function () {
        go(columns, isPinned ? pinned.filter(function (c) { return c !== name; }) : pinned.concat([name]));
      }],
      ["Move left", at > 0 && function () { go(moved(at - 1), pinned); }],
      ["Move right", at < columns.length - 1 && function () { go(moved(at + 1), pinned); }],
      ["Hide column", function () { go(columns.filter(function (c) { return c !== name; }), pinned); }],
    ];
    if (widths[name]) items.push(["Reset width", function () { delete widths[name]; keepWidths(); window.location.reload(); }]);
    menu = AL.el("div", { cls: "column-menu", role: "menu", "aria-label": "column " + name });
    items.forEach(function (item) {
      menu.appendChild(AL.el("button", { type: "button", role: "menuitem", text: item[0], disabled: !item[1],
                                        on: { click: function () { closeMenu(); item[1](); } } }));
    });
    menu.opener = button;
    menu.scrolledTo = wrap.scrollLeft;
    document.body.appendChild(menu);
    var box = button.getBoundingClientRect();
    menu.style.left = Math.min(box.left, window.innerWidth - menu.offsetWidth - 8) + "px";
    menu.style.top = (box.bottom + 4) + "px";
    button.setAttribute("aria-expanded", "true");
    menu.querySelector("button:not([disabled])").focus();
    menu.addEventListener("keydown", function (e) {
      var buttons = Array.prototype.slice.call(menu.querySelectorAll("button:not([disabled])"));
      var i = buttons.indexOf(document.activeElement);
      if (e.key === "ArrowDown") { e.preventDefault(); buttons[(i + 1) % buttons.length].focus(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); buttons[(i - 1 + buttons.length) % buttons.length].focus(); }
      else if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); var b = menu.opener; closeMenu(); b.focus(); }
    });
  }
  headRow.addEventListener("click", function (e) {
    var button = e.target.closest(".col-menu");
    if (!button) return;
    e.preventDefault();
    if (menu && menu.opener === button) closeMenu(); else openMenu(button);
  });
  document.addEventListener("mousedown", function (e) {
    if (menu && !menu.contains(e.target) && !e.target.closest(".col-menu")) closeMenu();
  });
  var wrap = document.getElementById("runs-wrap");
  wrap.addEventListener("scroll", function () {  // the menu belongs to a header that scrolled away
    if (menu && Math.abs(wrap.scrollLeft - menu.scrolledTo) > 40) closeMenu();
  });

  // -- resizing: drag a header's right edge, or focus it and press the arrow keys ----------------
  headers().forEach(function (th) {
    if (!th.getAttribute("data-col")) return;
    var grip = AL.el("span", { cls: "resizer", role: "separator", tabindex: "0", "aria-orientation": "vertical",
                               "aria-label": "resize column " + th.getAttribute("data-col"), title: "drag to resize" });
    th.appendChild(grip);
    function setWidth(px) {
      widths[th.getAttribute("data-col")] = Math.max(40, Math.min(1200, Math.round(px)));
      applyWidth(th);
      layoutSticky();
    }
    grip.addEventListener("mousedown", function (e) {
      e.preventDefault();
      var startX = e.clientX, startWidth = th.getBoundingClientRect().width;
      function move(ev) { setWidth(startWidth + ev.clientX - startX); }
      function up() {
        document.removeEventListener("mousemove", move);
        document.removeEventListener("mouseup", up);
        keepWidths();
      }
      document.addEventListener("mousemove", move);
      document.addEventListener("mouseup", up);
    });
    grip.addEventListener("click", function (e) { e.preventDefault(); e.stopPropagation(); });
    grip.addEventListener("keydown", function (e) {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      e.preventDefault();
      setWidth(th.getBoundingClientRect().width + (e.key === "ArrowRight" ? 20 : -20));
      keepWidths();
    });
    applyWidth(th);
  });

  // -- moving by dragging one header onto another ------------------------------------------------
  var dragged = null;
  headRow.addEventListener("dragstart", function (e) {
    var th = e.target.closest && e.target.closest("th[draggable=true]");
    if (!th) return;
    dragged = th.getAttribute("data-col");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged);
  });
  headRow.addEventListener("dragover", function (e) {
    var th = e.target.closest("th[draggable=true]");
    if (!dragged || !th) return;
    e.preventDefault();
    headers().forEach(function (h) { h.classList.toggle("drop-before", h === th && h.getAttribute("data-col") !== dragged); });
  });
  headRow.addEventListener("dragend", function () {
    dragged = null;
    headers().forEach(function (h) { h.classList.remove("drop-before"); });
  });
  headRow.addEventListener("drop", function (e) {
    var th = e.target.closest("th[draggable=true]");
    if (!dragged || !th) return;
    e.preventDefault();
    var target = th.getAttribute("data-col"), columns = dataColumns().filter(function (c) { return c !== dragged; });
    if (target === dragged) return;
    columns.splice(columns.indexOf(target), 0, dragged);
    var pinned = pinnedColumns(), targetPinned = pinned.indexOf(target) >= 0;
    pinned = pinned.filter(function (c) { return c !== dragged; });
    if (targetPinned) pinned.push(dragged);  // dropped among the pinned columns: pinned too
    go(columns, pinned);
  });

  // The run name sticks from the first frame after the rows show: a hundred sticky cells cost
  // tens of ms to paint, which the first view of the rows need not wait for.
  requestAnimationFrame(function () { setTimeout(function () { table.classList.add("sticky-ready"); }, 0); });
  layoutSticky();
  window.addEventListener("resize", layoutSticky);
  window.AL_RUNS_LAYOUT = layoutSticky;  // the live refresh calls it when cells change width
})();
