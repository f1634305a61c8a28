/* Every <time data-ms> the server wrote in UTC, shown in the browser's time zone with its
   abbreviation (CET, EST, or GMT+2 where the zone has no common one); the UTC time stays in the
   tooltip. */
"use strict";
(function () {
  var OPTIONS = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
                  hourCycle: "h23", timeZoneName: "short" };
  var formats;
  try {
    // en-US names American zones (EST), en-GB European ones (CET); either falls back to GMT+1.
    formats = [new Intl.DateTimeFormat("en-US", OPTIONS), new Intl.DateTimeFormat("en-GB", OPTIONS)];
  } catch (e) { return; }  // no Intl: the UTC times stay, labelled

  function parts(format, date) {
    var out = {};
    format.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function local(ms) {
    var date = new Date(ms), p = parts(formats[0], date), zone = p.timeZoneName;
    if (/^(GMT|UTC)[+-]/.test(zone)) {
      var other = parts(formats[1], date).timeZoneName;
      if (other && !/^(GMT|UTC)[+-]/.test(other)) zone = other;
    }
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second + " " + zone;
  }

  function localize(root) {
    (root || document).querySelectorAll("time[data-ms]:not([data-local])").forEach(function (node) {
      var ms = +node.getAttribute("data-ms");
      if (!isFinite(ms)) return;
      node.title = node.textContent;  // the UTC time the server wrote
      node.textContent = local(ms);
      node.setAttribute("data-local", "1");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { localize(); });
  else localize();
  /* The browser's zone abbreviation now ("CET"), for labels such as a chart's wall-time axis. */
  localize.zone = function () { return local(Date.now()).split(" ").pop(); };
  window.ALLocalTime = localize;
})();
