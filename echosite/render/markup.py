"""Stage 6 (render): Markdown to safe HTML: Python-Markdown, link placeholders in the tree, nh3 allow-list.

Conversion is pure and cacheable: it depends only on the text and the language's
settings. Internal links become placeholders, filled per page by `fill_links`, so
the same cached HTML serves every page and language that shows the text.
`plain_text` gives the same Markdown as plain text, for calendar descriptions.
"""
from __future__ import annotations

import functools
import hashlib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor
from markupsafe import escape

from .typography import Typography

#: Resolves an href written by the editor to the href to publish, or None when broken.
LinkResolver = Callable[[str], "str | None"]

#: What editors get (README: "For editors"); each extension costs time on every page.
#: `typography` gives smarty's output at a fraction of its cost (see typography.py).
EXTENSIONS = ("tables", "attr_list", "toc", "typography", "sane_lists")
_GUILLEMETS = {"left-double-quote": "«", "right-double-quote": "»"}
_GUILLEMET_LANGUAGES = ("es", "fr", "pt", "it", "ca")
#: Placeholder for the n-th internal link; a fragment-only URL, so the sanitizer keeps it.
_TOKEN = "#echosite-link-"
#: Part of every cache key: change it when conversion changes.
SETTINGS_VERSION = f"2|markdown {markdown.__version__}|nh3 {nh3.__version__}|{','.join(EXTENSIONS)}"

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


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML of a Markdown text, internal links still as placeholders."""

    html: str
    links: tuple[str, ...]  # the hrefs as written, in placeholder order


class _LinkCollector(Treeprocessor):
    """Swaps internal `a[href]`/`img[src]` for placeholders; wraps tables for scrolling."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.links: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attr = {"a": "href", "img": "src"}.get(element.tag)
            href = element.get(attr) if attr else None
            if href and is_internal(href):
                element.set(attr, f"{_TOKEN}{len(self.links)}")
                self.links.append(href)
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":  # wide tables scroll on their own on a phone
                    wrapper = etree.Element("div", {"class": "table-scroll", "tabindex": "0"})
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)


def is_internal(href: str) -> bool:
    """A relative link to something in the site (no scheme, host, root or bare fragment)."""
    parts = urlsplit(href)
    return not (parts.scheme or parts.netloc or href.startswith(("#", "/", "\\"))) and bool(parts.path)


class Renderer:
    """One reusable Markdown instance for the texts written in one language."""

    def __init__(self, lang: str):
        self.settings = "guillemets" if lang.split("-")[0] in _GUILLEMET_LANGUAGES else "plain"
        typography = Typography(_GUILLEMETS if self.settings == "guillemets" else None)
        extensions = [typography if name == "typography" else name for name in EXTENSIONS]
        self._md = markdown.Markdown(extensions=extensions, extension_configs={"toc": {"permalink": False}})
        self._links = _LinkCollector(self._md)
        self._md.treeprocessors.register(self._links, "echosite-links", 1)

    def key(self, text: str) -> str:
        """Cache key of converting `text`: its hash with the conversion settings."""
        return hashlib.sha256(f"{SETTINGS_VERSION}|{self.settings}\0{text}".encode()).hexdigest()

    def convert(self, text: str) -> Rendered:
        """Markdown `text` to sanitized HTML with link placeholders."""
        self._md.reset()
        self._links.links = []
        html = sanitize(self._md.convert(text))
        return Rendered(html, tuple(self._links.links))


def fill_links(rendered: Rendered, resolve: LinkResolver) -> str:
    """The final HTML: each placeholder replaced by its resolved (or, if broken, written) href."""
    html = rendered.html
    for index, href in enumerate(rendered.links):
        target = resolve(href) or href
        html = html.replace(f'"{_TOKEN}{index}"', f'"{escape(target)}"')
    return html


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return _CLEANER.clean(html)


def relative_url(from_url: str, to_url: str) -> str:
    """A relative href from the page at site path `from_url` to site path `to_url`.

    Both are paths from the site root, such as `/en/about/` or `/assets/style.css`.
    """
    base = from_url.split("/")[1:-1]  # the folders of the page: ["en", "about"]
    target = to_url.split("/")[1:]   # ["en", ""] for /en/, ["assets", "style.css"]
    common = 0
    while common < len(base) and common < len(target) - 1 and base[common] == target[common]:
        common += 1
    rel = "../" * (len(base) - common) + "/".join(target[common:])
    return rel or "./"


@functools.lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Markdown as readable plain text: link targets in brackets when absolute, no markup."""
    extractor = _PlainText()
    converter = _plain_markdown()
    extractor.feed(converter.reset().convert(source))
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@functools.lru_cache(maxsize=1)
def _plain_markdown() -> markdown.Markdown:
    """One Markdown instance for plain-text summaries (building one per call is slow)."""
    return markdown.Markdown()


class _PlainText(HTMLParser):
    """Collects the text of rendered Markdown, one paragraph per block."""

    _BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href if urlsplit(href).scheme in ("http", "https", "mailto") else None)
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            if href:
                self.parts.append(f" ({href.removeprefix('mailto:')})")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "")

    def handle_data(self, data: str) -> None:
        if data.strip() or "\n" not in data:  # skip the newlines between block tags
            self.parts.append(data)
