"""iCalendar files (RFC 5545) of sessions, built with the `icalendar` library, and their checks.

Times are written in UTC (`DTSTART:20210902T140000Z`): exact instants every client
reads alike, with no VTIMEZONE to keep in step with the zone database.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import icalendar

from .calendar import Session, summary_plain, title_text
from .config import Config

PRODID = "-//echosite//echosite static site generator//EN"
MAX_OCTETS = 75
_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
# DTSTAMP window: see `event_stamp`.
_STAMP_EPOCH = datetime(2021, 1, 1, tzinfo=timezone.utc)
_STAMP_WINDOW = timedelta(days=180)


def calendar_ics(sessions: Iterable[Session], lang: str, order: tuple[str, ...], config: Config,
                 name: str, url_for: Callable[[Session], str], *,
                 presenters_label: str = "", online_label: str = "Online") -> bytes:
    """An iCalendar file of `sessions` in `lang`; byte-identical for the same input.

    `url_for(session)` gives the absolute URL of the session's page in `lang`.
    `presenters_label` ("Presenters", translated) prefixes the presenters line of
    DESCRIPTION; `online_label` is LOCATION when a session has no join link.
    """
    events = [event_ics(session, lang, order, config, url_for(session), presenters_label, online_label)
              for session in sorted(sessions, key=lambda s: (s.start_utc, s.id))]
    return assemble_calendar(name, events)


def assemble_calendar(name: str, events: list[bytes]) -> bytes:
    """A VCALENDAR around already serialized VEVENTs (see `event_ics`), in the given order.

    Why: a site calendar repeats every session's event, so each event is
    serialized once by icalendar and reused; the result is byte for byte what
    icalendar writes for the whole calendar (tests/test_ics.py checks it).
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    empty = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert empty.endswith(end)
    return empty[: -len(end)] + b"".join(events) + end


def event_ics(session: Session, lang: str, order: tuple[str, ...], config: Config, url: str,
              presenters_label: str = "", online_label: str = "Online") -> bytes:
    """One session's VEVENT, serialized by icalendar."""
    return _event(session, lang, order, config, url, presenters_label, online_label).to_ical()


def webcal_url(url: str) -> str:
    """The `webcal://` subscribe link for an absolute http(s) URL of an `.ics` file."""
    return "webcal://" + url.split("://", 1)[1]


def event_uid(session: Session, config: Config) -> str:
    """The session's UID: the same in every language and every build."""
    return f"{session.id}@{config.host}"


def event_stamp(session: Session) -> datetime:
    """DTSTAMP derived from the session's content, never from the clock.

    Why: a clock stamp changes every file on every build (no reproducible output,
    needless downloads for subscribers). A SHA-256 of the session's own data,
    mapped onto a fixed 180-day window from 2021-01-01 UTC, stays put while the
    session does and moves when it changes. The language-independent data is
    hashed, so the stamp is also the same in every language, like the UID.
    """
    content = json.dumps({
        "id": session.id, "start": session.start_utc.isoformat(), "duration": session.duration,
        "status": session.status, "join_url": session.join_url, "presenters": session.presenters,
        "languages": session.languages, "title": session.title.values, "summary": session.summary.values,
    }, sort_keys=True, ensure_ascii=False)
    digest = int.from_bytes(hashlib.sha256(content.encode("utf-8")).digest()[:8], "big")
    return _STAMP_EPOCH + timedelta(seconds=digest % int(_STAMP_WINDOW.total_seconds()))


def _event(session: Session, lang: str, order: tuple[str, ...], config: Config, url: str,
           presenters_label: str, online_label: str) -> icalendar.Event:
    event = icalendar.Event()  # not Event.new(): that adds a random UID and the clock's DTSTAMP
    event.add("uid", event_uid(session, config))
    event.add("dtstamp", event_stamp(session))
    event.add("sequence", 0)
    event.add("dtstart", session.start_utc)
    event.add("dtend", session.end_utc)
    event.add("summary", title_text(session, lang, order),
              parameters={"language": session.title.lang_of(lang, order)})
    event.add("description", _description(session, lang, order, url, presenters_label))
    event.add("location", session.join_url or online_label)
    event.add("url", url)
    event.add("status", _STATUS[session.status])
    return event


def _description(session: Session, lang: str, order: tuple[str, ...], url: str, presenters_label: str) -> str:
    parts = [summary_plain(session, lang, order)]
    if session.presenters:
        names = ", ".join(session.presenters)
        parts.append(f"{presenters_label}: {names}" if presenters_label else names)
    if session.join_url:
        parts.append(session.join_url)
    parts.append(url)
    return "\n\n".join(p for p in parts if p)


def validate_ics(data: bytes) -> list[str]:
    """Problems an iCalendar parser tolerates but RFC 5545 forbids, as "line N: …" messages.

    Checks CRLF line ends, the 75-octet line limit, BEGIN/END nesting, VERSION and
    PRODID in VCALENDAR, and UID, DTSTAMP and DTSTART in every VEVENT; then that
    the `icalendar` library parses the file at all.
    """
    problems: list[str] = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(f"line {line}: not UTF-8 ({exc.reason})")
    ends_with_newline = data.endswith(b"\n")
    physical = data.split(b"\n")
    if ends_with_newline:
        physical.pop()
    else:
        problems.append(f"line {len(physical)}: the file does not end with CRLF")
    logical: list[tuple[int, bytes]] = []
    for number, line in enumerate(physical, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        elif number < len(physical) or ends_with_newline:
            problems.append(f"line {number}: bare LF line end; iCalendar lines end with CRLF")
        if b"\r" in line:
            problems.append(f"line {number}: bare CR inside the line")
        if len(line) > MAX_OCTETS:
            problems.append(f"line {number}: {len(line)} octets, over the {MAX_OCTETS}-octet limit; fold it")
        if line[:1] in (b" ", b"\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        else:
            logical.append((number, line))
    problems += _check_structure(logical)
    try:
        icalendar.Calendar.from_ical(data)
    except Exception as exc:  # any parser failure is a finding, whatever its type
        problems.append(f"icalendar cannot parse the file: {exc}")
    return problems


_REQUIRED = {"VCALENDAR": ("VERSION", "PRODID"), "VEVENT": ("UID", "DTSTAMP", "DTSTART")}


def _check_structure(logical: list[tuple[int, bytes]]) -> list[str]:
    problems: list[str] = []
    stack: list[tuple[str, int, set[str]]] = []
    for number, line in logical:
        text = line.decode("utf-8", errors="replace")
        name = text.split(":", 1)[0].split(";", 1)[0].strip().upper()
        value = text.split(":", 1)[1].strip().upper() if ":" in text else ""
        if name == "BEGIN":
            stack.append((value, number, set()))
        elif name == "END":
            if not stack or stack[-1][0] != value:
                problems.append(f"line {number}: END:{value} does not close "
                                f"{'BEGIN:' + stack[-1][0] if stack else 'any BEGIN'}")
                continue
            component, start, seen = stack.pop()
            for prop in _REQUIRED.get(component, ()):
                if prop not in seen:
                    problems.append(f"line {start}: {component} without {prop}")
        elif stack:
            stack[-1][2].add(name)
        elif name:
            problems.append(f"line {number}: {name} outside any component")
    for component, start, _ in stack:
        problems.append(f"line {start}: BEGIN:{component} is never closed")
    if not any(line.strip().upper() == b"BEGIN:VCALENDAR" for _, line in logical):
        problems.append("line 1: no BEGIN:VCALENDAR")
    return problems
