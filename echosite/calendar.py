"""Stage 3: session calendars.

Read each programme's `sessions.yaml` (and its `sessions/<id>.<lang>.md` texts) into
immutable `Session`s, checking every instant against daylight-saving changes, and
prepare what pages show of a session: localized times, the time in every city,
"add to calendar" links and schema.org event data. Nothing here renders a page.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import markdown
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import units as babel_units

from .config import Config
from .errors import Diagnostics, did_you_mean
from .source import YamlMap, load_yaml, read_markdown, read_text
from .text import Text, load_zone, parse_locale, parse_text

CALENDAR_NAME = "sessions.yaml"
TEXTS_FOLDER = "sessions"
CALENDAR_KEYS = ("timezone", "sessions")
SESSION_KEYS = ("id", "start", "duration", "title", "summary", "presenters",
                "timezone", "language", "join_url", "status")
TEXT_KEYS = ("title", "summary")
STATUSES = ("scheduled", "cancelled", "postponed")
MAX_DURATION = 24 * 60

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_START = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?: ?([+-])(\d{2}):(\d{2}))?")
_MINUTES = re.compile(r"0|[1-9][0-9]*")
_START_HINT = "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00"
_DURATION_HINT = "write whole minutes, e.g. duration: 90"
_SCHEMA = "https://schema.org/"
_EVENT_STATUS = {"scheduled": "EventScheduled", "cancelled": "EventCancelled",
                 "postponed": "EventPostponed"}


@dataclass(frozen=True)
class SessionText:
    """The longer text of a session in one language, from `sessions/<id>.<lang>.md`."""

    #: Language code from the file name.
    lang: str
    #: The Markdown file.
    path: Path
    #: Title from the front matter, overriding the one in `sessions.yaml` for this language.
    title: str | None
    #: Summary (Markdown) from the front matter, overriding the one in `sessions.yaml`.
    summary: str | None
    #: Markdown body.
    body: str
    #: File line where the body starts (for messages about the body).
    body_line: int


@dataclass(frozen=True)
class Session:
    """One live session of a programme, as its calendar declares it."""

    #: Unique in the site and stable: used in URLs and calendar UIDs.
    id: str
    #: Page key of the programme page, e.g. "programmes/pathology/index".
    programme: str
    #: Start, timezone-aware; `tzinfo` is the session's ZoneInfo (fold set for a repeated hour).
    start: datetime
    #: Length in whole minutes.
    duration: int
    #: Title; `sessions/<id>.<lang>.md` front matter overrides are already merged in.
    title: Text
    #: Summary as Markdown (overrides merged in); may be empty.
    summary: Text
    #: Presenters' names, as written.
    presenters: tuple[str, ...]
    #: Languages the session is held in (default: the site's default language).
    languages: tuple[str, ...]
    #: Link to join the live session, if published.
    join_url: str | None
    #: scheduled, cancelled or postponed.
    status: str
    #: The `sessions.yaml` that declares the session.
    source: Path
    #: Line of the session's item in `source`.
    line: int
    #: Longer texts, one per language that has a file, in configured language order.
    texts: tuple[SessionText, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        """The session's own time zone."""
        return self.start.tzinfo  # type: ignore[return-value]

    @property
    def start_utc(self) -> datetime:
        """The start as a UTC datetime."""
        return self.start.astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        """The end as a UTC datetime."""
        return self.start_utc + timedelta(minutes=self.duration)

    @property
    def end(self) -> datetime:
        """The end in the session's zone (computed through UTC, so right across a DST change)."""
        # Aware datetime arithmetic in one zone is wall-clock arithmetic: going
        # through UTC keeps a session that spans a clock change the right length.
        return self.end_utc.astimezone(self.zone)

    def text(self, lang: str) -> SessionText | None:
        """The longer text in `lang`, or None."""
        return next((t for t in self.texts if t.lang == lang), None)


@dataclass(frozen=True)
class CityTime:
    """A session's start as seen in one configured city."""

    #: City name in the requested language.
    name: str
    #: IANA key of the city's zone, such as Asia/Yangon.
    zone: str
    #: Localized start time, such as "9:00 PM" or "21:00".
    time: str
    #: Localized short date ("Fri, Sep 3"), only where the city's date differs from the session's; else None.
    date: str | None
    #: Days between the city's date and the session's date (-1, 0 or +1).
    day_shift: int
    #: UTC offset at that instant, such as "UTC−5" or "UTC+6:30".
    offset: str
    #: The start as an aware datetime in the city's zone.
    when: datetime


# ---------------------------------------------------------------------------
# Loading and checking


def calendar_texts_folder(calendar: Path) -> Path:
    """The folder of a calendar's `<id>.<lang>.md` session texts (not content pages)."""
    return calendar.parent / TEXTS_FOLDER


def load_calendar(path: Path, programme: str, config: Config, diag: Diagnostics) -> tuple[Session, ...]:
    """Read a programme's `sessions.yaml` and session texts, recording every mistake.

    Returns the valid sessions sorted by (start_utc, id). Ids are checked for
    uniqueness across the site by `check_unique_ids`, not here.
    """
    text = read_text(path, diag)
    if text is None:
        return ()
    before = len(diag.problems)
    data = load_yaml(text, path, diag)
    if data is None and len(diag.problems) > before:
        return ()
    if not isinstance(data, YamlMap) or "sessions" not in data:
        line = data.line if isinstance(data, YamlMap) else 1
        diag.error(path, line, 'a calendar must be a mapping with a "sessions" list: '
                   "sessions: [{id: …, start: …, duration: …, title: …}]")
        return ()
    for key in data:
        if key not in CALENDAR_KEYS:
            diag.warn(path, data.line_of(key), f'unknown key "{key}"{did_you_mean(key, CALENDAR_KEYS)}; it is ignored')
    zone: ZoneInfo | None = config.timezone
    if "timezone" in data:
        zone = load_zone(data["timezone"], path, data.line_of("timezone"), diag)
    items = data["sessions"]
    if not isinstance(items, list):
        diag.error(path, data.line_of("sessions"), '"sessions" must be a list of sessions, each starting with "- id: …"')
        return ()
    lines = getattr(items, "lines", [data.line_of("sessions")] * len(items))
    drafts = [_read_session(item, line, path, zone, config, diag) for item, line in zip(items, lines)]
    ids = {d["id"] for d in drafts if d.get("id")}
    texts = _load_texts(calendar_texts_folder(path), ids, config, diag)
    sessions = []
    for draft in drafts:
        session = _finish(draft, texts.get(draft.get("id"), ()), programme, path, config, diag)
        if session is not None:
            sessions.append(session)
    return tuple(sorted(sessions, key=lambda s: (s.start_utc, s.id)))


def load_calendars(calendars: Iterable[tuple[str, Path]], config: Config, diag: Diagnostics) -> tuple[Session, ...]:
    """Every programme calendar (programme page key, `sessions.yaml`), ids unique across the site."""
    sessions = [s for programme, path in calendars for s in load_calendar(path, programme, config, diag)]
    check_unique_ids(sessions, diag)
    return tuple(sorted(sessions, key=lambda s: (s.start_utc, s.id)))


def check_unique_ids(sessions: Iterable[Session], diag: Diagnostics) -> None:
    """Report every session whose id was already used anywhere in the site."""
    first: dict[str, Session] = {}
    for session in sorted(sessions, key=lambda s: (s.source.as_posix(), s.line)):
        seen = first.setdefault(session.id, session)
        if seen is not session:
            diag.error(session.source, session.line,
                       f'duplicate session id "{session.id}", first used at {_where(seen, diag)}; '
                       "ids must be unique in the site: rename one")


def _where(session: Session, diag: Diagnostics) -> str:
    try:
        path = session.source.resolve().relative_to(diag.root.resolve()).as_posix()
    except ValueError:
        path = session.source.as_posix()
    return f"{path}:{session.line}"


class _Item:
    """Error reporting for one session item: remembers whether anything failed."""

    def __init__(self, data: YamlMap, path: Path, diag: Diagnostics):
        self.data, self.path, self.diag, self.failed = data, path, diag, False

    def error(self, key: str | None, message: str) -> None:
        self.failed = True
        self.diag.error(self.path, self.data.line_of(key) if key else self.data.line, message)

    def written(self, key: str) -> str:
        """The value of `key` as the editor wrote it."""
        raw = self.data.raw.get(key)
        return raw if raw is not None else str(self.data[key])


def _read_session(item: Any, line: int, path: Path, zone: ZoneInfo | None, config: Config,
                  diag: Diagnostics) -> dict[str, Any]:
    """Check one item of `sessions` into a draft: the Session's fields so far, and under
    "item" the `_Item` that knows whether anything failed ({} for an item that is no mapping)."""
    if not isinstance(item, YamlMap):
        diag.error(path, line, "each session must be a mapping of keys to values (id: …, start: …)")
        return {}
    it = _Item(item, path, diag)
    for key in item:
        if key not in SESSION_KEYS:
            diag.warn(path, item.line_of(key), f'unknown session key "{key}"{did_you_mean(key, SESSION_KEYS)}; it is ignored')
    draft: dict[str, Any] = {"line": item.line, "id": _session_id(it)}
    if "timezone" in item:
        zone = load_zone(item["timezone"], path, item.line_of("timezone"), diag)
    it.failed |= zone is None  # reported where the zone is written
    draft["start"] = _start(it, zone) if zone is not None else None
    draft["duration"] = _duration(it)
    draft["presenters"] = _presenters(it)
    draft["languages"] = _languages(it, config.languages)
    draft["join_url"] = _join_url(it)
    draft["status"] = _status(it)
    for key in TEXT_KEYS:
        draft[key] = Text(())
        if key in item:
            value = parse_text(item[key], path, item.line_of(key), key, config.languages, diag)
            it.failed |= value is None
            if value is not None and key == "title" and not all(text.strip() for _, text in value.values):
                it.error(key, '"title" is empty; write the session\'s title in every language you give')
            draft[key] = value or Text(())
        elif key == "title":
            it.error(None, 'the session has no "title"; add title: {en: "…", es: "…"}')
    draft["item"] = it
    return draft


def _session_id(it: _Item) -> str | None:
    if it.data.get("id") in (None, ""):
        it.error("id" if "id" in it.data else None,
                 '"id" is required: a short name of lowercase letters, digits and hyphens, such as pathology-01')
        return None
    written = it.written("id")
    if not _ID.fullmatch(written):
        it.error("id", f'"id" "{written}" may contain only lowercase letters, digits and hyphens '
                       "(it is used in URLs and calendar UIDs); write e.g. pathology-01")
        return None
    return written


def _start(it: _Item, zone: ZoneInfo) -> datetime | None:
    """The start as written: `YYYY-MM-DD HH:MM`, optionally followed by a UTC offset.

    The offset (`2021-10-31 02:30 +01:00`) is only needed for a wall time that occurs
    twice because the clocks go back; it picks which of the two is meant. A time the
    clocks skip is always an error.
    """
    if it.data.get("start") in (None, ""):
        it.error("start" if "start" in it.data else None, f'"start" is required; {_START_HINT}')
        return None
    written = it.written("start").strip()
    match = _START.fullmatch(written) if it.data.raw.get("start") is not None else None
    if not match:
        it.error("start", f'"start" "{written}" is not a date and time; {_START_HINT}')
        return None
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    try:
        wall = datetime(year, month, day)
    except ValueError as exc:
        it.error("start", f'"start" "{written}" is not a valid date ({exc}); check the day and month')
        return None
    if hour > 23 or minute > 59:
        it.error("start", f'"start" "{written}" is not a valid time; hours go from 00 to 23 and minutes from 00 to 59')
        return None
    wall = wall.replace(hour=hour, minute=minute)
    offset = None
    if match.group(6):
        sign = 1 if match.group(6) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(7)), minutes=int(match.group(8)))
    return _resolve(it, wall, zone, offset)


def _resolve(it: _Item, wall: datetime, zone: ZoneInfo, offset: timedelta | None) -> datetime | None:
    """The instant a wall time means in `zone`, refusing skipped and unresolved repeated times."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    when = f"{wall:%Y-%m-%d %H:%M}"
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != wall:  # zoneinfo silently moves a time inside a gap: the wall time does not exist
        jump_from, jump_to = _clock_change(zone, wall, first.utcoffset(), second.utcoffset())
        it.error("start", f'"start" {when} does not exist in {zone.key}: the clocks jump from {jump_from} '
                          f"to {jump_to} that day (daylight saving); choose another time, such as {back:%Y-%m-%d %H:%M}")
        return None
    earlier, later = first.utcoffset(), second.utcoffset()
    if earlier != later:
        if offset == earlier:
            return first
        if offset == later:
            return second
        jump_from, jump_to = _clock_change(zone, wall, earlier, later)
        choices = (f"{when} {_offset_text(earlier)} (the first, before the change) or "
                   f"{when} {_offset_text(later)} (the second, after it)")
        if offset is None:
            it.error("start", f'"start" {when} happens twice in {zone.key}: the clocks go back from {jump_from} '
                              f"to {jump_to} that night; add the UTC offset of the one you mean: {choices}")
        else:
            it.error("start", f'"start" offset {_offset_text(offset)} matches neither {when} in {zone.key}; '
                              f"write {choices}")
        return None
    if offset is not None and offset != earlier:
        it.error("start", f'"start" offset {_offset_text(offset)} does not match {zone.key}, which is at '
                          f"{_offset_text(earlier)} on {when}; correct the offset or remove it")
        return None
    return first


def _clock_change(zone: ZoneInfo, wall: datetime, a: timedelta | None, b: timedelta | None) -> tuple[str, str]:
    """The wall times ("02:00", "03:00") on either side of the clock change near `wall`."""
    assert a is not None and b is not None
    lo = (wall - max(a, b)).replace(tzinfo=timezone.utc)
    hi = (wall - min(a, b)).replace(tzinfo=timezone.utc)
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):  # bisect for the first instant with the new offset
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    after = hi.astimezone(zone).utcoffset()
    assert before is not None and after is not None
    return f"{hi + before:%H:%M}", f"{hi + after:%H:%M}"


def _offset_text(offset: timedelta) -> str:
    """`+01:00` style, as an editor writes it after a start time."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _duration(it: _Item) -> int | None:
    if "duration" not in it.data:
        it.error(None, f'the session has no "duration"; {_DURATION_HINT}')
        return None
    value, raw = it.data["duration"], it.data.raw.get("duration")
    # Judge the text as written: YAML 1.1 reads 1:30 as 90 and 010 as 8.
    if (raw is None or it.data.quoted.get("duration") or not _MINUTES.fullmatch(raw)
            or isinstance(value, bool) or value != int(raw)):
        it.error("duration", f'"duration" "{it.written("duration")}" is not a number of minutes; {_DURATION_HINT}')
        return None
    if not 1 <= value <= MAX_DURATION:
        it.error("duration", f'"duration" {value} must be between 1 and {MAX_DURATION} minutes (24 hours); {_DURATION_HINT}')
        return None
    return value


def _presenters(it: _Item) -> tuple[str, ...]:
    value = it.data.get("presenters", [])
    if value is None:
        return ()
    if not isinstance(value, list):
        it.error("presenters", '"presenters" must be a list of names, such as presenters: ["Dr Ana Pérez", "Dr Dan Milner"]')
        return ()
    lines = getattr(value, "lines", [it.data.line_of("presenters")] * len(value))
    names = []
    for name, line in zip(value, lines):
        if not isinstance(name, str) or not name.strip():
            it.failed = True
            it.diag.error(it.path, line, f'each presenter must be a name in quotes, such as "Dr Ana Pérez"; got "{name}"')
        else:
            names.append(name.strip())
    return tuple(names)


def _languages(it: _Item, configured: tuple[str, ...]) -> tuple[str, ...]:
    if "language" not in it.data:
        return configured[:1]
    value = it.data["language"]
    if isinstance(value, list):
        lines = getattr(value, "lines", [it.data.line_of("language")] * len(value))
        items = list(zip(value, lines, [None] * len(value)))
    else:
        items = [(value, it.data.line_of("language"), it.data.raw.get("language"))]
    codes: list[str] = []
    for code, line, raw in items:
        if isinstance(code, str) and code in configured:
            if code not in codes:
                codes.append(code)
            continue
        it.failed = True
        shown = raw if raw is not None else code
        hint = (" (YAML reads no, yes, on and off as true or false: put a code in quotes)"
                if isinstance(code, bool) else did_you_mean(str(code), configured))
        it.diag.error(it.path, line, f'"language" "{shown}" is not a configured language{hint}; '
                                     f'use {", ".join(configured)} or a list of them')
    if not items:
        it.error("language", f'"language" is an empty list; use {", ".join(configured)} or a list of them')
    return tuple(codes)


def _join_url(it: _Item) -> str | None:
    value = it.data.get("join_url")
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        it.error("join_url", f'"join_url" "{it.written("join_url")}" must be an absolute http(s) URL, '
                             "such as https://zoom.us/j/123456789")
        return None
    return value


def _status(it: _Item) -> str:
    value = it.data.get("status", "scheduled")
    if value not in STATUSES or not isinstance(value, str):
        written = it.written("status")
        it.error("status", f'"status" "{written}" is unknown{did_you_mean(written, STATUSES)}; '
                           f'use {", ".join(STATUSES)}')
        return "scheduled"
    return value


def _load_texts(folder: Path, ids: set[str], config: Config,
                diag: Diagnostics) -> dict[str, tuple[SessionText, ...]]:
    """Read `<id>.<lang>.md` files of a calendar's `sessions/` folder, by session id."""
    found: dict[str, list[SessionText]] = {}
    if not folder.is_dir():
        return {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or path.suffix != ".md":
            continue  # images and other assets may sit next to the texts
        parts = path.name[:-3].rsplit(".", 1)
        if len(parts) != 2:
            diag.error(path, 0, f'name the session text <id>.<lang>.md, such as {path.stem}.{config.languages[0]}.md')
            continue
        session_id, lang = parts
        if lang not in config.languages:
            diag.error(path, 0, f'unknown language "{lang}" in the file name{did_you_mean(lang, config.languages)}; '
                                f'configured: {", ".join(config.languages)}')
            continue
        if session_id not in ids:
            diag.error(path, 0, f'no session "{session_id}" in {CALENDAR_NAME}{did_you_mean(session_id, sorted(ids))}; '
                                "rename the file after a session id")
            continue
        text = _read_text_file(path, lang, diag)
        if text is not None:
            found.setdefault(session_id, []).append(text)
    order = {code: i for i, code in enumerate(config.languages)}
    return {k: tuple(sorted(v, key=lambda t: order[t.lang])) for k, v in found.items()}


def _read_text_file(path: Path, lang: str, diag: Diagnostics) -> SessionText | None:
    read = read_markdown(path, diag)
    if read is None:
        return None
    meta, body, body_line = read
    for key in meta:
        if key not in TEXT_KEYS:
            diag.warn(path, meta.line_of(key), f'unknown key "{key}"{did_you_mean(key, TEXT_KEYS)}; '
                                               "a session text may set only title and summary")
    values: dict[str, str | None] = {}
    for key in TEXT_KEYS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            diag.error(path, meta.line_of(key), f'"{key}" must be text in this file\'s language; put it in quotes')
            return None
        values[key] = value
    return SessionText(lang, path, values["title"], values["summary"], body, body_line)


def _finish(draft: dict[str, Any], texts: tuple[SessionText, ...], programme: str, path: Path,
            config: Config, diag: Diagnostics) -> Session | None:
    """Merge a draft with its texts into a Session, or None when anything was wrong."""
    it: _Item | None = draft.get("item")
    if it is None:
        return None
    title = _merged(draft["title"], texts, "title")
    summary = _merged(draft["summary"], texts, "summary")
    default = config.languages[0]
    for key, value in (("title", title), ("summary", summary)):
        if value.values and not value.has(default):
            it.error(key, f'"{key}" has no text in the default language "{default}"; add {default}: "…"')
    if it.failed:
        return None
    return Session(
        id=draft["id"], programme=programme, start=draft["start"], duration=draft["duration"],
        title=title, summary=summary, presenters=draft["presenters"], languages=draft["languages"],
        join_url=draft["join_url"], status=draft["status"], source=path, line=draft["line"], texts=texts,
    )


def _merged(value: Text, texts: tuple[SessionText, ...], key: str) -> Text:
    """`value` with the per-language overrides of the session texts' front matter."""
    overrides = {t.lang: getattr(t, key) for t in texts if getattr(t, key) is not None}
    if not overrides:
        return value
    kept = tuple((code, v) for code, v in value.values if code not in overrides)
    return Text(kept + tuple(overrides.items()))


# ---------------------------------------------------------------------------
# What pages show


def city_times(session: Session, config: Config, lang: str) -> list[CityTime]:
    """The session's start in every configured city, localized for `lang`."""
    locale = parse_locale(lang)
    local_date = session.start.date()
    result = []
    for city in config.cities:
        when = session.start_utc.astimezone(city.timezone)
        shift = (when.date() - local_date).days
        result.append(CityTime(
            name=city.name.get(lang, config.languages),
            zone=city.timezone.key,
            time=babel_dates.format_time(when, "short", tzinfo=city.timezone, locale=locale),
            date=babel_dates.format_skeleton("MMMEd", when, tzinfo=city.timezone, locale=locale) if shift else None,
            day_shift=shift,
            offset=utc_offset_label(when),
            when=when,
        ))
    return result


def utc_offset_label(when: datetime) -> str:
    """The UTC offset of an aware datetime as "UTC−5", "UTC+6:30" or "UTC+0"."""
    minutes = int(when.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    sign = "\u2212" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_when(session: Session, lang: str) -> dict[str, Any]:
    """The session's date, times, zone and duration, localized by Babel for `lang`.

    Keys: date ("Thursday, September 2, 2021"), time ("9:00 – 10:30 AM"), start_time,
    end_time, datetime (date and time joined by the locale's own pattern), zone
    ("Colombia Time"), zone_name ("Colombia Standard Time", right for the date),
    offset ("UTC−5"), duration ("1 hr 30 min"), duration_long ("1 hour, 30 minutes"),
    minutes (90), start_iso and end_iso (with offset, for <time datetime>).
    """
    locale = parse_locale(lang)
    zone, start, end = session.zone, session.start, session.end
    day = babel_dates.format_date(start, "full", locale=locale)
    interval = babel_dates.format_interval(start, end, _hour_skeleton(locale), tzinfo=zone, locale=locale)
    return {
        "date": day,
        "time": interval,
        "start_time": babel_dates.format_time(start, "short", tzinfo=zone, locale=locale),
        "end_time": babel_dates.format_time(end, "short", tzinfo=zone, locale=locale),
        "datetime": _combine(babel_dates.get_datetime_format("full", locale=locale), day, interval),
        "zone": babel_dates.get_timezone_location(zone, locale=locale),
        "zone_name": babel_dates.get_timezone_name(start, "long", locale=locale),
        "offset": utc_offset_label(start),
        "duration": duration_text(session.duration, lang),
        "duration_long": duration_text(session.duration, lang, long=True),
        "minutes": session.duration,
        "start_iso": start.isoformat(),
        "end_iso": end.isoformat(),
    }


@functools.lru_cache(maxsize=1024)
def duration_text(minutes: int, lang: str, long: bool = False) -> str:
    """A duration as hours and minutes in `lang`: "1 hr 30 min", "1 h 30 min", "45 min"."""
    # Not format_timedelta: it rounds to one unit, so 90 minutes becomes "2 hours".
    locale = parse_locale(lang)
    hours, rest = divmod(minutes, 60)
    length = "long" if long else "short"
    parts = []
    if hours:
        parts.append(babel_units.format_unit(hours, "duration-hour", length=length, locale=locale))
    if rest or not hours:
        parts.append(babel_units.format_unit(rest, "duration-minute", length=length, locale=locale))
    if len(parts) == 1:
        return parts[0]
    # Babel 2.x raises KeyError for list styles a locale defines only in part (es "unit").
    for style in (("unit", "standard") if long else ("unit-narrow", "unit-short", "standard")):
        try:
            return babel_lists.format_list(parts, style=style, locale=locale)
        except KeyError:
            continue
    return " ".join(parts)


def _hour_skeleton(locale: Any) -> str:
    """The interval skeleton matching the locale's own clock ("hm" for 12-hour, "Hm" for 24-hour)."""
    pattern = re.sub(r"'[^']*'", "", locale.time_formats["short"].pattern)
    hour = next((c for c in pattern if c in "hHkK"), "H")
    return f"{hour}m"


def _combine(pattern: Any, date_text: str, time_text: str) -> str:
    """Fill a CLDR date-time pattern ("{1}, {0}", maybe with 'quoted' literals)."""
    out, literal, chars = [], False, str(pattern)
    i = 0
    while i < len(chars):
        c = chars[i]
        if c == "'":
            if chars[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            literal = not literal
        elif not literal and chars[i:i + 3] in ("{0}", "{1}"):
            out.append(time_text if chars[i + 1] == "0" else date_text)
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------------------
# Add-to-calendar links and event data


def title_text(session: Session, lang: str, order: tuple[str, ...]) -> str:
    """The session's title in `lang`, else in the first language of `order` that has one."""
    return session.title.get(lang, order)


def summary_plain(session: Session, lang: str, order: tuple[str, ...]) -> str:
    """The session's summary in `lang` (with fallback) as plain text."""
    return plain_text(session.summary.get(lang, order)) if session.summary.values else ""


@functools.lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Markdown as readable plain text: link targets in brackets when absolute, no markup."""
    extractor = _PlainText()
    converter = _plain_markdown()
    extractor.feed(converter.reset().convert(source))
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@functools.lru_cache(maxsize=1)
def _plain_markdown() -> markdown.Markdown:
    """One Markdown instance for plain-text summaries (building one per call is slow)."""
    return markdown.Markdown()


class _PlainText(HTMLParser):
    """Collects the text of rendered Markdown, one paragraph per block."""

    _BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href if urlsplit(href).scheme in ("http", "https", "mailto") else None)
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            if href:
                self.parts.append(f" ({href.removeprefix('mailto:')})")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "")

    def handle_data(self, data: str) -> None:
        if data.strip() or "\n" not in data:  # skip the newlines between block tags
            self.parts.append(data)


def _details(session: Session, lang: str, order: tuple[str, ...], details_url: str) -> str:
    parts = [summary_plain(session, lang, order)]
    if session.presenters:
        parts.append(", ".join(session.presenters))
    if session.join_url:
        parts.append(session.join_url)
    parts.append(details_url)
    return "\n\n".join(p for p in parts if p)


def google_calendar_url(session: Session, lang: str, order: tuple[str, ...], details_url: str) -> str:
    """A Google Calendar "add event" link with the session's UTC times."""
    fmt = "%Y%m%dT%H%M%SZ"
    query = [
        ("action", "TEMPLATE"),
        ("text", title_text(session, lang, order)),
        ("dates", f"{session.start_utc:{fmt}}/{session.end_utc:{fmt}}"),
        ("details", _details(session, lang, order, details_url)),
        ("location", session.join_url or details_url),
    ]
    return "https://calendar.google.com/calendar/render?" + urlencode(query, safe="/:", quote_via=quote)


def outlook_url(session: Session, lang: str, order: tuple[str, ...], details_url: str) -> str:
    """An Outlook.com "add event" link with the session's UTC times."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    query = [
        ("path", "/calendar/action/compose"),
        ("rru", "addevent"),
        ("startdt", f"{session.start_utc:{fmt}}"),
        ("enddt", f"{session.end_utc:{fmt}}"),
        ("subject", title_text(session, lang, order)),
        ("body", _details(session, lang, order, details_url)),
        ("location", session.join_url or details_url),
    ]
    return "https://outlook.live.com/calendar/deeplink/compose?" + urlencode(query, safe="/:", quote_via=quote)


def event_jsonld(session: Session, lang: str, order: tuple[str, ...], config: Config,
                 page_url: str, description: str) -> dict[str, Any]:
    """schema.org `Event` data for a session page (serialize it with `tojson`)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title_text(session, lang, order),
        "startDate": session.start.isoformat(),
        "endDate": session.end.isoformat(),
        "eventAttendanceMode": _SCHEMA + "OnlineEventAttendanceMode",
        "eventStatus": _SCHEMA + _EVENT_STATUS[session.status],
        "location": {"@type": "VirtualLocation", "url": session.join_url or page_url},
        "inLanguage": session.languages[0] if len(session.languages) == 1 else list(session.languages),
        "url": page_url,
    }
    if description:
        data["description"] = description
    if config.organizer is not None:
        data["organizer"] = {"@type": "Organization", "name": config.organizer.name.get(lang, order),
                             "url": config.organizer.url or config.base_url}
    if session.presenters:
        data["performer"] = [{"@type": "Person", "name": name} for name in session.presenters]
    return data
