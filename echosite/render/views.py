"""Stage 6 (render): what templates see: plain dictionaries prepared from the model, never the model."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Version, session_url
from ..text import language_name, og_locale

if TYPE_CHECKING:
    from . import SiteRenderer


def site_view(r: "SiteRenderer", lang: str) -> dict[str, Any]:
    """Site-wide values for every page of `lang`."""
    config, order = r.config, r.config.languages
    return {
        "title": config.title.get(lang, order),
        "title_lang": config.title.lang_of(lang, order),
        "description": config.description.get(lang, order),
        "footer": config.footer.get(lang, order),
        "home": f"/{lang}/",
        "languages": [{"code": code, "name": language_name(code)} for code in order],
        "nav": _nav(r, lang),
    }


def _nav(r: "SiteRenderer", lang: str) -> list[dict[str, Any]]:
    entries = [v for v in r.site.versions if v.lang == lang and v.source.menu]
    entries.sort(key=lambda v: (v.source.weight, v.source.title, v.url))
    return [{"title": v.source.title, "url": v.url, "lang": v.source.lang} for v in entries]


def page_context(r: "SiteRenderer", version: Version) -> dict[str, Any]:
    """The template and variables for one page version."""
    lang, source, site = version.lang, version.source, r.site
    real = {v.lang: v.url for v in site.translations(version.key)}
    original = real.get(source.lang, version.url)
    content = r.markdown_html(source.body, source.lang, lang, source.path, source.body_line, version.url)
    context: dict[str, Any] = {
        "template": "calendar.html" if source.layout == "calendar" else "page.html",
        "page_url": version.url,
        "canonical": r.absolute(original if version.is_fallback else version.url),
        "alternates": r.alternates(real),
        "switcher": switcher(r, lang, {code: (v.url if (v := site.version(version.key, code)) else f"/{code}/")
                                       for code in r.config.languages}),
        "og": {"locale": og_locale(lang),
               "alternates": [og_locale(code) for code in real if code != lang]},
        "page": {
            "title": source.title,
            "description": source.description or r.config.description.get(lang, r.config.languages),
            "content": content,
            "content_lang": source.lang,
            "is_fallback": version.is_fallback,
            "source_language": language_name(source.lang, lang, label=False),
            "is_home": version.key == "index",
        },
    }
    from .session_views import page_calendar  # sessions of a programme page, or the site calendar

    context.update(page_calendar(r, version))
    return context


def switcher(r: "SiteRenderer", lang: str, urls: dict[str, str]) -> list[dict[str, Any]]:
    """Links to the same page in each other language."""
    return [{"code": code, "name": language_name(code), "url": url}
            for code, url in urls.items() if code != lang]


def translation_groups(r: "SiteRenderer") -> list[dict[str, str]]:
    """Every set of real translations (lang -> URL), for the sitemap."""
    groups, seen = [], set()
    for version in r.site.versions:
        if version.key in seen:
            continue
        seen.add(version.key)
        group = {v.lang: v.url for v in r.site.translations(version.key)}
        if group:
            groups.append(group)
    for session in r.site.sessions:
        groups.append({lang: session_url(lang, session.id) for lang in r.config.languages})
    return groups
