// Enhancements only: every page is complete without this script.
(function () {
  "use strict";

  // Opened from disk (file://), folder links would show a listing: point them at index.html.
  if (location.protocol === "file:") {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      if (!/^[a-z]+:/i.test(href) && !href.startsWith("#") && /\/(#.*)?$/.test(href)) {
        a.setAttribute("href", href.replace(/\/(#.*)?$/, "/index.html$1"));
      }
    });
  }

  // Language chooser: suggest the visitor's language, never redirect.
  var choices = document.querySelectorAll(".choice[data-lang]");
  if (choices.length && navigator.languages) {
    var wanted = navigator.languages.map(function (l) { return l.toLowerCase().split("-")[0]; });
    for (var i = 0; i < wanted.length; i++) {
      var match = Array.prototype.find.call(choices, function (c) { return c.dataset.lang.split("-")[0] === wanted[i]; });
      if (match) { match.classList.add("suggested"); break; }
    }
  }
})();
