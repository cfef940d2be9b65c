"""Markdown conversion, sanitizing and relative links, unit by unit."""
from __future__ import annotations

import posixpath

import pytest

from echosite.markup import Renderer, fill_links, is_internal, relative_url

URLS = ["/", "/en/", "/es/", "/en/about/", "/en/a/b/", "/assets/style.css", "/en/about/x.ics", "/es/acerca/",
        "/en/abo/", "/files/note.txt", "/en/sessions/x/", "/en/sessions/x/x.ics", "/404.html"]


def reference(from_url: str, to_url: str) -> str:
    rel = posixpath.relpath(to_url, from_url)
    return ("./" if rel == "." else rel + "/") if to_url.endswith("/") else rel


@pytest.mark.parametrize("from_url", [u for u in URLS if u.endswith("/")])
def test_relative_url_agrees_with_posixpath(from_url):
    for to_url in URLS:
        assert relative_url(from_url, to_url) == reference(from_url, to_url), (from_url, to_url)


def test_links_become_placeholders_filled_per_page():
    rendered = Renderer("en").convert("[a](about.en.md) [b](https://x.org/) [c](#top) [d](../x/)")
    assert rendered.links == ("about.en.md", "../x/")
    html = fill_links(rendered, {"about.en.md": "../about/", "../x/": None}.get)
    assert 'href="../about/"' in html and 'href="https://x.org/"' in html and 'href="#top"' in html
    assert 'href="../x/"' in html  # broken: kept as written (and warned about by the caller)


def test_a_placeholder_cannot_smuggle_a_script_url():
    rendered = Renderer("en").convert('[x](javascript:alert(1)) <a href="#echosite-link-0">y</a> [z](a.md)')
    html = fill_links(rendered, lambda href: "../a/")
    assert "javascript" not in html


@pytest.mark.parametrize("href,internal", [("a.md", True), ("../b/", True), ("#x", False), ("/en/", False),
                                           ("https://x.org", False), ("mailto:a@b.c", False), ("//x.org/a", False)])
def test_is_internal(href, internal):
    assert is_internal(href) is internal


def test_sanitizer_keeps_heading_ids_and_classes_and_drops_handlers():
    html = Renderer("en").convert('## Title\n\n<p onclick="x()" class="note" style="color:red">t</p>\n\n<script>x</script>\n').html
    assert '<h2 id="title">' in html and 'class="note"' in html
    assert "onclick" not in html and "<script" not in html and "color" not in html


def test_spanish_quotes_and_tables_scroll():
    html = Renderer("es").convert('"Hola"\n\n| a |\n|---|\n| 1 |\n').html
    assert "«Hola»" in html and '<div class="table-scroll" tabindex="0"><table>' in html
