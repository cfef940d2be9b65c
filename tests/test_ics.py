"""iCalendar output: assembled from `event_ics` events, parsed back with icalendar, and checked
for what the parser tolerates (bare LF, missing UID or DTSTAMP, long lines)."""
from __future__ import annotations

import dataclasses
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobjectx

from conftest import SITES, validate_ics
from echosite.cli import main
from echosite.config import Config, load_config
from echosite.errors import Diagnostics
from echosite.pipeline import build as build_site
from echosite.render.events import summary_plain
from echosite.render.ics import PRODID, assemble_calendar, event_ics, event_stamp
from echosite.sessions import Session, load_calendar

UTC = timezone.utc

SITE_CONFIG = """\
title: Test
base_url: https://example.org/teleecho/
languages: [en, es]
timezone: America/Bogota
cities:
  - {name: Yangon, timezone: Asia/Yangon}
"""

LONG_ES = ("Gestión de la calidad en el laboratorio de anatomía patológica: acreditación, "
           "indicadores, auditorías y mejora continua en hospitales públicos de Latinoamérica")

CALENDAR = f"""\
sessions:
  - id: p-01
    start: 2021-09-02 09:00
    duration: 90
    title: {{en: "Quality, systems; and \\\\ more\\nsecond line", es: "{LONG_ES}"}}
    summary: {{en: "Uno, dos; tres \\\\ cuatro\\ncinco", es: "Resumen en español"}}
    presenters: ["Dr Dan Milner (ASCP)", "Dra. Ana Pérez"]
    join_url: https://zoom.us/j/123
  - id: p-02
    start: 2021-10-31 02:30 +01:00
    timezone: Europe/Madrid
    duration: 60
    title: {{en: "Repeated hour"}}
    status: cancelled
  - id: p-03
    start: 2021-11-07 01:30 -06:00
    timezone: America/Chicago
    duration: 45
    title: Postponed one
    status: postponed
"""


@pytest.fixture
def site(tmp_path: Path) -> tuple[Config, tuple[Session, ...]]:
    (tmp_path / "site_config.yaml").write_text(SITE_CONFIG, encoding="utf-8")
    path = tmp_path / "content" / "programmes" / "p" / "sessions.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(CALENDAR), encoding="utf-8")
    diag = Diagnostics(tmp_path)
    config = load_config(tmp_path, diag)
    assert config is not None
    sessions = load_calendar(path, "programmes/p/index", config, diag)
    # p-02 has an English title only, on purpose: a warning, and the es calendars borrow it.
    assert [(p.line, p.message, p.is_error) for p in diag.problems] == [
        (13, '"title" has no es text: es pages show the en text; add es: "…"', False)]
    assert len(sessions) == 3
    return config, sessions


def calendar_ics(sessions: tuple[Session, ...], lang: str, config: Config, name: str,
                 presenters_label: str = "") -> bytes:
    """A calendar of `sessions` as the build makes one: each event serialized once, then assembled."""
    return assemble_calendar(name, [event_ics(s, lang, config.languages, config, session_url(lang, s),
                                              presenters_label, "Online") for s in sessions])


def session_url(lang: str, session: Session) -> str:
    return f"https://example.org/teleecho/{lang}/sessions/{session.id}/"


def build(site: tuple[Config, tuple[Session, ...]], lang: str, name: str = "Programa de patología") -> bytes:
    config, sessions = site
    return calendar_ics(sessions, lang, config, name)


def events(data: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def test_exact_utc_instants(site) -> None:
    found = events(build(site, "en"))
    expected = {
        "p-01@example.org/teleecho": datetime(2021, 9, 2, 9, 0, tzinfo=ZoneInfo("America/Bogota")),
        "p-02@example.org/teleecho": datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Madrid")),
        "p-03@example.org/teleecho": datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=ZoneInfo("America/Chicago")),
    }
    durations = {"p-01@example.org/teleecho": 90, "p-02@example.org/teleecho": 60, "p-03@example.org/teleecho": 45}
    assert set(found) == set(expected)
    for uid, local in expected.items():
        start = found[uid].decoded("DTSTART")
        end = found[uid].decoded("DTEND")
        assert start.utcoffset() == timedelta(0) and start == local.astimezone(UTC)
        assert end - start == timedelta(minutes=durations[uid])
    # The repeated hours, written out: 02:30 CET is 01:30 UTC; 01:30 CST is 07:30 UTC.
    assert found["p-02@example.org/teleecho"].decoded("DTSTART") == datetime(2021, 10, 31, 1, 30, tzinfo=UTC)
    assert found["p-03@example.org/teleecho"].decoded("DTSTART") == datetime(2021, 11, 7, 7, 30, tzinfo=UTC)
    assert b"DTSTART:20210902T140000Z\r\n" in build(site, "en")
    assert b"VTIMEZONE" not in build(site, "en")


def test_uid_stable_across_builds_and_languages(site) -> None:
    en1, en2, es = events(build(site, "en")), events(build(site, "en")), events(build(site, "es"))
    assert list(en1) == list(en2) == list(es) == ["p-01@example.org/teleecho", "p-02@example.org/teleecho", "p-03@example.org/teleecho"]


def test_bytes_identical_between_builds(site) -> None:
    assert build(site, "es") == build(site, "es")
    assert build(site, "en") != build(site, "es")


def test_crlf_line_ends(site) -> None:
    for lang in ("en", "es"):
        data = build(site, lang)
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
        assert all(line.endswith(b"\r") for line in data.split(b"\n")[:-1])


def test_no_line_over_75_octets_with_long_accented_titles(site) -> None:
    data = build(site, "es", name="Calendario de la programación de anatomía patológica — sesiones en español")
    assert any(len(line) == 75 for line in data.split(b"\r\n")), "the long title should need folding"
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert events(data)["p-01@example.org/teleecho"]["SUMMARY"] == LONG_ES
    data.decode("utf-8")  # folding never splits a multi-byte character


def test_special_characters_round_trip(site) -> None:
    config, sessions = site
    data = build(site, "en")
    event = events(data)["p-01@example.org/teleecho"]
    assert str(event["SUMMARY"]) == "Quality, systems; and \\ more\nsecond line"
    assert b"SUMMARY;LANGUAGE=en:Quality\\, systems\\; and \\\\ more\\nsecond line\r\n" in data
    description = str(event["DESCRIPTION"])
    summary = summary_plain(sessions[0], "en", config.languages)
    assert summary == "Uno, dos; tres \\ cuatro\ncinco"
    assert description == (summary + "\n\nDr Dan Milner (ASCP), Dra. Ana Pérez\n\nhttps://zoom.us/j/123"
                           "\n\nhttps://example.org/teleecho/en/sessions/p-01/")


def test_event_fields(site) -> None:
    found = events(build(site, "es"))
    first, cancelled, postponed = (found[f"p-0{i}@example.org/teleecho"] for i in (1, 2, 3))
    assert str(first["SUMMARY"]) == LONG_ES and first["SUMMARY"].params["LANGUAGE"] == "es"
    assert str(cancelled["SUMMARY"]) == "Repeated hour" and cancelled["SUMMARY"].params["LANGUAGE"] == "en"
    assert str(first["URL"]) == "https://example.org/teleecho/es/sessions/p-01/"
    assert str(first["LOCATION"]) == "https://zoom.us/j/123" and str(cancelled["LOCATION"]) == "Online"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(postponed["STATUS"]) == "TENTATIVE"
    assert first.decoded("SEQUENCE") == 0
    assert b"STATUS:CANCELLED\r\n" in build(site, "es")


def test_calendar_properties(site) -> None:
    parsed = icalendar.Calendar.from_ical(build(site, "es"))
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]).startswith("-//echosite//")
    assert str(parsed["CALSCALE"]) == "GREGORIAN" and str(parsed["METHOD"]) == "PUBLISH"
    assert str(parsed["X-WR-CALNAME"]) == "Programa de patología"


@pytest.mark.parametrize("name", ['Cáncer; mama, "cuello" \\ y más', "A, B; C", 'Say "hi"'])
def test_calendar_name_is_escaped_text_another_parser_reads_back(site, name) -> None:
    """X-WR-CALNAME is TEXT: vobject (not the library that writes it) reads the whole name back."""
    config, sessions = site
    data = calendar_ics(sessions, "es", config, name)
    assert vobjectx.read_one(data.decode("utf-8")).contents["x-wr-calname"][0].value == name
    assert validate_ics(data) == []


def test_feeds_carry_refresh_hints_and_single_files_none(site) -> None:
    config, sessions = site
    events_ = [event_ics(s, "en", config.languages, config, session_url("en", s), "", "Online") for s in sessions]
    feed = vobjectx.read_one(assemble_calendar("Feed", events_, feed=True).decode("utf-8"))
    interval = feed.contents["refresh-interval"][0]
    assert (interval.value, interval.params) == ("PT12H", {"VALUE": ["DURATION"]})
    assert feed.contents["x-published-ttl"][0].value == "PT12H"
    assert [e.uid.value for e in feed.vevent_list] == [f"p-0{i}@example.org/teleecho" for i in (1, 2, 3)]
    single = vobjectx.read_one(assemble_calendar("One", events_[:1]).decode("utf-8"))
    assert "refresh-interval" not in single.contents and "x-published-ttl" not in single.contents


def test_a_summary_replaces_the_title(site) -> None:
    config, sessions = site
    event = event_ics(sessions[1], "es", config.languages, config, session_url("es", sessions[1]), "", "En línea",
                      summary="Cancelada: Repeated hour")
    assert str(icalendar.Event.from_ical(event)["SUMMARY"]) == "Cancelada: Repeated hour"


def test_dtstamp_from_content_not_the_clock(site) -> None:
    config, sessions = site
    en, es = events(build(site, "en")), events(build(site, "es"))
    for uid in en:
        stamp, window = en[uid].decoded("DTSTAMP"), timedelta(days=180) * en[uid].decoded("SEQUENCE")
        assert stamp.utcoffset() == timedelta(0)
        assert datetime(2021, 1, 1, tzinfo=UTC) + window <= stamp < datetime(2021, 6, 30, tzinfo=UTC) + window
        assert stamp == es[uid].decoded("DTSTAMP")
    assert len({e.decoded("DTSTAMP") for e in en.values()}) == 3
    moved = dataclasses.replace(sessions[0], duration=91)
    assert event_stamp(moved) != event_stamp(sessions[0])
    assert event_stamp(sessions[0]) == en["p-01@example.org/teleecho"].decoded("DTSTAMP")


def test_output_passes_the_project_checks(site) -> None:
    assert validate_ics(build(site, "en")) == []
    assert validate_ics(build(site, "es")) == []


GOOD = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:a@b\r\nDTSTAMP:20210101T000000Z\r\nDTSTART:20210902T140000Z\r\n"
        b"SUMMARY:folded\r\n  line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_validate_ics_accepts_a_minimal_calendar() -> None:
    assert validate_ics(GOOD) == []


@pytest.mark.parametrize("bad, expected", [
    (GOOD.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\n"), ["line 2: bare LF line end; iCalendar lines end with CRLF"]),
    (GOOD.replace(b"\r\n", b"\n"), [f"line {n}: bare LF line end; iCalendar lines end with CRLF" for n in range(1, 12)]),
    (GOOD.replace(b"UID:a@b\r\n", b""), ["line 4: VEVENT without UID"]),
    (GOOD.replace(b"DTSTAMP:20210101T000000Z\r\n", b""), ["line 4: VEVENT without DTSTAMP"]),
    (GOOD.replace(b"SUMMARY:folded", b"SUMMARY:" + "é".encode() * 40), ["line 8: 88 octets, over the 75-octet limit; fold it"]),
    (GOOD.removesuffix(b"\r\n"), ["line 11: the file does not end with CRLF"]),
    (GOOD.replace(b"PRODID:-//t//t//EN\r\n", b""), ["line 1: VCALENDAR without PRODID"]),
    (GOOD.replace(b"SUMMARY:folded", b"SUMMARY:caf\xe9"), ["line 8: not UTF-8 (invalid continuation byte)"]),
])
def test_validate_ics_reports_what_the_parser_tolerates(bad: bytes, expected: list[str]) -> None:
    icalendar.Calendar.from_ical(bad)  # the library accepts every one of these
    assert validate_ics(bad) == expected


def test_validate_ics_reports_broken_nesting() -> None:
    problems = validate_ics(GOOD.replace(b"END:VEVENT\r\n", b""))
    assert problems[:3] == ["line 10: END:VCALENDAR does not close BEGIN:VEVENT",
                            "line 1: BEGIN:VCALENDAR is never closed", "line 4: BEGIN:VEVENT is never closed"]
    assert len(problems) == 4 and problems[3].startswith("icalendar cannot parse the file: ")


def test_validate_ics_reports_a_file_that_is_no_calendar() -> None:
    assert validate_ics(b"")[:2] == ["line 1: the file does not end with CRLF", "line 1: no BEGIN:VCALENDAR"]


def test_assembled_calendar_equals_icalendars_own_serialization(tmp_path):
    """Calendars are assembled from events serialized once; the bytes must be icalendar's own."""
    site = tmp_path / "asm"
    site.mkdir()
    (site / "site_config.yaml").write_text(
        "title: T\nbase_url: https://example.org/\nlanguages: [en, es]\ntimezone: Europe/Madrid\n")
    (site / "sessions.yaml").write_text(
        "sessions:\n"
        "  - {id: a-1, start: 2021-10-30 10:00, duration: 90, title: {en: 'Long title, with; commas \\\\ and more', es: 'Título'}}\n"
        "  - {id: a-2, start: 2021-11-02 10:00, duration: 60, title: Second, status: cancelled}\n")
    diag = Diagnostics(root=site)
    config = load_config(site, diag)
    sessions = load_calendar(site / "sessions.yaml", "p/index", config, diag)
    assert not diag.errors and len(sessions) == 2
    assembled = calendar_ics(sessions, "es", config, "Nombre", presenters_label="Ponentes")
    whole = icalendar.Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", "Nombre")):
        whole.add(key, value)
    for session in sessions:  # each event parsed on its own, then serialized by icalendar with the rest
        event = event_ics(session, "es", config.languages, config, session_url("es", session), "Ponentes", "Online")
        whole.add_component(icalendar.Event.from_ical(event))
    assert assembled == whole.to_ical()


def _uids(out: Path) -> set[str]:
    return {str(event["UID"]) for event in icalendar.Calendar.from_ical((out / "en/calendar.ics").read_bytes())
            .walk("VEVENT")}


def test_two_sites_under_one_host_never_share_a_uid(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build_site(SITES / "basic", first, base_url="https://example.org/a/", cache_dir=tmp_path / "cache-a")
    build_site(SITES / "basic", second, base_url="https://example.org/b/", cache_dir=tmp_path / "cache-b")
    assert _uids(first) == {"alpha-1@example.org/a", "alpha-2@example.org/a"}
    assert _uids(second) == {"alpha-1@example.org/b", "alpha-2@example.org/b"}
    es = {str(e["UID"]) for e in icalendar.Calendar.from_ical((first / "es/calendar.ics").read_bytes()).walk("VEVENT")}
    assert es == _uids(first)


def test_calendar_id_keeps_uids_whatever_base_url_becomes(site_copy, tmp_path):
    config = site_copy / "site_config.yaml"
    config.write_text(config.read_text() + "calendar_id: example.org\n")
    build_site(site_copy, tmp_path / "out", base_url="https://new.example.net/x/", cache_dir=tmp_path / "cache")
    assert _uids(tmp_path / "out") == {"alpha-1@example.org", "alpha-2@example.org"}


def test_the_default_sites_uids_are_those_it_first_published(built_default_site):
    assert "pathology-01@example.org" in _uids(built_default_site)


def test_a_calendar_id_with_a_space_is_an_error_with_its_line(site_copy, capsys):
    config = site_copy / "site_config.yaml"
    config.write_text(config.read_text() + "calendar_id: example org\n")
    assert main(["check", "--site", str(site_copy)]) == 1
    assert ('site_config.yaml:11: calendar_id "example org" must be text without spaces, such as '
            "example.org/teleecho; once calendars are published, never change it") in capsys.readouterr().err
