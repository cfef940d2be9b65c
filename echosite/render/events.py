"""Stage 6 (render): a session as calendar apps and search engines read it.

"Add to calendar" links (Google Calendar, Outlook for work accounts and Outlook.com)
with exact UTC times, "subscribe" links to a whole calendar for the same apps, the
plain-text description they share with the iCalendar files (`ics.py`), and
schema.org `Event` data for the session page.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from ..config import Config
from ..sessions import Presenter, Session, SessionLink
from .markup import plain_text
from .views import absolute

_SCHEMA = "https://schema.org/"
_EVENT_STATUS = {"scheduled": "EventScheduled", "cancelled": "EventCancelled",
                 "postponed": "EventPostponed"}
#: Outlook's two web hosts: Microsoft 365 work or school accounts, and personal Outlook.com ones.
OUTLOOK_HOSTS = {"office": "https://outlook.office.com", "live": "https://outlook.live.com"}


def summary_plain(session: Session, lang: str, order: tuple[str, ...]) -> str:
    """The session's summary in `lang` (with fallback) as plain text."""
    return plain_text(session.summary.get(lang, order)) if session.summary.values else ""


def description(session: Session, lang: str, order: tuple[str, ...], url: str, presenters_label: str = "") -> str:
    """An event's plain-text description: summary, presenters, join link and the session page's URL.

    `presenters_label` ("Presenters", translated) prefixes the names when given.
    """
    parts = [summary_plain(session, lang, order)]
    if session.presenters:
        people = [presenter_text(person, lang, order) for person in session.presenters]
        # A list of "Name (role, affiliation)" reads better with semicolons between people.
        names = ("; " if any(person.role.values or person.affiliation.values for person in session.presenters)
                 else ", ").join(people)
        parts.append(f"{presenters_label}: {names}" if presenters_label else names)
    if session.join_url:
        parts.append(session.join_url)
    parts.append(url)
    return "\n\n".join(p for p in parts if p)


def presenter_details(person: Presenter, lang: str, order: tuple[str, ...]) -> str:
    """A presenter's role and affiliation in `lang`, such as "Chief Medical Officer, ASCP" ("" if none)."""
    return ", ".join(part.get(lang, order) for part in (person.role, person.affiliation) if part.values)


def presenter_text(person: Presenter, lang: str, order: tuple[str, ...]) -> str:
    """A presenter as plain text: "Dr Dan Milner (Chief Medical Officer, ASCP)"."""
    details = presenter_details(person, lang, order)
    name = person.name.get(lang, order)
    return f"{name} ({details})" if details else name


def google_calendar_url(session: Session, lang: str, order: tuple[str, ...], details_url: str) -> str:
    """A Google Calendar "add event" link with the session's UTC times."""
    fmt = "%Y%m%dT%H%M%SZ"
    query = [
        ("action", "TEMPLATE"),
        ("text", session.title.get(lang, order)),
        ("dates", f"{session.start_utc:{fmt}}/{session.end_utc:{fmt}}"),
        ("details", description(session, lang, order, details_url)),
        ("location", session.join_url or details_url),
    ]
    return "https://calendar.google.com/calendar/render?" + urlencode(query, safe="/:", quote_via=quote)


def outlook_url(session: Session, lang: str, order: tuple[str, ...], details_url: str, host: str = "live") -> str:
    """An Outlook "add event" link with the session's UTC times, on a host of `OUTLOOK_HOSTS`."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    query = [
        ("path", "/calendar/action/compose"),
        ("rru", "addevent"),
        ("startdt", f"{session.start_utc:{fmt}}"),
        ("enddt", f"{session.end_utc:{fmt}}"),
        ("subject", session.title.get(lang, order)),
        ("body", description(session, lang, order, details_url)),
        ("location", session.join_url or details_url),
    ]
    return f"{OUTLOOK_HOSTS[host]}/calendar/deeplink/compose?" + urlencode(query, safe="/:", quote_via=quote)


def webcal_url(url: str) -> str:
    """The `webcal://` subscribe link for an absolute http(s) URL of an `.ics` file."""
    return "webcal://" + url.split("://", 1)[1]


def subscribe_links(feed_url: str, name: str) -> dict[str, str]:
    """Links that subscribe calendar apps to the feed at the absolute https `feed_url`.

    `webcal` opens the system's calendar app (Apple Calendar, Outlook for desktop,
    Thunderbird); Google Calendar takes the webcal address as `cid`; Outlook on the
    web adds a calendar "from web" on either host, under `name`.
    """
    webcal = webcal_url(feed_url)
    links = {"https": feed_url, "webcal": webcal,
             "google": "https://calendar.google.com/calendar/r?" + urlencode([("cid", webcal)], quote_via=quote)}
    for key, host in OUTLOOK_HOSTS.items():
        query = urlencode([("url", feed_url), ("name", name)], quote_via=quote)
        links[f"outlook_{key}"] = f"{host}/calendar/0/addfromweb?{query}"
    return links


def event_jsonld(session: Session, lang: str, order: tuple[str, ...], config: Config,
                 page_url: str, description: str, image: str | None) -> dict[str, Any]:
    """schema.org `Event` data for a session page (serialize it with `tojson`); `image` is an absolute URL."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": session.title.get(lang, order),
        "startDate": session.start.isoformat(),
        "endDate": session.end.isoformat(),
        "eventAttendanceMode": _SCHEMA + "OnlineEventAttendanceMode",
        "eventStatus": _SCHEMA + ("EventRescheduled" if session.previous_start and session.status == "scheduled"
                                  else _EVENT_STATUS[session.status]),
        "location": {"@type": "VirtualLocation", "url": session.join_url or page_url},
        "inLanguage": session.languages[0] if len(session.languages) == 1 else list(session.languages),
        "url": page_url,
        "description": description,
    }
    if session.previous_start:
        earlier = [when.isoformat() for when in session.previous_start]
        data["previousStartDate"] = earlier[0] if len(earlier) == 1 else earlier
    if image:
        data["image"] = [image]
    if config.organizer is not None:
        data["organizer"] = {"@type": "Organization", "name": config.organizer.name.get(lang, order),
                             "url": config.organizer.url or config.base_url}
    if session.presenters:
        data["performer"] = [_person(person, lang, order) for person in session.presenters]
    # What the session left: its recording (`recordedIn`, the inverse of CreativeWork's
    # `recordedAt`) and the works it featured (`workFeatured`: slides, handouts).
    if session.recording is not None:
        data["recordedIn"] = _work(session.recording, lang, order, config)
    if session.materials:
        data["workFeatured"] = [_work(item, lang, order, config) for item in session.materials]
    return data


def _work(link: SessionLink, lang: str, order: tuple[str, ...], config: Config) -> dict[str, Any]:
    data = {"@type": "CreativeWork", "url": absolute(config, link.url) if link.is_file else link.url}
    if link.label.values:
        data["name"] = link.label.get(lang, order)
    return data


def _person(person: Presenter, lang: str, order: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Person", "name": person.name.get(lang, order)}
    if person.role.values:
        data["jobTitle"] = person.role.get(lang, order)
    if person.affiliation.values:
        data["affiliation"] = {"@type": "Organization", "name": person.affiliation.get(lang, order)}
    return data
