"""Stage 2: read `content/` into pages: one per name, one source file per language."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import Diagnostics, did_you_mean
from .source import YamlMap, read_markdown

FRONT_MATTER_KEYS = ("title", "description", "draft", "slug", "weight", "menu", "layout")
LAYOUTS = ("page", "calendar")
CALENDAR_FILE = "sessions.yaml"
SESSION_TEXTS = "sessions"
_BAD_SLUG = re.compile(r"[/\\\s?#%]")
_LANG_SUFFIX = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Source:
    """One language file of a page, with its validated front matter."""

    key: str
    lang: str
    path: Path
    title: str
    body: str
    body_line: int
    description: str = ""
    draft: bool = False
    slug: str | None = None
    weight: int = 0
    menu: bool = False
    layout: str = "page"


@dataclass(frozen=True)
class Page:
    """A page of the site: its key (path without language suffix) and its sources."""

    key: str
    sources: tuple[Source, ...]

    def source(self, lang: str) -> Source | None:
        """The file written in `lang`, if any."""
        return next((s for s in self.sources if s.lang == lang), None)


@dataclass(frozen=True)
class Content:
    """Everything read from `content/`: pages, calendar files and static files."""

    pages: tuple[Page, ...]
    calendars: tuple[tuple[str, Path], ...]  # (programme page key, sessions.yaml)
    assets: tuple[Path, ...]


def load_content(content: Path, languages: tuple[str, ...], diag: Diagnostics, drafts: bool = False) -> Content:
    """Read every page, calendar and static file under `content/`."""
    if not content.is_dir():
        diag.error(content, 0, "no content/ folder; create it with at least index.<lang>.md")
        return Content((), (), ())
    sources: dict[str, list[Source]] = {}
    calendars, assets = [], []
    for path in sorted(content.rglob("*")):
        rel = path.relative_to(content)
        if path.is_dir() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.name == CALENDAR_FILE:
            calendars.append((_key(rel.parent / "index"), path))
        elif _is_session_text(path):
            continue  # read by the calendar stage
        elif path.suffix == ".md":
            source = _load_source(path, rel, languages, diag)
            if source and (drafts or not source.draft):
                sources.setdefault(source.key, []).append(source)
        else:
            assets.append(path)
    pages = tuple(Page(key, tuple(sorted(found, key=lambda s: languages.index(s.lang))))
                  for key, found in sorted(sources.items()))
    return Content(pages, tuple(calendars), tuple(assets))


def _key(rel: PurePosixPath | Path) -> str:
    return PurePosixPath(rel).as_posix()


def _is_session_text(path: Path) -> bool:
    """`<programme>/sessions/<id>.<lang>.md`; other files beside them are ordinary static files."""
    return (path.suffix == ".md" and path.parent.name == SESSION_TEXTS
            and (path.parent.parent / CALENDAR_FILE).is_file())


def split_name(name: str) -> tuple[str, str | None]:
    """`about.en.md` -> ("about", "en"); `about.md` -> ("about", None)."""
    stem = name.removesuffix(".md")
    base, dot, lang = stem.rpartition(".")
    if dot and base and _LANG_SUFFIX.match(lang):
        return base, lang
    return stem, None


def _load_source(path: Path, rel: Path, languages: tuple[str, ...], diag: Diagnostics) -> Source | None:
    base, lang = split_name(path.name)
    if lang is None:
        diag.error(path, 0, f"the file name has no language suffix; rename it to {base}.{languages[0]}.md")
        return None
    if lang not in languages:
        diag.error(path, 0, f'unknown language "{lang}" in the file name{did_you_mean(lang, languages)}; '
                   f'configured languages: {", ".join(languages)} (add it to languages in site_config.yaml)')
        return None
    read = read_markdown(path, diag)
    if read is None:
        return None
    meta, body, body_line = read
    fields = _front_matter(meta, path, diag, is_home=(_key(rel.parent / base) == "index"))
    if fields is None:
        return None
    return Source(key=_key(rel.parent / base), lang=lang, path=path, body=body, body_line=body_line, **fields)


#: Simple front matter keys: what a valid value is, and what to tell an editor otherwise.
_CHECKS = {
    "description": (lambda v: isinstance(v, str), "description must be text; put it in quotes"),
    "draft": (lambda v: isinstance(v, bool), "draft must be true or false"),
    "menu": (lambda v: isinstance(v, bool), "menu must be true or false"),
    "weight": (lambda v: isinstance(v, int) and not isinstance(v, bool),
               "weight must be a whole number such as 10 (smaller comes first)"),
}


def _front_matter(meta: YamlMap, path: Path, diag: Diagnostics, is_home: bool) -> dict | None:
    """Check each front matter key's type; None when any is wrong."""
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        diag.error(path, meta.line_of(key), message)

    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            diag.warn(path, meta.line_of(key), f'unknown front matter key "{key}"{did_you_mean(key, FRONT_MATTER_KEYS)}; it is ignored')
    fields: dict = {}
    title = meta.get("title")
    if "title" not in meta:
        bad("title", 'the page has no title; add "title: …" to its front matter')
    elif not isinstance(title, str) or not title.strip():
        bad("title", "title must be non-empty text; put it in quotes")
    else:
        fields["title"] = title.strip()
    for key, (valid, message) in _CHECKS.items():
        if key in meta:
            if valid(meta[key]):
                fields[key] = meta[key].strip() if isinstance(meta[key], str) else meta[key]
            else:
                bad(key, message)
    if "slug" in meta:
        slug = meta["slug"]
        if not isinstance(slug, str) or not slug or slug in (".", "..") or _BAD_SLUG.search(slug):
            bad("slug", f'slug "{slug}" must be one URL segment such as "contacto": no "/", no "..", no spaces')
        elif is_home:
            bad("slug", "the home page has no URL segment to replace; remove slug")
        else:
            fields["slug"] = slug
    if "layout" in meta:
        if meta["layout"] in LAYOUTS:
            fields["layout"] = meta["layout"]
        else:
            bad("layout", f'unknown layout "{meta["layout"]}"{did_you_mean(str(meta["layout"]), LAYOUTS)}; use one of: {", ".join(LAYOUTS)}')
    return fields if ok else None


def url_segments(key: str, slug: str | None = None) -> tuple[str, ...]:
    """URL segments of a page key: `programmes/nursing/index` -> (programmes, nursing)."""
    parts = key.split("/")
    if parts[-1] == "index":
        parts = parts[:-1]
    if slug and parts:
        parts[-1] = slug
    return tuple(parts)
