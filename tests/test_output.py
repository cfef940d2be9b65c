"""Built pages, parsed with html5lib: languages, links, hreflang, canonical, sitemap."""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import SITES, html_files, parse_html
from echosite.pipeline import build

BASE = "https://example.org/sub/path/"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def head_links(tree, rel: str) -> dict[str, str]:
    return {el.get("hreflang") or "": el.get("href") for el in tree.iter("link") if el.get("rel") == rel}


def canonical(tree) -> str:
    return head_links(tree, "canonical")[""]


def page(out: Path, url: str):
    return parse_html(out / url.lstrip("/") / "index.html")


def url_to_file(out: Path, absolute: str) -> Path:
    path = urlsplit(absolute).path.removeprefix("/sub/path/")
    return out / path / "index.html" if path.endswith("/") or not path else out / path


def test_pretty_language_prefixed_urls_with_slugs(basic_out):
    for rel in ["index.html", "404.html", "sitemap.xml", "robots.txt", "en/index.html", "es/index.html",
                "en/about/index.html", "es/acerca/index.html", "en/programmes/alpha/index.html",
                "es/programmes/alfa/index.html", "files/note.txt", "assets/style.css"]:
        assert (basic_out / rel).is_file(), rel
    assert not (basic_out / "es" / "about").exists()
    assert not (basic_out / "en" / "draft").exists()


def test_html_lang_and_dir(basic_out):
    for lang in ("en", "es"):
        root = page(basic_out, f"/{lang}/about/" if lang == "en" else "/es/acerca/")
        assert root.get("lang") == lang
        assert root.get("dir") == "ltr"


def test_canonical_is_self_and_absolute(basic_out):
    assert canonical(page(basic_out, "/en/about/")) == BASE + "en/about/"
    assert canonical(page(basic_out, "/es/acerca/")) == BASE + "es/acerca/"


def test_hreflang_sets_are_reciprocal_and_include_self_and_x_default(basic_out):
    en, es = page(basic_out, "/en/about/"), page(basic_out, "/es/acerca/")
    expected = {"en": BASE + "en/about/", "es": BASE + "es/acerca/", "x-default": BASE}
    assert head_links(en, "alternate") == expected
    assert head_links(es, "alternate") == expected


def test_every_page_hreflang_target_links_back(basic_out):
    for path in html_files(basic_out / "en") + html_files(basic_out / "es"):
        tree = parse_html(path)
        me = canonical(tree)
        for lang, href in head_links(tree, "alternate").items():
            if lang == "x-default":
                assert href == BASE
                continue
            other = parse_html(url_to_file(basic_out, href))
            assert me in head_links(other, "alternate").values(), (path, href)


def test_fallback_page(basic_out):
    tree = page(basic_out, "/es/only-english/")
    assert tree.get("lang") == "es"
    assert canonical(tree) == BASE + "en/only-english/"
    alternates = head_links(tree, "alternate")
    assert "es" not in alternates and alternates["en"] == BASE + "en/only-english/"
    article = next(tree.iter("article"))
    assert article.get("lang") == "en"
    notice = next(el for el in tree.iter("p") if "fallback-notice" in (el.get("class") or ""))
    assert notice.get("lang") == "es"
    assert "inglés" in "".join(notice.itertext())
    en_alternates = head_links(page(basic_out, "/en/only-english/"), "alternate")
    assert set(en_alternates) == {"en", "x-default"}


def test_language_switcher_leads_to_same_page(basic_out):
    tree = page(basic_out, "/en/about/")
    nav = next(el for el in tree.iter("nav") if "lang-switch" in (el.get("class") or ""))
    links = {a.get("hreflang"): a.get("href") for a in nav.iter("a")}
    assert links == {"es": "../../es/acerca/"}
    fallback = page(basic_out, "/en/only-english/")
    nav = next(el for el in fallback.iter("nav") if "lang-switch" in (el.get("class") or ""))
    assert {a.get("href") for a in nav.iter("a")} == {"../../es/only-english/"}


def test_markdown_links_rewritten_to_same_language(basic_out):
    hrefs = [a.get("href") for a in page(basic_out, "/en/").iter("a") if a.get("href")]
    assert "about/" in hrefs and "programmes/alpha/" in hrefs and "only-english/" in hrefs
    assert "about/#history" in hrefs and "../files/note.txt" in hrefs
    es = [a.get("href") for a in page(basic_out, "/es/").iter("a") if a.get("href")]
    assert "acerca/" in es and "programmes/alfa/" in es
    assert "only-english/" in es  # a link to an English file leads to the Spanish (fallback) page


def test_internal_links_resolve_to_files_and_none_is_root_absolute(basic_out):
    for path in html_files(basic_out):
        if path.name == "404.html":
            continue
        tree = parse_html(path)
        for el in tree.iter():
            href = el.get("href") if el.tag in ("a", "link") else el.get("src") if el.tag in ("script", "img") else None
            if not href or urlsplit(href).scheme or href.startswith("#"):
                continue
            assert not href.startswith("/"), (path, href)
            target = posixpath.normpath(posixpath.join(path.parent.as_posix(), urlsplit(href).path))
            target = Path(target)
            if href.split("#")[0].endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), (path, href)


def test_raw_html_is_sanitized(basic_out):
    text = (basic_out / "en/raw/index.html").read_text()
    tree = parse_html(basic_out / "en/raw/index.html")
    main = next(tree.iter("main"))
    assert not list(main.iter("script"))
    for el in main.iter():
        assert not any(name.startswith("on") for name in el.attrib), el.attrib
        assert not (el.get("href") or "").lower().startswith("javascript:")
    assert 'class="note"' in text


def test_heading_ids_kept(basic_out):
    ids = {h.get("id") for h in page(basic_out, "/en/about/").iter("h2")}
    assert "history" in ids


def test_spanish_smart_quotes(basic_out):
    assert "«Comillas»" in (basic_out / "es/index.html").read_text()


def test_root_language_chooser(basic_out):
    tree = parse_html(basic_out / "index.html")
    choices = {a.get("hreflang"): (a.get("href"), a.get("lang"), "".join(a.itertext()))
               for a in tree.iter("a") if a.get("hreflang")}
    assert choices == {"en": ("en/", "en", "English"), "es": ("es/", "es", "Español")}
    assert head_links(tree, "alternate") == {"en": BASE + "en/", "es": BASE + "es/", "x-default": BASE}
    assert not any(m.get("http-equiv") == "refresh" for m in tree.iter("meta"))


def test_404_uses_rooted_links_in_every_language(basic_out):
    tree = parse_html(basic_out / "404.html")
    hrefs = {a.get("href") for a in tree.iter("a")}
    assert {"/sub/path/en/", "/sub/path/es/"} <= hrefs
    sections = {s.get("lang") for s in tree.iter("section")}
    assert sections == {"en", "es"}


def test_og_locale(basic_out):
    meta = {m.get("property"): m.get("content") for m in page(basic_out, "/es/acerca/").iter("meta") if m.get("property")}
    assert meta["og:locale"] == "es_ES" and meta["og:locale:alternate"] == "en_US"


def test_sitemap_alternates_and_no_fallbacks(basic_out):
    tree = ET.parse(basic_out / "sitemap.xml")
    urls = {u.find("s:loc", NS).text: {l.get("hreflang"): l.get("href") for l in u.findall("x:link", NS)}
            for u in tree.getroot().findall("s:url", NS)}
    assert BASE + "es/only-english/" not in urls
    assert BASE + "en/only-english/" in urls
    assert urls[BASE + "es/acerca/"] == {"en": BASE + "en/about/", "es": BASE + "es/acerca/", "x-default": BASE}
    # The language chooser is listed too, with the home pages it leads to.
    assert urls[BASE] == {"en": BASE + "en/", "es": BASE + "es/", "x-default": BASE}
    assert list(urls)[0] == BASE
    for loc, links in urls.items():
        assert loc in links.values()


def test_robots_txt_of_a_site_in_a_sub_path_says_what_to_add_to_the_hosts_own(basic_out):
    assert (basic_out / "robots.txt").read_text() == (
        "# This site is published at https://example.org/sub/path/, but crawlers read robots.txt only at\n"
        "# the root of a host (https://example.org/robots.txt), never here. To point them at this site's sitemap,\n"
        "# add the line below to that file.\n"
        "Sitemap: https://example.org/sub/path/sitemap.xml\n")


def test_robots_txt_of_a_site_at_the_root_of_its_host(tmp_path):
    build(SITES / "basic", tmp_path / "out", base_url="https://teleecho.example.org/", cache_dir=tmp_path / "cache")
    assert (tmp_path / "out/robots.txt").read_text() == (
        "User-agent: *\nAllow: /\n\nSitemap: https://teleecho.example.org/sitemap.xml\n")


def test_every_page_has_the_sites_own_icon(basic_out):
    """A favicon of the theme on every page (browsers would otherwise ask for /favicon.ico: a 404)."""
    for path in [*basic_out.rglob("*.html")]:
        icons = [link.get("href") for link in parse_html(path).iter("link") if link.get("rel") == "icon"]
        assert len(icons) == 1, path
        href = icons[0]
        target = (basic_out / "404.html" if path.name == "404.html" else path).parent
        resolved = (basic_out / href.removeprefix("/sub/path/")) if href.startswith("/") else target / href
        assert resolved.resolve() == (basic_out / "assets/favicon.svg").resolve(), path
    assert (basic_out / "assets/favicon.svg").read_bytes().startswith(b"<svg")



def test_no_third_party_requests(basic_out):
    for path in html_files(basic_out):
        tree = parse_html(path)
        for el in tree.iter():
            src = el.get("src") if el.tag in ("script", "img", "iframe") else el.get("href") if el.tag == "link" and el.get("rel") == "stylesheet" else None
            assert not src or not urlsplit(src).netloc, (path, src)


def test_menu_order_and_current_page(basic_out):
    tree = page(basic_out, "/en/about/")
    nav = next(el for el in tree.iter("nav") if "main-nav" in (el.get("class") or ""))
    items = ["".join(a.itertext()).strip() for a in nav.iter("a")]
    assert items[:3] == ["Home", "About", "Only in English"]
    current = [a for a in nav.iter("a") if a.get("aria-current") == "page"]
    assert ["".join(a.itertext()) for a in current] == ["About"]


@pytest.mark.parametrize("lang,word", [("es", "Saltar al contenido principal"), ("en", "Skip to main content")])
def test_ui_strings_translated(basic_out, lang, word):
    assert word in (basic_out / lang / "index.html").read_text()


SCHEMAS = Path(__file__).resolve().parent / "schemas"


@pytest.mark.parametrize("which", ["basic", "default"])
def test_sitemap_is_valid_against_the_sitemap_schema(which, basic_out, built_default_site):
    import xmlschema

    schema = xmlschema.XMLSchema(SCHEMAS / "sitemap.xsd")
    out = basic_out if which == "basic" else built_default_site
    schema.validate(out / "sitemap.xml")


def test_the_sitemap_schema_rejects_what_it_should(tmp_path):
    import xmlschema

    schema = xmlschema.XMLSchema(SCHEMAS / "sitemap.xsd")
    head = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
    bad = {
        "relative loc": f"{head}<url><loc>/en/</loc></url></urlset>",
        "duplicate loc": f"{head}<url><loc>https://a.org/x</loc></url><url><loc>https://a.org/x</loc></url></urlset>",
        "alternate without hreflang": f'{head}<url><loc>https://a.org/x</loc><xhtml:link rel="alternate" href="https://a.org/y"/></url></urlset>',
        "unknown element": f"{head}<url><loc>https://a.org/x</loc><weight>1</weight></url></urlset>",
    }
    for name, xml in bad.items():
        assert not schema.is_valid(xml), name
    assert schema.is_valid(f'{head}<url><loc>https://a.org/x</loc><xhtml:link rel="alternate" hreflang="es" '
                           'href="https://a.org/es/x"/></url></urlset>')


def test_a_section_page_lists_its_child_pages_by_weight_then_title(site_copy, tmp_path):
    (site_copy / "content/guides/b").mkdir(parents=True)
    pages = {"guides/index.en.md": "---\ntitle: Guides\nlayout: section\nmenu: true\n---\nAll our guides.\n",
             "guides/index.es.md": "---\ntitle: Guías\nlayout: section\nmenu: true\nslug: guias\n---\nTodas.\n",
             "guides/zeta.en.md": "---\ntitle: Zeta\nweight: 1\ndescription: Last letter, first by weight.\n---\n",
             "guides/alpha.en.md": "---\ntitle: Alpha\nweight: 5\n---\n",
             "guides/alpha.es.md": "---\ntitle: Alfa\nweight: 5\nslug: alfa\n---\n",
             "guides/b/index.en.md": "---\ntitle: Beta\nweight: 5\n---\n",
             "guides/b/deeper.en.md": "---\ntitle: Too deep to be listed here\n---\n[up](../index.en.md)\n"}
    for rel, text in pages.items():
        (site_copy / "content" / rel).write_text(text, encoding="utf-8")
    build(site_copy, tmp_path / "out", cache_dir=tmp_path / "cache")
    for lang, url, expected in [
            ("en", "en/guides", [("zeta/", "Zeta", None, "Last letter, first by weight."),
                                 ("alpha/", "Alpha", None, None), ("b/", "Beta", None, None)]),
            # The folder's Spanish slug applies below it: /es/guias/zeta/ (issue 7, item 11).
            ("es", "es/guias", [("zeta/", "Zeta", "en", "Last letter, first by weight."),
                                ("alfa/", "Alfa", None, None), ("b/", "Beta", "en", None)])]:
        items = next(el for el in parse_html(tmp_path / "out" / url / "index.html").iter("ul")
                     if el.get("class") == "child-pages")
        assert items.get("lang") == lang
        assert [(li.find("h2/a").get("href"), li.find("h2/a").text, li.get("lang"),
                 li.find("p").text if li.find("p") is not None else None) for li in items] == expected
