"""Stage 2: read `content/` into pages: one per name, one source file per language."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import Diagnostics, did_you_mean
from .source import ParseMemo, YamlMap, link_outside, outside_message, read_markdown

FRONT_MATTER_KEYS = ("title", "description", "draft", "slug", "weight", "menu", "layout", "translated_from",
                     "translation_key", "aliases")
LAYOUTS = ("page", "calendar", "section")
CALENDAR_FILE = "sessions.yaml"
SESSION_TEXTS = "sessions"
#: What a published name (folder, file, slug) may be made of: characters that need no
#: encoding in any URL, sitemap or calendar, and mean the same on every host.
_URL_SAFE = re.compile(r"[A-Za-z0-9._-]+")
#: Longest published name: URLs stay readable, and far from file systems' 255-byte limit.
MAX_NAME = 150
#: Other endings editors give Markdown files; only `.md` is read as a page.
_OTHER_MARKDOWN = (".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtext", ".mdtxt", ".text")
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
    #: Fingerprint of the original text this translation was last reviewed against (`i18n reviewed`).
    translated_from: str | None = None
    #: Pairs files of one page whose names differ: they share it (a file without one is paired by `key`).
    translation_key: str | None = None
    translation_key_line: int = 0
    #: Old site paths of this file's page, each with its front matter line: redirect pages go there.
    aliases: tuple[tuple[str, int], ...] = ()

    @property
    def group(self) -> str:
        """What pairs this file with its translations: `translation_key`, or the path without language."""
        return self.translation_key or self.key


@dataclass(frozen=True)
class Page:
    """A page of the site: its key (the path without language suffix of its first file, in
    language order) and its sources, one per language."""

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
    #: Files marked `draft: true` and left out of this build (none with --drafts): links to them say so.
    drafts: tuple[Source, ...] = ()


def load_content(content: Path, languages: tuple[str, ...], diag: Diagnostics, drafts: bool = False,
                 memo: ParseMemo | None = None) -> Content:
    """Read every page, calendar and static file under `content/` (front matter parsed through `memo`)."""
    if not content.is_dir():
        diag.error(content, 0, "no content/ folder; create it with at least index.<lang>.md")
        return Content((), (), ())
    sources: dict[str, list[Source]] = {}
    calendars, assets, left_out = [], [], []
    names: dict[tuple[str, str], str] = {}  # (folder, name as a host may compare it) -> first path
    for entry, rel_name, calendar_beside in _walk(content, names, diag):
        if entry.is_dir(follow_symlinks=False) or (calendar_beside and entry.name.endswith(".md")):
            continue  # session texts (`<programme>/sessions/<id>.<lang>.md`) are read by the calendar stage
        path, rel = Path(entry.path), Path(rel_name)
        if entry.name == CALENDAR_FILE:
            calendars.append((_key(rel.parent / "index"), path))
        elif path.suffix == ".md":
            key = memo.file_key(path) if memo and not entry.is_symlink() else None
            source = (memo.reading(("page", key, rel.as_posix(), languages), diag,
                                   lambda d: _load_source(path, rel, languages, d, memo), lasting=True)
                      if memo and key else _load_source(path, rel, languages, diag, memo))
            if source and source.draft and not drafts:
                left_out.append(source)
            elif source:
                sources.setdefault(source.group, []).append(source)
        elif path.suffix.lower() in (".md", *_OTHER_MARKDOWN):
            diag.error(path, 0, f"pages are read only from files ending in .md (in small letters); "
                                f"rename it to {path.stem}.md")
        else:
            assets.append(path)
    pages = sorted((_page(found, languages, diag) for found in sources.values()), key=lambda page: page.key)
    return Content(tuple(pages), tuple(calendars), tuple(assets), tuple(left_out))


def _page(found: list[Source], languages: tuple[str, ...], diag: Diagnostics) -> Page:
    """The page of files sharing a `group`, one per language (a second file in a language is an error)."""
    by_lang: dict[str, Source] = {}
    for source in sorted(found, key=lambda s: (languages.index(s.lang), s.path)):
        first = by_lang.setdefault(source.lang, source)
        if first is not source:
            later = source if source.translation_key else first
            diag.error(later.path, later.translation_key_line, f'content/{first.key}.{first.lang}.md and '
                       f"content/{source.key}.{source.lang}.md are both the {source.lang} file of one page "
                       f'(translation_key "{source.group}"); give one of them another translation_key')
    ordered = tuple(by_lang.values())
    return Page(ordered[0].key, ordered)


def _walk(content: Path, names: dict[tuple[str, str], str],
          diag: Diagnostics) -> Iterator[tuple[os.DirEntry, str, bool]]:
    """Every publishable file and folder below `content/` (dot-files and what they hold aside),
    in sorted path order, as (its entry, its path relative to content/, whether it is in a
    `sessions/` folder beside a `sessions.yaml`); what may not be published is reported instead,
    and nothing below a refused folder is looked at. One directory listing per folder: file
    types come from the listing, and only links cost a look at the disk."""
    root = os.fspath(content)
    stack: list[tuple[os.DirEntry, str, bool]] = []

    def push(folder: str, rel: str, texts: bool) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError:
            return  # a folder that cannot be listed (no permission) holds nothing to publish
        stack.extend((entry, rel + entry.name, texts) for entry in reversed(entries))

    push(root, "", False)
    while stack:
        entry, rel, texts = stack.pop()
        if not _readable(entry, rel, names, diag):
            continue
        yield entry, rel, texts
        if entry.is_dir(follow_symlinks=False):
            beside = entry.name == SESSION_TEXTS and os.path.isfile(os.path.join(os.path.dirname(entry.path), CALENDAR_FILE))
            push(entry.path, rel + "/", beside)


def _readable(entry: os.DirEntry, rel: str, names: dict[tuple[str, str], str], diag: Diagnostics) -> bool:
    """Whether an entry of content/ (at `rel`) may be published: a regular file or folder of
    the site, its name safe in URLs and distinct from its neighbours' on hosts that ignore
    letter case."""
    if entry.is_symlink():  # the walk enters no linked folder: only the entry itself can be a link
        path = Path(entry.path)
        if path.is_dir():
            diag.warn(path, 0, "this link to a folder is not followed, so nothing in it is published; "
                               "move the folder here, or link its files one by one")
            return False
        target = link_outside(path, diag.root)
        if target is not None:
            diag.error(path, 0, outside_message(target))
            return False
        if not path.exists():
            diag.error(path, 0, f"this link leads to {os.readlink(path)}, which does not exist; fix the link or remove it")
            return False
    if not (entry.is_file() or entry.is_dir()):
        diag.error(Path(entry.path), 0, "this is not a file or folder (a pipe, socket or device); remove it from content/")
        return False
    # Hosts that ignore letter case (and file systems that store é in one of its two
    # Unicode forms) would publish one of two such names over the other.
    first = names.setdefault((rel.rpartition("/")[0], unicodedata.normalize("NFC", entry.name).casefold()), rel)
    if first != rel:
        first_name = first.rsplit("/", 1)[-1]
        how = ("differ only in letter case" if entry.name.casefold() == first_name.casefold() else
               "look the same but store an accent in two ways (Unicode NFC and NFD)")
        diag.error(Path(entry.path), 0, f'"{entry.name}" and "{first_name}" (content/{first}) {how}; many hosts '
                            "would publish one over the other: rename one")
        return False
    unsafe = _unsafe(entry.name)
    if unsafe:
        diag.error(Path(entry.path), 0, f"the name {unsafe}; {_ALLOWED}: {_how_to_rename(entry.name)}")
        return False
    return True


_ALLOWED = "URLs take only letters a-z and A-Z, digits, '-', '_' and '.'"


def _unsafe(name: str) -> str | None:
    """What makes `name` unfit to be a URL segment, such as "has characters … (space, é)"; None if fit."""
    if len(name) > MAX_NAME:
        return f"is {len(name)} characters long (limit {MAX_NAME})"
    if name in ("", ".", ".."):
        return f'is "{name}"'
    if _URL_SAFE.fullmatch(name):
        return None
    bad = dict.fromkeys(c for c in unicodedata.normalize("NFC", name) if not _URL_SAFE.fullmatch(c))
    shown = ", ".join("space" if c == " " else c if c.isprintable() else repr(c) for c in bad)
    return f"has characters that do not work in every web address ({shown})"


def _how_to_rename(name: str, such_as: str = "rename it to") -> str:
    """How to fix an unsafe name: a URL-safe one close to it (`Informe final (2021).pdf` ->
    `Informe-final-2021.pdf`, `café` -> `cafe`), or a shorter one."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"-*([._])-*", r"\1", re.sub(r"[^A-Za-z0-9._-]+", "-", plain)).strip("-.")
    if len(safe) > MAX_NAME:
        return "shorten it"
    return f'{such_as} "{safe}"' if safe else "use those characters only"


def _key(rel: PurePosixPath | Path) -> str:
    return PurePosixPath(rel).as_posix()


def split_name(name: str) -> tuple[str, str | None]:
    """`about.en.md` -> ("about", "en"); `about.md` -> ("about", None)."""
    stem = name.removesuffix(".md")
    base, dot, lang = stem.rpartition(".")
    if dot and base and _LANG_SUFFIX.match(lang):
        return base, lang
    return stem, None


def _load_source(path: Path, rel: Path, languages: tuple[str, ...], diag: Diagnostics,
                 memo: ParseMemo | None) -> Source | None:
    base, lang = split_name(path.name)
    if lang is None:
        stem, _, written = base.rpartition(".")
        same = next((code for code in languages if code.lower() == written.lower()), None) if stem else None
        if same:
            diag.error(path, 0, f'language codes in file names are written as in site_config.yaml ("{same}", '
                                f"not \"{written}\"); rename it to {stem}.{same}.md")
        else:
            diag.error(path, 0, f"the file name has no language suffix; rename it to {base}.{languages[0]}.md")
        return None
    if lang not in languages:
        diag.error(path, 0, f'unknown language "{lang}" in the file name{did_you_mean(lang, languages)}; '
                   f'configured languages: {", ".join(languages)} (add it to languages in site_config.yaml)')
        return None
    read = read_markdown(path, diag, memo)
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
    "translated_from": (lambda v: isinstance(v, str),
                        "translated_from must be text in quotes; `python build.py i18n reviewed FILE` writes it"),
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
        unsafe = _unsafe(slug) if isinstance(slug, str) else "is not text"
        if unsafe:
            bad("slug", f"the slug {unsafe}; a slug is one URL segment, and {_ALLOWED}: "
                        + (_how_to_rename(slug, "for example") if isinstance(slug, str) else 'for example "contacto"'))
        elif is_home:
            bad("slug", "the home page has no URL segment to replace; remove slug")
        else:
            fields["slug"] = slug
    if "translation_key" in meta:
        value = meta["translation_key"]
        if isinstance(value, str) and value.strip():
            fields["translation_key"], fields["translation_key_line"] = value.strip(), meta.line_of("translation_key")
        else:
            bad("translation_key", "translation_key must be text, the same in every file of the page, "
                                   'such as translation_key: "partners"')
    if "aliases" in meta:
        aliases = _aliases(meta["aliases"], meta.line_of("aliases"), path, diag)
        if aliases is None:
            ok = False
        else:
            fields["aliases"] = aliases
    if "layout" in meta:
        if meta["layout"] in LAYOUTS:
            fields["layout"] = meta["layout"]
        else:
            bad("layout", f'unknown layout "{meta["layout"]}"{did_you_mean(str(meta["layout"]), LAYOUTS)}; use one of: {", ".join(LAYOUTS)}')
    return fields if ok else None


_ALIAS_HINT = "write each old URL as a site path such as /en/partners/"


def _aliases(value: object, line: int, path: Path, diag: Diagnostics) -> tuple[tuple[str, int], ...] | None:
    """The `aliases:` list: old site paths (`/en/partners/`) with their lines; None after an error."""
    if not isinstance(value, list):
        diag.error(path, line, f"aliases must be a list; {_ALIAS_HINT}: aliases: [/en/partners/]")
        return None
    lines = getattr(value, "lines", [line] * len(value))
    found, ok = [], True
    for alias, at in zip(value, lines):
        segments = alias.strip("/").split("/") if isinstance(alias, str) else []
        unsafe = [_unsafe(part) for part in segments]
        if not (isinstance(alias, str) and alias.startswith("/") and segments != [""] and not any(unsafe)):
            problem = (f"the segment {next(u for u in unsafe if u)}; {_ALLOWED}" if any(unsafe) else
                       "an alias is a path from the site's root")
            diag.error(path, at, f'alias "{alias}": {problem}; {_ALIAS_HINT}')
            ok = False
        else:
            found.append(("/" + "/".join(segments) + "/", at))
    return tuple(found) if ok else None


def section_of(key: str) -> str:
    """The folder a page stands for: `programmes/index` -> `programmes`; `index` -> ""; `about` -> `about`."""
    return "" if key == "index" else key.removesuffix("/index")


def url_segments(key: str, slug: str | None = None) -> tuple[str, ...]:
    """URL segments of a page key: `programmes/nursing/index` -> (programmes, nursing)."""
    parts = key.split("/")
    if parts[-1] == "index":
        parts = parts[:-1]
    if slug and parts:
        parts[-1] = slug
    return tuple(parts)
