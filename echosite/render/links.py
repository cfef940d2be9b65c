"""Stage 6 (render): editors' links, resolved for the page that shows them.

A link is written to a Markdown source (`../nursing/index.en.md`), a folder or a
file of `content/`; it is published as a relative URL to that page in the linking
page's language. A link to nothing is a warning with its line. Links to pages are
collected and checked once every page exists: their anchors (`check_anchors`), and
that every page is reached by one, a menu or a listing (`check_reachable`).
"""
from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from ..content import Source, section_of, split_name
from ..errors import Diagnostics, did_you_mean
from ..model import Site
from .markup import IdCollector, Rendered, TooComplex, fill_links, is_reserved, relative_url

#: A link to a page: (source path, line, target site path, fragment or "", href as written).
LinkToPage = tuple[str, int, str, str, str]


def output_path(url: str) -> str:
    """File written for a site path: `/en/about/` -> `en/about/index.html`."""
    return url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/")


class PageLinks:
    """Markdown as HTML for one page (a `views.ToHtml`), its links leading into the page's language.

    `convert(text_lang, text)` gives the converted (cacheable) Markdown; warnings go to
    `diag` and links to pages to `anchors`.
    """

    def __init__(self, site: Site, lang: str, page_url: str, convert: Callable[[str, str], Rendered],
                 diag: Diagnostics, anchors: list[LinkToPage]):
        self.site, self.lang, self.page_url = site, lang, page_url
        self._convert, self._diag, self._anchors = convert, diag, anchors
        self._content = (site.root / "content").resolve()

    def __call__(self, text: str, text_lang: str, path: Path, line: int) -> Markup:
        try:
            converted = self._convert(text_lang, text)
        except TooComplex as exc:  # beyond the limits of Markdown work (markup.py)
            self._diag.error(path, line + max(exc.line - 1, 0), str(exc))
            return Markup("")
        return Markup(fill_links(converted, lambda tag, href: self._resolve(tag, href, text, path, line)))

    def _resolve(self, tag: str, href: str, text: str, source_path: Path, body_line: int) -> str | None:
        line = body_line + text[: max(text.find(href), 0)].count("\n")
        try:
            parts = urlsplit(href)
        except ValueError as exc:  # "Invalid IPv6 URL": a "[" in the host
            self._diag.error(source_path, line, f'link "{href}" is not a valid address ({exc}); '
                             "write it as https://host/path, with [ and ] only around an IPv6 address")
            return None
        if parts.scheme or parts.netloc or not parts.path:
            return href
        if parts.path.startswith("/"):
            self._diag.warn(source_path, line, f'link "{href}" starts with "/" and breaks under a sub-path; '
                            "link to the Markdown file instead, such as ../about.en.md")
            return href
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if tag == "img":
            return self._image(href, unquote(parts.path), source_path, line)
        target, draft = self._target(unquote(parts.path), source_path)
        if draft is not None:
            how = ("is published only by builds with --drafts; remove draft: true from it before publishing"
                   if target else "is left out of this build; remove draft: true from it to publish it")
            self._diag.warn(source_path, line, f'link "{href}" leads to a draft: {self._diag.relative(draft.path)} '
                            f"has draft: true and {how}, or remove the link")
        if target is None:
            if draft is None:
                self._diag.warn(source_path, line, f'broken link "{href}": no page or file there in any language'
                                f"{self._nearest(parts.path, source_path)}; link to an existing .md file or folder")
            return None
        if target.endswith("/"):
            self._anchors.append((str(source_path), line, target, parts.fragment, href))
        return relative_url(self.page_url, target) + fragment

    def _image(self, href: str, path: str, source_path: Path, line: int) -> str | None:
        """The URL of an image, which must be a file published with the site."""
        rel = self._content_path(path, source_path)
        if rel is not None and self.site.asset(rel.as_posix()):
            return relative_url(self.page_url, "/" + rel.as_posix())
        folder = (rel.parent.as_posix() + "/") if rel is not None and rel.parent.name else ""
        nearby = [name.removeprefix(folder) for name in self.site.asset_names() if name.startswith(folder)]
        written = rel.as_posix().removeprefix(folder) if rel is not None else path
        self._diag.warn(source_path, line, f'broken image "{href}": no such file in the site'
                        f'{did_you_mean(written, nearby)}; put the file in content/ (beside the page is '
                        "simplest) or correct the name")
        return None

    def _content_path(self, path: str, source_path: Path) -> PurePosixPath | None:
        """A link's path as a path inside `content/`; None when it leads out of it."""
        joined = Path(posixpath.normpath(posixpath.join(source_path.parent.as_posix(), path)))
        try:
            return PurePosixPath(joined.relative_to(self._content).as_posix())
        except ValueError:
            return None

    def _target(self, path: str, source_path: Path) -> tuple[str | None, Source | None]:
        """The site path a link leads to in this page's language (None if nowhere), and the draft it
        leads to (a page marked draft: true, built or left out), if any."""
        rel = self._content_path(path, source_path)
        if rel is None:
            return None, None
        code = None
        if path.endswith(".md"):
            base, code = split_name(rel.name)
            key = (rel.parent / base).as_posix().removeprefix("./")
            if (key, code) not in self.site.files:
                return None, None  # a renamed or removed file: never another language's version of it
            candidates = [key]
        else:
            if self.site.asset(rel.as_posix()):
                return "/" + rel.as_posix(), None
            candidates = [(rel / "index").as_posix(), rel.as_posix()]
        for key in candidates:
            key = key.removeprefix("./")
            page = self.site.page_of(key)
            version = self.site.version(page, self.lang) if page else None
            left_out = [s for s in self.site.drafts if s.key == key and (s.lang == code or not path.endswith(".md"))]
            draft = next((s for s in left_out if s.lang == self.lang), left_out[0]) if left_out else None
            if version is not None:
                return version.url, version.source if version.source.draft else draft
            if draft is not None:
                return None, draft
        return None, None

    def _nearest(self, path: str, source_path: Path) -> str:
        """' (did you mean "x.en.md"?)' for the page file nearest to a broken `.md` link, as it would be written."""
        if not path.endswith(".md"):
            return ""
        folder = source_path.parent.relative_to(self._content).as_posix()
        written = [posixpath.relpath(f"{key}.{code}.md", folder) for key, code in sorted(self.site.files)]
        return did_you_mean(path, written, cutoff=0.8)  # file names share ".en.md": only a near miss


def check_anchors(anchors: list[LinkToPage], page: Callable[[str], bytes], site: Site, reserved: tuple[str, ...],
                  diag: Diagnostics) -> None:
    """Warn about `page.md#anchor` links to an id the target page does not have, once per link,
    naming each language version that lacks it and the nearest ids it has (`page(path)` gives
    an output file's bytes, empty when there is none; `reserved` ids are the templates')."""
    ids: dict[str, list[str]] = {}
    missing: dict[tuple[str, int, str, str], list[str]] = {}
    for source_path, line, target, fragment, href in anchors:
        if not fragment:
            continue
        if target not in ids:
            collector = IdCollector()
            collector.feed(page(output_path(target)).decode("utf-8"))
            collector.close()
            ids[target] = collector.ids
        if unquote(fragment) not in ids[target]:
            lacking = missing.setdefault((source_path, line, href, fragment), [])
            if target not in lacking:
                lacking.append(target)
    versions = {version.url: version for version in site.versions} if missing else {}
    for (source_path, line, href, fragment), targets in missing.items():
        pages = []
        for target in sorted(targets):
            version = versions[target]
            text = "its text, " if version.is_fallback else ""
            pages.append(f"the {version.lang} page {target} ({text}{version.source.path.relative_to(site.root).as_posix()})")
        own = [i for target in sorted(targets) for i in ids[target] if not is_reserved(i, reserved)]
        close = difflib.get_close_matches(unquote(fragment), list(dict.fromkeys(own)), n=3, cutoff=0.6)
        quoted = " or ".join(f'"#{c}"' for c in close)
        nearest = f" (did you mean {quoted}?)" if close else ""
        diag.warn(source_path, line, f'link "{href}": {" and ".join(pages)} {"has" if len(pages) == 1 else "have"} '
                  f'no heading or anchor "#{fragment}"{nearest}; link to an id it has, or give the heading this id '
                  f"by writing {{#{fragment}}} after its text")


def check_reachable(site: Site, links: list[LinkToPage], diag: Diagnostics) -> None:
    """Warn about every page that no menu, section listing or other page's link leads to
    (in any language): visitors could not find it. The home page and drafts are exempt."""
    by_url = {version.url: version for version in site.versions}
    reached = {"index"} | {v.key for v in site.versions if v.source.menu}
    sections = {section_of(v.key) for v in site.versions if v.source.layout == "section"}
    reached |= {v.key for v in site.versions if v.key != "index" and posixpath.dirname(section_of(v.key)) in sections}
    for source_path, _line, target, _fragment, _href in links:
        version = by_url.get(target)
        if version and all(str(source.path) != source_path for source in version.page.sources):
            reached.add(version.key)
    for version in site.versions:
        page = version.page
        if page.key in reached or version.source.draft or version.lang != site.config.default_language:
            continue
        diag.warn(page.sources[0].path, 1, f"no menu, link or listing leads to this page ({version.url}), so "
                  "visitors cannot find it: add menu: true, link to it from another page, or give the page "
                  "of its folder layout: section")
