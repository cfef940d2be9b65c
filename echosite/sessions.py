"""Stage 3: session calendars.

Read each programme's `sessions.yaml` (and its `sessions/<id>.<lang>.md` texts) into
immutable `Session`s, checking every instant against daylight-saving changes. How a
session is shown (localized times, calendar links, iCalendar files) is the render
stage's business (`render/times.py`, `render/events.py`, `render/ics.py`).
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .config import Config
from .content import CALENDAR_FILE, SESSION_TEXTS
from .errors import Diagnostics, did_you_mean
from .source import ParseMemo, YamlMap, load_yaml, read_markdown, read_text
from .text import Text, load_zone, parse_text

CALENDAR_KEYS = ("timezone", "sessions")
SESSION_KEYS = ("id", "start", "previous_start", "duration", "title", "summary", "presenters",
                "timezone", "language", "join_url", "status", "recording", "materials")
TEXT_KEYS = ("title", "summary")
#: Front matter of `sessions/<id>.<lang>.md`: overrides, and `translated_from` (written by `i18n reviewed`).
SESSION_TEXT_KEYS = (*TEXT_KEYS, "translated_from")
PRESENTER_KEYS = ("name", "role", "affiliation")
LINK_KEYS = ("url", "file", "label")
STATUSES = ("scheduled", "cancelled", "postponed")
MAX_DURATION = 24 * 60

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_START = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?: ?([+-])(\d{2}):(\d{2}))?")
_MINUTES = re.compile(r"0|[1-9][0-9]*")
_START_HINT = "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00"
_DURATION_HINT = "write whole minutes, e.g. duration: 90"


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
    #: Fingerprint of the default language's text this translation was last reviewed against (`i18n reviewed`).
    translated_from: str | None = None


@dataclass(frozen=True)
class Presenter:
    """A person presenting a session. Each part may differ by language (honorifics: "Dr", "Dra.")."""

    name: Text
    #: Such as "Chief Medical Officer"; may be empty.
    role: Text = Text(())
    #: Such as "American Society for Clinical Pathology (ASCP)"; may be empty.
    affiliation: Text = Text(())


@dataclass(frozen=True)
class SessionLink:
    """What a session leaves behind: its recording, or a material (slides, a handout)."""

    #: An absolute http(s) URL, or the site path of a file beside the session texts
    #: (`/programmes/pathology/sessions/slides.pdf`, published with the site).
    url: str
    #: What the link says, per language; empty for the page's own word ("Recording").
    label: Text = Text(())

    @property
    def is_file(self) -> bool:
        return self.url.startswith("/")


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
    #: The people presenting it, in the order written.
    presenters: tuple[Presenter, ...]
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
    #: The starts announced before this one (`previous_start:`), oldest first: the session moved.
    previous_start: tuple[datetime, ...] = ()
    #: Lines of the title and summary in `source`: ("title", 14), ("summary", 15).
    text_lines: tuple[tuple[str, int], ...] = ()
    #: The recording, shown once the session is over.
    recording: SessionLink | None = None
    #: Slides, handouts and other materials, shown once the session is over.
    materials: tuple[SessionLink, ...] = ()

    def line_of(self, key: str) -> int:
        """The line of `key` (title, summary) in `source`; the session's own line if not written there."""
        return dict(self.text_lines).get(key, self.line)

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE: 2 per move, 1 more while cancelled or postponed.

        Why: it must grow with every change calendar apps have to take over an imported
        copy. A move after a postponement (1 -> 2) and a cancellation after a move (2 -> 3)
        both raise it; only restoring a cancelled session without moving it would lower it.
        """
        return 2 * len(self.previous_start) + (self.status != "scheduled")

    @property
    def zone(self) -> ZoneInfo:
        """The session's own time zone."""
        return self.start.tzinfo  # type: ignore[return-value]

    @functools.cached_property
    def start_utc(self) -> datetime:
        """The start as a UTC datetime (worked out once: a session is sorted by it in every build)."""
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

    def text_for(self, lang: str, order: tuple[str, ...]) -> SessionText | None:
        """The longer text the `lang` page shows: its own, else the first of `order` that has one
        (a file may only set the title or summary)."""
        return next((t for code in (lang, *order) if (t := self.text(code)) and t.body.strip()), None)

    def missing(self, lang: str) -> tuple[str, ...]:
        """What the session lacks in `lang` ("title", "summary", "text"): its `lang` page borrows
        those from another language (a fallback, like a page without its translation). Worked
        out once per language: a session is immutable, and every page and the sitemap ask."""
        known = self.__dict__.setdefault("_missing", {})
        if lang not in known:
            known[lang] = tuple(key for key, lacks in (
                ("title", not self.title.has(lang)),
                ("summary", bool(self.summary.values) and not self.summary.has(lang)),
                ("text", self.text_for(lang, ()) is None and any(t.body.strip() for t in self.texts))) if lacks)
        return known[lang]


def load_calendar(path: Path, programme: str, config: Config, diag: Diagnostics,
                  memo: ParseMemo | None = None) -> tuple[Session, ...]:
    """Read a programme's `sessions.yaml` and session texts, recording every mistake.

    Returns the valid sessions sorted by (start_utc, id). Ids are checked for
    uniqueness across the site by `check_unique_ids`, not here.
    """
    text = read_text(path, diag)
    if text is None:
        return ()
    before = len(diag.problems)
    data = load_yaml(text, path, diag, memo=memo)
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
    files = f"/{programme.removesuffix('index')}{SESSION_TEXTS}/"  # site path of the session texts' folder
    drafts = [_read_session(item, line, path, zone, config, diag, files) for item, line in zip(items, lines)]
    ids = {d["id"] for d in drafts if d.get("id")}
    texts = _load_texts(path.parent / SESSION_TEXTS, ids, config, diag, memo)
    sessions = []
    for draft in drafts:
        session = _finish(draft, texts.get(draft.get("id"), ()), programme, path, config, diag)
        if session is not None:
            sessions.append(session)
    return tuple(sorted(sessions, key=lambda s: (s.start_utc, s.id)))


def load_calendars(calendars: Iterable[tuple[str, Path]], config: Config, diag: Diagnostics,
                   memo: ParseMemo | None = None) -> tuple[Session, ...]:
    """Every programme calendar (programme page key, `sessions.yaml`), ids unique across the site."""
    sessions = [s for programme, path in calendars for s in _remembered(path, programme, config, diag, memo)]
    check_unique_ids(sessions, diag)
    return tuple(sorted(sessions, key=lambda s: (s.start_utc, s.id)))


def _remembered(path: Path, programme: str, config: Config, diag: Diagnostics,
                memo: ParseMemo | None) -> tuple[Session, ...]:
    """`load_calendar`, or what it read last time when the calendar, its texts and the config are unchanged."""
    texts = path.parent / SESSION_TEXTS
    try:
        with os.scandir(texts) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:  # no texts folder (or not a folder)
        entries = []
    # Only plain files: a link's target, or a folder where a text should be, is checked every time.
    plain = memo is not None and not path.is_symlink() and not texts.is_symlink() and all(
        e.is_file(follow_symlinks=False) for e in entries)
    key = memo.file_key(path, *(e.path for e in entries)) if plain else None
    if key is None:
        return load_calendar(path, programme, config, diag, memo)
    return memo.reading(("calendar", key, programme, repr(config)), diag,
                        lambda d: load_calendar(path, programme, config, d, memo), lasting=True)


def unrecorded_moves(sessions: Iterable[Session], last: dict[str, str], diag: Diagnostics) -> dict[str, str]:
    """Warn about each session whose start changed since the last build (`last`: id -> UTC start)
    without `previous_start` saying so; return the starts to remember.

    A session warned about keeps its old start in the record, so the warning repeats
    until the move is recorded (or undone).
    """
    remembered = dict(last)  # a session removed for now keeps its start, should it come back
    for session in sessions:
        now, before = session.start_utc.isoformat(), last.get(session.id)
        recorded = {when.astimezone(timezone.utc).isoformat() for when in session.previous_start}
        if before is None or before == now or before in recorded:
            remembered[session.id] = now
            continue
        old = datetime.fromisoformat(before).astimezone(session.zone)
        earlier = ", ".join(f"{when:%Y-%m-%d %H:%M}" for when in (*session.previous_start, old))
        diag.warn(session.source, session.line,
                  f'session "{session.id}" started at {old:%Y-%m-%d %H:%M} in the last build and now at '
                  f"{session.start:%Y-%m-%d %H:%M}; calendar apps that imported it keep the old time until the "
                  f"move is recorded: add previous_start: [{earlier}] to the session")
    return remembered


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
                  diag: Diagnostics, files: str) -> dict[str, Any]:
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
    draft["previous_start"] = _previous_starts(it, zone, draft["start"]) if zone is not None else ()
    draft["duration"] = _duration(it)
    draft["presenters"] = _presenters(it, config.languages)
    draft["languages"] = _languages(it, config.languages)
    draft["join_url"] = _join_url(it)
    draft["status"] = _status(it)
    draft["recording"] = _link(it, it.data["recording"], it.data.line_of("recording"), "recording", config, files) \
        if it.data.get("recording") is not None else None
    draft["materials"] = _materials(it, config, files)
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
    written = it.written("start").strip() if it.data.raw.get("start") is not None else None
    return _instant(written, it.written("start").strip(), zone, "start", lambda message: it.error("start", message))


def _previous_starts(it: _Item, zone: ZoneInfo, start: datetime | None) -> tuple[datetime, ...]:
    """`previous_start`: the times a moved session was announced for before, oldest first."""
    if "previous_start" not in it.data:
        return ()
    value = it.data["previous_start"]
    if isinstance(value, list):
        lines = getattr(value, "lines", [it.data.line_of("previous_start")] * len(value))
        items = [(str(v) if isinstance(v, str) else None, str(v), line) for v, line in zip(value, lines)]
    else:
        raw = it.data.raw.get("previous_start")
        items = [(raw, it.written("previous_start"), it.data.line_of("previous_start"))]
    found: list[datetime] = []
    for written, shown, line in items:
        def fail(message: str, line: int = line) -> None:
            it.failed = True
            it.diag.error(it.path, line, message)
        when = _instant(written.strip() if written else None, shown, zone, "previous_start", fail)
        if when is None:
            continue
        if when == start or when in found:
            problem = "is the session's start" if when == start else "is listed twice"
            fail(f'"previous_start" {shown} {problem}; list each earlier start once, oldest first')
        found.append(when)
    if not items:
        it.error("previous_start", '"previous_start" is an empty list; remove it, or list the earlier starts')
    return tuple(found)


def _instant(written: str | None, shown: str, zone: ZoneInfo, key: str,
             fail: Callable[[str], None]) -> datetime | None:
    """A `YYYY-MM-DD HH:MM [+HH:MM]` text as an instant in `zone`; None after `fail(message)`."""
    match = _START.fullmatch(written) if written is not None else None
    if not match:
        fail(f'"{key}" "{shown}" is not a date and time; {_START_HINT}')
        return None
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    try:
        wall = datetime(year, month, day)
    except ValueError as exc:
        fail(f'"{key}" "{written}" is not a valid date ({exc}); check the day and month')
        return None
    if hour > 23 or minute > 59:
        fail(f'"{key}" "{written}" is not a valid time; hours go from 00 to 23 and minutes from 00 to 59')
        return None
    wall = wall.replace(hour=hour, minute=minute)
    offset = None
    if match.group(6):
        sign = 1 if match.group(6) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(7)), minutes=int(match.group(8)))
    return _resolve(wall, zone, offset, key, fail)


def _resolve(wall: datetime, zone: ZoneInfo, offset: timedelta | None, key: str,
             fail: Callable[[str], None]) -> datetime | None:
    """The instant a wall time means in `zone`, refusing skipped and unresolved repeated times."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    when = f"{wall:%Y-%m-%d %H:%M}"
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != wall:  # zoneinfo silently moves a time inside a gap: the wall time does not exist
        jump_from, jump_to = _clock_change(zone, wall, first.utcoffset(), second.utcoffset())
        fail(f'"{key}" {when} does not exist in {zone.key}: the clocks jump from {jump_from} '
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
            fail(f'"{key}" {when} happens twice in {zone.key}: the clocks go back from {jump_from} '
                 f"to {jump_to} that night; add the UTC offset of the one you mean: {choices}")
        else:
            fail(f'"{key}" offset {_offset_text(offset)} matches neither {when} in {zone.key}; write {choices}')
        return None
    if offset is not None and offset != earlier:
        fail(f'"{key}" offset {_offset_text(offset)} does not match {zone.key}, which is at '
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


def _list(it: _Item, key: str, message: str) -> list[tuple[Any, int]]:
    """The items of the list under `key`, each with its line; none when it is absent (or null),
    and `message` as an error when it is not a list."""
    value = it.data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        it.error(key, message)
        return []
    return list(zip(value, getattr(value, "lines", [it.data.line_of(key)] * len(value))))


_PRESENTER_HINT = ('such as presenters: ["Dr Dan Milner", {name: {en: "Dr Laura Méndez", es: "Dra. Laura Méndez"}, '
                   'role: "Pathologist", affiliation: "ASCP"}]')


def _presenters(it: _Item, languages: tuple[str, ...]) -> tuple[Presenter, ...]:
    """Each presenter: a name in quotes, or {name, role, affiliation}, each text or one per language."""
    people = []
    for item, line in _list(it, "presenters", f'"presenters" must be a list of people, {_PRESENTER_HINT}'):
        if isinstance(item, YamlMap):
            person = _presenter(it, item, languages)
            if person is not None:
                people.append(person)
        elif isinstance(item, str) and item.strip():
            people.append(Presenter(Text.plain(item.strip())))
        else:
            it.failed = True
            it.diag.error(it.path, line, f'each presenter must be a name in quotes or a mapping with a name, '
                                         f'{_PRESENTER_HINT}; got "{item}"')
    return tuple(people)


def _presenter(it: _Item, item: YamlMap, languages: tuple[str, ...]) -> Presenter | None:
    for key in item:
        if key not in PRESENTER_KEYS:
            it.diag.warn(it.path, item.line_of(key), f'unknown presenter key "{key}"'
                                                     f'{did_you_mean(str(key), PRESENTER_KEYS)}; it is ignored')
    if "name" not in item:
        it.failed = True
        it.diag.error(it.path, item.line, f'a presenter needs a name, {_PRESENTER_HINT}')
        return None
    parts = {}
    for key in PRESENTER_KEYS:
        if key in item:
            text = parse_text(item[key], it.path, item.line_of(key), f"presenter {key}", languages, it.diag)
            if text is None or not all(v.strip() for _, v in text.values):
                it.failed = True
                if text is not None:
                    it.diag.error(it.path, item.line_of(key), f'the presenter\'s {key} is empty; write it or remove it')
                return None
            parts[key] = Text(tuple((code, v.strip()) for code, v in text.values))
    return Presenter(**parts)


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
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # such as "https://[zoom.example": a bracket opens an IPv6 address
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        it.error("join_url", f'"join_url" "{it.written("join_url")}" must be an absolute http(s) URL, '
                             "such as https://zoom.us/j/123456789")
        return None
    return value


_LINK_HINT = ('such as https://example.org/recording, a file beside the session texts such as slides.pdf, '
              'or {file: slides.pdf, label: {en: "Slides", es: "Diapositivas"}}')


def _materials(it: _Item, config: Config, files: str) -> tuple[SessionLink, ...]:
    found = [_link(it, item, line, "materials", config, files)
             for item, line in _list(it, "materials", f'"materials" must be a list of links, {_LINK_HINT}')]
    return tuple(link for link in found if link is not None)


def _link(it: _Item, value: Any, line: int, key: str, config: Config, files: str) -> SessionLink | None:
    """A recording or material: a URL or a file name (text), or {url or file, label}."""
    label = Text(())
    if isinstance(value, YamlMap):
        for name in value:
            if name not in LINK_KEYS:
                it.diag.warn(it.path, value.line_of(name), f'unknown key "{name}" in {key}'
                                                           f'{did_you_mean(str(name), LINK_KEYS)}; it is ignored')
        given = [name for name in ("url", "file") if name in value]
        if len(given) != 1:
            it.failed = True
            it.diag.error(it.path, value.line, f'each of {key} needs either a url or a file, {_LINK_HINT}')
            return None
        if "label" in value:
            label = parse_text(value["label"], it.path, value.line_of("label"), f"{key} label", config.languages,
                               it.diag, warn_missing=True)
            if label is None:
                it.failed = True
                return None
        line, kind, target = value.line_of(given[0]), given[0], value[given[0]]
    elif isinstance(value, str):
        kind, target = ("url" if _is_web_address(value) else "file"), value
    else:
        it.failed = True
        it.diag.error(it.path, line, f'{key} must be a link in quotes or a mapping, {_LINK_HINT}')
        return None
    if kind == "url":
        if isinstance(target, str) and _is_web_address(target):
            return SessionLink(target, label)
        message = f'the {key} url "{target}" must be an absolute http(s) URL'
    else:
        folder = it.path.parent / SESSION_TEXTS
        if (isinstance(target, str) and target.strip() and "/" not in target and target not in (".", "..")
                and (folder / target).is_file() and not target.endswith(".md")):
            return SessionLink(files + target, label)
        message = (f'the {key} file "{target}" is not a file in the {SESSION_TEXTS}/ folder beside this '
                   f"{CALENDAR_FILE}; put it there, beside the session texts, and give its name (not a .md file)")
    it.failed = True
    it.diag.error(it.path, line, f"{message}; {_LINK_HINT}")
    return None


def _is_web_address(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # such as an unclosed [ in the host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _status(it: _Item) -> str:
    value = it.data.get("status", "scheduled")
    if value not in STATUSES or not isinstance(value, str):
        written = it.written("status")
        it.error("status", f'"status" "{written}" is unknown{did_you_mean(written, STATUSES)}; '
                           f'use {", ".join(STATUSES)}')
        return "scheduled"
    return value


def _load_texts(folder: Path, ids: set[str], config: Config, diag: Diagnostics,
                memo: ParseMemo | None) -> dict[str, tuple[SessionText, ...]]:
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
            diag.error(path, 0, f'no session "{session_id}" in {CALENDAR_FILE}{did_you_mean(session_id, sorted(ids))}; '
                                "rename the file after a session id")
            continue
        text = _read_text_file(path, lang, diag, memo)
        if text is not None:
            found.setdefault(session_id, []).append(text)
    order = {code: i for i, code in enumerate(config.languages)}
    return {k: tuple(sorted(v, key=lambda t: order[t.lang])) for k, v in found.items()}


def _read_text_file(path: Path, lang: str, diag: Diagnostics, memo: ParseMemo | None) -> SessionText | None:
    read = read_markdown(path, diag, memo)
    if read is None:
        return None
    meta, body, body_line = read
    for key in meta:
        if key not in SESSION_TEXT_KEYS:
            diag.warn(path, meta.line_of(key), f'unknown key "{key}"{did_you_mean(key, SESSION_TEXT_KEYS)}; '
                                               "a session text may set only title and summary")
    values: dict[str, str | None] = {}
    for key in SESSION_TEXT_KEYS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            diag.error(path, meta.line_of(key), f'"{key}" must be text in this file\'s language; put it in quotes')
            return None
        values[key] = value
    return SessionText(lang, path, values["title"], values["summary"], body, body_line, values["translated_from"])


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
    session = Session(
        id=draft["id"], programme=programme, start=draft["start"], previous_start=draft["previous_start"],
        duration=draft["duration"],
        title=title, summary=summary, presenters=draft["presenters"], languages=draft["languages"],
        join_url=draft["join_url"], status=draft["status"], source=path, line=draft["line"], texts=texts,
        text_lines=tuple((key, it.data.line_of(key)) for key in TEXT_KEYS if key in it.data),
        recording=draft["recording"], materials=draft["materials"],
    )
    _warn_untranslated(session, config.languages, diag)
    return session


def _warn_untranslated(session: Session, languages: tuple[str, ...], diag: Diagnostics) -> None:
    """One warning per piece (title, summary, longer text) a language lacks: its page borrows it."""
    for lang in languages:
        for key in session.missing(lang):
            if key == "text":
                shown = session.text_for(lang, languages)
                if not diag.failed(shown.path.with_name(f"{session.id}.{lang}.md")):  # else its error says so
                    diag.warn(shown.path, 1, f'no {lang} text: the {lang} page of session "{session.id}" shows '
                              f"this {shown.lang} text; translate it as {session.id}.{lang}.md")
                continue
            value: Text = getattr(session, key)
            diag.warn(session.source, session.line_of(key), f'"{key}" has no {lang} text: {lang} pages show the '
                      f'{value.lang_of(lang, languages)} text; add {lang}: "…"')


def _merged(value: Text, texts: tuple[SessionText, ...], key: str) -> Text:
    """`value` with the per-language overrides of the session texts' front matter."""
    overrides = {t.lang: getattr(t, key) for t in texts if getattr(t, key) is not None}
    if not overrides:
        return value
    kept = tuple((code, v) for code, v in value.values if code not in overrides)
    return Text(kept + tuple(overrides.items()))
