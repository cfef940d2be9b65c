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

  // Session page: the start in the visitor's own time zone (the page lists every city without it).
  document.querySelectorAll(".local-time[data-start]").forEach(function (el) {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    var start = new Date(el.dataset.start), end = new Date(el.dataset.end);
    var opts = { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" };
    var text = new Intl.DateTimeFormat(el.dataset.lang, opts).format(start);
    var until = new Intl.DateTimeFormat(el.dataset.lang, { hour: "numeric", minute: "2-digit" }).format(end);
    el.textContent = el.dataset.label + " " + text + " – " + until;
    el.hidden = false;
  });

  // Session lists: tell past sessions from the next one, at view time.
  var now = Date.now();
  document.querySelectorAll(".session-list").forEach(function (list) {
    var marked = false;
    list.querySelectorAll(".session-card[data-end]").forEach(function (card) {
      var badge = document.createElement("span");
      if (Date.parse(card.dataset.end) < now) {
        card.classList.add("is-past");
        badge.className = "status status-past";
        badge.textContent = list.dataset.pastLabel;
      } else if (!marked && !card.classList.contains("is-cancelled")) {
        marked = true;
        badge.className = "status status-next";
        badge.textContent = list.dataset.nextLabel;
      } else {
        return;
      }
      card.querySelector(".session-meta").append(" ", badge);
    });
  });

  // Month grids: mark today, the visitor's own date; the key then explains the mark.
  var today = new Date(now);
  var iso = [today.getFullYear(), today.getMonth() + 1, today.getDate()]
    .map(function (n) { return String(n).padStart(2, "0"); }).join("-");
  document.querySelectorAll('.month-grid td[data-date="' + iso + '"]').forEach(function (cell) {
    cell.setAttribute("aria-current", "date");
    document.querySelectorAll(".legend-today").forEach(function (item) { item.hidden = false; });
  });

  // The phone's Menu drops down over the page: Escape (back to the button) or a click elsewhere closes it.
  document.querySelectorAll("details.menu").forEach(function (menu) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
})();
