"""Translatable values, time zones, language codes and locale names shared by every stage."""
from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import babel
from babel.core import get_global
from babel.core import get_global

from .errors import Diagnostics, did_you_mean

# Use the pinned tzdata package, never the machine's zone files, so that every
# machine computes the same instants and the output stays byte-identical.
zoneinfo.reset_tzpath(to=[])

ANY = "*"


@dataclass(frozen=True)
class Text:
    """A value written once for every language, or per language code."""

    values: tuple[tuple[str, str], ...]

    @classmethod
    def plain(cls, value: str) -> "Text":
        return cls(((ANY, value),))

    def has(self, lang: str) -> bool:
        """Whether the editor wrote this value for `lang` (or for every language)."""
        return any(code in (lang, ANY) for code, _ in self.values)

    def get(self, lang: str, order: tuple[str, ...] = ()) -> str:
        """The value in `lang`, else in the first language of `order` that has one."""
        found = dict(self.values)
        for code in (lang, ANY, *order):
            if code in found:
                return found[code]
        return self.values[0][1] if self.values else ""

    def lang_of(self, lang: str, order: tuple[str, ...] = ()) -> str:
        """The language the value returned by `get(lang, order)` is written in."""
        found = dict(self.values)
        for code in (lang, ANY, *order):
            if code in found:
                return lang if code == ANY else code
        return lang


def parse_text(value: Any, path: Path, line: int, key: str, languages: tuple[str, ...],
               diag: Diagnostics, warn_missing: bool = False) -> Text | None:
    """Read a translatable value: a string, or a mapping of language code to string.

    With `warn_missing`, a mapping that lacks a configured language is a warning
    (that language's pages show the value in another language).
    """
    if isinstance(value, str):
        return Text.plain(value)
    if isinstance(value, dict):
        if warn_missing:
            _warn_missing(value, path, line, key, languages, diag)
        values = []
        for code, item in value.items():
            item_line = getattr(value, "lines", {}).get(code, line)
            if code not in languages:
                diag.error(path, item_line, f'"{key}" has unknown language "{code}"'
                           f'{did_you_mean(code, languages)}; configured: {", ".join(languages)}')
            elif not isinstance(item, str):
                diag.error(path, item_line, f'"{key}.{code}" must be text; put it in quotes')
            else:
                values.append((code, item))
        return Text(tuple(values)) if len(values) == len(value) else None
    diag.error(path, line, f'"{key}" must be text, or a mapping of language code to text '
               '(en: "…", es: "…"); put it in quotes')
    return None


def _warn_missing(value: dict, path: Path, line: int, key: str, languages: tuple[str, ...],
                  diag: Diagnostics) -> None:
    written = [code for code in languages if code in value]
    if not written:
        return  # only unknown codes: each is an error already
    for lang in languages:
        if lang not in value:
            diag.warn(path, line, f'"{key}" has no {lang} text: {lang} pages show the {written[0]} text; '
                      f'add {lang}: "…"')


def load_zone(name: Any, path: Path, line: int, diag: Diagnostics) -> zoneinfo.ZoneInfo | None:
    """The region time zone called `name` (such as Europe/Paris), or None with an error.

    Only region zones follow a place's clock through its daylight-saving changes; the one
    other clock accepted is UTC itself, the world's reference, which names no place and so
    cannot be mistaken for one. Abbreviations (CEST, EST), fixed offsets (GMT+1, Etc/GMT-3)
    and legacy names (EST5EDT, US/Eastern) are refused, with the region zones they may mean.
    """
    if not isinstance(name, str) or not name:
        diag.error(path, line, "the time zone must be a region zone such as America/Bogota")
        return None
    if name in _WORLD_CLOCK or _REGION.fullmatch(name):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    diag.error(path, line, _zone_advice(name))
    return None


#: UTC under the names the zone database gives it, spelled as most people write it.
_WORLD_CLOCK = ("UTC", "Etc/UTC")
#: Region zones are named Area/Location; other names in the zone database are abbreviations,
#: fixed offsets or legacy names.
_REGION = re.compile(r"(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
                     r"/[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")
_OFFSET = re.compile(r"(Etc/)?(?:UTC|GMT|UT|UCT|Z|Zulu)?([+-])(\d{1,2})(?::?(\d{2}))?|(?:Etc/)?(?:UTC|UCT|Zulu|Z)")
#: Instants at which zones are compared: the 1st and 15th of every month of a few recent years.
_SAMPLES = tuple(datetime(year, month, day, 12, tzinfo=timezone.utc)
                 for year in range(2021, 2027) for month in range(1, 13) for day in (1, 15))


def _zone_advice(name: str) -> str:
    """Why `name` is refused, and the region zones it may stand for."""
    such_as = "name the place whose clocks the sessions follow, such as"
    used_by = _abbreviations().get(name.upper()) if name.isalpha() else None
    if used_by:
        return (f'time zone "{name}" is an abbreviation: it names no place and may mean several; {such_as} '
                f"{_some(used_by)}")
    offset = _fixed_offset(name)
    if offset is not None:
        return (f'time zone "{name}" is a fixed offset (UTC{_signed(offset)}): it never changes for daylight '
                f"saving, so where clocks do, times would be an hour off for part of the year; {such_as} "
                f"{_some(z for z, standard in _standard_offsets().items() if standard == offset)}")
    same = _same_clock(name)
    if same:
        return f'time zone "{name}" is a legacy name; write the region zone it stands for: {_some(same)}'
    return (f'unknown time zone "{name}"{did_you_mean(name, _region_zones())}; '
            "use a region zone such as America/Bogota")


def _fixed_offset(name: str) -> timedelta | None:
    """The offset a name like GMT+1, UTC-05:00 or Etc/GMT-3 (POSIX: UTC+3) stands for, else None."""
    match = _OFFSET.fullmatch(name)
    if match is None:
        return None
    etc, sign, hours, minutes = match.groups()
    if sign is None:
        return timedelta(0)
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0)) * (1 if sign == "+" else -1)
    return -offset if etc else offset


def _signed(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"


def _some(zones) -> str:
    """At most three zones: those whose clock most zones share first, then CLDR's main zones, by name."""
    main = {_canonical(zone) for zone in get_global("windows_zone_mapping").values()}
    clocks = _clock_groups()
    ranked = sorted(set(zones), key=lambda zone: (-len(clocks[zone]), zone not in main, zone))[:3]
    return f"{', '.join(ranked[:-1])} or {ranked[-1]}" if len(ranked) > 1 else ranked[0]


def _canonical(zone: str) -> str:
    return get_global("zone_aliases").get(zone, zone)


@functools.lru_cache(maxsize=None)
def _region_zones() -> tuple[str, ...]:
    """Every region zone under its current name (Europe/Kyiv, not the older Europe/Kiev)."""
    aliases = get_global("zone_aliases")
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if _REGION.fullmatch(name) and name not in aliases))


@functools.lru_cache(maxsize=None)
def _clocks() -> dict[str, tuple]:
    """Each region zone's (offset, abbreviation) at every sample instant of recent years."""
    return {name: tuple((zone.utcoffset(when), zone.tzname(when)) for when in _SAMPLES)
            for name in _region_zones() for zone in [zoneinfo.ZoneInfo(name)]}


@functools.lru_cache(maxsize=None)
def _clock_groups() -> dict[str, list[str]]:
    """For each region zone, the region zones whose clocks read the same in recent years."""
    groups: dict[tuple, list[str]] = {}
    for name, clock in _clocks().items():
        groups.setdefault(clock, []).append(name)
    return {name: groups[clock] for name, clock in _clocks().items()}


@functools.lru_cache(maxsize=None)
def _abbreviations() -> dict[str, set[str]]:
    """Each abbreviation of recent years (CEST, EST, IST…) and the region zones that use it."""
    found: dict[str, set[str]] = {}
    for name, clock in _clocks().items():
        for _offset, abbreviation in clock:
            if abbreviation and abbreviation.isalpha():
                found.setdefault(abbreviation, set()).add(name)
    return found


@functools.lru_cache(maxsize=None)
def _standard_offsets() -> dict[str, timedelta]:
    """Each region zone's standard (winter) offset of recent years."""
    return {name: min(offset for offset, _abbreviation in clock) for name, clock in _clocks().items()}


def _same_clock(name: str) -> list[str]:
    """Region zones that legacy zone `name` stands for ([] if there is no such zone)."""
    alias = get_global("zone_aliases").get(name, "")
    if _REGION.fullmatch(alias):
        return [alias]
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return []
    offsets = [zone.utcoffset(when) for when in _SAMPLES]
    return [region for region, clock in _clocks().items() if [offset for offset, _ in clock] == offsets]


@functools.lru_cache(maxsize=None)
def parse_locale(code: str) -> babel.Locale:
    """The Babel locale for a language code such as `es` or `pt-BR` (memoized: parsing is not free)."""
    return babel.Locale.parse(code.replace("-", "_"))


@functools.lru_cache(maxsize=None)
def language_name(code: str, in_lang: str | None = None, label: bool = True) -> str:
    """A language's name, in its own language by default; capitalised when it stands alone."""
    name = parse_locale(code).get_display_name(parse_locale(in_lang or code)) or code
    return name[:1].upper() + name[1:] if label else name


@functools.lru_cache(maxsize=None)
def og_locale(code: str) -> str:
    """Open Graph locale such as `es_ES` for `es`."""
    likely = get_global("likely_subtags").get(code.replace("-", "_"), code)
    locale = babel.Locale.parse(likely)
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language
