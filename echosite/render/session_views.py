"""Stage 6 (render): views of sessions for templates: programme calendars, the site calendar, session pages."""
from __future__ import annotations

import calendar
from datetime import date
from itertools import groupby
from typing import TYPE_CHECKING, Any

from babel import dates as babel_dates
from babel.lists import format_list
from markupsafe import Markup

from ..model import Version, session_url
from ..sessions import Session
from ..text import language_name, og_locale
from ..text import parse_locale as locale
from . import events, times
from .ics import assemble_calendar, event_ics, webcal_url
from .views import switcher

if TYPE_CHECKING:
    from . import SiteRenderer

SITE_ICS = "calendar.ics"


def labels(r: "SiteRenderer", lang: str) -> Any:
    """Translated words used outside templates (iCalendar text), from templates/labels.html."""
    return r.envs[lang].get_template("labels.html").module


def ics_url(lang: str, session_id: str) -> str:
    return f"{session_url(lang, session_id)}{session_id}.ics"


def programme_ics_url(version: Version) -> str:
    """The programme's calendar file, named after its folder: `…/pathology/pathology.ics`."""
    return f"{version.url}{version.key.removesuffix('/index').split('/')[-1]}.ics"


def session_card(r: "SiteRenderer", session: Session, lang: str) -> dict[str, Any]:
    """What a list or grid shows of a session: time in the site's zone, title, status."""
    order, zone = r.config.languages, r.config.timezone
    start = session.start_utc.astimezone(zone)
    loc = locale(lang)
    programme = r.site.version(session.programme, lang)
    return {
        "id": session.id,
        "url": session_url(lang, session.id),
        "title": session.title.get(lang, order),
        "title_lang": session.title.lang_of(lang, order),
        "status": session.status,
        "date": babel_dates.format_date(start, "full", locale=loc),
        "day": start.day,
        "time": babel_dates.format_time(start, "short", tzinfo=zone, locale=loc),
        "start_utc": session.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_utc": session.end_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_iso": start.isoformat(),
        "presenters": list(session.presenters),
        "programme": {"title": programme.source.title, "url": programme.url, "lang": programme.source.lang}
        if programme else None,
        "month": (start.year, start.month),
    }


def _zone_label(r: "SiteRenderer", lang: str) -> str:
    return babel_dates.get_timezone_location(r.config.timezone, locale=locale(lang))


def page_calendar(r: "SiteRenderer", version: Version) -> dict[str, Any]:
    """Calendar variables for a page: its programme's sessions, or every session."""
    lang = version.lang
    if version.source.layout == "calendar":
        sessions = r.site.sessions
        ics = f"/{lang}/{SITE_ICS}"
    else:
        sessions = r.site.programme_sessions(version.key)
        ics = programme_ics_url(version) if sessions else None
    cards = [session_card(r, s, lang) for s in sessions]
    return {
        "sessions": cards,
        "months": _months(cards, lang) if version.source.layout == "calendar" else [],
        "ics": ics,
        "webcal": webcal_url(r.absolute(ics)) if ics else None,
        "zone_label": _zone_label(r, lang),
    }


def _months(cards: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Sessions grouped by month, each with a week-by-week grid starting on the locale's first weekday."""
    loc = locale(lang)
    first = loc.first_week_day
    weekdays = [(first + i) % 7 for i in range(7)]
    header = [{"short": loc.days["format"]["abbreviated"][d], "long": loc.days["format"]["wide"][d]}
              for d in weekdays]
    months = []
    for (year, month), group in groupby(cards, key=lambda c: c["month"]):
        items = list(group)
        by_day: dict[int, list] = {}
        for card in items:
            by_day.setdefault(card["day"], []).append(card)
        weeks = calendar.Calendar(firstweekday=first).monthdayscalendar(year, month)
        grid = [[{"day": d, "sessions": by_day.get(d, [])} if d else None for d in week] for week in weeks]
        name = babel_dates.format_skeleton("yMMMM", date(year, month, 1), locale=loc)
        months.append({"id": f"{year}-{month:02d}", "name": name[:1].upper() + name[1:], "weeks": grid,
                       "sessions": items, "header": header})
    return months


def _event(r: "SiteRenderer", session: Session, lang: str) -> bytes:
    """A session's serialized VEVENT in `lang`, made once per build and reused."""
    key = (session.id, lang)
    if key not in r.events:
        words = labels(r, lang)
        r.events[key] = event_ics(session, lang, r.config.languages, r.config,
                                  r.absolute(session_url(lang, session.id)), words.presenters, words.online)
    return r.events[key]


def render_session(r: "SiteRenderer", session: Session, lang: str) -> None:
    """A session's page and its iCalendar file, in `lang`."""
    _session_page(r, session, lang)
    r.emit(ics_url(lang, session.id), assemble_calendar(session.title.get(lang, r.config.languages),
                                                        [_event(r, session, lang)]))


def render_calendar_files(r: "SiteRenderer") -> None:
    """The iCalendar file of each programme and of the whole site, in every language."""
    for lang in r.config.languages:
        for version in r.site.versions:
            sessions = r.site.programme_sessions(version.key) if version.lang == lang else ()
            if sessions:
                r.emit(programme_ics_url(version),
                       assemble_calendar(version.source.title, [_event(r, s, lang) for s in sessions]))
        if r.site.sessions:
            r.emit(f"/{lang}/{SITE_ICS}", assemble_calendar(r.config.title.get(lang, r.config.languages),
                                                            [_event(r, s, lang) for s in r.site.sessions]))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _session_page(r: "SiteRenderer", session: Session, lang: str) -> None:
    order = r.config.languages
    url = session_url(lang, session.id)
    card = session_card(r, session, lang)
    text = session.text(lang) or next((t for code in order if (t := session.text(code))), None)
    summary_source = session.summary.get(lang, order) if session.summary.values else ""
    summary_lang = session.summary.lang_of(lang, order)
    summary = (r.markdown_html(summary_source, summary_lang, lang, session.source, session.line, url)
               if summary_source else Markup(""))
    body = (r.markdown_html(text.body, text.lang, lang, text.path, text.body_line, url)
            if text and text.body.strip() else Markup(""))
    absolute = r.absolute(url)
    description = events.summary_plain(session, lang, order)
    when = times.format_when(session, lang)
    urls = {code: session_url(code, session.id) for code in order}
    context = {
        "page_url": url,
        "canonical": absolute,
        "alternates": r.alternates(urls),
        "switcher": switcher(r, lang, urls),
        "og": {"locale": og_locale(lang), "alternates": [og_locale(c) for c in order if c != lang]},
        "page": {"title": card["title"], "description": description or card["title"], "is_home": False,
                 "is_fallback": False, "content_lang": lang},
        "session": {
            **card,
            "when": when,
            "cities": times.city_times(session, r.config, lang),
            "summary": summary,
            "summary_lang": summary_lang,
            "body": body,
            "body_lang": text.lang if text else lang,
            "languages": _capitalised(format_list([language_name(code, lang, label=False)
                                                   for code in session.languages], locale=locale(lang))),
            "join_url": session.join_url,
            "ics": ics_url(lang, session.id),
            "google": events.google_calendar_url(session, lang, order, absolute),
            "outlook": events.outlook_url(session, lang, order, absolute),
            "jsonld": events.event_jsonld(session, lang, order, r.config, absolute, description),
        },
    }
    r.emit(url, r.render(lang, "session.html", **context))
