"""Stage 6 (render): one item of the site into its output files, through the templates.

The only place in the engine that makes output files. For each item (a page, a
session in one language, or the site-wide files) it asks the views for plain data,
fills the Jinja2 templates (one environment per language: autoescape,
`StrictUndefined`, gettext from the catalogs), serializes iCalendar events and the
sitemap, and returns an `ItemResult`: its files, warnings and links to anchors.
"""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..cache import Store
from ..errors import Diagnostics
from ..model import Site
from ..sessions import Session
from ..text import parse_locale
from ..theme import Theme
from . import session_views, views
from .ics import assemble_calendar, event_ics
from .items import Item, ItemResult, pack
from .links import LinkToPage, PageLinks, output_path
from .markup import Rendered, Renderer, relative_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


#: The templates every page and session is rendered with: compiled before workers start.
ITEM_TEMPLATES = ("page.html", "calendar.html", "session.html", "labels.html")


class TemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in a cache store between builds: a template is compiled again
    only when its source (Jinja compares a checksum of it) or the engine (`salt`) changed."""

    def __init__(self, store: Store, salt: str):
        self.store, self.salt = store, salt

    def _key(self, bucket: jinja2.bccache.Bucket) -> str:
        return hashlib.sha256(f"{self.salt}\0{bucket.key}\0{bucket.checksum}".encode()).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        stored = self.store.get(self._key(bucket))
        if isinstance(stored, bytes):
            try:
                bucket.bytecode_from_string(stored)
            except Exception:  # a damaged entry, in any of the ways unpickling reports: compile again
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store.put(self._key(bucket), bucket.bytecode_to_string())


def make_environment(theme: Theme, translations: Any, code: TemplateCode | None = None) -> jinja2.Environment:
    """A Jinja environment for one language's catalog: autoescape, strict, gettext installed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme.templates),
        bytecode_cache=code,
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


class SiteRenderer:
    """Renders the items of one site model; converted Markdown is cached in `markdown`."""

    def __init__(self, site: Site, *, theme: Theme, translations: dict[str, Any], markdown: Store,
                 code: TemplateCode | None = None):
        self.site, self.theme, self.config = site, theme, site.config
        self.envs = {lang: make_environment(theme, translations[lang], code) for lang in self.config.languages}
        self.reserved_ids = theme.reserved_ids()
        self._markdown = {lang: Renderer(lang, self.reserved_ids) for lang in self.config.languages}
        self._store = markdown
        self._site_views: dict[str, dict[str, Any]] = {}
        self._events: dict[tuple[str, str], bytes] = {}  # serialized VEVENTs by (session id, lang)

    def render(self, item: Item) -> ItemResult:
        """Render one item on its own: its files, warnings and links to anchors."""
        kind, index, lang = item
        out = _Output(self.site.root)
        if kind == "page":
            self._page(index, out)
        elif kind == "session":
            self._session(self.site.sessions[index], lang, out)
        elif kind == "calendar":
            self._default_calendar(lang, out)
        else:
            self._site_files(out)
        problems = {kind: [(p.path, p.line, p.message) for p in out.diag.problems if p.is_error == kind]
                    for kind in (False, True)}
        return ItemResult(pack(out.files), problems[False], out.anchors, out.events, errors=problems[True])

    def compile_templates(self) -> None:
        """Compile (or load) the templates of pages and sessions now, before workers are forked:
        they inherit them rather than each compiling its own."""
        for env in self.envs.values():
            for name in ITEM_TEMPLATES:
                if (self.theme.templates / name).is_file():
                    env.get_template(name)

    def remember_events(self, events: dict[tuple[str, str], bytes]) -> None:
        """Reuse events serialized elsewhere (by workers) for the site-wide calendars."""
        self._events.update(events)

    def assets(self) -> dict[str, Path]:
        """The theme's `assets/` and the static files of `content/`: their sources by output path."""
        found = {}
        if self.theme.assets.is_dir():
            for path in sorted(self.theme.assets.rglob("*")):
                if path.is_file():
                    found["assets/" + path.relative_to(self.theme.assets).as_posix()] = path
        for path in self.site.assets:
            found[path.relative_to(self.site.root / "content").as_posix()] = path
        return found

    # -- items -------------------------------------------------------------------------

    def _page(self, index: int, out: _Output) -> None:
        version = self.site.versions[index]
        to_html = self._to_html(version.lang, version.url, out)
        context = {**views.page_view(self.site, version, to_html), **session_views.page_calendar(self.site, version)}
        self._publish(out, version.url, self._template(version.lang, context.pop("template"), **context),
                      version.lang, version.source.title)
        if not version.is_fallback:
            for alias, _line in version.source.aliases:
                out.emit(alias, self._redirect(version.lang, alias, version.source.title, version.url))

    def _default_calendar(self, lang: str, out: _Output) -> None:
        """The site-wide calendar's page where no page has `layout: calendar`."""
        words = self._words(lang)
        page = views.default_calendar_view(self.site, lang, words.calendar_title.unescape(),
                                           words.calendar_description.unescape())
        context = {**page, **session_views.site_calendar(self.site, lang, page["page_url"])}
        self._publish(out, context["page_url"], self._template(lang, context.pop("template"), **context), lang,
                      page["page"]["title"])

    def _session(self, session: Session, lang: str, out: _Output) -> None:
        """A session's page and its iCalendar file, in `lang`."""
        context = session_views.session_view(self.site, session, lang, self._to_html(lang, self.site.session_url(lang, session.id), out))
        title = session.title.get(lang, self.config.languages)
        self._publish(out, context["page_url"], self._template(lang, "session.html", **context), lang, title)
        event = self._event(session, lang)
        out.events[(session.id, lang)] = event
        self._publish(out, session_views.ics_url(self.site, lang, session.id), assemble_calendar(title, [event]),
                      lang, title)

    def _site_files(self, out: _Output) -> None:
        """The iCalendar files of programmes and of the site, the language chooser, 404, sitemap, robots.txt."""
        for lang in self.config.languages:
            for url, name, sessions in session_views.calendar_files(self.site, lang):
                self._publish(out, url, assemble_calendar(name, [self._event(s, lang) for s in sessions], feed=True),
                              lang, name)
        lang = self.config.default_language
        out.emit("/", self._template(lang, "chooser.html", **views.chooser_view(self.site)))
        sections = [Markup(self._template(code, "404-message.html", page_url="/404.html", rooted=True,
                                          first=(code == lang)))
                    for code in self.config.languages]
        out.emit("/404.html", self._template(lang, "404.html", page_url="/404.html", rooted=True, sections=sections))
        out.emit("/sitemap.xml", self._sitemap())
        out.emit("/robots.txt", views.robots_txt(self.config))

    # -- helpers -----------------------------------------------------------------------

    def _publish(self, out: _Output, url: str, data: str | bytes, lang: str, title: str) -> None:
        """Emit a page or calendar file at `url`, and below each old folder of `moved:` that `url`'s
        folder replaced: a redirect page for a page, the same bytes for a calendar file (so that
        apps subscribed at the old address keep receiving updates)."""
        out.emit(url, data)
        for old, new, _line in self.config.moved:
            if url.startswith(new):
                was = old + url[len(new):]
                out.emit(was, self._redirect(lang, was, title, url) if url.endswith("/") else data)

    def _redirect(self, lang: str, url: str, title: str, target: str) -> str:
        """The page at an old address `url` that sends the browser on to `target`."""
        return self._template(lang, "alias.html", **views.redirect_view(self.site, url, title, target))

    def _template(self, lang: str, template: str, **context: Any) -> str:
        context.setdefault("rooted", False)
        if lang not in self._site_views:
            self._site_views[lang] = views.site_view(self.site, lang)
        return self.envs[lang].get_template(template).render(
            site=self._site_views[lang], lang=lang, dir=parse_locale(lang).text_direction,
            base_path=self.config.base_path, **context)

    def _to_html(self, lang: str, page_url: str, out: _Output) -> PageLinks:
        return PageLinks(self.site, lang, page_url, self._converted, out.diag, out.anchors)

    def _converted(self, lang: str, text: str) -> Rendered:
        """Markdown written in `lang`, converted once: from the cache when it was before."""
        renderer = self._markdown[lang]
        key = renderer.key(text)
        stored = _stored(self._store.get(key))
        if stored is not None:
            return stored
        rendered = renderer.convert(text)
        self._store.put(key, json.dumps([rendered.html, [list(link) for link in rendered.links]], ensure_ascii=False))
        return rendered

    def _event(self, session: Session, lang: str) -> bytes:
        """A session's serialized VEVENT in `lang`, made once per build and reused."""
        key = (session.id, lang)
        if key not in self._events:
            words = self._words(lang)
            title = session.title.get(lang, self.config.languages)
            self._events[key] = event_ics(session, lang, self.config.languages, self.config,
                                          views.absolute(self.config, self.site.session_url(lang, session.id)),
                                          words.presenters, words.online,
                                          words.cancelled(title).unescape() if session.status == "cancelled" else None)
        return self._events[key]

    def _words(self, lang: str) -> Any:
        """The interface's words used outside templates (labels.html), in `lang`."""
        return self.envs[lang].get_template("labels.html").module

    def _sitemap(self) -> bytes:
        ET.register_namespace("", SITEMAP_NS)
        ET.register_namespace("xhtml", XHTML_NS)
        urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
        # The language chooser first: it is every home page's x-default, with their links.
        pages = [("/", views.home_group(self.config))]
        pages += [(url, group) for group in views.translation_groups(self.site) for url in group.values()]
        for url, group in pages:
            entry = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = views.absolute(self.config, url)
            for alternate in views.alternates(self.config, group):
                ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", **alternate)
        ET.indent(urlset)
        return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


class _Output:
    """What one item is making: files, warnings (relative to the site root), anchors, events."""

    def __init__(self, root: Path):
        self.files: dict[str, bytes] = {}
        self.diag = Diagnostics(root=root)
        self.anchors: list[LinkToPage] = []
        self.events: dict[tuple[str, str], bytes] = {}

    def emit(self, url: str, data: str | bytes) -> None:
        self.files[output_path(url)] = data.encode("utf-8") if isinstance(data, str) else data


def _stored(value: object) -> Rendered | None:
    """What a Markdown cache entry holds; None when there is none or it is not what `_converted` stores."""
    try:
        html, links = json.loads(value) if isinstance(value, str) else (None, None)
    except ValueError:
        return None
    if isinstance(html, str) and isinstance(links, list) and all(
            isinstance(link, list) and len(link) == 2 and link[0] in ("a", "img") and isinstance(link[1], str)
            for link in links):
        return Rendered(html, tuple(map(tuple, links)))
    return None
