"""Editors' workflows on the `basic` fixture site: drafts, renames, rescheduled sessions, translated sessions."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import icalendar

from conftest import edit, parse_html, tree, validate_ics
from echosite.cli import main
from echosite.serve import Preview


def _robots(page) -> list[str]:
    return [m.get("content") for m in page.iter("meta") if m.get("name") == "robots"]


def test_drafts_are_previewed_unindexed_and_links_to_them_say_so(site_copy, capsys):
    edit(site_copy / "content/about.en.md", "Back [home](index.en.md).", "Back [home](index.en.md), or the [plan](draft.en.md).")
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert ('content/about.en.md:12: warning: link "draft.en.md" leads to a draft: content/draft.en.md has draft: true '
            "and is left out of this build; remove draft: true from it to publish it, or remove the link"
            in capsys.readouterr().err)
    assert not (out / "en/draft").exists()

    assert main(["build", "--site", str(site_copy), "--out", str(out), "--drafts"]) == 0
    assert ('content/about.en.md:12: warning: link "draft.en.md" leads to a draft: content/draft.en.md has draft: true '
            "and is published only by builds with --drafts; remove draft: true from it before publishing, "
            "or remove the link" in capsys.readouterr().err)
    draft = parse_html(out / "en/draft/index.html")
    assert _robots(draft) == ["noindex"]
    assert [link.get("hreflang") for link in draft.iter("link") if link.get("hreflang")] == ["x-default"]
    assert _robots(parse_html(out / "en/about/index.html")) == []
    assert [a.get("href") for a in parse_html(out / "en/about/index.html").iter("a") if a.text == "plan"] == ["../draft/"]
    assert "/draft/" not in (out / "sitemap.xml").read_text()
    assert main(["check", "--site", str(site_copy), "--drafts", "--strict"]) == 1

    served = site_copy.parent / "served"
    preview = Preview(site_copy, served, drafts=True)
    try:
        assert preview.build(first=True).failure is None
    finally:
        preview.close()
    assert _robots(parse_html(served / "en/draft/index.html")) == ["noindex"]


def test_a_renamed_page_keeps_one_menu_entry_its_old_url_and_no_link_lands_on_a_fallback(site_copy, capsys):
    content = site_copy / "content"
    (content / "about.en.md").rename(content / "about-us.en.md")
    out = site_copy.parent / "out"
    assert main(["check", "--site", str(site_copy)]) == 0
    assert ("content/about.es.md:1: warning: no en translation: /en/about/ shows this es text (a fallback page); "
            "translate it as about.en.md, or, if content/about-us.en.md is this page's en file renamed, add "
            'translation_key: "about" to it') in capsys.readouterr().err
    edit(content / "about-us.en.md", "menu: true\n", "menu: true\ntranslation_key: about\naliases: [/en/about/]\n")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "(33 changed; pages: en 8, es 8)" in printed.out  # 33 files: the redirect page is no page
    err = printed.err
    assert ('content/index.en.md:7: warning: broken link "about.en.md": no page or file there in any language '
            '(did you mean "about.es.md"?); link to an existing .md file or folder') in err
    assert "no en translation" not in err  # paired by translation_key: no fallback

    menus = {lang: [(a.text, a.get("href")) for a in parse_html(out / lang / "index.html")
                    .find(".//nav[@class='main-nav']").iter("a")] for lang in ("en", "es")}
    assert menus["en"] == [("Home", "./"), ("About", "about-us/"), ("Only in English", "only-english/"),
                           ("Calendar", "calendar/")]
    assert menus["es"] == [("Inicio", "./"), ("Quiénes somos", "acerca/"), ("Only in English", "only-english/"),
                           ("Calendario", "calendario/")]
    es = parse_html(out / "es/acerca/index.html")
    assert {l.get("hreflang"): l.get("href") for l in es.iter("link") if l.get("hreflang")}["en"] == \
        "https://example.org/sub/path/en/about-us/"

    redirect = parse_html(out / "en/about/index.html")
    metas = {m.get("name") or m.get("http-equiv"): m.get("content") for m in redirect.iter("meta")}
    assert metas["robots"] == "noindex" and metas["refresh"] == "0; url=../about-us/"
    assert [l.get("href") for l in redirect.iter("link") if l.get("rel") == "canonical"] == \
        ["https://example.org/sub/path/en/about-us/"]
    assert [a.get("href") for a in redirect.iter("a")] == ["../about-us/"]
    sitemap = (out / "sitemap.xml").read_text()
    assert "/en/about-us/" in sitemap and "/en/about/" not in sitemap

    edit(content / "about-us.en.md", "aliases: [/en/about/]", "aliases:\n  - /en/about/\n  - /en/Only-English/")
    (content / "about-old.es.md").write_text("---\ntitle: Otra\ntranslation_key: about\n---\n")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert ('content/about-us.en.md:8: alias "/en/Only-English/" is already used by content/only-english.en.md:1 (/en/only-english/); '
            "an alias keeps an old URL working only while nothing else uses it: remove the alias") in err
    assert ("content/about-old.es.md:3: content/about-old.es.md and content/about.es.md are both the es file of one "
            'page (translation_key "about"); give one of them another translation_key') in err



def test_a_moved_programme_page_keeps_its_calendar_feed_at_the_old_address(site_copy, tmp_path):
    """Calendar apps that subscribed to the feed at its old URL keep receiving updates."""
    edit(site_copy / "content/programmes/alpha/index.es.md", "slug: alfa\n", "slug: alfa\naliases: [/es/programmes/alpha/]\n")
    out = tmp_path / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    feed = (out / "es/programmes/alfa/alpha.ics").read_bytes()
    assert validate_ics(feed) == []
    assert (out / "es/programmes/alpha/alpha.ics").read_bytes() == feed
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert sorted(str(e["UID"]).split("@")[0] for e in events) == ["alpha-1", "alpha-2"]
    redirect = parse_html(out / "es/programmes/alpha/index.html")
    assert [a.get("href") for a in redirect.iter("a")] == ["../alfa/"]
    # Only the redirect page and the feed are there: no other file of the moved page.
    assert sorted(p.name for p in (out / "es/programmes/alpha").iterdir()) == ["alpha.ics", "index.html"]


def test_a_moved_folder_keeps_its_old_addresses(site_copy, tmp_path, capsys):
    """`moved:` in site_config.yaml: every page and calendar file below the new folder is also
    reachable below the old one; nothing else that is published may be there."""
    config = site_copy / "site_config.yaml"
    config.write_text(config.read_text() + "sessions_slug: {es: sesiones}\nmoved:\n  /es/sessions/: /es/sesiones/\n")
    out = tmp_path / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert "pages: en 8, es 8)" in capsys.readouterr().out  # redirect pages are no pages
    for session in ("alpha-1", "alpha-2"):
        redirect = parse_html(out / f"es/sessions/{session}/index.html")
        metas = {m.get("name") or m.get("http-equiv"): m.get("content") for m in redirect.iter("meta")}
        assert metas["robots"] == "noindex" and metas["refresh"] == f"0; url=../../sesiones/{session}/"
        assert [l.get("href") for l in redirect.iter("link") if l.get("rel") == "canonical"] == \
            [f"https://example.org/sub/path/es/sesiones/{session}/"]
        feed = (out / f"es/sesiones/{session}/{session}.ics").read_bytes()
        assert (out / f"es/sessions/{session}/{session}.ics").read_bytes() == feed and validate_ics(feed) == []
    assert sorted(p.name for p in (out / "es/sessions").iterdir()) == ["alpha-1", "alpha-2"]
    assert not (out / "en/sesiones").exists()
    assert "/es/sessions/" not in (out / "sitemap.xml").read_text()

    (site_copy / "content/sessions").mkdir()
    (site_copy / "content/sessions/alpha-1.es.md").write_text("---\ntitle: Antigua\n---\nTexto.\n")
    (site_copy / "content/sessions/alpha-1.en.md").write_text("---\ntitle: Old\n---\nText.\n")
    config.write_text(config.read_text() + "  /es/a b/: /es/x/\n  /es/x/: /es/x/y/\n")
    assert main(["check", "--site", str(site_copy)]) == 1
    err = capsys.readouterr().err
    lines = config.read_text().splitlines()
    at = {key: lines.index(f"  {key}") + 1 for key in ("/es/sessions/: /es/sesiones/", "/es/a b/: /es/x/",
                                                            "/es/x/: /es/x/y/")}
    assert (f'site_config.yaml:{at["/es/sessions/: /es/sesiones/"]}: moved "/es/sessions/": /es/sessions/alpha-1/, the old '
            "address of /es/sesiones/alpha-1/, is the address of /es/sessions/alpha-1/ (content/sessions/alpha-1.es.md:1); "
            "a moved folder keeps old addresses working only while nothing else uses them: rename that page or remove "
            "this line") in err
    assert (f'site_config.yaml:{at["/es/a b/: /es/x/"]}: moved "/es/a b/: /es/x/" is not a folder and the folder it '
            "moved to; write the old folder's site path, then the new one's, such as  /es/sessions/: /es/sesiones/") in err
    assert (f'site_config.yaml:{at["/es/x/: /es/x/y/"]}: moved "/es/x/: /es/x/y/": one folder is inside the other, so '
            "old and new addresses would clash; name the folder that moved and the one it moved to") in err

def _event(out, lang="en", session="alpha-1"):
    data = (out / f"{lang}/sessions/{session}/{session}.ics").read_bytes()
    assert validate_ics(data) == []
    return next(c for c in icalendar.Calendar.from_ical(data).walk("VEVENT"))


def _jsonld(out, lang="en", session="alpha-1"):
    page = parse_html(out / f"{lang}/sessions/{session}/index.html")
    return json.loads(next(s.text for s in page.iter("script") if s.get("type") == "application/ld+json"))


def test_a_moved_or_cancelled_session_updates_imported_copies(site_copy, capsys, tmp_path):
    calendar = site_copy / "content/programmes/alpha/sessions.yaml"
    out = tmp_path / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    first = _event(out)
    assert first["SEQUENCE"] == 0 and _jsonld(out)["eventStatus"] == "https://schema.org/EventScheduled"

    edit(calendar, "start: 2021-10-28 09:00", "start: 2021-10-29 10:15")
    warning = ("content/programmes/alpha/sessions.yaml:3: warning: session \"alpha-1\" started at 2021-10-28 09:00 "
               "in the last build and now at 2021-10-29 10:15; calendar apps that imported it keep the old time "
               "until the move is recorded: add previous_start: [2021-10-28 09:00] to the session")
    for _ in range(2):  # until the move is recorded
        assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
        assert warning in capsys.readouterr().err

    edit(calendar, "start: 2021-10-29 10:15", "start: 2021-10-29 10:15\n    previous_start: [2021-10-28 09:00]")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert "previous_start" not in capsys.readouterr().err
    moved = _event(out)
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] == 2
    assert moved["DTSTAMP"].dt > first["DTSTAMP"].dt
    assert moved["DTSTART"].dt == datetime(2021, 10, 29, 15, 15, tzinfo=timezone.utc)
    data = _jsonld(out, "es")
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2021-10-28T09:00:00-05:00"
    notice = [p for p in parse_html(out / "es/sessions/alpha-1/index.html").iter("p")
              if "trasladado" in "".join(p.itertext())]
    assert ["".join(p.itertext()) for p in notice] == [
        "Esta sesión se ha trasladado: estaba anunciada para el jueves, 28 de octubre de 2021, 9:00 "
        "(hora de Bogotá)."]

    edit(calendar, "    previous_start: [2021-10-28 09:00]", "    previous_start: [2021-10-28 09:00]\n    status: cancelled")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    cancelled = _event(out)
    assert (cancelled["SEQUENCE"], cancelled["STATUS"]) == (3, "CANCELLED")
    assert cancelled["DTSTAMP"].dt > moved["DTSTAMP"].dt
    assert _jsonld(out)["eventStatus"] == "https://schema.org/EventCancelled"
    clean = tmp_path / "clean"
    assert main(["build", "--site", str(site_copy), "--out", str(clean), "--clean"]) == 0
    assert tree(clean) == tree(out)


def _fallback_notice(page):
    """The notice of a page shown in another language (not a status notice, which looks alike)."""
    return next((p for p in page.iter("p") if p.get("class") == "fallback-notice" and p.get("role") == "note"), None)


def test_an_untranslated_session_is_a_fallback_page_a_warning_and_counted(site_copy, capsys, tmp_path):
    out = tmp_path / "out"
    en_text = site_copy / "content/programmes/alpha/sessions/alpha-1.en.md"
    english = en_text.read_text()
    en_text.unlink()
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "session" in line or "title" in line]
    assert warnings == [
        'content/programmes/alpha/sessions.yaml:14: warning: "title" has no es text: es pages show the en text; '
        'add es: "…"',
        'content/programmes/alpha/sessions/alpha-1.es.md:1: warning: no en text: the en page of session "alpha-1" '
        "shows this es text; translate it as alpha-1.en.md"]
    page = parse_html(out / "es/sessions/alpha-2/index.html")
    notice = _fallback_notice(page)
    assert notice.get("lang") == "es" and "versión en inglés" in "".join(notice.itertext())
    assert page.find(".//h1").get("lang") == "en"
    links = {link.get("hreflang"): link.get("href") for link in page.iter("link") if link.get("hreflang")}
    assert set(links) == {"en", "x-default"}
    assert [link.get("href") for link in page.iter("link") if link.get("rel") == "canonical"] == [links["en"]]
    body = parse_html(out / "en/sessions/alpha-1/index.html")
    assert _fallback_notice(body) is not None
    assert [div.get("lang") for div in body.iter("div") if div.get("class") == "prose"][-1] == "es"
    sitemap = (out / "sitemap.xml").read_text()
    assert "/es/sessions/alpha-1/" in sitemap and "/en/sessions/alpha-2/" in sitemap
    assert "/es/sessions/alpha-2/" not in sitemap and "/en/sessions/alpha-1/" not in sitemap
    assert _fallback_notice(parse_html(out / "es/sessions/alpha-1/index.html")) is None

    assert main(["i18n", "stats", "--site", str(site_copy), "--format", "json"]) == 0
    rows = {row["lang"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["en"]["sessions_missing"] == ["content/programmes/alpha/sessions/alpha-1.en.md"]
    assert rows["es"]["sessions_missing"] == ["content/programmes/alpha/sessions.yaml:14 (alpha-2: title)"]
    assert main(["check", "--site", str(site_copy), "--strict"]) == 1
    assert "3 errors, 0 warnings" in capsys.readouterr().err

    # A session text is reviewed against the default language's, like a page.
    en_text.write_text(english.replace("## Preparation", "## How to prepare"))
    assert main(["i18n", "stats", "--site", str(site_copy), "--format", "json"]) == 0
    es_text = "content/programmes/alpha/sessions/alpha-1.es.md"
    assert {row["lang"]: row for row in json.loads(capsys.readouterr().out)}["es"]["sessions_outdated"] == [es_text]
    assert main(["i18n", "reviewed", "--site", str(site_copy), es_text]) == 0
    assert main(["i18n", "stats", "--site", str(site_copy), "--format", "json"]) == 0
    assert {row["lang"]: row for row in json.loads(capsys.readouterr().out.split("\n", 1)[1])}["es"]["sessions_outdated"] == []

    # A title given in the session text's front matter is a translation: no warning, no fallback.
    (site_copy / "content/programmes/alpha/sessions/alpha-2.es.md").write_text("---\ntitle: Sesión vespertina\n---\n")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert "sessions.yaml:14" not in capsys.readouterr().err
    assert _fallback_notice(parse_html(out / "es/sessions/alpha-2/index.html")) is None
    assert "/es/sessions/alpha-2/" in (out / "sitemap.xml").read_text()
