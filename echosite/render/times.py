"""Stage 6 (render): a session's times as pages show them, localized by Babel.

Dates, time ranges, zone names, UTC offsets and durations in the reader's
language, and the session's start in every configured city. Everything here
returns strings: templates never format a datetime themselves.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import units as babel_units

from ..config import Config
from ..sessions import Session
from ..text import parse_locale


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
    #: The start in the city's zone, ISO 8601 with its offset (for <time datetime>).
    iso: str


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
            iso=when.isoformat(),
        ))
    return result


def utc_offset_label(when: datetime) -> str:
    """The UTC offset of an aware datetime as "UTC−5", "UTC+6:30" or "UTC+0"."""
    minutes = int(when.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    sign = "\u2212" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_when(session: Session, lang: str) -> dict[str, str]:
    """The session's date, time range, zone and duration, localized by Babel for `lang`.

    Keys: date ("Thursday, September 2, 2021"), time ("9:00 – 10:30 AM"),
    zone_name ("Colombia Standard Time", right for the date), offset ("UTC−5"),
    duration ("1 hr 30 min") and start_iso (with offset, for <time datetime>).
    """
    locale = parse_locale(lang)
    zone, start, end = session.zone, session.start, session.end
    return {
        "date": babel_dates.format_date(start, "full", locale=locale),
        "time": babel_dates.format_interval(start, end, _hour_skeleton(locale), tzinfo=zone, locale=locale),
        "zone_name": babel_dates.get_timezone_name(start, "long", locale=locale),
        "offset": utc_offset_label(start),
        "duration": duration_text(session.duration, lang),
        "start_iso": start.isoformat(),
    }


def format_moment(when: datetime, lang: str) -> str:
    """A date and time with its zone, localized: "Thursday, October 28, 2021, 9:00 AM Colombia Standard Time"."""
    locale = parse_locale(lang)
    # Babel's own way of joining a date and a time (format_datetime does the same for its named formats).
    return (babel_dates.get_datetime_format("full", locale=locale).replace("'", "")
            .replace("{1}", babel_dates.format_date(when, "full", locale=locale))
            .replace("{0}", babel_dates.format_time(when, "short", tzinfo=when.tzinfo, locale=locale))
            + f" ({babel_dates.get_timezone_name(when, 'long', locale=locale)})")


@functools.lru_cache(maxsize=1024)
def duration_text(minutes: int, lang: str) -> str:
    """A duration as hours and minutes in `lang`: "1 hr 30 min", "1 h 30 min", "45 min"."""
    # Not format_timedelta: it rounds to one unit, so 90 minutes becomes "2 hours".
    locale = parse_locale(lang)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(babel_units.format_unit(hours, "duration-hour", length="short", locale=locale))
    if rest or not hours:
        parts.append(babel_units.format_unit(rest, "duration-minute", length="short", locale=locale))
    if len(parts) == 1:
        return parts[0]
    # Babel 2.x raises KeyError for list styles a locale defines only in part.
    for style in ("unit-narrow", "unit-short", "standard"):
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
