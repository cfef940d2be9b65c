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
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import units as babel_units

from ..config import Config
from ..sessions import Session
from ..text import parse_locale


@dataclass(frozen=True)
class CityTime:
    """A session's start and end as seen in one configured city."""

    #: City name in the requested language.
    name: str
    #: IANA key of the city's zone, such as Asia/Yangon.
    zone: str
    #: "participant" or "expert" (the city's `role` in the config).
    role: str
    #: Localized start time, such as "9:00 PM" or "21:00".
    time: str
    #: Localized short date ("Fri, Sep 3"), only where the city's date differs from the headline's
    #: (the date in the site's reference zone); else None.
    date: str | None
    #: Days between the city's date and the headline's date (-1, 0 or +1).
    day_shift: int
    #: Localized end time.
    end: str
    #: Localized short date of the end, only where it is not the city's start date; else None.
    end_date: str | None
    #: UTC offset at the start, such as "UTC−5" or "UTC+6:30".
    offset: str
    #: The start in the city's zone, ISO 8601 with its offset (for <time datetime>).
    iso: str


def city_times(session: Session, config: Config, lang: str) -> list[CityTime]:
    """The session's start and end in every configured city, localized for `lang`."""
    locale = parse_locale(lang)
    headline_date = session.start_utc.astimezone(config.timezone).date()
    result = []
    for city in config.cities:
        when, until = session.start_utc.astimezone(city.timezone), session.end_utc.astimezone(city.timezone)
        shift = (when.date() - headline_date).days
        result.append(CityTime(
            name=city.name.get(lang, config.languages),
            zone=city.timezone.key,
            role=city.role,
            time=babel_dates.format_time(when, "short", tzinfo=city.timezone, locale=locale),
            date=_short_date(when, locale) if shift else None,
            day_shift=shift,
            end=babel_dates.format_time(until, "short", tzinfo=city.timezone, locale=locale),
            end_date=_short_date(until, locale) if until.date() != when.date() else None,
            offset=utc_offset_label(when),
            iso=when.isoformat(),
        ))
    return result


def _short_date(when: datetime, locale: Any) -> str:
    return babel_dates.format_skeleton("MMMEd", when, tzinfo=when.tzinfo, locale=locale)


@functools.lru_cache(maxsize=256)
def zone_label(zone: str, lang: str) -> str:
    """A time zone named after its city in the locale's own words: "Bogotá Time", "hora de Bogotá".

    UTC (or Etc/UTC), the one accepted zone that is no place's, is simply "UTC".
    """
    if zone.removeprefix("Etc/") == "UTC":
        return "UTC"
    locale = parse_locale(lang)
    city = babel_dates.get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True)
    return locale.zone_formats["region"] % city


def utc_offset_label(when: datetime) -> str:
    """The UTC offset of an aware datetime as "UTC−5", "UTC+6:30" or "UTC+0"."""
    minutes = int(when.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    sign = "\u2212" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_when(session: Session, lang: str, zone: ZoneInfo) -> dict[str, str]:
    """The session's date, time range and duration in `zone`, localized by Babel for `lang`.

    Keys: date ("Thursday, September 2, 2021"), time ("9:00 – 10:30 AM"),
    zone ("Bogotá Time", `zone_label`), offset ("UTC−5", right for the date),
    duration ("1 hr 30 min") and start_iso (with offset, for <time datetime>).
    """
    locale = parse_locale(lang)
    start, end = session.start_utc.astimezone(zone), session.end_utc.astimezone(zone)
    return {
        "date": babel_dates.format_date(start, "full", locale=locale),
        "time": babel_dates.format_interval(start, end, _hour_skeleton(locale), tzinfo=zone, locale=locale),
        "zone": zone_label(zone.key, lang),
        "offset": utc_offset_label(start),
        "duration": duration_text(session.duration, lang),
        "start_iso": start.isoformat(),
    }


def format_moment(when: datetime, lang: str, zone: ZoneInfo) -> str:
    """A date and time in `zone`, named, localized: "Thursday, October 28, 2021, 9:00 AM (Bogotá Time)"."""
    locale = parse_locale(lang)
    when = when.astimezone(zone)
    # Babel's own way of joining a date and a time (format_datetime does the same for its named formats).
    return (babel_dates.get_datetime_format("full", locale=locale).replace("'", "")
            .replace("{1}", babel_dates.format_date(when, "full", locale=locale))
            .replace("{0}", babel_dates.format_time(when, "short", tzinfo=when.tzinfo, locale=locale))
            + f" ({zone_label(zone.key, lang)})")


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
    return f"{_hour_letter(locale)}m"


def _hour_letter(locale: Any) -> str:
    pattern = re.sub(r"'[^']*'", "", locale.time_formats["short"].pattern)
    return next((c for c in pattern if c in "hHkK"), "H")


@functools.lru_cache(maxsize=64)
def hour_cycle(lang: str) -> str:
    """The locale's clock as an `Intl.DateTimeFormat` hourCycle ("h12", "h23"), so scripts write times like Babel."""
    return {"h": "h12", "H": "h23", "k": "h24", "K": "h11"}[_hour_letter(parse_locale(lang))]
