"""The site-wide calendar exists whenever the site has sessions, at a localized default URL,
and session and folder URLs take their language's segment (issue 7, items 7 and 11)."""
from __future__ import annotations

import json
import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path

import icalendar

from conftest import edit, parse_html
from echosite.cli import main
from echosite.pipeline import build

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
BASE = "https://example.org/sub/path/"


def nav_links(out: Path, page: str) -> dict[str, str]:
    """The main menu of a page: link text -> site path it leads to."""
    tree = parse_html(out / page)
    nav = next(n for n in tree.iter("nav") if n.get("class") == "main-nav")
    folder = "/" + posixpath.dirname(page) + "/"
    return {"".join(a.itertext()).strip(): posixpath.normpath(posixpath.join(folder, a.get("href"))) + "/"
            for a in nav.iter("a")}


def sitemap(out: Path) -> dict[str, dict[str, str]]:
    root = ET.parse(out / "sitemap.xml").getroot()
    return {url.find("s:loc", NS).text: {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
            for url in root.findall("s:url", NS)}


def test_without_a_calendar_page_the_calendar_has_its_default_urls(site_copy, tmp_path):
    for lang in ("en", "es"):
        (site_copy / f"content/calendar.{lang}.md").unlink()
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n",
         "timezone: America/Bogota\ncalendar_slug: {en: calendar, es: calendario}\n")
    out = tmp_path / "out"
    build(site_copy, out)
    titles = {"en": "Calendar of sessions", "es": "Calendario de sesiones"}
    for lang, url in (("en", "/en/calendar/"), ("es", "/es/calendario/")):
        tree = parse_html(out / url.lstrip("/") / "index.html")
        assert "".join(tree.find(".//h1").itertext()) == titles[lang]
        # Every session, in the month grid and in the list, and the site's feed to subscribe to.
        cards = [li for li in tree.iter("li") if "session-card" in (li.get("class") or "")]
        assert len(cards) == 2 and tree.find(".//table[@class='month-grid']") is not None
        feeds = [c.text for c in tree.iter("code") if "copyable" in (c.get("class") or "")]
        assert feeds == [f"{BASE}{lang}/calendar.ics"]
        assert {link.get("hreflang"): link.get("href") for link in tree.iter("link") if link.get("rel") == "alternate"} \
            == {"en": BASE + "en/calendar/", "es": BASE + "es/calendario/", "x-default": BASE}
        # The menu of every page leads to it, once.
        for page in (f"{lang}/index.html", f"{lang}/{'about' if lang == 'en' else 'acerca'}/index.html"):
            menu = nav_links(out, page)
            assert menu[{"en": "Calendar", "es": "Calendario"}[lang]] == url
            assert list(menu.values()).count(url) == 1
    assert not (out / "es/calendar").exists()
    assert sitemap(out)[BASE + "es/calendario/"] == {"en": BASE + "en/calendar/", "es": BASE + "es/calendario/",
                                                    "x-default": BASE}


def test_a_calendar_page_is_the_calendar_and_no_default_is_added(basic_out):
    menu = nav_links(basic_out, "es/index.html")
    assert menu["Calendario"] == "/es/calendario/" and "Calendar" not in menu
    assert not (basic_out / "es/calendar").exists()
    assert sum(1 for loc in sitemap(basic_out) if "calendar" in loc) == 2


def test_a_site_without_sessions_has_no_calendar(site_copy, tmp_path):
    for lang in ("en", "es"):
        (site_copy / f"content/calendar.{lang}.md").unlink()
    (site_copy / "content/programmes/alpha/sessions.yaml").unlink()
    for text in (site_copy / "content/programmes/alpha/sessions").glob("*.md"):
        text.unlink()
    out = tmp_path / "out"
    build(site_copy, out)
    assert not (out / "en/calendar").exists() and not (out / "en/calendar.ics").exists()
    assert "Calendar" not in nav_links(out, "en/index.html")


def test_a_page_at_the_default_calendar_url_is_an_error(site_copy, capsys):
    edit(site_copy / "content/calendar.en.md", "layout: calendar\n", "")
    edit(site_copy / "content/calendar.es.md", "layout: calendar\n", "")
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "out")]) == 1
    err = capsys.readouterr().err
    assert ("content/calendar.en.md:1: the URL /en/calendar/ is reserved for the site's calendar of sessions; "
            "give this page layout: calendar to show the calendar there, or rename it") in err


def test_folder_and_session_segments_in_each_language(site_copy, tmp_path):
    """A folder's translated slug applies below it; sessions take `sessions_slug`; UIDs keep the id."""
    (site_copy / "content/programmes/index.en.md").write_text("---\ntitle: Programmes\n---\nAll.\n")
    (site_copy / "content/programmes/index.es.md").write_text("---\ntitle: Programas\nslug: programas\n---\nTodos.\n")
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n",
         "timezone: America/Bogota\nsessions_slug: {en: sessions, es: sesiones}\n")
    out = tmp_path / "out"
    build(site_copy, out)
    assert (out / "es/programas/alfa/index.html").is_file() and not (out / "es/programmes").exists()
    assert (out / "en/programmes/alpha/index.html").is_file()
    assert (out / "es/sesiones/alpha-1/index.html").is_file() and not (out / "es/sessions").exists()
    assert (out / "en/sessions/alpha-1/index.html").is_file()
    # The programme lists its sessions at their Spanish URL; the session links back to the programme.
    programme = parse_html(out / "es/programas/alfa/index.html")
    assert "../../sesiones/alpha-1/" in [a.get("href") for a in programme.iter("a")]
    session = parse_html(out / "es/sesiones/alpha-1/index.html")
    assert "../../programas/alfa/" in [a.get("href") for a in session.iter("a")]
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(
        (out / "es/programas/alfa/alpha.ics").read_bytes()).walk("VEVENT")}
    assert uids == {"alpha-1@example.org/sub/path", "alpha-2@example.org/sub/path"}
    assert {str(e["URL"]) for e in icalendar.Calendar.from_ical(
        (out / "es/calendar.ics").read_bytes()).walk("VEVENT")} == {
        BASE + "es/sesiones/alpha-1/", BASE + "es/sesiones/alpha-2/"}
    assert BASE + "es/sesiones/alpha-1/" in sitemap(out)


def test_a_segment_that_is_no_url_segment_is_an_error(site_copy, capsys):
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n",
         "timezone: America/Bogota\nsessions_slug: {en: sessions, es: sesión}\n")
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "out")]) == 1
    assert ('site_config.yaml:6: sessions_slug.es "sesión" is not a URL segment: use lowercase letters a-z, '
            "digits and hyphens, such as sesiones") in capsys.readouterr().err


def test_a_language_left_out_of_a_segment_keeps_the_default(site_copy, tmp_path):
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n",
         "timezone: America/Bogota\nsessions_slug: {es: sesiones}\n")
    out = tmp_path / "out"
    build(site_copy, out)
    assert (out / "en/sessions/alpha-1/index.html").is_file() and (out / "es/sesiones/alpha-1/index.html").is_file()


def test_image_is_a_file_of_content_or_a_url(site_copy, capsys):
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n", "timezone: America/Bogota\nimage: ../site_config.yaml\n")
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "out")]) == 1
    assert ('site_config.yaml:6: image "../site_config.yaml" is neither a file in content/ nor an absolute http(s) URL; '
            "give the image's path from content/, such as images/programme.png, or a URL such as https://…/image.png"
            ) in capsys.readouterr().err


def test_sessions_and_pages_carry_the_default_image(site_copy, tmp_path):
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota\n", "timezone: America/Bogota\nimage: files/note.txt\n")
    out = tmp_path / "out"
    build(site_copy, out)
    session = parse_html(out / "es/sessions/alpha-2/index.html")
    data = json.loads(next(s for s in session.iter("script") if s.get("type") == "application/ld+json").text)
    assert data["image"] == [BASE + "files/note.txt"]
    # alpha-2 has no summary: the description falls back to the site's.
    assert data["description"] == "Un sitio de prueba pequeño."
    about = parse_html(out / "en/about/index.html")
    assert [m.get("content") for m in about.iter("meta") if m.get("property") == "og:image"] == [BASE + "files/note.txt"]
