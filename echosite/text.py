"""Translatable values, time zones, language codes and locale names shared by every stage."""
from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import babel
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
    """The IANA time zone called `name`, or None with an error."""
    if not isinstance(name, str) or not name:
        diag.error(path, line, "the time zone must be an IANA name such as America/Bogota")
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(name, sorted(zoneinfo.available_timezones()))
        diag.error(path, line, f'unknown time zone "{name}"{hint}; use an IANA name such as America/Bogota')
        return None


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
