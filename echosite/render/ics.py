"""Stage 6 (render): iCalendar files (RFC 5545) of sessions, built with the `icalendar` library.

Times are written in UTC (`DTSTART:20210902T140000Z`): exact instants every client
reads alike, with no VTIMEZONE to keep in step with the zone database. Subscribed
calendars (a programme's, the site's) tell apps how often to fetch them again.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import icalendar
from icalendar.prop import vDuration, vText

from ..config import Config
from ..sessions import Presenter, Session
from ..text import ANY
from .events import description

PRODID = "-//echosite//echosite static site generator//EN"
_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
# DTSTAMP window: see `event_stamp`.
_STAMP_EPOCH = datetime(2021, 1, 1, tzinfo=timezone.utc)
_STAMP_WINDOW = timedelta(days=180)
#: How often subscribers' apps should fetch a feed again (RFC 7986 REFRESH-INTERVAL, and
#: X-PUBLISHED-TTL for Outlook and older apps): twice a day sees a change on the day it is made.
REFRESH = timedelta(hours=12)


def assemble_calendar(name: str, events: list[bytes], *, feed: bool = False) -> bytes:
    """A VCALENDAR around already serialized VEVENTs (see `event_ics`), in the given order.

    Why: a site calendar repeats every session's event, so each event is
    serialized once by icalendar and reused; the result is byte for byte what
    icalendar writes for the whole calendar (tests/test_ics.py checks it).
    A `feed` (a calendar people subscribe to) carries the refresh hints.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar writes an X- property's text as it is: typed as TEXT, `;` `,` `\` are escaped.
    cal.add("x-wr-calname", vText(name))
    if feed:
        cal.add("refresh-interval", REFRESH, parameters={"value": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
    empty = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert empty.endswith(end)
    return empty[: -len(end)] + b"".join(events) + end


def event_ics(session: Session, lang: str, order: tuple[str, ...], config: Config, url: str,
              presenters_label: str, online_label: str, summary: str | None = None) -> bytes:
    """One session's VEVENT in `lang`, serialized by icalendar.

    `url` is the session page's absolute URL; `presenters_label` ("Presenters",
    translated) prefixes the presenters in DESCRIPTION; `online_label` is the
    LOCATION of a session without a join link; `summary` replaces the title as
    SUMMARY (a cancelled session's "Cancelled: …": Outlook shows no STATUS).
    """
    event = icalendar.Event()  # not Event.new(): that adds a random UID and the clock's DTSTAMP
    event.add("uid", event_uid(session, config))
    event.add("dtstamp", event_stamp(session))
    event.add("sequence", session.sequence)
    event.add("dtstart", session.start_utc)
    event.add("dtend", session.end_utc)
    event.add("summary", summary or session.title.get(lang, order),
              parameters={"language": session.title.lang_of(lang, order)})
    event.add("description", description(session, lang, order, url, presenters_label))
    event.add("location", session.join_url or online_label)
    event.add("url", url)
    event.add("status", _STATUS[session.status])
    return event.to_ical()


def event_uid(session: Session, config: Config) -> str:
    """The session's UID: the same in every language and every build, and unique among the
    sites of one host (`pathology-01@example.org/teleecho`: see `Config.site_id`)."""
    return f"{session.id}@{config.site_id}"


def event_stamp(session: Session) -> datetime:
    """DTSTAMP derived from the session's content, never from the clock.

    Why: a clock stamp changes every file on every build (no reproducible output,
    needless downloads for subscribers). A SHA-256 of the session's own data,
    mapped onto a 180-day window, stays put while the session does and moves when
    it changes. The window is the session's SEQUENCE-th from 2021-01-01 UTC, so a
    move or a cancellation (a higher SEQUENCE) always gives a later DTSTAMP, as
    calendar apps expect of an update. The language-independent data is hashed, so
    the stamp is also the same in every language, like the UID.
    """
    content = json.dumps({
        "id": session.id, "start": session.start_utc.isoformat(), "duration": session.duration,
        "status": session.status, "join_url": session.join_url,
        "presenters": [_presenter_data(person) for person in session.presenters],
        "languages": session.languages, "title": session.title.values, "summary": session.summary.values,
    }, sort_keys=True, ensure_ascii=False)
    digest = int.from_bytes(hashlib.sha256(content.encode("utf-8")).digest()[:8], "big")
    window = int(_STAMP_WINDOW.total_seconds())
    return _STAMP_EPOCH + timedelta(seconds=session.sequence * window + digest % window)


def _presenter_data(person: Presenter) -> object:
    """A presenter as `event_stamp` hashes it: a name written once as that text, as it always was
    (so such sessions keep their stamps), anything more as all of its values."""
    if person.role.values or person.affiliation.values or person.name.values[0][0] != ANY:
        return [person.name.values, person.role.values, person.affiliation.values]
    return person.name.values[0][1]
