"""A session's recording and materials (issue 7, item 6): read from sessions.yaml with path:line
errors, shown on the session page, the programme page and the calendar, and in the event data."""
from __future__ import annotations

import json
import posixpath
from pathlib import Path

import pytest

from conftest import add_recording, parse_html
from echosite.cli import main
from echosite.pipeline import build

BASE = "https://example.org/sub/path/"
def after_links(out: Path, page: str, tag: str) -> list[tuple[str, str]]:
    """(text, site path or URL) of each link in the page's after-session blocks."""
    tree = parse_html(out / page)
    folder = "/" + posixpath.dirname(page) + "/"
    found = []
    for block in tree.iter(tag):
        if "after-session" not in (block.get("class") or ""):
            continue
        assert block.get("data-end") == "2021-10-28T15:30:00Z"  # site.js hides it until then
        for a in block.iter("a"):
            href = a.get("href")
            found.append(("".join(a.itertext()), href if "://" in href else posixpath.normpath(folder + href)))
    return found


@pytest.fixture
def built(site_copy, tmp_path) -> Path:
    add_recording(site_copy)
    out = tmp_path / "out"
    build(site_copy, out)
    return out


def test_shown_on_the_session_page_programme_page_and_calendar(built):
    expected = {
        "en": [("Recording", "https://video.example.org/alpha-1"), ("Handout", "/programmes/alpha/sessions/handout.txt"),
               ("https://example.org/reading-list", "https://example.org/reading-list")],
        "es": [("Grabación", "https://video.example.org/alpha-1"), ("Folleto", "/programmes/alpha/sessions/handout.txt"),
               ("https://example.org/reading-list", "https://example.org/reading-list")],
    }
    pages = {"en": ("en/programmes/alpha/index.html", "en/calendar/index.html"),
             "es": ("es/programmes/alfa/index.html", "es/calendario/index.html")}
    for lang in ("en", "es"):
        assert after_links(built, f"{lang}/sessions/alpha-1/index.html", "section") == expected[lang]
        for page in pages[lang]:
            assert after_links(built, page, "p") == expected[lang], page
        # A session without any has no such block.
        assert after_links(built, f"{lang}/sessions/alpha-2/index.html", "section") == []
    assert (built / "programmes/alpha/sessions/handout.txt").read_text() == "A handout.\n"
    heading = parse_html(built / "es/sessions/alpha-1/index.html").find(".//section[@class='after-session']/h2")
    assert heading.text == "Después de la sesión"


def test_in_the_event_data(built):
    tree = parse_html(built / "es/sessions/alpha-1/index.html")
    data = json.loads(next(s for s in tree.iter("script") if s.get("type") == "application/ld+json").text)
    assert data["recordedIn"] == {"@type": "CreativeWork", "url": "https://video.example.org/alpha-1"}
    assert data["workFeatured"] == [
        {"@type": "CreativeWork", "name": "Folleto", "url": BASE + "programmes/alpha/sessions/handout.txt"},
        {"@type": "CreativeWork", "url": "https://example.org/reading-list"}]


@pytest.mark.parametrize("text, message", [
    ("    recording: nowhere.mp4\n",
     'content/programmes/alpha/sessions.yaml:11: the recording file "nowhere.mp4" is not a file in the sessions/ '
     "folder beside this sessions.yaml; put it there, beside the session texts, and give its name (not a .md file)"),
    ("    recording: alpha-1.es.md\n",
     'content/programmes/alpha/sessions.yaml:11: the recording file "alpha-1.es.md" is not a file'),
    ("    recording: ../sessions.yaml\n", 'content/programmes/alpha/sessions.yaml:11: the recording file "../sessions.yaml"'),
    ("    materials:\n      - {url: https://example.org/a, file: handout.txt}\n",
     "content/programmes/alpha/sessions.yaml:12: each of materials needs either a url or a file, such as "),
    ("    materials:\n      - {url: ftp://example.org/a}\n",
     'content/programmes/alpha/sessions.yaml:12: the materials url "ftp://example.org/a" must be an absolute http(s) URL; '),
    ("    materials:\n      - 12\n", "content/programmes/alpha/sessions.yaml:12: materials must be a link in quotes or a mapping"),
    ("    materials: handout.txt\n", 'content/programmes/alpha/sessions.yaml:11: "materials" must be a list of links'),
    ("    materials:\n      - {file: handout.txt, label: {en: Handout, fr: Polycopié}}\n",
     'content/programmes/alpha/sessions.yaml:12: "materials label" has unknown language "fr"'),
])
def test_mistakes_are_reported_with_their_line(site_copy, capsys, text, message):
    add_recording(site_copy, text)
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err, err


def test_a_label_lacking_a_language_is_a_warning(site_copy, capsys):
    add_recording(site_copy, "    recording: {url: https://v.example.org/1, label: {en: Video}}\n")
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "out")]) == 0
    assert ('content/programmes/alpha/sessions.yaml:11: warning: "recording label" has no es text: es pages show '
            'the en text; add es: "…"') in capsys.readouterr().err
