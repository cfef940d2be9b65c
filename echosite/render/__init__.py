"""Stage 6: render the site model into files (path -> bytes), nothing written yet."""
from __future__ import annotations

import multiprocessing
import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup, escape

from ..cache import ItemCache, MarkdownCache, item_key
from ..content import split_name
from ..errors import Diagnostics
from ..model import Site, Version
from ..text import language_name, parse_locale
from ..theme import Theme
from . import session_views, views
from .markup import Rendered, Renderer, fill_links, relative_url

#: Fewer pages than this are not worth starting processes for.
_PARALLEL_THRESHOLD = 200
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def make_environment(theme: Theme, lang: str, translations: Any) -> jinja2.Environment:
    """A Jinja environment for one language: autoescape, strict, gettext installed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme.templates),
        auto_reload=False,  # one build, one read of each template
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    # Translated text is escaped like any other text: a catalog cannot inject markup.
    env.install_gettext_callables(
        gettext=lambda s: escape(translations.gettext(s)),
        ngettext=lambda s, p, n: escape(translations.ngettext(s, p, n)),
        pgettext=lambda c, s: escape(translations.pgettext(c, s)),
        npgettext=lambda c, s, p, n: escape(translations.npgettext(c, s, p, n)),
        newstyle=True,
    )
    env.filters["rel"] = _rel
    return env


@jinja2.pass_context
def _rel(context: jinja2.runtime.Context, url: str) -> str:
    """Link to a site path: relative to the page, or rooted at base_url's path (404)."""
    if context.get("rooted"):
        return context["base_path"] + url.lstrip("/")
    return relative_url(context["page_url"], url)


def output_path(url: str) -> str:
    """File written for a site path: `/en/about/` -> `en/about/index.html`."""
    return url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/")


class SiteRenderer:
    """Renders every output file of a site model."""

    def __init__(self, site: Site, theme: Theme, translations: dict[str, Any], diag: Diagnostics,
                 cache: MarkdownCache | None = None, jobs: int = 1,
                 progress: Callable[[int, int], None] | None = None,
                 items: ItemCache | None = None, structure: str = ""):
        self.site, self.theme, self.diag = site, theme, diag
        self.cache = cache or MarkdownCache(None)
        self.items, self.structure = items or ItemCache(None), structure
        self.jobs, self.progress = jobs, progress
        self.config = site.config
        self.envs = {lang: make_environment(theme, lang, translations[lang]) for lang in self.config.languages}
        self.markdown = {lang: Renderer(lang) for lang in self.config.languages}
        self.files: dict[str, bytes] = {}
        self._content = (site.root / "content").resolve()
        self._site_views: dict[str, dict[str, Any]] = {}
        self.events: dict[tuple[str, str], bytes] = {}  # serialized VEVENTs by (session id, lang)
        self._anchors: list[tuple[Path, int, str, str, str]] = []

    # -- helpers used by views ------------------------------------------------

    def absolute(self, url: str) -> str:
        return self.config.base_url + url.lstrip("/")

    def alternates(self, urls: dict[str, str]) -> list[dict[str, str]]:
        """hreflang links: every real translation, then x-default (the chooser)."""
        links = [{"hreflang": lang, "href": self.absolute(url)} for lang, url in urls.items()]
        return links + [{"hreflang": "x-default", "href": self.config.base_url}]

    def markdown_html(self, text: str, text_lang: str, lang: str, source_path: Path, body_line: int,
                      page_url: str) -> Markup:
        """Markdown written in `text_lang` to safe HTML, its links leading into `lang`'s tree."""
        def resolve(href: str) -> str | None:
            return self._resolve_link(href, text, lang, source_path, body_line, page_url)
        return Markup(fill_links(self._converted(text_lang, text), resolve))

    def _converted(self, lang: str, text: str) -> Rendered:
        renderer = self.markdown[lang]
        key = renderer.key(text)
        rendered = self.cache.get(key)
        if rendered is None:
            rendered = renderer.convert(text)
            self.cache.put(key, rendered)
        return rendered

    def emit(self, url: str, data: str | bytes) -> None:
        path = output_path(url)
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data

    def render(self, lang: str, template: str, **context: Any) -> str:
        context.setdefault("rooted", False)
        if lang not in self._site_views:
            self._site_views[lang] = views.site_view(self, lang)
        return self.envs[lang].get_template(template).render(
            site=self._site_views[lang], lang=lang, dir=parse_locale(lang).text_direction,
            base_path=self.config.base_path, **context)

    # -- links ---------------------------------------------------------------

    def _resolve_link(self, href: str, text: str, lang: str, source_path: Path, body_line: int,
                      page_url: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return href
        line = body_line + text[: max(text.find(href), 0)].count("\n")
        if parts.path.startswith("/"):
            self.diag.warn(source_path, line, f'link "{href}" starts with "/" and breaks under a sub-path; '
                           "link to the Markdown file instead, such as ../about.en.md")
            return href
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        target = self._target_url(unquote(parts.path), source_path, lang)
        if target is None:
            self.diag.warn(source_path, line, f'broken link "{href}": no page or file there in any language; '
                           "link to an existing .md file or folder")
            return None
        if parts.fragment and target.endswith("/"):
            self._anchors.append((source_path, line, target, parts.fragment, href))
        return relative_url(page_url, target) + fragment

    def _target_url(self, path: str, source_path: Path, lang: str) -> str | None:
        joined = Path(posixpath.normpath(posixpath.join(source_path.parent.as_posix(), path)))
        try:
            rel = PurePosixPath(joined.relative_to(self._content).as_posix())
        except ValueError:
            return None
        if path.endswith(".md"):
            base, _code = split_name(rel.name)
            candidates = [(rel.parent / base).as_posix()]
        else:
            if joined.is_file():
                return "/" + rel.as_posix()
            candidates = [(rel / "index").as_posix(), rel.as_posix()]
        for key in candidates:
            key = key.removeprefix("./")
            version = self.site.version(key, lang)
            if version is not None:
                return version.url
        return None

    # -- outputs ---------------------------------------------------------------

    def render_all(self) -> dict[str, bytes]:
        """Every file of the site, keyed by output path."""
        work = [("page", i, "") for i in range(len(self.site.versions))]
        work += [("session", i, lang) for lang in self.config.languages for i in range(len(self.site.sessions))]
        stored = self.items.keys()
        fresh = [item for item in work if self._item_key(item) not in stored]
        if self.jobs > 1 and len(fresh) >= _PARALLEL_THRESHOLD:
            self._render_in_workers(fresh)  # the cached rest is replayed below, in this process
            work = [item for item in work if self._item_key(item) in stored]
        for done, item in enumerate(work, 1):
            self._render_item(item)
            if self.progress:
                self.progress(done, len(work))
        self._render_item(("site", 0, ""))
        self._assets()
        self._check_anchors()
        return dict(sorted(self.files.items()))

    def _item_key(self, item: tuple[str, int, str]) -> str:
        """The item cache key: the site's structure, which item, and the bodies it shows."""
        kind, index, lang = item
        if kind == "page":
            version = self.site.versions[index]
            identity, bodies = (kind, version.key, version.lang), [version.source.body]
        elif kind == "session":
            session = self.site.sessions[index]
            identity, bodies = (kind, session.id, lang), [text.body for text in session.texts]
        else:
            identity, bodies = (kind,), []
        return item_key(self.structure, identity, bodies)

    def _render_item(self, item: tuple[str, int, str]) -> None:
        """Render one item, or replay it from the item cache when its inputs are unchanged."""
        key = self._item_key(item)
        cached = self.items.get(key)
        if cached is None:
            cached = self._render_fresh(item)
            self.items.put(key, cached)
        self.files.update(cached["files"])
        for path, line, message in cached["warnings"]:
            self.diag.warn(self.site.root / path, line, message)
        self._anchors.extend((Path(p), line, target, fragment, href)
                             for p, line, target, fragment, href in cached["anchors"])

    def _render_fresh(self, item: tuple[str, int, str]) -> dict[str, Any]:
        """Render an item on its own; return what it made, in the item cache's form."""
        kept = self.files, self.diag.problems, self._anchors
        self.files, self.diag.problems, self._anchors = {}, [], []
        try:
            kind, index, lang = item
            if kind == "page":
                self._page(self.site.versions[index])
            elif kind == "session":
                session_views.render_session(self, self.site.sessions[index], lang)
            else:
                session_views.render_calendar_files(self)
                self._root()
                self._not_found()
                self.emit("/sitemap.xml", self._sitemap())
                self.emit("/robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {self.absolute('/sitemap.xml')}\n")
            return {"files": self.files,
                    "warnings": [(p.path, p.line, p.message) for p in self.diag.problems],
                    "anchors": [(str(p), line, target, fragment, href)
                                for p, line, target, fragment, href in self._anchors]}
        finally:
            self.files, self.diag.problems, self._anchors = kept

    def _render_in_workers(self, work: list[tuple[str, int, str]]) -> None:
        """Render on `jobs` forked processes; merge files, problems and cache entries in order."""
        global _FORKED
        _FORKED = self  # inherited by the forked workers, never pickled
        size = max(1, len(work) // (self.jobs * 8))
        chunks = [work[i:i + size] for i in range(0, len(work), size)]
        done = 0
        try:
            with ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                for chunk, (files, events, problems, anchors, converted, used, items, items_used) in zip(
                        chunks, pool.map(_render_chunk, chunks)):
                    self.files.update(files)
                    self.events.update(events)
                    self.diag.problems.extend(problems)
                    self._anchors.extend(anchors)
                    self.cache.store.merge(converted, used)
                    self.items.store.merge(items, items_used)
                    done += len(chunk)
                    if self.progress:
                        self.progress(min(done, len(work)), len(work))
        finally:
            _FORKED = None

    def _check_anchors(self) -> None:
        """Warn about `page.md#anchor` links to an id the target page does not have."""
        ids: dict[str, set[str]] = {}
        for source_path, line, target, fragment, href in self._anchors:
            if target not in ids:
                ids[target] = _ids(self.files.get(output_path(target), b"").decode("utf-8"))
            if unquote(fragment) not in ids[target]:
                self.diag.warn(source_path, line, f'link "{href}": the page has no heading or anchor '
                               f'"#{fragment}"; check the heading\'s id (headings get ids from their text)')

    def _page(self, version: Version) -> None:
        context = views.page_context(self, version)
        self.emit(version.url, self.render(version.lang, context.pop("template"), **context))

    def _root(self) -> None:
        lang = self.config.default_language
        choices = [{"code": code, "name": language_name(code), "url": f"/{code}/",
                    "title": self.config.title.get(code, self.config.languages)}
                   for code in self.config.languages]
        html = self.render(lang, "chooser.html", page_url="/", choices=choices,
                           canonical=self.config.base_url,
                           alternates=self.alternates({c: f"/{c}/" for c in self.config.languages}))
        self.emit("/", html)

    def _not_found(self) -> None:
        """One 404 page for every language, its links rooted at base_url's path."""
        sections = [Markup(self.render(code, "404-message.html", page_url="/404.html", rooted=True,
                                       first=(code == self.config.default_language)))
                    for code in self.config.languages]
        lang = self.config.default_language
        self.emit("/404.html", self.render(lang, "404.html", page_url="/404.html", rooted=True, sections=sections))

    def _assets(self) -> None:
        if self.theme.assets.is_dir():
            for path in sorted(self.theme.assets.rglob("*")):
                if path.is_file():
                    self.emit("/assets/" + path.relative_to(self.theme.assets).as_posix(), path.read_bytes())
        for path in self.site.assets:
            self.emit("/" + path.relative_to(self.site.root / "content").as_posix(), path.read_bytes())

    def _sitemap(self) -> bytes:
        ET.register_namespace("", SITEMAP_NS)
        ET.register_namespace("xhtml", XHTML_NS)
        urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
        for group in views.translation_groups(self):
            for lang, url in group.items():
                entry = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
                ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = self.absolute(url)
                for alternate in self.alternates(group):
                    ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", **alternate)
        ET.indent(urlset)
        return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


def _ids(html: str) -> set[str]:
    """Every id in a page, found with an HTML parser."""
    collector = _IdCollector()
    collector.feed(html)
    collector.close()
    return collector.ids


#: The renderer a forked worker inherits from its parent (set only while a pool runs).
_FORKED: SiteRenderer | None = None


def _render_chunk(items: list[tuple[str, int, str]]) -> tuple:
    """Worker: render some items; return their files, problems, anchors and new cache entries."""
    r = _FORKED
    r.files, r.events, r._anchors, r.diag.problems, r.progress = {}, {}, [], [], None
    r.cache.store.worker_start()
    r.items.store.worker_start()
    for item in items:
        r._render_item(item)
    return r.files, r.events, r.diag.problems, r._anchors, *r.cache.store.worker_result(), *r.items.store.worker_result()


def render_site(site: Site, theme: Theme, translations: dict[str, Any], diag: Diagnostics,
                cache: MarkdownCache | None = None, jobs: int = 1,
                progress: Callable[[int, int], None] | None = None,
                items: ItemCache | None = None, structure: str = "") -> dict[str, bytes]:
    """Render every output file of `site`."""
    return SiteRenderer(site, theme, translations, diag, cache, jobs, progress, items, structure).render_all()
