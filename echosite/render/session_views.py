"""Stage 6 (render): views of sessions for templates: programme calendars, the site calendar, session pages.

Pure functions of the site model, like `views.py`; which iCalendar files exist is
decided here too (`calendar_files`), the renderer only serializes them.
"""
from __future__ import annotations

import calendar
from datetime import date
from itertools import groupby
from typing import Any

from babel import dates as babel_dates
from babel.lists import format_list
from markupsafe import Markup

from ..config import CITY_ROLES
from ..model import Site, Version
from ..sessions import Session, SessionLink
from ..text import language_name, og_locale
from ..text import parse_locale as locale
from . import events, times
from .markup import relative_url
from .views import ToHtml, absolute, alternates, image_url, session_translations, switcher

SITE_ICS = "calendar.ics"


def ics_url(site: Site, lang: str, session_id: str) -> str:
    return f"{site.session_url(lang, session_id)}{session_id}.ics"


def programme_ics_url(version: Version) -> str:
    """The programme's calendar file, named after its folder: `…/pathology/pathology.ics`."""
    return f"{version.url}{version.key.removesuffix('/index').split('/')[-1]}.ics"


def session_card(site: Site, session: Session, lang: str) -> dict[str, Any]:
    """What a list or grid shows of a session: time in the site's reference zone (named), title, status."""
    order, zone = site.config.languages, site.config.timezone
    start = session.start_utc.astimezone(zone)
    loc = locale(lang)
    programme = site.version(session.programme, lang)
    return {
        "id": session.id,
        "url": site.session_url(lang, session.id),
        "title": session.title.get(lang, order),
        "title_lang": session.title.lang_of(lang, order),
        "status": session.status,
        "date": babel_dates.format_date(start, "full", locale=loc),
        "day": start.day,
        "time": babel_dates.format_time(start, "short", tzinfo=zone, locale=loc),
        "zone": times.zone_label(zone.key, lang),
        "start_utc": session.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_utc": session.end_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_iso": start.isoformat(),
        "presenters": [person.name.get(lang, order) for person in session.presenters],
        "programme": {"title": programme.source.title, "url": programme.url, "lang": programme.source.lang}
        if programme else None,
        "after": _after(session, lang, order),
        "month": (start.year, start.month),
    }


def _after(session: Session, lang: str, order: tuple[str, ...]) -> dict[str, Any] | None:
    """The recording and materials of a session (shown once it is over), or None."""
    if session.recording is None and not session.materials:
        return None

    def link(item: SessionLink, is_recording: bool = False) -> dict[str, Any]:
        # Without a label, a material is named by its file name or address (the recording by the page's word).
        label = item.label.get(lang, order) if item.label.values else ""
        return {"url": item.url, "local": item.is_file, "label": label,
                "label_lang": item.label.lang_of(lang, order) if label else lang,
                "name": item.url.rstrip("/").rsplit("/", 1)[-1] if item.is_file else item.url,
                "is_recording": is_recording}
    return {"recording": link(session.recording, True) if session.recording else None,
            "materials": [link(item) for item in session.materials]}


def page_calendar(site: Site, version: Version) -> dict[str, Any]:
    """Calendar variables for a page: its programme's sessions, or every session; the next-session panel."""
    lang = version.lang
    if version.source.layout == "calendar":
        return site_calendar(site, lang, version.url)
    sessions = site.programme_sessions(version.key)
    if version.key == "index":
        panel = next_panel(site, site.sessions, lang, version.url, site.calendar_url(lang))
    else:
        panel = next_panel(site, sessions, lang, version.url, version.url + "#sessions-heading") if sessions else None
    return _calendar(site, lang, sessions, programme_ics_url(version) if sessions else None,
                     version.source.title, months=False, panel=panel)


def site_calendar(site: Site, lang: str, page_url: str) -> dict[str, Any]:
    """Calendar variables for the site-wide calendar at `page_url`: every session, month by month."""
    panel = next_panel(site, site.sessions, lang, page_url, page_url + "#list-heading")
    return _calendar(site, lang, site.sessions, f"/{lang}/{SITE_ICS}",
                     site.config.title.get(lang, site.config.languages), months=True, panel=panel)


def _calendar(site: Site, lang: str, sessions: tuple[Session, ...], ics: str | None, name: str,
              months: bool, panel: dict[str, Any] | None) -> dict[str, Any]:
    cards = [session_card(site, s, lang) for s in sessions]
    programmes = _programmes(cards) if months else []
    return {
        "sessions": cards,
        "months": _months(cards, lang, programmes) if months else [],
        "programmes": programmes,
        "feed": {"ics": ics, **events.subscribe_links(absolute(site.config, ics), name)} if ics else None,
        "zone_label": times.zone_label(site.config.timezone.key, lang),
        "panel": panel,
    }


def next_panel(site: Site, sessions: tuple[Session, ...], lang: str, page_url: str,
               list_url: str | None) -> dict[str, Any] | None:
    """The "next session" panel of a page: what is true at any date, and the scheduled sessions for the
    script, which picks the one on now or next at view time (so the build does not depend on the date)."""
    if not sessions:
        return None
    config, order, loc = site.config, site.config.languages, locale(lang)
    scheduled = [s for s in sessions if s.status == "scheduled"]
    days = [s.start_utc.astimezone(config.timezone).date() for s in scheduled]
    if not days:
        dates = ""
    elif days[0] == days[-1]:
        dates = babel_dates.format_date(days[0], "long", locale=loc)
    else:
        dates = babel_dates.format_interval(days[0], days[-1], "yMMMMd", locale=loc)
    data = []
    for session in scheduled:
        url = site.session_url(lang, session.id)
        programme = site.version(session.programme, lang)
        if programme is not None and programme.url == page_url:  # the page itself: no need to name it
            programme = None
        data.append({
            "id": session.id,
            "title": session.title.get(lang, order),
            "lang": session.title.lang_of(lang, order),
            "url": relative_url(page_url, url),
            "programme": programme.source.title if programme else "",
            "programmeUrl": relative_url(page_url, programme.url) if programme else "",
            "start": session.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": session.end_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "join": session.join_url or "",
            # The .ics file only: Google and Outlook links (on the session page) would triple the data.
            "ics": relative_url(page_url, ics_url(site, lang, session.id)),
            # Once the programme has ended, the panel points to the latest recording.
            "recording": _panel_link(page_url, session.recording) if session.recording else "",
        })
    recordings = sum(1 for session in scheduled if session.recording)
    return {"count": len(scheduled), "dates": dates, "list_url": list_url, "sessions": data,
            "recordings": recordings}


def _panel_link(page_url: str, item: SessionLink) -> str:
    """A recording's address as the panel's script sets it: a site file relative to the page."""
    return relative_url(page_url, item.url) if item.is_file else item.url


#: Programme colours in the month grids: `.mark-1` … `.mark-6` in style.css, used in turn.
_COLOURS = 6


def _programmes(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The programmes of these sessions in order of their first session, each with its number and
    colour in the month grids (the number tells them apart without colour)."""
    found = {card["programme"]["url"]: card["programme"] for card in cards if card["programme"]}
    return [{**programme, "number": number, "colour": (number - 1) % _COLOURS + 1}
            for number, programme in enumerate(found.values(), 1)]


def _months(cards: list[dict[str, Any]], lang: str, programmes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions grouped by month, each with a week-by-week grid starting on the locale's first weekday;
    a day's sessions carry their programme's `mark`, its date is in ISO form (site.js marks today)."""
    marks = {programme["url"]: programme for programme in programmes}
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
            mark = marks.get(card["programme"]["url"]) if card["programme"] else None
            by_day.setdefault(card["day"], []).append({**card, "mark": mark})
        weeks = calendar.Calendar(firstweekday=first).monthdayscalendar(year, month)
        grid = [[{"day": d, "date": date(year, month, d).isoformat(), "sessions": by_day.get(d, [])} if d else None
                 for d in week] for week in weeks]
        name = babel_dates.format_skeleton("yMMMM", date(year, month, 1), locale=loc)
        months.append({"id": f"{year}-{month:02d}", "name": name[:1].upper() + name[1:], "weeks": grid,
                       "sessions": items, "header": header})
    return months


def calendar_files(site: Site, lang: str) -> list[tuple[str, str, tuple[Session, ...]]]:
    """The iCalendar files of `lang`: (site path, calendar name, sessions) of each programme and of the site.

    A programme page's calendar is also at each of its `aliases` (the same file name below the
    old URL): apps that subscribed to it there keep receiving its updates after a move.
    """
    files = []
    for version in site.versions:
        sessions = site.programme_sessions(version.key)
        if version.lang != lang or not sessions:
            continue
        url = programme_ics_url(version)
        files.append((url, version.source.title, sessions))
        if not version.is_fallback:
            name = url.rsplit("/", 1)[1]
            files += [(alias + name, version.source.title, sessions) for alias, _line in version.source.aliases]
    if site.sessions:
        files.append((f"/{lang}/{SITE_ICS}", site.config.title.get(lang, site.config.languages), site.sessions))
    return files


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def session_view(site: Site, session: Session, lang: str, to_html: ToHtml) -> dict[str, Any]:
    """The variables of a session's page in `lang`."""
    config, order = site.config, site.config.languages
    url = site.session_url(lang, session.id)
    card = session_card(site, session, lang)
    text = session.text_for(lang, order)
    summary_source = session.summary.get(lang, order) if session.summary.values else ""
    summary_lang = session.summary.lang_of(lang, order)
    summary = to_html(summary_source, summary_lang, session.source, session.line) if summary_source else Markup("")
    body = to_html(text.body, text.lang, text.path, text.body_line) if text else Markup("")
    page_url = absolute(config, url)
    cities = times.city_times(session, config, lang)
    programme = site.version(session.programme, lang)
    # Search engines want a description of every event: the summary, else the programme's or the site's.
    description = (events.summary_plain(session, lang, order)
                   or (programme.source.description if programme else "")
                   or config.description.get(lang, order) or card["title"])
    urls = {code: site.session_url(code, session.id) for code in order}
    # Like a fallback page: a page that borrows any piece is no translation (canonical: the first real one).
    real = session_translations(site, session)
    borrowed = {"title": card["title_lang"], "summary": summary_lang, "text": text.lang if text else lang}
    missing = session.missing(lang)
    return {
        "page_url": url,
        "canonical": absolute(config, real.get(lang) or next(iter(real.values()), url)),
        "alternates": alternates(config, real),
        "switcher": switcher(lang, urls),
        "og": {"locale": og_locale(lang), "alternates": [og_locale(c) for c in real if c != lang]},
        "page": {"title": card["title"], "description": description, "is_home": False,
                 "is_fallback": bool(missing), "content_lang": lang, "noindex": False,
                 "source_language": language_name(borrowed[missing[0]], lang, label=False) if missing else ""},
        "session": {
            **card,
            "when": times.format_when(session, lang, config.timezone),
            "own": times.format_when(session, lang, session.zone) if session.zone.key != config.timezone.key else None,
            "moved_from": times.format_moment(session.previous_start[-1], lang, config.timezone) if session.previous_start else None,
            "cities": [{"role": role, "rows": rows} for role in CITY_ROLES
                       if (rows := [c for c in cities if c.role == role])],
            "summary": summary,
            "summary_lang": summary_lang,
            "body": body,
            "body_lang": text.lang if text else lang,
            "languages": _capitalised(format_list([language_name(code, lang, label=False)
                                                   for code in session.languages], locale=locale(lang))),
            "join_url": session.join_url,
            "people": [{"name": person.name.get(lang, order), "details": events.presenter_details(person, lang, order)}
                       for person in session.presenters],
            "ics": ics_url(site, lang, session.id),
            "google": events.google_calendar_url(session, lang, order, page_url),
            "outlook_office": events.outlook_url(session, lang, order, page_url, "office"),
            "outlook_live": events.outlook_url(session, lang, order, page_url, "live"),
            "jsonld": events.event_jsonld(session, lang, order, config, page_url, description, image_url(config)),
        },
    }
