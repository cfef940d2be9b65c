"""Markdown to safe HTML: Python-Markdown, link rewriting in the tree, nh3 allow-list."""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

#: Resolves an href written by the editor to the href to publish, or None when broken.
LinkResolver = Callable[[str], "str | None"]

EXTENSIONS = ("tables", "attr_list", "toc", "smarty", "fenced_code", "sane_lists", "def_list", "abbr")
_SPANISH_QUOTES = {"left-double-quote": "«", "right-double-quote": "»"}

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "h1",
}
_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir", "title"},
    "div": {"tabindex"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"scope", "colspan", "rowspan", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": {"title"},
}
# Keeps heading ids and classes (Markdown's toc and attr_list); drops script,
# event handlers and javascript: URLs.
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel=None,
    clean_content_tags={"script", "style"},
    filter_style_properties={"text-align"},
)


class _LinkRewriter(Treeprocessor):
    """Rewrites `a[href]` and `img[src]` through the current resolver; wraps tables for scrolling."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.resolver: LinkResolver = lambda href: href

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attr = {"a": "href", "img": "src"}.get(element.tag)
            href = element.get(attr) if attr else None
            if href:
                element.set(attr, self.resolver(href) or href)
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":  # wide tables scroll on their own on a phone
                    wrapper = etree.Element("div", {"class": "table-scroll", "tabindex": "0"})
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)


class Renderer:
    """One reusable Markdown instance for one language."""

    def __init__(self, lang: str):
        configs = {"toc": {"permalink": False}}
        if lang.split("-")[0] in ("es", "fr", "pt", "it", "ca"):
            configs["smarty"] = {"substitutions": _SPANISH_QUOTES}
        self._md = markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=configs)
        self._links = _LinkRewriter(self._md)
        self._md.treeprocessors.register(self._links, "echosite-links", 1)

    def html(self, text: str, resolver: LinkResolver | None = None) -> str:
        """Render Markdown `text` to sanitized HTML, rewriting links with `resolver`."""
        self._md.reset()
        self._links.resolver = resolver or (lambda href: href)
        return sanitize(self._md.convert(text))


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return _CLEANER.clean(html)


def relative_url(from_url: str, to_url: str) -> str:
    """A relative href from the page at site path `from_url` to site path `to_url`."""
    base = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    rel = posixpath.relpath(to_url, base)
    if to_url.endswith("/") and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel
