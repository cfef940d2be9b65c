// Enhancements only: every page is complete without this script. What depends on the date
// (the next session, past sessions) and on the visitor's time zone is decided here, at view
// time, so the built pages stay the same whatever the day of the build.
(function () {
  "use strict";

  var main = document.getElementById("main");
  var lang = document.documentElement.lang;
  var now = Date.now();

  // Times in the visitor's zone, written with the page's clock (12 or 24 hours, from the site's locale data).
  var reference = main && main.dataset.zone;
  var clock = main && main.dataset.hourCycle ? { hourCycle: main.dataset.hourCycle } : {};
  var DAY = { weekday: "long", year: "numeric", month: "long", day: "numeric" };
  var SHORT_DAY = { weekday: "short", month: "short", day: "numeric" };
  var HOUR = { hour: "numeric", minute: "2-digit" };

  function format(options, zone) {
    return new Intl.DateTimeFormat(lang, Object.assign({}, clock, options, zone ? { timeZone: zone } : {}));
  }
  function canonical(zone) {
    try { return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone; } catch (e) { return zone; }
  }
  var visitor = canonical(Intl.DateTimeFormat().resolvedOptions().timeZone);
  var atReference = !reference || canonical(reference) === visitor;

  // "UTC+6:30", the notation of the pages' city tables.
  function offset(date) {
    var minutes = -date.getTimezoneOffset(), sign = minutes < 0 ? "\u2212" : "+";
    minutes = Math.abs(minutes);
    return "UTC" + sign + Math.floor(minutes / 60) + (minutes % 60 ? ":" + String(minutes % 60).padStart(2, "0") : "");
  }
  // "Myanmar Time, UTC+6:30"
  function yourZone(date) {
    var part = format({ timeZoneName: "long" }).formatToParts(date).find(function (p) { return p.type === "timeZoneName"; });
    return (part ? part.value + ", " : "") + offset(date);
  }
  function range(start, end, zone) {
    return format(Object.assign({}, DAY, HOUR), zone).formatRange(start, end);
  }
  function dayOf(date, zone) {
    return format({ year: "numeric", month: "2-digit", day: "2-digit" }, zone).format(date);
  }

  // One state per session, from its status and the time: never "past" or "next" unless scheduled.
  function state(status, start, end) {
    if (status !== "scheduled") { return status; }
    if (now >= Date.parse(end)) { return "past"; }
    return now >= Date.parse(start) ? "now" : "upcoming";
  }
  // The first upcoming session of a list, in time order (ties: the list's order, the site's).
  function nextOf(items) {
    var best = null;
    items.forEach(function (s) {
      if (state(s.status, s.start, s.end) === "upcoming" && (!best || Date.parse(s.start) < Date.parse(best.start))) { best = s; }
    });
    return best;
  }

  // The next-session panel (home, programme and calendar pages).
  var panel = document.querySelector(".next-session");
  var panelData = panel ? JSON.parse(panel.querySelector(".next-data").textContent) : [];
  panelData.forEach(function (s) { s.status = "scheduled"; });
  var cards = Array.prototype.map.call(document.querySelectorAll(".session-card[data-start]"), function (card) {
    return { el: card, id: card.dataset.id, status: card.dataset.status, start: card.dataset.start, end: card.dataset.end };
  });
  // One "next" per page: the panel's, or on a page without a panel the lists'.
  var next = nextOf(panel ? panelData : cards);

  if (panel) {
    var live = panelData.find(function (s) { return state(s.status, s.start, s.end) === "now"; });
    var shown = live || next;
    var heading = panel.querySelector("h2");
    if (panelData.length) {  // else the page says that no session is scheduled
      heading.textContent = live ? panel.dataset.labelNow : next ? panel.dataset.labelNext : panel.dataset.labelEnded;
    }
    if (shown) {
      var card = panel.querySelector(".next-template").content.cloneNode(true);
      var slot = function (name) { return card.querySelector('[data-slot="' + name + '"]'); };
      var start = new Date(shown.start), end = new Date(shown.end);
      slot("title").textContent = shown.title;
      slot("title").href = shown.url;
      if (shown.lang !== lang) { slot("title").lang = shown.lang; }
      if (shown.programme) {
        slot("programme").textContent = shown.programme;
        slot("programme").href = shown.programmeUrl;
      } else {
        slot("programme-line").remove();
      }
      slot("yours-zone").textContent = yourZone(start);
      slot("yours").textContent = range(start, end);
      if (atReference) {
        slot("reference-line").remove();
      } else {
        slot("reference-zone").textContent = main.dataset.zoneLabel;
        slot("reference").textContent = range(start, end, reference);
      }
      if (shown.join) { slot("join").href = shown.join; } else { slot("join-item").remove(); }
      if (live) {  // adding a session that has begun to a calendar helps no one
        slot("ics-item").remove();
      } else {
        slot("ics").href = shown.ics;
      }
      heading.after(card);
    } else if (panelData.length) {  // the programme has ended: its latest recording, if there is one
      var ended = panel.querySelector(".ended-template");
      var latest = null;
      panelData.forEach(function (s) {
        if (s.recording && (!latest || Date.parse(s.start) > Date.parse(latest.start))) { latest = s; }
      });
      if (ended && latest) {
        var recap = ended.content.cloneNode(true);
        var recording = recap.querySelector('[data-slot="recording"]');
        recording.textContent = latest.title;
        recording.href = latest.recording;
        if (latest.lang !== lang) { recording.lang = latest.lang; }
        heading.after(recap);
      }
    }
  }

  // Session lists: past, on now and next, and each start in the visitor's own time.
  document.querySelectorAll(".session-list").forEach(function (list) {
    list.querySelectorAll(".session-card[data-start]").forEach(function (el) {
      var meta = el.querySelector(".session-meta");
      var start = new Date(el.dataset.start);
      if (!atReference) {
        var yours = document.createElement("span");
        yours.className = "your-time";
        yours.textContent = list.dataset.yoursLabel + " " + format(Object.assign({}, SHORT_DAY, HOUR)).format(start) + " (" + offset(start) + ")";
        meta.querySelector("time").after(" · ", yours);
      }
      var s = state(el.dataset.status, el.dataset.start, el.dataset.end);
      var label = s === "past" ? list.dataset.pastLabel : s === "now" ? list.dataset.nowLabel
        : next && s === "upcoming" && el.dataset.id === next.id ? list.dataset.nextLabel : null;
      if (!label) { return; }
      var kind = label === list.dataset.nextLabel ? "next" : s;
      el.classList.add("is-" + kind);
      var badge = document.createElement("span");
      badge.className = "status status-" + kind;
      badge.textContent = label;
      meta.append(" ", badge);
    });
  });

  // Session page: the visitor's own time, whether the session is on or over, their row in the city table.
  document.querySelectorAll(".local-time[data-start]").forEach(function (el) {
    var start = new Date(el.dataset.start), end = new Date(el.dataset.end);
    el.textContent = el.dataset.label + " (" + yourZone(start) + "): " + range(start, end);
    el.hidden = false;
  });
  document.querySelectorAll(".session-state[data-start]").forEach(function (el) {
    var s = state("scheduled", el.dataset.start, el.dataset.end);
    if (s === "upcoming") { return; }
    el.textContent = s === "now" ? el.dataset.now : el.dataset.ended;
    el.hidden = false;
    // Once it has begun, adding it to a calendar is no use; once it is over, joining neither.
    var actions = el.parentNode.querySelector(".actions");
    if (actions) {
      actions.querySelectorAll("li").forEach(function (item) {
        if (s === "past" || !item.classList.contains("join")) { item.remove(); }
      });
      if (!actions.children.length) { actions.remove(); }
    }
  });
  var tables = document.querySelectorAll(".city-times");
  var local = document.querySelector(".local-time[data-start]");
  if (tables.length && local) {
    var begins = new Date(local.dataset.start), ends = new Date(local.dataset.end);
    var matched = false;
    tables.forEach(function (table) {
      table.querySelectorAll("tr[data-zone]").forEach(function (row) {
        if (canonical(row.dataset.zone) !== visitor) { return; }
        matched = true;
        row.classList.add("is-yours");
        row.querySelector("th").append(" " + table.dataset.yours);
      });
    });
    if (!matched) {  // the visitor's zone is no configured city's: a row of its own, first
      var other = function (date, day) {  // "9:30 PM", with its date when that is not `day`
        return format(HOUR).format(date) + (dayOf(date) === day ? "" : " (" + format(SHORT_DAY).format(date) + ")");
      };
      var row = document.createElement("tr");
      row.className = "is-yours";
      [tables[0].dataset.yourZone, other(begins, dayOf(begins, reference)), other(ends, dayOf(begins)), offset(begins)].forEach(function (text, i) {
        var cell = document.createElement(i ? "td" : "th");
        if (!i) { cell.scope = "row"; }
        cell.textContent = text;
        row.append(cell);
      });
      tables[0].tBodies[0].prepend(row);
    }
  }

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

  // Calendar addresses: a button that copies the address (without it, the address is selectable text).
  document.querySelectorAll(".copyable").forEach(function (el) {
    if (!navigator.clipboard) { return; }
    var button = document.createElement("button"), status = document.createElement("span");
    button.type = "button";
    button.className = "button";
    button.textContent = el.dataset.copyLabel;
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        status.textContent = el.dataset.copiedLabel;
      }, function () {  // refused (no permission): select the address for Ctrl+C instead
        window.getSelection().selectAllChildren(el);
      });
    });
    el.after(" ", button, " ", status);
  });

  // Recordings and materials: shown once the session is over (without this script, always).
  document.querySelectorAll(".after-session[data-end]").forEach(function (el) {
    el.hidden = Date.parse(el.dataset.end) > Date.now();
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
