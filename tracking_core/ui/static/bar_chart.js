/* Bars of a metric that has one value per run: one bar a run, labelled with the run's name and its
   value, in table order or sorted by value. Built as plain elements (text only), so a thousand runs
   draw in a few milliseconds and every name stays readable. */
"use strict";
(function () {
  var el = AL.el;
  var ORDERS = [["table", "table order"], ["desc", "highest first"], ["asc", "lowest first"]];

  function sorted(items, order) {
    var out = items.slice();
    if (order === "asc" || order === "desc") {
      var sign = order === "asc" ? 1 : -1;
      out.sort(function (a, b) {
        if (a.value === null || b.value === null) return (a.value === null) - (b.value === null);
        return sign * (a.value - b.value) || a.index - b.index;
      });
    }
    return out;
  }

  /* Position of a bar as [left, width] in percent of the track. */
  function placer(items, log) {
    var nums = items.map(function (i) { return i.value; }).filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, nums.concat([0])), hi = Math.max.apply(null, nums.concat([0]));
    var positive = nums.filter(function (v) { return v > 0; });
    if (log && positive.length) {
      var top = Math.log10(Math.max.apply(null, positive)), base = Math.log10(Math.min.apply(null, positive)) - 0.3;
      if (top === base) base -= 1;
      return function (v) { return v === null || v <= 0 ? [0, 0] : [0, 100 * (Math.log10(v) - base) / (top - base)]; };
    }
    if (hi === lo) hi = lo + 1;
    return function (v) {
      if (v === null) return [0, 0];
      var a = Math.min(0, v), b = Math.max(0, v);
      return [100 * (a - lo) / (hi - lo), 100 * (b - a) / (hi - lo)];
    };
  }

  function barChart(box, items, opts) {
    opts = opts || {};
    var order = opts.order || "table";
    var select = el("select", { cls: "bar-order", "aria-label": "order of the bars" });
    ORDERS.forEach(function (o) { select.appendChild(el("option", { value: o[0], text: o[1] })); });
    select.value = order;
    var holder = el("div", { cls: "bar-rows", role: "list" });
    box.appendChild(el("div", { cls: "bar-tools small" }, el("label", null, "order ", select)));
    box.appendChild(holder);

    function draw() {
      var place = placer(items, opts.log), rows = document.createDocumentFragment();
      holder.textContent = "";
      sorted(items, order).forEach(function (item) {
        var pos = place(item.value), text = AL.fmt(item.value);
        var row = el("div", { cls: "bar-row" + (item.runId === opts.best ? " best" : ""), role: "listitem", "data-run": item.runId, title: item.name + ": " + text });
        row.appendChild(el("a", { cls: "label", href: "/runs/" + encodeURIComponent(item.runId), text: item.name }));
        row.appendChild(el("div", { cls: "track" }, el("div", { cls: "bar",
          style: "margin-left: " + pos[0].toFixed(2) + "%; width: " + pos[1].toFixed(2) + "%; background: " + item.color })));
        row.appendChild(el("span", { cls: "num", text: text }));
        rows.appendChild(row);
      });
      holder.appendChild(rows);
      box.setAttribute("data-order", order);
    }
    select.addEventListener("change", function () {
      order = select.value;
      draw();
      if (opts.onOrder) opts.onOrder(order);
    });
    draw();
  }

  AL.barChart = barChart;
})();
