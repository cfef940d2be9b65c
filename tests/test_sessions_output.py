"""Rendered session output checked against an independent computation of every instant."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobjectx
import yaml

from conftest import REPO, parse_html, validate_ics

UTC = timezone.utc
#: The default site's session folder per language (`sessions_slug` in its site_config.yaml).
SESSIONS = {"en": "sessions", "es": "sesiones"}


def expected_sessions(site: Path) -> dict[str, dict]:
    """Each session's start and end in UTC, computed here from the YAML with zoneinfo alone."""
    config = yaml.safe_load((site / "site_config.yaml").read_text())
    found = {}
    for path in sorted((site / "content").rglob("sessions.yaml")):
        data = yaml.safe_load(path.read_text())
        calendar_zone = data.get("timezone", config["timezone"])
        for item in data["sessions"]:
            wall = datetime.strptime(str(item["start"]), "%Y-%m-%d %H:%M")
            start = wall.replace(tzinfo=ZoneInfo(item.get("timezone", calendar_zone))).astimezone(UTC)
            found[item["id"]] = {"start": start, "end": start + timedelta(minutes=item["duration"]),
                                 "status": item.get("status", "scheduled"), "programme": path.parent.name}
    return found


def cities(site: Path) -> list[tuple[str, ZoneInfo]]:
    config = yaml.safe_load((site / "site_config.yaml").read_text())
    return [(c["name"]["en"], ZoneInfo(c["timezone"])) for c in config["cities"]]


@pytest.fixture(scope="module")
def default_sessions():
    return expected_sessions(REPO)


def test_default_site_has_24_sessions_within_the_announced_dates(default_sessions):
    assert len(default_sessions) == 24
    spans = {"pathology": ("2021-09-02", "2021-10-22"), "nursing": ("2021-09-08", "2021-10-27"),
             "radiotherapy": ("2021-10-11", "2021-12-01")}
    for sid, s in default_sessions.items():
        first, last = spans[s["programme"]]
        assert first <= s["start"].date().isoformat() <= last, sid
    assert len({s["programme"] for s in default_sessions.values()}) == 3


def test_city_table_matches_zoneinfo_for_every_session_and_city(built_default_site, default_sessions):
    zones = cities(REPO)
    assert len(zones) >= 9
    for lang in ("en", "es"):
        for sid, s in default_sessions.items():
            tree = parse_html(built_default_site / lang / SESSIONS[lang] / sid / "index.html")
            rows = [tr for t in tree.iter("table") if "city-times" in (t.get("class") or "")
                    for tr in t.find("tbody").findall("tr")]
            assert len(rows) == len(zones)
            for row, (name, zone) in zip(rows, zones):
                shown = datetime.fromisoformat(row.find(".//time").get("datetime"))
                expected = s["start"].astimezone(zone)
                assert shown == expected and shown.utcoffset() == expected.utcoffset(), (lang, sid, name)


def test_dst_changes_are_right_in_the_default_site(built_default_site):
    """Sessions on both sides of the 2021 clock changes, read as a person would."""
    def row(lang, sid, city):
        tree = parse_html(built_default_site / lang / SESSIONS[lang] / sid / "index.html")
        for table in (t for t in tree.iter("table") if "city-times" in (t.get("class") or "")):
            for tr in table.find("tbody").findall("tr"):
                if "".join(tr.find("th").itertext()) == city:
                    return "".join(tr.find("td").itertext()).strip(), "".join(tr.findall("td")[-1].itertext())
    # Radiotherapy 25 Oct (Vienna 15:00 CEST) vs 1 Nov (Vienna 15:00 CET): Europe changed on 31 Oct.
    assert row("en", "radiotherapy-03", "Cali")[0].startswith("8:00")
    assert row("en", "radiotherapy-04", "Cali")[0].startswith("9:00")
    # Chicago: 1 Nov still CDT (UTC−5); 29 Nov CST (UTC−6) after 7 Nov.
    assert row("en", "radiotherapy-04", "Chicago")[1] == "UTC−5"
    assert row("en", "radiotherapy-08", "Chicago")[1] == "UTC−6"
    # Asunción moved to UTC−3 on 3 Oct 2021; León (Mexico) back to UTC−6 on 31 Oct.
    assert row("en", "nursing-04", "Asunción")[1] == "UTC−4"
    assert row("en", "nursing-05", "Asunción")[1] == "UTC−3"
    assert row("en", "radiotherapy-03", "León")[1] == "UTC−5"
    assert row("en", "radiotherapy-04", "León")[1] == "UTC−6"


def test_city_on_another_date_shows_that_date(basic_out):
    """alpha-2 is 19:30 in Bogotá on 4 Nov: already 5 Nov in Yangon and Madrid."""
    tree = parse_html(basic_out / "en/sessions/alpha-2/index.html")
    table = next(t for t in tree.iter("table") if "city-times" in (t.get("class") or ""))
    cells = {"".join(tr.find("th").itertext()): "".join(tr.find("td").itertext()) for tr in table.find("tbody")}
    start = datetime(2021, 11, 4, 19, 30, tzinfo=ZoneInfo("America/Bogota"))
    yangon = start.astimezone(ZoneInfo("Asia/Yangon"))
    assert yangon.day == 5 and "Fri, Nov 5" in cells["Yangon"] and "7:00" in cells["Yangon"]
    assert "Nov" not in cells["Cali"]
    es = parse_html(basic_out / "es/sessions/alpha-2/index.html")
    table = next(t for t in es.iter("table") if "city-times" in (t.get("class") or ""))
    cells = {"".join(tr.find("th").itertext()): "".join(tr.find("td").itertext()) for tr in table.find("tbody")}
    assert "vie, 5 nov" in cells["Yangón"]


def test_localized_date_time_and_duration(basic_out):
    en = "".join(parse_html(basic_out / "en/sessions/alpha-1/index.html").find(".//dl").itertext())
    es = "".join(parse_html(basic_out / "es/sessions/alpha-1/index.html").find(".//dl").itertext())
    assert "Thursday, October 28, 2021" in en and "1 hr 30 min" in en and "2 hours" not in en
    assert "jueves, 28 de octubre de 2021" in es and "1 h" in es and "30 min" in es


def jsonld(path: Path) -> dict:
    tree = parse_html(path)
    script = next(s for s in tree.iter("script") if s.get("type") == "application/ld+json")
    return json.loads(script.text)


def test_jsonld_events(built_default_site, default_sessions):
    for lang in ("en", "es"):
        for sid, s in default_sessions.items():
            data = jsonld(built_default_site / lang / SESSIONS[lang] / sid / "index.html")
            assert data["@type"] == "Event"
            start, end = datetime.fromisoformat(data["startDate"]), datetime.fromisoformat(data["endDate"])
            assert start.tzinfo is not None and start == s["start"] and end == s["end"]
            assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
            assert data["location"]["@type"] == "VirtualLocation"
            status = {"scheduled": "EventScheduled", "cancelled": "EventCancelled", "postponed": "EventPostponed"}
            assert data["eventStatus"] == "https://schema.org/" + status[s["status"]]
            assert data["organizer"]["name"] and data["inLanguage"]
            # Every event has a description and the site's default image (site_config.yaml `image`).
            assert data["description"].strip()
            assert data["image"] == ["https://example.org/teleecho/images/teleecho-2021.png"]
    assert (built_default_site / "images/teleecho-2021.png").read_bytes().startswith(b"\x89PNG\r\n")


def test_google_and_outlook_links(built_default_site, default_sessions):
    for sid, s in default_sessions.items():
        tree = parse_html(built_default_site / "es" / "sesiones" / sid / "index.html")
        hrefs = [a.get("href") for a in tree.iter("a") if a.get("href")]
        if s["status"] != "scheduled":  # cancelled, or postponed: the old date no longer holds
            assert not any("calendar.google.com" in h or "outlook.live.com" in h for h in hrefs)
            continue
        google = parse_qs(urlsplit(next(h for h in hrefs if "calendar.google.com" in h)).query)
        fmt = "%Y%m%dT%H%M%SZ"
        assert google["dates"] == [f"{s['start']:{fmt}}/{s['end']:{fmt}}"]
        assert google["action"] == ["TEMPLATE"]
        for host in ("outlook.office.com", "outlook.live.com"):  # work or school accounts, Outlook.com
            link = urlsplit(next(h for h in hrefs if urlsplit(h).netloc == host))
            assert link.path == "/calendar/deeplink/compose"
            outlook = parse_qs(link.query)
            assert datetime.fromisoformat(outlook["startdt"][0]) == s["start"]
            assert datetime.fromisoformat(outlook["enddt"][0]) == s["end"]


def ics_events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_ics_files_per_session_programme_and_site(built_default_site, default_sessions):
    out = built_default_site
    for lang in ("en", "es"):
        site = ics_events(out / lang / "calendar.ics")
        assert len(site) == 24
        for sid, s in default_sessions.items():
            event = site[f"{sid}@example.org"]
            assert event.decoded("DTSTART") == s["start"] and event.decoded("DTEND") == s["end"]
            assert "DTSTAMP" in event
            if s["status"] == "cancelled":
                assert event["STATUS"] == "CANCELLED"
            single = ics_events(out / lang / SESSIONS[lang] / sid / f"{sid}.ics")
            assert list(single) == [f"{sid}@example.org"]
        programmes = list((out / lang / {"en": "programmes", "es": "programas"}[lang]).rglob("*.ics"))
        assert len(programmes) == 3 and sum(len(ics_events(p)) for p in programmes) == 24
    assert set(ics_events(out / "en/calendar.ics")) == set(ics_events(out / "es/calendar.ics"))


def test_feeds_read_alike_in_a_second_parser(built_default_site, default_sessions):
    """vobject reads every file with the instants the YAML means; feeds ask to be refreshed;
    a cancelled session's title says so in the calendar's language (Outlook ignores STATUS)."""
    prefix = {"en": "Cancelled: ", "es": "Cancelada: "}
    for path in sorted(built_default_site.rglob("*.ics")):
        lang = path.relative_to(built_default_site).parts[0]
        calendar = vobjectx.read_one(path.read_text(encoding="utf-8"))
        is_feed = path.parent.parent.name not in (SESSIONS[lang], "sessions")  # /es/sessions/ is moved: copies
        assert ("refresh-interval" in calendar.contents) == is_feed, path
        assert ("x-published-ttl" in calendar.contents) == is_feed, path
        for event in calendar.vevent_list:
            s = default_sessions[event.uid.value.split("@")[0]]
            assert (event.dtstart.value, event.dtend.value) == (s["start"], s["end"])
            cancelled = s["status"] == "cancelled"
            assert event.summary.value.startswith(prefix[lang]) == cancelled, (path, event.summary.value)
            assert (event.status.value == "CANCELLED") == cancelled


def test_ics_files_have_crlf_and_short_lines(built_default_site):
    for path in built_default_site.rglob("*.ics"):
        data = path.read_bytes()
        assert b"\n" not in data.replace(b"\r\n", b""), path
        assert all(len(line) <= 75 for line in data.split(b"\r\n")), path


@pytest.mark.parametrize("page, feed, name", [
    ("en/calendar/index.html", "en/calendar.ics", "Quality Improvement of Cancer Care Systems"),
    ("es/programas/patologia/index.html", "es/programas/patologia/pathology.ics",
     "Mejora de la calidad de los laboratorios de patología para el diagnóstico del cáncer"),
])
def test_subscribe_links_for_every_app(built_default_site, page, feed, name):
    """webcal, Google Calendar, both Outlook hosts, the file, and the https address as text."""
    tree = parse_html(built_default_site / page)
    https, webcal = f"https://example.org/teleecho/{feed}", f"webcal://example.org/teleecho/{feed}"
    hrefs = [a.get("href") for a in tree.iter("a") if a.get("href")]
    assert webcal in hrefs and https in [urljoin("https://example.org/teleecho/" + page, h) for h in hrefs]
    google = urlsplit(next(h for h in hrefs if h.startswith("https://calendar.google.com/")))
    assert google.path == "/calendar/r" and parse_qs(google.query) == {"cid": [webcal]}
    for host in ("outlook.office.com", "outlook.live.com"):
        link = urlsplit(next(h for h in hrefs if urlsplit(h).netloc == host))
        assert link.path == "/calendar/0/addfromweb"
        assert parse_qs(link.query) == {"url": [https], "name": [name]}
    # Without a script the address is plain text to select; site.js adds a copy button beside it.
    code = next(c for c in tree.iter("code") if "copyable" in (c.get("class") or ""))
    assert code.text == https and code.get("data-copy-label")
    assert (built_default_site / feed).is_file()


def test_programme_page_lists_its_sessions_only(built_default_site, default_sessions):
    tree = parse_html(built_default_site / "en/programmes/nursing/index.html")
    cards = [li for li in tree.iter("li") if "session-card" in (li.get("class") or "")]
    assert len(cards) == sum(1 for s in default_sessions.values() if s["programme"] == "nursing")


def test_site_calendar_marks_cancelled_and_postponed(built_default_site, default_sessions):
    tree = parse_html(built_default_site / "en/calendar/index.html")
    cards = [li for li in tree.iter("li") if "session-card" in (li.get("class") or "")]
    assert len(cards) == 24
    by_status = {s: sum(1 for li in cards if f"is-{s}" in li.get("class")) for s in ("cancelled", "postponed")}
    assert by_status == {s: sum(1 for v in default_sessions.values() if v["status"] == s) for s in by_status}
    grids = [t for t in tree.iter("table") if "month-grid" in (t.get("class") or "")]
    assert [("".join(g.find("caption").itertext())) for g in grids] == [
        "September 2021", "October 2021", "November 2021", "December 2021"]
    linked_days = sum(1 for g in grids for a in g.iter("a"))
    assert linked_days == 24
    assert [t.get("scope") for t in grids[0].iter("th")] == ["col"] * 7


def test_month_grid_key_numbers_programmes_and_names_statuses(built_default_site, default_sessions):
    tree = parse_html(built_default_site / "en/calendar/index.html")
    legend = next(ul for ul in tree.iter("ul") if ul.get("class") == "legend")
    items = list(legend)
    numbers = {li.find("a").get("href").split("/")[-2]: li.find("span").text for li in items if li.find("a") is not None}
    assert numbers == {"pathology": "1", "nursing": "2", "radiotherapy": "3"}  # by first session
    assert ["".join(li.itertext()).strip() for li in items if li.find("a") is None] == ["Cancelled", "Postponed", "Today"]
    assert items[-1].get("hidden") is not None  # "Today" is shown by site.js once it marks a day
    bogota = ZoneInfo("America/Bogota")
    cells = [td for td in tree.iter("td") if td.find("a") is not None]
    assert len(cells) == 24
    for td in cells:
        link = td.find("a")
        session = default_sessions[link.get("href").split("/")[-2]]
        assert td.get("data-date") == session["start"].astimezone(bogota).date().isoformat()
        mark = next(s for s in link if s.get("class") == "mark")
        assert mark.text == numbers[session["programme"]]
        assert f"is-{session['status']}" in link.get("class")


def test_session_pages_exist_in_every_language_with_hreflang(basic_out):
    tree = parse_html(basic_out / "es/sessions/alpha-1/index.html")
    alternates = {l.get("hreflang"): l.get("href") for l in tree.iter("link") if l.get("rel") == "alternate"}
    assert alternates == {"en": "https://example.org/sub/path/en/sessions/alpha-1/",
                          "es": "https://example.org/sub/path/es/sessions/alpha-1/",
                          "x-default": "https://example.org/sub/path/"}


def test_session_text_and_title_fallback_language(basic_out):
    es = parse_html(basic_out / "es/sessions/alpha-2/index.html")
    h1 = next(es.iter("h1"))
    assert h1.get("lang") == "en"  # no Spanish title: the English one is marked as such
    alpha1 = (basic_out / "es/sessions/alpha-1/index.html").read_text()
    assert "Resumen ampliado de la primera sesión." in alpha1 and "Preparación" in alpha1
    assert 'href="../../acerca/"' in alpha1  # the session text's link, rewritten for Spanish


def test_local_time_script_hook_is_present_but_page_complete_without_it(basic_out):
    tree = parse_html(basic_out / "en/sessions/alpha-1/index.html")
    local = next(p for p in tree.iter("p") if "local-time" in (p.get("class") or ""))
    assert local.get("hidden") is not None and local.get("data-start") == "2021-10-28T14:00:00Z"


def test_every_generated_ics_passes_the_strict_validator(built_default_site, basic_out):
    for root in (built_default_site, basic_out):
        for path in root.rglob("*.ics"):
            assert validate_ics(path.read_bytes()) == [], path


# -- The next-session panel, statuses and zones as built (without a script); in Chromium: test_next_session.py


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_built_pages_mark_no_session_past_or_next(timeline_out):
    """Which session is next or over depends on the day it is read, so no page says it (site.js does)."""
    for path in timeline_out.rglob("*.html"):
        marked = [e for e in parse_html(path).iter() if _classes(e) & {"status-next", "status-past", "status-now",
                                                                       "is-past", "is-next", "is-now"}]
        assert not marked, path


def test_panel_without_script_gives_the_dates_and_the_list(timeline_out):
    home = parse_html(timeline_out / "en/index.html")
    panel = next(e for e in home.iter("section") if "next-session" in _classes(e))
    static = next(p for p in panel.iter("p") if "next-static" in _classes(p))
    assert _text(static) == "3 sessions: Sep 2 – 22, 2021. Every session with its time"
    assert static.find("a").get("href") == "calendar/"
    data = json.loads(next(s for s in panel.iter("script") if s.get("type") == "application/json").text)
    assert [s["id"] for s in data] == ["alpha-1", "beta-2", "alpha-3"]  # scheduled ones only
    assert data[0]["url"] == "sessions/alpha-1/" and data[0]["ics"] == "sessions/alpha-1/alpha-1.ics"
    programme = parse_html(timeline_out / "es/programmes/alpha/index.html")
    static = next(p for p in programme.iter("p") if "next-static" in _classes(p))
    assert _text(static).startswith("2 sesiones: 2–22 de septiembre de 2021.")
    assert static.find("a").get("href") == "#sessions-heading"


def test_every_time_names_its_zone(timeline_out):
    calendar = parse_html(timeline_out / "en/calendar/index.html")
    times = [_text(t) for li in calendar.iter("li") if "session-card" in _classes(li) for t in li.iter("time")]
    assert times[0] == "Thursday, September 2, 2021 · 9:00 AM Bogotá Time" and len(times) == 6
    assert all(t.endswith(" Bogotá Time") for t in times)
    grid = [_text(s) for s in calendar.iter("span") if "visually-hidden" in _classes(s)]
    assert grid[0] == "Thursday, September 2, 2021, 9:00 AM Bogotá Time: First alpha session"
    es = parse_html(timeline_out / "es/programmes/beta/index.html")
    times = [_text(t) for li in es.iter("li") if "session-card" in _classes(li) for t in li.iter("time")]
    assert times[1] == "miércoles, 15 de septiembre de 2021 · 9:00 hora de Bogotá"
    # A session held in Vienna's time: the reference zone's time first, its own beside it.
    facts = parse_html(timeline_out / "en/sessions/beta-2/index.html").find(".//dl")
    assert [_text(dd) for dd in facts.findall("dd")][:3] == [
        "Wednesday, September 15, 2021", "9:00 – 10:30 AM Bogotá Time (UTC−5)", "4:00 – 5:30 PM Vienna Time (UTC+2)"]
    facts = parse_html(timeline_out / "en/sessions/alpha-3/index.html").find(".//dl")
    assert [_text(dd) for dd in facts.findall("dd")][:2] == ["Wednesday, September 22, 2021",
                                                            "7:00 – 8:00 PM Bogotá Time (UTC−5)"]


def test_session_page_city_tables_come_first_by_role_with_start_and_end(timeline_out):
    article = parse_html(timeline_out / "en/sessions/alpha-3/index.html").find(".//article")
    order = [child.tag if child.tag != "div" else "prose" for child in article]
    assert order.index("section") < order.index("prose")  # the times before the long text
    tables = [t for t in article.iter("table") if "city-times" in _classes(t)]
    assert [_text(t.find("caption")) for t in tables] == ["Participants’ cities", "Experts’ cities"]
    assert [_text(th) for th in tables[0].find("thead").iter("th")] == ["City", "Start", "End", "UTC offset"]
    rows = [[_text(cell) for cell in tr] for t in tables for tr in t.find("tbody")]
    assert rows == [["Cali", "7:00 PM", "8:00 PM", "UTC−5"],
                    ["Yangon", "6:30 AM (Thu, Sep 23)", "7:30 AM", "UTC+6:30"],
                    ["Chicago", "7:00 PM", "8:00 PM", "UTC−5"],
                    ["Vienna", "2:00 AM (Thu, Sep 23)", "3:00 AM", "UTC+2"]]


def test_postponed_session_offers_no_calendar_links_and_says_so(timeline_out):
    article = parse_html(timeline_out / "en/sessions/alpha-2/index.html").find(".//article")
    hrefs = [a.get("href") or "" for a in article.iter("a")]
    assert not [h for h in hrefs if h.endswith(".ics") or "calendar.google.com" in h or "outlook" in h or "meet." in h]
    assert "Until then it has no calendar links: the old date no longer holds." in _text(article)


def test_presenters_are_separate_people_with_spanish_honorifics(built_default_site):
    """The seed's "Carlos Benítez, MSc, PhD Rodolfo Alfonso Laguardia" is two people; "Dra." in Spanish."""
    def people(lang: str, sid: str) -> list[str]:
        tree = parse_html(built_default_site / lang / SESSIONS[lang] / sid / "index.html")
        return ["".join(li.itertext()) for li in next(u for u in tree.iter("ul") if u.get("class") == "people")]
    assert people("es", "radiotherapy-06") == [
        "Carlos Benítez, MSc (Físico médico)",
        "Dr. Rodolfo Alfonso Laguardia (Líder técnico del grupo de trabajo; profesor de Física Médica, "
        "Universidad de La Habana)"]
    assert people("en", "radiotherapy-06")[1] == ("Rodolfo Alfonso Laguardia, PhD (Taskforce Technical Lead; "
                                                  "Professor of Medical Physics, University of Havana)")
    assert people("es", "pathology-01") == ["Dr. Dan Milner (Director médico, ASCP)", "Dra. Laura Méndez"]
    assert people("en", "pathology-01") == ["Dr Dan Milner (Chief Medical Officer, ASCP)", "Dr Laura Méndez"]
    performers = jsonld(built_default_site / "es/sesiones/pathology-01/index.html")["performer"]
    assert performers[0] == {"@type": "Person", "name": "Dr. Dan Milner", "jobTitle": "Director médico",
                             "affiliation": {"@type": "Organization", "name": "ASCP"}}
    description = vobjectx.read_one((built_default_site / "es/sesiones/pathology-01/pathology-01.ics")
                                    .read_text(encoding="utf-8")).vevent.description.value
    assert "Ponentes: Dr. Dan Milner (Director médico, ASCP); Dra. Laura Méndez" in description
