"""Issue 11.6: every field is safe in every output, whatever an editor writes into it.

A scan of every generated page and calendar of the default site and of a hostile copy
of the `basic` fixture (line breaks of every kind, markup and calendar properties in
titles, names and texts, headings named like the layout's own ids): every `<script>`
is the project's own or a JSON block that parses, every `.ics` line ends in CRLF with
no CR or LF inside a value and no property an editor's text added, and no id is used twice.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import icalendar
import pytest

from conftest import REPO, SITES, edit, html_files, parse_html, validate_ics
from echosite.pipeline import build

#: Line breaks of every kind, and what they could inject into an HTML page or a calendar.
BREAKS = "\\r\\nX-INJECTED:1\\rX-INJECTED:2\\nX-INJECTED:3\\u2028X-INJECTED:4\\u2029\\x85"
MARKUP = "</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    """The `basic` site with hostile text in its config, front matter, sessions and headings, built."""
    site = tmp_path_factory.mktemp("hostile") / "site"
    shutil.copytree(SITES / "basic", site)
    edit(site / "site_config.yaml", 'title: {en: "Basic Test Programme"', f'title: {{en: "Basic{BREAKS}{MARKUP}"')
    edit(site / "site_config.yaml", 'name: "Test Organizer"', f'name: "Org{BREAKS}{MARKUP}"')
    edit(site / "site_config.yaml", "{en: Madrid, es: Madrid}", f'{{en: "Madrid{BREAKS}", es: Madrid}}')
    calendar = site / "content/programmes/alpha/sessions.yaml"
    edit(calendar, 'title: {en: "Evening session after the clocks change"}',
         f'title: {{en: "Evening{BREAKS}{MARKUP}", es: "Tarde{BREAKS}"}}')
    edit(calendar, 'presenters: ["Dr Ana Pérez"]', f'presenters: ["Dr Ana{BREAKS}{MARKUP}"]')
    edit(calendar, 'summary: {en: "First *session*."', f'summary: {{en: "First{BREAKS}{MARKUP}"')
    edit(site / "content/about.en.md", 'title: "About"', f'title: "About{BREAKS}{MARKUP}"\ndescription: "{MARKUP}{BREAKS}"')
    edit(site / "content/about.en.md", "## History", "## History\n\n## Main\n\n## Month 1 {#month-1}\n\n"
                                                    '<p id="sessions-heading">x</p>\n\n[up](#main)')
    out = site.parent / "output"
    build(site, out, cache_dir=site.parent / "cache")
    return out


@pytest.fixture(scope="module", params=["default", "hostile"])
def output(request, built_default_site, hostile_out) -> Path:
    return built_default_site if request.param == "default" else hostile_out


def test_the_hostile_text_reached_the_output(hostile_out):
    assert "X-INJECTED:1" in (hostile_out / "en/about/index.html").read_text()
    assert b"X-INJECTED" in (hostile_out / "en/calendar.ics").read_bytes()


def test_every_script_is_the_projects_own_or_json_that_parses(output):
    own = {path.relative_to(REPO / "templates").as_posix() for path in (REPO / "templates/assets").rglob("*.js")}
    for path in html_files(output):
        for script in parse_html(path).iter("script"):
            if script.get("src") is not None:
                target = (path.parent / script.get("src")).resolve().relative_to(output.resolve()).as_posix()
                assert target in own and not (script.text or "").strip(), (path, script.attrib)
            else:
                assert script.get("type") in ("application/ld+json", "application/json"), (path, script.attrib)
                json.loads(script.text)


def test_every_calendar_line_ends_in_crlf_with_no_break_inside_a_value(output):
    files = sorted(output.rglob("*.ics"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert validate_ics(data) == [], path  # CRLF line ends, no bare CR or LF, folded, parses
        assert not any(line.startswith(b"X-INJECTED") for line in data.split(b"\r\n")), path


def test_calendar_text_keeps_the_editors_line_breaks_as_escaped_newlines(hostile_out):
    calendar = icalendar.Calendar.from_ical((hostile_out / "en/sessions/alpha-2/alpha-2.ics").read_bytes())
    event = calendar.walk("VEVENT")[0]
    # alpha-2 is cancelled: its summary says so first (Outlook ignores STATUS).
    assert str(event["SUMMARY"]) == f"Cancelled: Evening\nX-INJECTED:1\nX-INJECTED:2\nX-INJECTED:3\nX-INJECTED:4\n\n{MARKUP}"


def test_no_id_is_used_twice_in_a_page(output):
    for path in html_files(output):
        ids = [el.get("id") for el in parse_html(path).iter() if el.get("id")]
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))


def test_headings_named_like_the_layouts_ids_are_renamed(hostile_out):
    page = parse_html(hostile_out / "en/about/index.html")
    assert [el.get("id") for el in page.iter() if el.get("id")] == [
        "main", "history", "main_1", "month-1_1", "sessions-heading_1"]
    assert any(a.get("href") == "#main_1" for a in page.iter("a"))
