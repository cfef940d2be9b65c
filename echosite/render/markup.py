"""Stage 6 (render): Markdown to safe HTML: Python-Markdown, link placeholders in the tree, nh3 allow-list.

Conversion is pure and cacheable: it depends only on the text and the language's
settings. Internal links become placeholders, filled per page by `fill_links`, so
the same cached HTML serves every page and language that shows the text.
`plain_text` gives the same Markdown as plain text, for calendar descriptions.

Python-Markdown's work grows faster than the text in places (nested blocks are
parsed recursively, every block processor re-reads the rest of a block, inline
patterns rescan an element's text after each match), so a text is refused when it
passes the limits below, with `TooComplex`, and `_Bounds` makes the link patterns
linear. Within the limits, the slowest text measured converts in a few seconds
(README: "What the generator refuses, and why"; docs/benchmarks.md).
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
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import escape

from .typography import Typography

#: Resolves a link written by the editor (its tag, "a" or "img", and href) to the href to publish, or None when broken.
LinkResolver = Callable[[str, str], "str | None"]

#: What editors get (README: "For editors"); each extension costs time on every page.
#: `typography` gives smarty's output at a fraction of its cost (see typography.py).
EXTENSIONS = ("tables", "attr_list", "toc", "typography", "sane_lists")
_GUILLEMETS = {"left-double-quote": "«", "right-double-quote": "»"}
_GUILLEMET_LANGUAGES = ("es", "fr", "pt", "it", "ca")
#: The limits of one text (a page, a session's text or summary).
MAX_CHARACTERS = 100_000
#: Lines in one block (a paragraph, list, table or quote with no blank line in it).
MAX_BLOCK_LINES = 1_000
#: Levels of elements inside each other: lists, quotes, emphasis, links.
MAX_NESTING = 32
#: Longest `(…)` part of a link `[text](…)`: beyond it, a `(` opens no link.
MAX_LINK_TARGET = 2_000
#: Characters Python's HTML reader may scan for tags left open (`<b` with no `>` after it);
#: it reads from each such `<` to the next `>` (its work grows with their count times the text).
MAX_OPEN_TAG_SCAN = 5_000_000
#: Placeholder for the n-th internal link; a fragment-only URL, so the sanitizer keeps it.
_TOKEN = "#echosite-link-"
#: Part of every cache key: change it when conversion changes.
SETTINGS_VERSION = f"4|markdown {markdown.__version__}|nh3 {nh3.__version__}|{','.join(EXTENSIONS)}"

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
    "td": {"colspan", "rowspan", "style", "data-label"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": {"title"},
}
#: Attributes that link to something: internal ones are resolved per page, in Markdown and raw HTML alike.
_LINKING = {("a", "href"): "a", ("img", "src"): "img"}


def _cleaner(attribute_filter: Callable[[str, str, str], str | None]) -> nh3.Cleaner:
    """Keeps heading ids and classes (Markdown's toc and attr_list); drops script, event
    handlers and javascript: URLs. `attribute_filter` sees every attribute kept."""
    return nh3.Cleaner(
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        clean_content_tags={"script", "style"},
        filter_style_properties={"text-align"},
        attribute_filter=attribute_filter,
    )


class TooComplex(Exception):
    """A text beyond the limits: `line` (in the text, 1 for its first; 0 for the whole text) and what to do."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def check_limits(text: str) -> None:
    """Raise TooComplex if `text` is too large or has too long a block (one linear pass)."""
    if len(text) > MAX_CHARACTERS:
        raise TooComplex(0, f"the text is too large ({len(text):,} characters; limit {MAX_CHARACTERS:,}): "
                            "split it into several pages")
    start, run = 0, 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            start, run = (start or number), run + 1
            if run > MAX_BLOCK_LINES:
                raise TooComplex(start, f"the block that starts here is too long (over {MAX_BLOCK_LINES:,} "
                                        "lines without a blank line; limit "
                                        f"{MAX_BLOCK_LINES:,}): split it with blank lines, or into several tables")
        else:
            start, run = 0, 0
    _check_open_tags(text)


_TAG_START = re.compile(r"<[a-zA-Z]|>")


def _check_open_tags(text: str) -> None:
    """Refuse a text whose `<`-before-a-letter (an HTML start tag, for Python's HTML reader)
    are so many and so far from a `>` that reading them would take minutes."""
    scan, opened = 0, []
    for mark in _TAG_START.finditer(text):
        if mark.group() != ">":
            opened.append(mark.start())
            continue
        scan += sum(mark.start() - start for start in opened)
        opened = []
    scan += sum(len(text) - start for start in opened)
    if scan > MAX_OPEN_TAG_SCAN:
        first = next(m.start() for m in _TAG_START.finditer(text) if m.group() != ">")
        raise TooComplex(text.count("\n", 0, first) + 1,
                         "the text has so many \"<\" before a letter with no \">\" after them (HTML tags left open) "
                         "that reading them would take too long: write &lt; for a \"<\" that starts no tag")


_TOO_DEEP = (f"the text is nested too deeply (limit {MAX_NESTING} levels of lists, quotes, emphasis and links "
             "inside each other); flatten it")


class _Bounds(Extension):
    """Keeps Python-Markdown's work bounded: nesting checked as it is built, link patterns linear."""

    _LINKS = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref")

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        parse_blocks, depth = md.parser.parseBlocks, [0]

        def nested_parse(parent: etree.Element, blocks: list[str]) -> None:
            # Each nested list or quote is parsed by a recursive call: refuse before recursion runs out.
            depth[0] += 1
            try:
                if depth[0] > MAX_NESTING:
                    raise TooComplex(0, _TOO_DEEP)
                parse_blocks(parent, blocks)
            finally:
                depth[0] -= 1
        md.parser.parseBlocks = nested_parse
        md.treeprocessors.register(_DepthCheck(md), "echosite-depth", 19)  # after inline (20), before toc
        brackets = _Brackets()
        for name in self._LINKS:
            if name in md.inlinePatterns:
                pattern = md.inlinePatterns[name]
                pattern.getText = brackets.link_text
                if hasattr(pattern, "getLink"):
                    pattern.getLink = functools.partial(_link_target, pattern.getLink)


class _DepthCheck(Treeprocessor):
    """Refuses a tree nested deeper than MAX_NESTING (inline nesting: `_` * 3000 around a word)
    before the recursive tree walks that follow (toc, the serializer) run out of stack."""

    def run(self, root: etree.Element) -> None:
        stack = [(root, 0)]
        while stack:
            element, depth = stack.pop()
            if depth > MAX_NESTING:
                raise TooComplex(0, _TOO_DEEP)
            stack.extend((child, depth + 1) for child in element)


class _Brackets:
    """Python-Markdown's `LinkInlineProcessor.getText` (the text from `[` at index - 1 to its `]`,
    nested brackets counted), which scans to the end of the text for every `[` left open:
    quadratic for `[` * 50,000. A close bracket a few brackets ahead is found by scanning;
    beyond that, every bracket's partner is found in one pass over the text, kept while
    the text is the same (it changes only when a link is made)."""

    _SCAN = 64
    _BRACKET = re.compile(r"[\[\]]")

    def __init__(self) -> None:
        self._text: str | None = None
        self._closing: dict[int, int] = {}

    def link_text(self, data: str, index: int) -> tuple[str, int, bool]:
        if data is not self._text:
            depth = 1
            for seen, bracket in enumerate(self._BRACKET.finditer(data, index)):
                if seen == self._SCAN:
                    break
                depth += 1 if bracket.group() == "[" else -1
                if depth == 0:
                    return data[index:bracket.start()], bracket.end(), True
            else:
                return data[index:], len(data), False
            self._text, self._closing = data, self._partners(data)
        end = self._closing.get(index - 1)
        if end is None:
            return data[index:], len(data), False
        return data[index:end], end + 1, True

    @staticmethod
    def _partners(data: str) -> dict[int, int]:
        closing, opened = {}, []
        for bracket in _Brackets._BRACKET.finditer(data):
            if bracket.group() == "[":
                opened.append(bracket.start())
            elif opened:
                closing[opened.pop()] = bracket.start()
        return closing


def _link_target(get_link: Callable, data: str, index: int) -> tuple[str, str | None, int, bool]:
    """`getLink` (the `(…)` after a link's text), which scans to the end of the text for every
    `(` left open, looking at most MAX_LINK_TARGET characters ahead."""
    window = data[index:index + MAX_LINK_TARGET]
    if ")" not in window and '"' not in window and "'" not in window:
        return "", None, index, False  # it could only close at a ")", or after a quote: not a link
    href, title, end, handled = get_link(window, 0)
    if end < 0:  # its answer for a target left open after a quote: a position counted from the end
        end += len(window)
    return href, title, index + end, handled


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML of a Markdown text, internal links still as placeholders."""

    html: str
    links: tuple[tuple[str, str], ...]  # (tag, href as written) in placeholder order; tag "a" or "img"


class _LinkCollector(Treeprocessor):
    """Swaps internal `a[href]`/`img[src]` for placeholders; wraps tables for scrolling and
    labels each cell with its column's heading (a phone shows the rows as labelled blocks).

    Links in raw HTML, which a tree processor never sees, get theirs as the HTML is
    sanitized (`Renderer.convert`), numbered after these.
    """

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.links: list[tuple[str, str]] = []

    def placeholder(self, tag: str, href: str) -> str:
        """The placeholder of the next internal link."""
        self.links.append((tag, href))
        return f"{_TOKEN}{len(self.links) - 1}"

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attr = {"a": "href", "img": "src"}.get(element.tag)
            href = element.get(attr) if attr else None
            if href and is_internal(href):
                element.set(attr, self.placeholder(element.tag, href))
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":  # wide tables scroll on their own on a tablet
                    _label_cells(child)
                    wrapper = etree.Element("div", {"class": "table-scroll", "tabindex": "0"})
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)


def _label_cells(table: etree.Element) -> None:
    """Give every body cell `data-label`: the plain text of its column's heading, if any."""
    head = table.find("thead/tr")
    if head is None:
        return
    # A heading holding raw HTML shows Markdown's stash placeholder instead of its text: no label.
    labels = ["" if markdown.util.STX in text else text
              for text in ("".join(cell.itertext()).strip() for cell in head)]
    for row in table.iterfind("tbody/tr"):
        for cell, label in zip(row, labels):
            if cell.tag == "td" and label:
                cell.set("data-label", label)


def is_internal(href: str) -> bool:
    """A relative link to something in the site (no scheme, host, root or bare fragment), or a
    link that is no URL at all (`https://[zoom.example`), which the page's links report."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return True
    return not (parts.scheme or parts.netloc or href.startswith(("#", "/", "\\"))) and bool(parts.path)


class Renderer:
    """One reusable Markdown instance for the texts written in one language.

    `reserved` are the ids the templates give their own elements (`main`…) and the
    prefixes of those they number (`month-`): an id in a text that is one of them
    (a heading called "Main", `{#main}`, `<div id="main">`) is renamed the way Markdown
    numbers a repeated heading (`main_1`), and links to it within the text follow.
    """

    def __init__(self, lang: str, reserved: tuple[str, ...] = ()):
        self.settings = "guillemets" if lang.split("-")[0] in _GUILLEMET_LANGUAGES else "plain"
        self._reserved = reserved
        self._renamed: dict[str, str] = {}
        self._cleaner = _cleaner(self._attribute)
        typography = Typography(_GUILLEMETS if self.settings == "guillemets" else None)
        extensions = [typography if name == "typography" else name for name in EXTENSIONS]
        self._md = markdown.Markdown(extensions=[*extensions, _Bounds()], extension_configs={"toc": {"permalink": False}})
        self._links = _LinkCollector(self._md)
        self._md.treeprocessors.register(self._links, "echosite-links", 1)

    def key(self, text: str) -> str:
        """Cache key of converting `text`: its hash with the conversion settings."""
        settings = f"{SETTINGS_VERSION}|{self.settings}|{' '.join(self._reserved)}"
        return hashlib.sha256(f"{settings}\0{text}".encode()).hexdigest()

    def convert(self, text: str) -> Rendered:
        """Markdown `text` to sanitized HTML with link placeholders; TooComplex beyond the limits."""
        check_limits(text)
        self._md.reset()
        self._links.links = []
        html = self._md.convert(text)
        self._renamed = _renames(html, self._reserved)
        html = self._cleaner.clean(html)
        return Rendered(html, tuple(self._links.links))

    def _attribute(self, tag: str, name: str, value: str) -> str:
        """Each attribute the sanitizer keeps: an internal link of raw HTML becomes a
        placeholder; a reserved id, and a link to it in the text, are renamed."""
        if name == "id":
            return self._renamed.get(value, value)
        kind = _LINKING.get((tag, name))
        if kind and value.startswith("#") and value[1:] in self._renamed:
            return "#" + self._renamed[value[1:]]
        if kind and is_internal(value):
            return self._links.placeholder(kind, value)
        return value


def _renames(html: str, reserved: tuple[str, ...]) -> dict[str, str]:
    """New ids for the ids in `html` that are reserved or start with a reserved prefix
    (those ending in "-"): `main` -> `main_1`, or the first such name no other id has."""
    if not any(word.rstrip("-") in html for word in reserved):
        return {}
    collector = IdCollector()
    collector.feed(html)
    collector.close()
    taken, renamed = set(collector.ids) | set(reserved), {}
    for old in dict.fromkeys(collector.ids):
        if is_reserved(old, reserved):
            number = 1
            while f"{old}_{number}" in taken:
                number += 1
            renamed[old] = f"{old}_{number}"
            taken.add(renamed[old])
    return renamed


def is_reserved(id_: str, reserved: tuple[str, ...]) -> bool:
    """Whether `id_` is one of the `reserved` ids, or starts with one of its prefixes (ending in "-")."""
    return id_ in reserved or any(id_.startswith(word) for word in reserved if word.endswith("-"))


class IdCollector(HTMLParser):
    """Every `id` in an HTML text, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)


def fill_links(rendered: Rendered, resolve: LinkResolver) -> str:
    """The final HTML: each placeholder replaced by its resolved (or, if broken, written) href."""
    html = rendered.html
    for index, (tag, href) in enumerate(rendered.links):
        target = resolve(tag, href) or href
        html = html.replace(f'"{_TOKEN}{index}"', f'"{escape(target)}"')
    return html


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
    """Markdown as readable plain text: link targets in brackets when absolute, no markup.

    Empty for a text beyond the limits: every text given here is also shown as HTML,
    where it is refused with its file and line.
    """
    try:
        check_limits(source)
        html = _plain_markdown().reset().convert(source)
    except TooComplex:
        return ""
    extractor = _PlainText()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@functools.lru_cache(maxsize=1)
def _plain_markdown() -> markdown.Markdown:
    """One Markdown instance for plain-text summaries (building one per call is slow)."""
    return markdown.Markdown(extensions=[_Bounds()])


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
            self.hrefs.append(href if href.split(":", 1)[0].lower() in ("http", "https", "mailto") else None)
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
