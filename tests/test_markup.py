"""Markdown conversion, sanitizing and relative links, unit by unit."""
from __future__ import annotations

import posixpath

import html5lib
import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from echosite.render.markup import _GUILLEMETS, Renderer, _cleaner, fill_links, is_internal, relative_url

#: The engine's sanitizer with no attribute changed.
SANITIZE = _cleaner(lambda tag, name, value: value).clean
from echosite.render.typography import Typography

from conftest import REPO, SITES

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
    assert rendered.links == (("a", "about.en.md"), ("a", "../x/"))
    html = fill_links(rendered, lambda tag, href: {"about.en.md": "../about/", "../x/": None}[href])
    assert 'href="../about/"' in html and 'href="https://x.org/"' in html and 'href="#top"' in html
    assert 'href="../x/"' in html  # broken: kept as written (and warned about by the caller)


def test_a_placeholder_cannot_smuggle_a_script_url():
    rendered = Renderer("en").convert('[x](javascript:alert(1)) <a href="#echosite-link-0">y</a> [z](a.md)')
    html = fill_links(rendered, lambda tag, href: "../a/")
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


def test_table_cells_carry_their_column_heading_for_phones():
    text = "| Programme | *Dates* | <b>raw</b> |\n|---|---|---|\n| Nursing | 8 Sept | x |\n| Pathology | 2 Sept | y |\n"
    tree = html5lib.parse(Renderer("en").convert(text).html, treebuilder="etree", namespaceHTMLElements=False)
    rows = [[(td.get("data-label"), "".join(td.itertext())) for td in tr.iter("td")] for tr in tree.iter("tr")]
    assert rows == [[], [("Programme", "Nursing"), ("Dates", "8 Sept"), (None, "x")],
                    [("Programme", "Pathology"), ("Dates", "2 Sept"), (None, "y")]]


# Typography: smarty's output, produced in one tree pass (echosite/typography.py). -----------------

#: Pieces of Markdown around which smarty's patterns decide: quotes, dashes, dots, spaces of
#: every kind, entities, escapes, inline markup, code, links, raw HTML and block starts.
_PIECES = st.sampled_from([
    "'", '"', "''", '""', "\"'", "'\"", "-", "--", "---", "----", "-----", ".", "..", "...", "....",
    " ", "  ", "\t", "\n", "\n\n", "\xa0", "\u2003", "&nbsp;", "&mdash;", "&ndash;", "&#8211;", "&#8212;",
    "\u2013", "\u2014", "&", "&amp;", "word", "Él", "x", "s", "s ", "80s", "'80s", "1990", "7", "_", "é",
    "*", "**", "`", "``", "\\", "\\'", '\\"', "\\-", "\\.", "[", "]", "(", ")", "{", "}", "<", ">", "!", "?",
    ",", ";", ":", "/", "#", "[a](b.md)", '[a](b.md "t\'s")', "![i](i.png)", "<b>", "</b>", "<span>",
    "</span>", "<br>", "<!-- c -->", "\n# ", "\n## ", "\n- ", "\n1. ", "\n> ", "\n    ", "\n\n    code ",
    "\n\n| a | b |\n|---|---|\n| ", " |", "{: #x }", "\n\n---\n\n", "<<", ">>",
])
_MARKDOWN = st.lists(_PIECES, max_size=40).map("".join)


def _pair(substitutions: dict[str, str] | None) -> tuple[markdown.Markdown, markdown.Markdown]:
    """The same extension set with smarty, and with the typography extension in its place."""
    configs = {"toc": {"permalink": False}}
    reference = markdown.Markdown(extensions=["tables", "attr_list", "toc", "smarty", "sane_lists"],
                                  extension_configs={**configs, "smarty": {"substitutions": substitutions or {}}})
    ours = markdown.Markdown(extensions=["tables", "attr_list", "toc", Typography(substitutions), "sane_lists"],
                             extension_configs=configs)
    return reference, ours


_PAIRS = {"plain": _pair(None), "guillemets": _pair(_GUILLEMETS)}


@pytest.mark.parametrize("settings_name", sorted(_PAIRS))
@settings(max_examples=600, deadline=None, database=None)
@given(text=_MARKDOWN)
def test_typography_gives_smartys_html(settings_name, text):
    reference, ours = _PAIRS[settings_name]
    reference.reset()
    ours.reset()
    assert SANITIZE(ours.convert(text)) == SANITIZE(reference.convert(text))


@pytest.mark.parametrize("path", sorted({*REPO.glob("content/**/*.md"), *SITES.glob("**/*.md")}),
                         ids=lambda path: path.relative_to(REPO).as_posix())
def test_typography_gives_smartys_html_on_every_site_text(path):
    reference, ours = _PAIRS["guillemets" if ".es." in path.name else "plain"]
    text = path.read_text("utf-8")
    reference.reset()
    ours.reset()
    assert SANITIZE(ours.convert(text)) == SANITIZE(reference.convert(text))


def test_typography_is_curly_outside_code():
    html = Renderer("en").convert("\"It's\" -- the '80s... `\"code\"`\n\n    \"block\"\n").html
    assert "\u201cIt\u2019s\u201d \u2013 the \u201980s\u2026 <code>\"code\"</code>" in html
    assert "<pre><code>\"block\"" in html


def test_raw_html_links_and_images_become_placeholders_after_markdowns():
    rendered = Renderer("en").convert('<a href="a.md">a</a> <img src="b.png" alt=""> [c](c.md) '
                                      '<a href="https://x.org/">x</a> <a href="#top">t</a>')
    assert rendered.links == (("a", "c.md"), ("a", "a.md"), ("img", "b.png"))


RESERVED = ("cities-heading", "main", "month-")


def test_ids_of_the_templates_are_renamed_in_content_and_links_to_them_follow():
    html = Renderer("en", RESERVED).convert('## Main\n\n## Main\n\n## Month 1\n\n[up](#main) [m](#month-1)\n\n'
                                            '<div id="cities-heading">x</div>\n').html
    assert [h.split('"')[1] for h in html.split("id=")[1:]] == ["main_2", "main_1", "month-1_1", "cities-heading_1"]
    assert 'href="#main_2"' in html and 'href="#month-1_1"' in html


def test_content_ids_are_kept_when_no_template_uses_them():
    assert '<h2 id="main">Main</h2>' in Renderer("en", ("cities-heading",)).convert("## Main\n").html
