/* autolog UI: shared helpers. Every value logged by a user is put into the page as text
   (textContent / createTextNode), never as HTML. */
"use strict";
var AL = (function () {
  var PALETTE = ["#2463c7", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700", "#5c940d",
                 "#364fc7", "#a61e4d", "#087f5b", "#5f3dc4", "#1864ab", "#c92a2a", "#495057"];

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = String(v);
        else if (k === "cls") node.className = v;
        else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
        else if (k === "style") node.setAttribute("style", v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = String(attrs[k]); else node.setAttribute(k, String(attrs[k]));
    });
    return node;
  }

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : ("HTTP " + r.status));
        return body;
      });
    });
  }

  function pageData() {
    var node = document.getElementById("page-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-4 || a >= 1e7)) ? v.toExponential(4) : String(+v.toPrecision(6));
  }

  /* Sizes in one unit system everywhere (binary, as the server's format_bytes): "512 bytes", "1.5 KB". */
  function fmtBytes(n) {
    if (n === null || n === undefined) return "";
    if (n < 1024) return n + (n === 1 ? " byte" : " bytes");
    var units = ["KB", "MB", "GB", "TB"], i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
    return n.toFixed(1) + " " + units[i];
  }

  var tip = null;
  function tooltip(text, event) {
    if (!tip) { tip = el("div", { cls: "tooltip" }); document.body.appendChild(tip); }
    if (text === null) { tip.style.display = "none"; return; }
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = (event.clientX + 12) + "px";
    tip.style.top = (event.clientY + 12) + "px";
  }

  /* The palette for the first runs, then hues a golden angle apart (lightness alternating), so 50 or
     1,000 runs never repeat a colour. */
  function color(i) {
    if (i < PALETTE.length) return PALETTE[i];
    var k = i - PALETTE.length;
    return "hsl(" + Math.round((k * 137.508 + 17) % 360) + ", " + (62 + 12 * (k % 2)) + "%, " + (38 + 10 * (k % 3)) + "%)";
  }

  /* The experiments list: open the runs of several experiments at once. */
  function initExperiments() {
    var button = document.getElementById("open-selected");
    if (!button) return;
    var picks = Array.prototype.slice.call(document.querySelectorAll(".pick-experiment"));
    function chosen() { return picks.filter(function (p) { return p.checked; }).map(function (p) { return p.value; }); }
    picks.forEach(function (p) { p.addEventListener("change", function () { button.disabled = chosen().length === 0; }); });
    button.addEventListener("click", function () {
      var ids = chosen();
      if (ids.length) window.location.href = "/experiments/" + ids.map(encodeURIComponent).join(",");
    });
  }

  document.addEventListener("DOMContentLoaded", initExperiments);
  return { el: el, svg: svg, getJSON: getJSON, pageData: pageData, fmt: fmt, fmtBytes: fmtBytes, tooltip: tooltip,
           color: color, palette: PALETTE };
})();
