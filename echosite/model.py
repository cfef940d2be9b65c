"""Stage 5: assemble config, pages and sessions into the immutable site model."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .sessions import Session
from .config import CONFIG_NAME, Config
from .content import Content, Page, Source, url_segments
from .errors import Diagnostics


@dataclass(frozen=True)
class Version:
    """A page as published in one language: its own text, or a fallback's."""

    page: Page
    lang: str
    url: str  # site path such as /es/programmes/nursing/
    source: Source  # the file whose text is shown
    is_fallback: bool

    @property
    def key(self) -> str:
        return self.page.key


@dataclass(frozen=True)
class Site:
    """Everything a render needs, validated: the only input of the render stage."""

    config: Config
    root: Path
    versions: tuple[Version, ...]
    sessions: tuple[Session, ...]
    assets: tuple[Path, ...]
    #: Pages marked `draft: true` left out of this build (built with --drafts, they are versions).
    drafts: tuple[Source, ...] = ()

    def version(self, key: str, lang: str) -> Version | None:
        """The page `key` as published in `lang`."""
        return self._index.get((key, lang))

    @property
    def _index(self) -> dict[tuple[str, str], Version]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {(v.key, v.lang): v for v in self.versions}
            object.__setattr__(self, "_index_cache", index)
        return index

    def page_of(self, file_key: str) -> str | None:
        """The key of the page that a file's path without language suffix (`about`) belongs to."""
        files = self.__dict__.get("_files")
        if files is None:
            files = {source.key: page.key for page in {v.page.key: v.page for v in self.versions}.values()
                     for source in page.sources}
            object.__setattr__(self, "_files", files)
        return files.get(file_key)

    @property
    def files(self) -> frozenset[tuple[str, str]]:
        """Every page file of the site, built or left out as a draft, as (path without language suffix, language)."""
        files = self.__dict__.get("_all_files")
        if files is None:
            files = frozenset({(s.key, s.lang) for v in self.versions for s in v.page.sources}
                              | {(s.key, s.lang) for s in self.drafts})
            object.__setattr__(self, "_all_files", files)
        return files

    def asset(self, rel: str) -> bool:
        """Whether `rel` (a path inside `content/`, such as `files/report.pdf`) is a file published as it is."""
        return rel in self._asset_names

    def asset_names(self) -> tuple[str, ...]:
        """Every file published as it is, by its path inside `content/`, sorted."""
        return tuple(sorted(self._asset_names))

    @property
    def _asset_names(self) -> frozenset[str]:
        names = self.__dict__.get("_asset_cache")
        if names is None:
            content = self.root / "content"
            names = frozenset(path.relative_to(content).as_posix() for path in self.assets)
            object.__setattr__(self, "_asset_cache", names)
        return names

    def translations(self, key: str) -> list[Version]:
        """The published translations of a page (no fallback, no draft), in language order."""
        return [v for lang in self.config.languages
                if (v := self.version(key, lang)) and not v.is_fallback and not v.source.draft]

    def session_url(self, lang: str, session_id: str) -> str:
        """Site path of a session page: `/en/sessions/pathology-01/` (the segment is `sessions_slug`)."""
        return session_url(self.config, lang, session_id)

    @property
    def calendar_page(self) -> str | None:
        """Key of the page that shows the site-wide calendar (`layout: calendar`), if any."""
        return next((v.key for v in self.versions if v.source.layout == "calendar"), None)

    def calendar_url(self, lang: str) -> str | None:
        """Site path of the site-wide calendar in `lang`: the `layout: calendar` page's, else the
        default one (`calendar_slug`); None when the site has no sessions."""
        if not self.sessions:
            return None
        key = self.calendar_page
        if key is not None:
            return self.version(key, lang).url  # type: ignore[union-attr]  # every page exists in every language
        return default_calendar_url(self.config, lang)

    def programme_sessions(self, key: str) -> tuple[Session, ...]:
        """The sessions of the programme page `key`, in time order."""
        by_programme = self.__dict__.get("_by_programme")
        if by_programme is None:
            by_programme = {}
            for session in self.sessions:
                by_programme.setdefault(session.programme, []).append(session)
            by_programme = {k: tuple(v) for k, v in by_programme.items()}
            object.__setattr__(self, "_by_programme", by_programme)
        return by_programme.get(key, ())


def session_url(config: Config, lang: str, session_id: str) -> str:
    """Site path of a session page."""
    return f"/{lang}/{config.sessions_slug.get(lang, config.languages)}/{session_id}/"


def default_calendar_url(config: Config, lang: str) -> str:
    """Where the site-wide calendar is published when no page has `layout: calendar`."""
    return f"/{lang}/{config.calendar_slug.get(lang, config.languages)}/"


def assemble(config: Config, root: Path, content: Content, sessions: tuple[Session, ...],
             diag: Diagnostics) -> Site:
    """Publish every page in every language and check that URLs do not collide."""
    order = config.languages
    folders = {(source.key.removesuffix("/index"), source.lang): source.slug for page in content.pages
               for source in page.sources if source.key.endswith("/index") and source.slug}
    versions = []
    unpaired = _unpaired(content.pages, order)
    for page in content.pages:
        for lang in order:
            own = page.source(lang)
            if own is not None:
                versions.append(Version(page, lang, _url(lang, own.key, own.slug, folders), own, False))
                continue
            borrowed = next(s for code in order if (s := page.source(code)))
            url = _url(lang, borrowed.key, None, folders)
            versions.append(Version(page, lang, url, borrowed, True))
            name = borrowed.path.name.removesuffix(f".{borrowed.lang}.md")
            if diag.failed(borrowed.path.with_name(f"{name}.{lang}.md")):
                continue  # the translation exists but could not be read: its error says so
            folder = borrowed.key.rpartition("/")[0]
            renamed = difflib.get_close_matches(borrowed.key, unpaired.get((lang, borrowed.lang, folder), []), n=1)
            pair = (f", or, if content/{renamed[0]}.{lang}.md is this page's {lang} file renamed, add "
                    f'translation_key: "{borrowed.group}" to it' if renamed else "")
            diag.warn(borrowed.path, 1, f"no {lang} translation: {url} shows this {borrowed.lang} text "
                      f"(a fallback page); translate it as {name}.{lang}.md{pair}")
    keys = {page.key for page in content.pages}
    for key, path in content.calendars:
        if key not in keys:
            diag.warn(path, 0, "no programme page beside this calendar: its sessions get pages and calendar "
                               "files but no page lists them; add the programme's "
                               f"index.{order[0]}.md in this folder")
    _check_unique_urls(versions, sessions, config, diag)
    return Site(config, root, tuple(versions), sessions, content.assets, content.drafts)


def _unpaired(pages: tuple[Page, ...], order: tuple[str, ...]) -> dict[tuple[str, str, str], list[str]]:
    """(lang, other, folder) -> keys of the files in `lang` in that folder of pages with no file in
    `other`: where the renamed file of a page that lacks `lang` may be (a rename keeps the folder)."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for page in pages:
        if len(page.sources) < len(order):
            for source in page.sources:
                for other in order:
                    if page.source(other) is None:
                        found.setdefault((source.lang, other, source.key.rpartition("/")[0]), []).append(source.key)
    return found


def _url(lang: str, key: str, slug: str | None, folders: dict[tuple[str, str], str]) -> str:
    """A page's site path in `lang`: its own slug replaces its last segment, and the slug of each
    folder above it (its `index` page's, in `lang`) replaces that folder's segment."""
    segments = list(url_segments(key, slug))
    parts = key.split("/")
    for depth in range(1, len(segments)):  # every folder above the page's own segment
        segments[depth - 1] = folders.get(("/".join(parts[:depth]), lang), segments[depth - 1])
    return "/" + "/".join((lang, *segments)) + "/"


def _check_unique_urls(versions: list[Version], sessions: tuple[Session, ...], config: Config,
                       diag: Diagnostics) -> None:
    # Compared without letter case: many hosts (and file systems) serve /en/About/ for /en/about/.
    taken: dict[str, tuple[Path, int, str]] = {}
    published: list[str] = []  # the pages' own URLs, which `moved:` keeps at their old folders too
    for version in versions:
        published.append(version.url)
        where = (version.source.path, 1, version.url)
        first = taken.setdefault(version.url.casefold(), where)
        if first[0] != version.source.path:
            used = "is already used by" if first[2] == version.url else f"differs only in letter case from {first[2]} of"
            diag.error(version.source.path, 1, f"this page's URL {version.url} {used} "
                       f"{_rel(first[0], diag)}; rename one of them or give one another slug")
    for session in sessions:
        for lang in config.languages:
            url = session_url(config, lang, session.id)
            published.append(url)
            first = taken.setdefault(url.casefold(), (session.source, session.line, url))
            if first[0] != session.source:
                diag.error(first[0], 1, f"the URL {url} is reserved for session {session.id}; rename this page")
    for version in versions:
        if version.is_fallback:
            continue
        for alias, line in version.source.aliases:
            first = taken.setdefault(alias.casefold(), (version.source.path, line, alias))
            if first != (version.source.path, line, alias):
                diag.error(version.source.path, line, f'alias "{alias}" is already used by {_rel(first[0], diag)}:'
                           f"{first[1]} ({first[2]}); an alias keeps an old URL working only while nothing else "
                           "uses it: remove the alias")
    if sessions and not any(v.source.layout == "calendar" for v in versions):
        for lang in config.languages:
            url = default_calendar_url(config, lang)
            published.append(url)
            if url.casefold() in taken:
                diag.error(taken[url.casefold()][0], 1, f"the URL {url} is reserved for the site's calendar of "
                           "sessions; give this page layout: calendar to show the calendar there, or rename it")
            taken.setdefault(url.casefold(), (diag.root / CONFIG_NAME, 0, url))
    _check_moved(taken, published, config, diag)


def _check_moved(taken: dict[str, tuple[Path, int, str]], published: list[str], config: Config,
                 diag: Diagnostics) -> None:
    """The old addresses `moved:` keeps working for `published` pages must not be where something
    else is published."""
    for old, new, line in config.moved:
        for url in published:
            if not url.startswith(new):
                continue
            was = old + url[len(new):]
            if was.casefold() in taken:
                source, at, other = taken[was.casefold()]
                where = _rel(source, diag) + (f":{at}" if at else "")
                diag.error(diag.root / CONFIG_NAME, line, f'moved "{old}": {was}, the old address of {url}, is the '
                           f"address of {other} ({where}); a moved folder keeps old addresses working only while "
                           "nothing else uses them: rename that page or remove this line")
            else:
                taken[was.casefold()] = (diag.root / CONFIG_NAME, line, was)


def _rel(path: Path, diag: Diagnostics) -> str:
    try:
        return path.resolve().relative_to(diag.root.resolve()).as_posix()
    except ValueError:
        return str(path)
