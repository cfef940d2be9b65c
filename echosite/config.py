"""Stage 1: read and validate `site_config.yaml` into one typed, frozen Config."""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import babel

from .errors import Diagnostics, did_you_mean
from .source import YamlMap, load_yaml, read_text
from .text import Text, load_zone, parse_locale, parse_text

CONFIG_NAME = "site_config.yaml"
_LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class City:
    """A participating city: every session shows its start time there."""

    name: Text
    timezone: zoneinfo.ZoneInfo
    #: "participant" (a city taking part, the default) or "expert" (an expert's home city):
    #: session pages list the two apart.
    role: str = "participant"


CITY_KEYS = ("name", "timezone", "role")
CITY_ROLES = ("participant", "expert")


@dataclass(frozen=True)
class Organizer:
    """Who runs the programme; named in event data and calendars."""

    name: Text
    url: str


@dataclass(frozen=True)
class Config:
    """The site as `site_config.yaml` declares it."""

    #: Site title, a string or one per language (required).
    title: Text
    #: Absolute URL the site is published at, ending in `/`; may have a path prefix (required).
    base_url: str
    #: Language codes; the first is the default and the fallback for missing pages (required).
    languages: tuple[str, ...]
    #: Default IANA time zone of session calendars (required).
    timezone: zoneinfo.ZoneInfo
    #: Cities whose local time every session page shows, in this order.
    cities: tuple[City, ...] = ()
    #: One-sentence description for search engines and link previews.
    description: Text = Text(())
    #: The organizer named in calendars and event data (name and url).
    organizer: Organizer | None = None
    #: Short footer text, such as a copyright or funding line.
    footer: Text = Text(())
    #: What names this site in calendar event UIDs (`<session id>@<calendar_id>`); empty: `site_id`.
    calendar_id: str = ""
    #: Default image of pages and sessions for link previews and event data: a site path
    #: (`/images/programme.png`, a file of content/) or an absolute http(s) URL.
    image: str | None = None
    #: URL segment of session pages per language: /en/sessions/<id>/, /es/sesiones/<id>/.
    sessions_slug: Text = Text.plain("sessions")
    #: URL of the site-wide calendar per language (/en/calendar/) when no page has `layout: calendar`.
    calendar_slug: Text = Text.plain("calendar")
    #: Folders whose addresses changed, as (old site path, new site path, line): every page and
    #: calendar file published below the new one is also reachable below the old one.
    moved: tuple[tuple[str, str, int], ...] = ()

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def base_path(self) -> str:
        """The path part of `base_url`, such as `/teleecho/`."""
        return urlsplit(self.base_url).path or "/"

    @property
    def site_id(self) -> str:
        """What tells this site from any other in calendar UIDs: `calendar_id`, else base_url
        without its scheme and last slash (`example.org/teleecho`), so that two sites under
        one host never give two events one UID."""
        if self.calendar_id:
            return self.calendar_id
        parts = urlsplit(self.base_url)
        return (parts.netloc + parts.path).rstrip("/")


KNOWN_KEYS = tuple(f.name for f in fields(Config))
REQUIRED = ("title", "base_url", "languages", "timezone")


def load_config(site: Path, diag: Diagnostics, base_url: str | None = None) -> Config | None:
    """Read `site_config.yaml`, recording every mistake; None when its languages cannot be known.

    When only other values are wrong, the result has stand-ins for them (UTC, no title),
    so that the content can still be checked and its mistakes reported in the same run;
    the caller stops before rendering, since `diag` holds errors.
    """
    path = site / CONFIG_NAME
    if not path.is_file():
        diag.error(path, 0, f"no {CONFIG_NAME} here; is --site the folder of a site?")
        return None
    text = read_text(path, diag)
    data = load_yaml(text, path, diag) if text is not None else None
    if data is None:
        return None
    if not isinstance(data, YamlMap):
        diag.error(path, 1, "the configuration must be a mapping of keys to values")
        return None
    for key in data:
        if key not in KNOWN_KEYS:
            diag.warn(path, data.line_of(key), f'unknown key "{key}"{did_you_mean(key, KNOWN_KEYS)}; it is ignored')
    for key in REQUIRED:
        if key not in data:
            diag.error(path, data.line, f'"{key}" is required')
    if "languages" not in data:
        return None
    errors_before = len(diag.errors)
    languages = _languages(data, path, diag)
    if len(diag.errors) > errors_before or not languages:
        return None
    line = data.line_of
    values = {
        "languages": languages,
        "base_url": _base_url(base_url or data.get("base_url"), path, 0 if base_url else line("base_url"), diag),
        "timezone": load_zone(data["timezone"], path, line("timezone"), diag) if "timezone" in data else None,
        "title": parse_text(data["title"], path, line("title"), "title", languages, diag, warn_missing=True)
                 if "title" in data else None,
    }
    for key in ("description", "footer"):
        if key in data:
            values[key] = parse_text(data[key], path, line(key), key, languages, diag, warn_missing=True)
    for key in ("sessions_slug", "calendar_slug"):
        if key in data:
            values[key] = _slug(data, key, path, languages, diag, Config.__dataclass_fields__[key].default)
    if "image" in data:
        values["image"] = _image(data["image"], site, path, data.line_of("image"), diag)
    values["cities"] = _cities(data, path, languages, diag)
    if "organizer" in data:
        values["organizer"] = _organizer(data, path, languages, diag)
    if "calendar_id" in data:
        values["calendar_id"] = _calendar_id(data["calendar_id"], path, line("calendar_id"), diag)
    if "moved" in data:
        values["moved"] = _moved(data["moved"], path, line("moved"), diag)
    stand_ins = {"timezone": _UTC, "title": Text(()), "description": Text(()), "footer": Text(())}
    return Config(**{key: stand_ins[key] if value is None and key in stand_ins else value
                     for key, value in values.items()})


#: The stand-in for a time zone that is wrong (see `load_config`).
_UTC = zoneinfo.ZoneInfo("UTC")


def _languages(data: YamlMap, path: Path, diag: Diagnostics) -> tuple[str, ...]:
    value, line = data["languages"], data.line_of("languages")
    if not isinstance(value, list) or not value:
        diag.error(path, line, "languages must be a list of language codes, such as [en, es]")
        return ()
    codes = []
    for code in value:
        if not isinstance(code, str) or not _LANG_CODE.match(code):
            diag.error(path, line, f'"{code}" is not a language code; write codes such as en, es or pt-BR')
            continue
        try:
            parse_locale(code)
        except (ValueError, babel.UnknownLocaleError):
            diag.error(path, line, f'unknown language code "{code}"; use a code Babel knows, such as en, es, fr')
            continue
        if code in codes:
            diag.error(path, line, f'language "{code}" is listed twice')
            continue
        codes.append(code)
    return tuple(codes)


BASE_URL_RULE = "must be an absolute http(s) URL such as https://example.org/teleecho/"


def parse_base_url(value: object) -> str | None:
    """`value` as a base_url ending in `/`; None unless it is an absolute http(s) URL
    with a host and no query or fragment (`https://[x` included: no IPv6 address closes)."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError for a port that is no number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    return value if value.endswith("/") else value + "/"


def _base_url(value: object, path: Path, line: int, diag: Diagnostics) -> str:
    parsed = parse_base_url(value)
    if parsed is None:
        diag.error(path if line else "--base-url", line, f'base_url "{value}" {BASE_URL_RULE}')
        return ""
    return parsed


def _calendar_id(value: object, path: Path, line: int, diag: Diagnostics) -> str:
    if isinstance(value, str) and re.fullmatch(r"[!-~]+", value):
        return value
    diag.error(path, line, f'calendar_id "{value}" must be text without spaces, such as example.org/teleecho; '
                           "once calendars are published, never change it")
    return ""


#: A folder's site path: segments of letters, digits, '-', '_' and '.', between slashes.
_FOLDER = re.compile(r"/(?:(?!\.\.?/)[A-Za-z0-9._-]+/)+")
_MOVED_HINT = "write the old folder's site path, then the new one's, such as  /es/sessions/: /es/sesiones/"


def _moved(value: object, path: Path, line: int, diag: Diagnostics) -> tuple[tuple[str, str, int], ...]:
    """`moved:`, old folder -> new folder, each a site path with its language."""
    if not isinstance(value, YamlMap):
        diag.error(path, line, f"moved must map old folders to new ones, {_MOVED_HINT}")
        return ()
    found = []
    for old, new in value.items():
        at = value.line_of(old)
        folders = [f"/{item.strip('/')}/" if isinstance(item, str) else "" for item in (old, new)]
        if not all(_FOLDER.fullmatch(folder) for folder in folders):
            diag.error(path, at, f'moved "{old}: {new}" is not a folder and the folder it moved to; {_MOVED_HINT}')
        elif folders[0] == folders[1] or folders[1].startswith(folders[0]) or folders[0].startswith(folders[1]):
            diag.error(path, at, f'moved "{old}: {new}": one folder is inside the other, so old and new addresses '
                                 "would clash; name the folder that moved and the one it moved to")
        else:
            found.append((folders[0], folders[1], at))
    return tuple(found)


def _image(value: object, site: Path, path: Path, line: int, diag: Diagnostics) -> str | None:
    """An image's site path (a file of content/) or absolute URL."""
    if isinstance(value, str):
        try:
            parts = urlsplit(value)
        except ValueError:  # such as an unclosed [ in the host
            parts = None
        if parts and parts.scheme in ("http", "https") and parts.netloc:
            return value
        inside = value.strip("/")
        if inside and ".." not in inside.split("/") and (site / "content" / inside).is_file():
            return "/" + inside
    diag.error(path, line, f'image "{value}" is neither a file in content/ nor an absolute http(s) URL; give the '
               "image's path from content/, such as images/programme.png, or a URL such as https://…/image.png")
    return None


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def _slug(data: YamlMap, key: str, path: Path, languages: tuple[str, ...], diag: Diagnostics,
          default: Text) -> Text:
    """A URL segment per language (lowercase letters a-z, digits and hyphens); a language left
    out keeps the `default` one, never another language's (so does every language after an error)."""
    value = parse_text(data[key], path, data.line_of(key), key, languages, diag)
    if value is None:
        return default
    for code, segment in value.values:
        if not _SLUG.fullmatch(segment):
            shown = f"{key}.{code}" if code in languages else key
            diag.error(path, data.line_of(key), f'{shown} "{segment}" is not a URL segment: use lowercase letters '
                       "a-z, digits and hyphens, such as sesiones")
    return Text(value.values + tuple((code, default.get(code)) for code in languages if not value.has(code)))


def _cities(data: YamlMap, path: Path, languages: tuple[str, ...], diag: Diagnostics) -> tuple[City, ...]:
    value = data.get("cities", [])
    if not isinstance(value, list):
        diag.error(path, data.line_of("cities"), "cities must be a list of {name: …, timezone: …, role: participant|expert}")
        return ()
    cities = []
    for item in value:
        if not isinstance(item, YamlMap) or "name" not in item or "timezone" not in item:
            diag.error(path, getattr(item, "line", data.line_of("cities")),
                       "each city needs a name and a timezone: {name: {en: Cali, es: Cali}, timezone: America/Bogota}")
            continue
        for key in item:
            if key not in CITY_KEYS:
                diag.warn(path, item.line_of(key), f'unknown city key "{key}"{did_you_mean(key, CITY_KEYS)}')
        name = parse_text(item["name"], path, item.line_of("name"), "name", languages, diag, warn_missing=True)
        zone = load_zone(item["timezone"], path, item.line_of("timezone"), diag)
        role = item.get("role", "participant")
        if role not in CITY_ROLES:
            diag.error(path, item.line_of("role"), f'unknown city role "{role}"{did_you_mean(str(role), CITY_ROLES)}; '
                       "write role: participant (a city taking part, the default) or role: expert (an expert's home city)")
            continue
        if name and zone:
            cities.append(City(name, zone, role))
    return tuple(cities)


def _organizer(data: YamlMap, path: Path, languages: tuple[str, ...], diag: Diagnostics) -> Organizer | None:
    value = data["organizer"]
    if not isinstance(value, YamlMap) or "name" not in value:
        diag.error(path, data.line_of("organizer"), "organizer must be a mapping with a name and a url")
        return None
    name = parse_text(value["name"], path, value.line_of("name"), "organizer.name", languages, diag,
                      warn_missing=True)
    url = value.get("url", "")
    if not isinstance(url, str):
        diag.error(path, value.line_of("url"), "organizer.url must be text")
        return None
    return Organizer(name, url) if name else None
