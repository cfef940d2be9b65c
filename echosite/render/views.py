"""Stage 6 (render): what templates see: plain data prepared from the model, never the model.

Views are pure functions of the site model. The one thing they cannot work out alone,
Markdown turned into HTML with its links resolved for the page being rendered, comes
in as a `ToHtml` (see `links.PageLinks`). Absolute URLs come from `base_url`.
"""
from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Protocol

from markupsafe import Markup

from ..config import Config
from ..content import section_of
from ..model import Site, Version
from ..sessions import Session
from ..text import language_name, og_locale
from . import times


class ToHtml(Protocol):
    """Markdown written in `text_lang` as HTML for the page being rendered; `path` and `line` locate it."""

    def __call__(self, text: str, text_lang: str, path: Path, line: int) -> Markup: ...


def absolute(config: Config, url: str) -> str:
    """The absolute URL of a site path, under `base_url`."""
    return config.base_url + url.lstrip("/")


def image_url(config: Config) -> str | None:
    """The absolute URL of the site's default image (`image` in site_config.yaml), if any."""
    if config.image is None:
        return None
    return config.image if "://" in config.image else absolute(config, config.image)


def alternates(config: Config, urls: dict[str, str]) -> list[dict[str, str]]:
    """hreflang links: every real translation (lang -> site path), then x-default (the chooser)."""
    links = [{"hreflang": lang, "href": absolute(config, url)} for lang, url in urls.items()]
    return links + [{"hreflang": "x-default", "href": config.base_url}]


def switcher(lang: str, urls: dict[str, str]) -> list[dict[str, Any]]:
    """Links to the same page in each other language (lang -> site path)."""
    return [{"code": code, "name": language_name(code), "url": url}
            for code, url in urls.items() if code != lang]


def site_view(site: Site, lang: str) -> dict[str, Any]:
    """Site-wide values for every page of `lang`."""
    config, order = site.config, site.config.languages
    return {
        "title": config.title.get(lang, order),
        "title_lang": config.title.lang_of(lang, order),
        "description": config.description.get(lang, order),
        "footer": config.footer.get(lang, order),
        "footer_lang": config.footer.lang_of(lang, order),
        "home": f"/{lang}/",
        "languages": [{"code": code, "name": language_name(code)} for code in order],
        "nav": _nav(site, lang),
        # The reference zone of every headline time, and the locale's clock, for the script's times.
        "zone": config.timezone.key,
        "zone_label": times.zone_label(config.timezone.key, lang),
        "hour_cycle": times.hour_cycle(lang),
        "image": image_url(config),
        # The site-wide calendar (None without sessions); the menu links a default one itself.
        "calendar": {"url": url, "default": site.calendar_page is None} if (url := site.calendar_url(lang)) else None,
    }


def _nav(site: Site, lang: str) -> list[dict[str, Any]]:
    entries = [v for v in site.versions if v.lang == lang and v.source.menu]
    entries.sort(key=lambda v: (v.source.weight, v.source.title, v.url))
    return [{"title": v.source.title, "url": v.url, "lang": v.source.lang} for v in entries]


def page_view(site: Site, version: Version, to_html: ToHtml) -> dict[str, Any]:
    """The template and variables of one page version (its calendar: `session_views.page_calendar`)."""
    lang, source, config = version.lang, version.source, site.config
    real = {v.lang: v.url for v in site.translations(version.key)}
    original = real.get(source.lang, version.url)
    return {
        "template": "calendar.html" if source.layout == "calendar" else "page.html",
        "page_url": version.url,
        "canonical": absolute(config, original if version.is_fallback else version.url),
        "alternates": alternates(config, real),
        "switcher": switcher(lang, {code: (v.url if (v := site.version(version.key, code)) else f"/{code}/")
                                    for code in config.languages}),
        "og": {"locale": og_locale(lang),
               "alternates": [og_locale(code) for code in real if code != lang]},
        "page": {
            "title": source.title,
            "description": source.description or config.description.get(lang, config.languages),
            "content": to_html(source.body, source.lang, source.path, source.body_line),
            "content_lang": source.lang,
            "is_fallback": version.is_fallback,
            "source_language": language_name(source.lang, lang, label=False),
            "is_home": version.key == "index",
            # A draft (built with --drafts) is a preview: search engines must not index it.
            "noindex": source.draft,
            "children": _children(site, version) if source.layout == "section" else [],
        },
    }


def redirect_view(site: Site, url: str, title: str, target: str) -> dict[str, Any]:
    """A redirect page at an old URL (`aliases:`, `moved:`) of a page: where it moved, for people and
    search engines."""
    return {"page_url": url, "title": title, "target": target, "canonical": absolute(site.config, target)}


def _children(site: Site, version: Version) -> list[dict[str, Any]]:
    """The pages one level below a section page, in its language, by weight then title."""
    section = section_of(version.key)
    found = [v for v in site.versions if v.lang == version.lang and v.key != version.key
             and posixpath.dirname(section_of(v.key)) == section]
    found.sort(key=lambda v: (v.source.weight, v.source.title, v.url))
    return [{"title": v.source.title, "url": v.url, "description": v.source.description, "lang": v.source.lang}
            for v in found]


def default_calendar_view(site: Site, lang: str, title: str, description: str) -> dict[str, Any]:
    """The variables of the site-wide calendar's page where no page has `layout: calendar`
    (`title` and `description` are the interface's words for it; its calendar: `session_views.site_calendar`)."""
    config = site.config
    urls = {code: site.calendar_url(code) or "" for code in config.languages}
    return {
        "template": "calendar.html",
        "page_url": urls[lang],
        "canonical": absolute(config, urls[lang]),
        "alternates": alternates(config, urls),
        "switcher": switcher(lang, urls),
        "og": {"locale": og_locale(lang), "alternates": [og_locale(code) for code in urls if code != lang]},
        "page": {"title": title, "description": description, "content": Markup(""), "content_lang": lang,
                 "is_fallback": False, "source_language": "", "is_home": False, "noindex": False,
                 "children": []},
    }


def chooser_view(site: Site) -> dict[str, Any]:
    """The root page's variables: one choice per language, each in its own language."""
    config, order = site.config, site.config.languages
    return {
        "page_url": "/",
        # A language whose title is missing borrows another's: `title_lang` says which.
        "choices": [{"code": code, "name": language_name(code), "url": f"/{code}/",
                     "title": config.title.get(code, order), "title_lang": config.title.lang_of(code, order)}
                    for code in order],
        "canonical": config.base_url,
        "alternates": alternates(config, home_group(config)),
    }


def robots_txt(config: Config) -> str:
    """robots.txt: crawlers read it only at the root of a host, so a site in a sub-path
    cannot speak for the host: its file says what to add to the host's own."""
    sitemap = f"Sitemap: {absolute(config, '/sitemap.xml')}\n"
    if config.base_path == "/":
        return f"User-agent: *\nAllow: /\n\n{sitemap}"
    root = config.base_url[: -len(config.base_path)] + "/robots.txt"
    return (f"# This site is published at {config.base_url}, but crawlers read robots.txt only at\n"
            f"# the root of a host ({root}), never here. To point them at this site's sitemap,\n"
            "# add the line below to that file.\n"
            + sitemap)


def home_group(config: Config) -> dict[str, str]:
    """Every language's home page (lang -> site path): the chooser's hreflang links."""
    return {code: f"/{code}/" for code in config.languages}


def translation_groups(site: Site) -> list[dict[str, str]]:
    """Every set of real translations (lang -> site path), for the sitemap."""
    groups, seen = [], set()
    for version in site.versions:
        if version.key in seen:
            continue
        seen.add(version.key)
        group = {v.lang: v.url for v in site.translations(version.key)}
        if group:
            groups.append(group)
    if site.sessions and site.calendar_page is None:
        groups.append({lang: site.calendar_url(lang) or "" for lang in site.config.languages})
    for session in site.sessions:
        if group := session_translations(site, session):
            groups.append(group)
    return groups


def session_translations(site: Site, session: Session) -> dict[str, str]:
    """The session's pages (lang -> site path) in the languages it lacks nothing in: its real translations."""
    return {lang: site.session_url(lang, session.id) for lang in site.config.languages if not session.missing(lang)}
