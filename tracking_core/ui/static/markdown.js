/* A run's note (MLflow's mlflow.note.content, which MLflow's UI shows as a Markdown "Description")
   drawn as Markdown: headings, paragraphs, bullet and numbered lists, fenced code, **bold**,
   *italic*, `code` and [links](https://...). Built from DOM nodes and text nodes only, never from
   HTML, so whatever a note holds stays text; links go to http(s) or this site only. */
(function () {
  "use strict";

  function node(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }

  // Underscores are left alone: notes name params (max_depth, n_estimators) far more than they emphasise.
  var INLINE = /(\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\))/;

  function safeHref(href) { return /^(https?:\/\/|\/(?!\/)|#)/i.test(href) ? href : null; }

  function inline(parent, text) {
    while (text) {
      var m = INLINE.exec(text);
      if (!m) { parent.appendChild(document.createTextNode(text)); return; }
      if (m.index) parent.appendChild(document.createTextNode(text.slice(0, m.index)));
      if (m[2]) inline(parent.appendChild(node("strong")), m[2]);
      else if (m[3]) inline(parent.appendChild(node("em")), m[3]);
      else if (m[4]) parent.appendChild(node("code", m[4]));
      else {
        var href = safeHref(m[6]);
        if (href) { var a = node("a", m[5]); a.href = href; a.rel = "noopener noreferrer"; parent.appendChild(a); }
        else parent.appendChild(document.createTextNode(m[0]));
      }
      text = text.slice(m.index + m[0].length);
    }
  }

  function render(source) {
    var out = document.createDocumentFragment(), lines = source.replace(/\r\n?/g, "\n").split("\n");
    var paragraph = [], list = null, listKind = null;
    function flushParagraph() { if (paragraph.length) { inline(out.appendChild(node("p")), paragraph.join(" ")); paragraph = []; } }
    function endList() { list = null; listKind = null; }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i], m;
      if (/^\s*```/.test(line)) {  // fenced code: everything up to the closing fence, as it is
        flushParagraph(); endList();
        var code = [];
        for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
        out.appendChild(node("pre")).appendChild(node("code", code.join("\n")));
      } else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flushParagraph(); endList();
        inline(out.appendChild(node("h" + Math.min(6, Math.max(4, m[1].length + 2)))), m[2]);  // h4.. below the page's headings
      } else if ((m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line))) {
        flushParagraph();
        var kind = /\d/.test(m[1]) ? "ol" : "ul";
        if (!list || listKind !== kind) { list = out.appendChild(node(kind)); listKind = kind; }
        inline(list.appendChild(node("li")), m[2]);
      } else if (!line.trim()) {
        flushParagraph(); endList();
      } else {
        endList();
        paragraph.push(line.trim());
      }
    }
    flushParagraph();
    return out;
  }

  var box = document.getElementById("note-text");
  if (box) {
    var source = box.textContent;
    box.textContent = "";
    box.appendChild(render(source));
    box.classList.add("markdown");
  }
  window.ALMarkdown = render;
})();
