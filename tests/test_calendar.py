"""Session calendars: parsing with exact messages and lines, and every instant checked
against an independent computation with zoneinfo in the test itself."""
from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from echosite.render import events, times
from echosite.render.markup import plain_text
from echosite.sessions import Session, check_unique_ids, load_calendar
from echosite.config import Config, load_config
from echosite.errors import Diagnostics

UTC = timezone.utc
BOGOTA = ZoneInfo("America/Bogota")
CALENDAR = "content/programmes/p/sessions.yaml"
CITY_ZONES = ("America/Asuncion", "America/Mexico_City", "Europe/Madrid", "America/Chicago",
              "Asia/Yangon", "Africa/Kigali")

SITE_CONFIG = """\
title: {en: "Test site", es: "Sitio de prueba"}
base_url: https://example.org/teleecho/
languages: [en, es]
timezone: America/Bogota
organizer: {name: "C/Can", url: "https://citycancerchallenge.org/"}
cities:
  - {name: {en: Asunción, es: Asunción}, timezone: America/Asuncion}
  - {name: {en: León, es: León}, timezone: America/Mexico_City}
  - {name: {en: Madrid, es: Madrid}, timezone: Europe/Madrid}
  - {name: {en: Chicago, es: Chicago}, timezone: America/Chicago}
  - {name: {en: Yangon, es: Yangón}, timezone: Asia/Yangon}
  - {name: {en: Kigali, es: Kigali}, timezone: Africa/Kigali}
"""

PRESENTER_HINT = ('such as presenters: ["Dr Dan Milner", {name: {en: "Dr Laura Méndez", es: "Dra. Laura Méndez"}, '
                  'role: "Pathologist", affiliation: "ASCP"}]')
GOOD_ITEM = """\
sessions:
  - id: s-01
    start: 2021-09-02 09:00
    duration: 90
    title: {en: "Title", es: "Título"}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "site_config.yaml").write_text(SITE_CONFIG, encoding="utf-8")
    return tmp_path


@pytest.fixture
def config(site: Path) -> Config:
    diag = Diagnostics(site)
    result = load_config(site, diag)
    assert result is not None and not diag.problems, diag.problems
    return result


def load(site: Path, config: Config, yaml_text: str, files: dict[str, str | bytes] | None = None,
         name: str = CALENDAR) -> tuple[tuple[Session, ...], Diagnostics]:
    """Write a calendar (and session texts) into the site and load it."""
    path = site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    for rel, content in (files or {}).items():
        target = path.parent / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")
    diag = Diagnostics(site)
    return load_calendar(path, "programmes/p/index", config, diag), diag


def errors(diag: Diagnostics) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in diag.errors]


def warnings(diag: Diagnostics) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in diag.warnings]


def one_session(start: str, zone: str | None = None, duration: int = 90, extra: str = "") -> str:
    zone_line = f"\n    timezone: {zone}" if zone else ""
    return (f"sessions:\n  - id: s-01\n    start: {start}{zone_line}\n    duration: {duration}\n"
            f"    title: {{en: \"Title\", es: \"Título\"}}\n{extra}")


# ---------------------------------------------------------------------------
# A valid calendar


def test_valid_calendar_loads_with_every_field(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, """\
        timezone: America/Bogota
        sessions:
          - id: s-02
            start: 2021-09-09 09:00
            duration: 60
            title: Second
          - id: s-01
            start: 2021-09-02 09:00
            duration: 90
            title: {en: "Quality systems", es: "Sistemas de calidad"}
            summary: {en: "Read *this*", es: "Lea *esto*"}
            presenters: ["Dr Dan Milner (ASCP)", "Dra. Ana Pérez"]
            language: [es, en]
            join_url: https://zoom.us/j/123
            status: cancelled
        """)
    assert diag.problems == []
    assert [s.id for s in sessions] == ["s-01", "s-02"]  # sorted by start
    first = sessions[0]
    assert first.start == datetime(2021, 9, 2, 9, 0, tzinfo=BOGOTA)
    assert first.start_utc == datetime(2021, 9, 2, 14, 0, tzinfo=UTC)
    assert first.end_utc == datetime(2021, 9, 2, 15, 30, tzinfo=UTC)
    assert first.zone.key == "America/Bogota"
    assert first.title.get("es") == "Sistemas de calidad"
    assert [person.name.get("es") for person in first.presenters] == ["Dr Dan Milner (ASCP)", "Dra. Ana Pérez"]
    assert first.languages == ("es", "en")
    assert first.status == "cancelled"
    assert first.join_url == "https://zoom.us/j/123"
    assert first.line == 7 and first.programme == "programmes/p/index"
    assert sessions[1].languages == ("en",)  # default: the site's default language
    assert sessions[1].status == "scheduled"


def test_session_timezone_overrides_calendar_timezone(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, one_session("2021-09-02 09:00", "America/Chicago"))
    assert diag.problems == []
    assert sessions[0].start_utc == datetime(2021, 9, 2, 9, 0, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)


def test_quoted_start_is_read_as_written(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, one_session('"2021-09-02 09:00"'))
    assert diag.problems == []
    assert sessions[0].start_utc == datetime(2021, 9, 2, 14, 0, tzinfo=UTC)


def test_end_across_a_dst_change_keeps_the_real_length(site: Path, config: Config) -> None:
    # 01:30 CEST + 90 minutes of real time is 02:00 CET, not the wall-clock 03:00.
    sessions, _ = load(site, config, one_session("2021-10-31 01:30", "Europe/Madrid"))
    session = sessions[0]
    assert session.end_utc - session.start_utc == timedelta(minutes=90)
    assert session.end.utcoffset() == timedelta(hours=1)
    assert (session.end.hour, session.end.minute) == (2, 0)


# ---------------------------------------------------------------------------
# Bad input: each case asserts its message and line


def replace(line_from: str, line_to: str) -> str:
    assert line_from in GOOD_ITEM
    return GOOD_ITEM.replace(line_from, line_to)


BAD_CASES = [
    ("id-missing", replace("  - id: s-01\n    start", "  - start"), [
        (2, '"id" is required: a short name of lowercase letters, digits and hyphens, such as pathology-01')]),
    ("id-uppercase", replace("id: s-01", "id: Session 1"), [
        (2, '"id" "Session 1" may contain only lowercase letters, digits and hyphens '
            "(it is used in URLs and calendar UIDs); write e.g. pathology-01")]),
    ("id-leading-hyphen", replace("id: s-01", "id: -s"), [
        (2, '"id" "-s" may contain only lowercase letters, digits and hyphens '
            "(it is used in URLs and calendar UIDs); write e.g. pathology-01")]),
    ("start-missing", replace("    start: 2021-09-02 09:00\n", ""), [
        (2, '"start" is required; write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00')]),
    ("start-yaml-1.1-sexagesimal", replace("start: 2021-09-02 09:00", "start: 10:30"), [
        (3, '"start" "10:30" is not a date and time; '
            "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00")]),
    ("start-date-only", replace("start: 2021-09-02 09:00", "start: 2021-09-02"), [
        (3, '"start" "2021-09-02" is not a date and time; '
            "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00")]),
    ("start-seconds", replace("start: 2021-09-02 09:00", "start: 2021-09-02 09:00:00"), [
        (3, '"start" "2021-09-02 09:00:00" is not a date and time; '
            "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00")]),
    ("start-one-digit-hour", replace("start: 2021-09-02 09:00", "start: 2021-09-02 9:00"), [
        (3, '"start" "2021-09-02 9:00" is not a date and time; '
            "write the local date and time as YYYY-MM-DD HH:MM, such as 2021-09-02 09:00")]),
    ("start-invalid-date", replace("start: 2021-09-02 09:00", "start: 2021-02-30 09:00"), [
        (3, '"start" "2021-02-30 09:00" is not a valid date (day is out of range for month); '
            "check the day and month")]),
    ("start-invalid-month", replace("start: 2021-09-02 09:00", "start: 2021-13-01 09:00"), [
        (3, '"start" "2021-13-01 09:00" is not a valid date (month must be in 1..12); check the day and month')]),
    ("start-invalid-time", replace("start: 2021-09-02 09:00", "start: 2021-09-02 24:00"), [
        (3, '"start" "2021-09-02 24:00" is not a valid time; hours go from 00 to 23 and minutes from 00 to 59')]),
    ("duration-missing", replace("    duration: 90\n", ""), [
        (2, 'the session has no "duration"; write whole minutes, e.g. duration: 90')]),
    ("duration-sexagesimal", replace("duration: 90", "duration: 1:30"), [
        (4, '"duration" "1:30" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-text", replace("duration: 90", 'duration: "90 min"'), [
        (4, '"duration" "90 min" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-quoted-number", replace("duration: 90", 'duration: "90"'), [
        (4, '"duration" "90" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-float", replace("duration: 90", "duration: 90.5"), [
        (4, '"duration" "90.5" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-hours", replace("duration: 90", "duration: 1h30"), [
        (4, '"duration" "1h30" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-octal", replace("duration: 90", "duration: 010"), [
        (4, '"duration" "010" is not a number of minutes; write whole minutes, e.g. duration: 90')]),
    ("duration-zero", replace("duration: 90", "duration: 0"), [
        (4, '"duration" 0 must be between 1 and 1440 minutes (24 hours); write whole minutes, e.g. duration: 90')]),
    ("duration-too-long", replace("duration: 90", "duration: 1441"), [
        (4, '"duration" 1441 must be between 1 and 1440 minutes (24 hours); write whole minutes, e.g. duration: 90')]),
    ("title-missing", replace('    title: {en: "Title", es: "Título"}\n', ""), [
        (2, 'the session has no "title"; add title: {en: "…", es: "…"}')]),
    ("title-no-default-language", replace('title: {en: "Title", es: "Título"}', 'title: {es: "Título"}'), [
        (5, '"title" has no text in the default language "en"; add en: "…"')]),
    ("title-empty", replace('title: {en: "Title", es: "Título"}', 'title: {en: "Title", es: ""}'), [
        (5, '"title" is empty; write the session\'s title in every language you give')]),
    ("title-unknown-language", replace('title: {en: "Title", es: "Título"}', 'title: {en: "Title", fr: "Titre"}'), [
        (5, '"title" has unknown language "fr"; configured: en, es')]),
    ("summary-no-default-language", GOOD_ITEM + '    summary: {es: "Resumen"}\n', [
        (6, '"summary" has no text in the default language "en"; add en: "…"')]),
    ("presenters-not-a-list", GOOD_ITEM + "    presenters: Dr A\n", [
        (6, '"presenters" must be a list of people, ' + PRESENTER_HINT)]),
    ("presenter-not-text", GOOD_ITEM + "    presenters:\n      - Dr A\n      - 123\n", [
        (8, 'each presenter must be a name in quotes or a mapping with a name, ' + PRESENTER_HINT + '; got "123"')]),
    ("presenter-without-name", GOOD_ITEM + "    presenters:\n      - {role: Nurse}\n", [
        (7, "a presenter needs a name, " + PRESENTER_HINT)]),
    ("presenter-empty-role", GOOD_ITEM + '    presenters:\n      - {name: Ana, role: {en: Nurse, es: " "}}\n', [
        (7, "the presenter's role is empty; write it or remove it")]),
    ("presenter-role-not-text", GOOD_ITEM + "    presenters:\n      - {name: Ana, affiliation: [A, B]}\n", [
        (7, '"presenter affiliation" must be text, or a mapping of language code to text (en: "…", es: "…"); '
            "put it in quotes")]),
    ("language-yaml-no", GOOD_ITEM + "    language: no\n", [
        (6, '"language" "no" is not a configured language (YAML reads no, yes, on and off as true or false: '
            "put a code in quotes); use en, es or a list of them")]),
    ("language-unknown", GOOD_ITEM + "    language: [en, esp]\n", [
        (6, '"language" "esp" is not a configured language (did you mean "es"?); use en, es or a list of them')]),
    ("status-unknown", GOOD_ITEM + "    status: canceled\n", [
        (6, '"status" "canceled" is unknown (did you mean "cancelled"?); use scheduled, cancelled, postponed')]),
    ("timezone-unknown", GOOD_ITEM + "    timezone: Europe/Madird\n", [
        (6, 'unknown time zone "Europe/Madird" (did you mean "Europe/Madrid"?); '
            "use a region zone such as America/Bogota")]),
    ("join-url-not-http", GOOD_ITEM + "    join_url: zoom.us/j/123\n", [
        (6, '"join_url" "zoom.us/j/123" must be an absolute http(s) URL, such as https://zoom.us/j/123456789')]),
    ("join-url-javascript", GOOD_ITEM + '    join_url: "javascript:alert(1)"\n', [
        (6, '"join_url" "javascript:alert(1)" must be an absolute http(s) URL, such as https://zoom.us/j/123456789')]),
    ("item-not-a-mapping", "sessions:\n  - s-01\n", [
        (2, "each session must be a mapping of keys to values (id: …, start: …)")]),
    ("no-sessions-key", "timezone: America/Bogota\n", [
        (1, 'a calendar must be a mapping with a "sessions" list: '
            "sessions: [{id: …, start: …, duration: …, title: …}]")]),
    ("not-a-mapping", "- id: s-01\n", [
        (1, 'a calendar must be a mapping with a "sessions" list: '
            "sessions: [{id: …, start: …, duration: …, title: …}]")]),
    ("sessions-not-a-list", "sessions: {id: s-01}\n", [
        (1, '"sessions" must be a list of sessions, each starting with "- id: …"')]),
    ("calendar-timezone-unknown", "timezone: Bogota\n" + GOOD_ITEM, [
        (1, 'unknown time zone "Bogota" (did you mean "America/Bogota"?); use a region zone such as America/Bogota')]),
    ("malformed-yaml", GOOD_ITEM + '    title: "unclosed\n', [
        (6, "malformed YAML: the quoted text that starts on this line is never closed; end it with the same quote mark")]),
    ("duplicate-key", GOOD_ITEM + "    duration: 60\n", [
        (6, 'duplicate key "duration"; keep only one')]),
]


@pytest.mark.parametrize("yaml_text, expected", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_reported_with_line(site: Path, config: Config, yaml_text: str,
                                         expected: list[tuple[int, str]]) -> None:
    sessions, diag = load(site, config, yaml_text)
    assert errors(diag) == expected
    assert sessions == ()
    assert all(p.path == CALENDAR for p in diag.errors)


def test_presenters_are_people_with_a_role_or_an_affiliation(site: Path, config: Config) -> None:
    """Plain names still work; a mapping gives each part per language (honorifics: "Dr", "Dra.")."""
    sessions, diag = load(site, config, GOOD_ITEM + """\
    presenters:
      - "Carlos Benítez, MSc"
      - &lm {name: {en: "Dr Laura Méndez", es: "Dra. Laura Méndez"}, role: {en: Pathologist, es: Patóloga},
             affiliation: ASCP, title: Dr}
      - *lm
""")
    assert errors(diag) == []
    assert warnings(diag) == [(9, 'unknown presenter key "title"; it is ignored')]
    carlos, laura, again = sessions[0].presenters
    assert (carlos.name.get("es"), carlos.role.values, carlos.affiliation.values) == ("Carlos Benítez, MSc", (), ())
    assert [laura.name.get(lang) for lang in ("en", "es")] == ["Dr Laura Méndez", "Dra. Laura Méndez"]
    assert (laura.role.get("es"), laura.affiliation.get("es")) == ("Patóloga", "ASCP")
    assert again == laura


def test_unknown_keys_warn_with_did_you_mean(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, "timezon: America/Bogota\n" + GOOD_ITEM + "    presenter: [Dr A]\n")
    assert errors(diag) == []
    assert warnings(diag) == [
        (1, 'unknown key "timezon" (did you mean "timezone"?); it is ignored'),
        (7, 'unknown session key "presenter" (did you mean "presenters"?); it is ignored'),
    ]
    assert [s.id for s in sessions] == ["s-01"]


def test_every_error_of_a_run_is_reported(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, """\
        sessions:
          - id: ok-01
            start: 2021-09-02 09:00
            duration: 90
            title: Fine
          - id: Bad Id
            start: 2021-02-30 09:00
            duration: 1:30
            title: {es: "Sólo español"}
            status: done
          - id: s-03
            start: 2021-03-28 02:30
            timezone: Europe/Madrid
            duration: 60
            title: Gap
        """)
    assert [line for line, _ in errors(diag)] == [6, 7, 8, 9, 10, 12]
    assert [s.id for s in sessions] == ["ok-01"]


def test_empty_sessions_list_is_valid(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, "sessions: []\n")
    assert sessions == () and diag.problems == []


def test_non_utf8_calendar_is_an_error(site: Path, config: Config) -> None:
    path = site / CALENDAR
    path.parent.mkdir(parents=True)
    path.write_bytes(GOOD_ITEM.replace("Título", "T\xedtulo").encode("latin-1"))
    diag = Diagnostics(site)
    assert load_calendar(path, "p", config, diag) == ()
    assert len(diag.errors) == 1
    assert diag.errors[0].line == 5 and "not UTF-8" in diag.errors[0].message


# ---------------------------------------------------------------------------
# Daylight-saving gaps and repeated hours


def test_start_in_a_dst_gap_is_an_error(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, one_session("2021-03-28 02:30", "Europe/Madrid"))
    assert errors(diag) == [(3, '"start" 2021-03-28 02:30 does not exist in Europe/Madrid: the clocks jump '
                                "from 02:00 to 03:00 that day (daylight saving); choose another time, "
                                "such as 2021-03-28 03:30")]
    assert sessions == ()


def test_start_in_the_paraguay_gap_is_an_error(site: Path, config: Config) -> None:
    # Paraguay moved its clocks from 00:00 to 01:00 on 3 October 2021.
    _, diag = load(site, config, one_session("2021-10-03 00:30", "America/Asuncion"))
    assert errors(diag) == [(3, '"start" 2021-10-03 00:30 does not exist in America/Asuncion: the clocks jump '
                                "from 00:00 to 01:00 that day (daylight saving); choose another time, "
                                "such as 2021-10-03 01:30")]


def test_repeated_hour_without_offset_is_an_error(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, one_session("2021-10-31 02:30", "Europe/Madrid"))
    assert errors(diag) == [(3, '"start" 2021-10-31 02:30 happens twice in Europe/Madrid: the clocks go back '
                                "from 03:00 to 02:00 that night; add the UTC offset of the one you mean: "
                                "2021-10-31 02:30 +02:00 (the first, before the change) or "
                                "2021-10-31 02:30 +01:00 (the second, after it)")]
    assert sessions == ()


@pytest.mark.parametrize("written, utc_hour", [("2021-10-31 02:30 +01:00", 1), ("2021-10-31 02:30 +02:00", 0),
                                               ("2021-10-31 02:30+01:00", 1)])
def test_repeated_hour_with_offset_is_that_instant(site: Path, config: Config, written: str, utc_hour: int) -> None:
    sessions, diag = load(site, config, one_session(written, "Europe/Madrid"))
    assert diag.problems == []
    assert sessions[0].start_utc == datetime(2021, 10, 31, utc_hour, 30, tzinfo=UTC)
    assert sessions[0].start.utcoffset() == timedelta(hours=2 - utc_hour)


def test_repeated_hour_with_a_wrong_offset_is_an_error(site: Path, config: Config) -> None:
    _, diag = load(site, config, one_session("2021-10-31 02:30 -05:00", "Europe/Madrid"))
    assert errors(diag) == [(3, '"start" offset -05:00 matches neither 2021-10-31 02:30 in Europe/Madrid; '
                                "write 2021-10-31 02:30 +02:00 (the first, before the change) or "
                                "2021-10-31 02:30 +01:00 (the second, after it)")]


def test_offset_on_an_ordinary_time_must_match(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, one_session("2021-09-02 09:00 -05:00"))
    assert diag.problems == [] and sessions[0].start_utc == datetime(2021, 9, 2, 14, 0, tzinfo=UTC)
    _, diag = load(site, config, one_session("2021-09-02 09:00 -04:00"))
    assert errors(diag) == [(3, '"start" offset -04:00 does not match America/Bogota, which is at -05:00 '
                                "on 2021-09-02 09:00; correct the offset or remove it")]


def test_repeated_hour_in_chicago(site: Path, config: Config) -> None:
    _, diag = load(site, config, one_session("2021-11-07 01:15", "America/Chicago"))
    assert errors(diag) == [(3, '"start" 2021-11-07 01:15 happens twice in America/Chicago: the clocks go back '
                                "from 02:00 to 01:00 that night; add the UTC offset of the one you mean: "
                                "2021-11-07 01:15 -05:00 (the first, before the change) or "
                                "2021-11-07 01:15 -06:00 (the second, after it)")]


# ---------------------------------------------------------------------------
# Duplicate ids and session texts


def test_duplicate_id_anywhere_in_the_site(site: Path, config: Config) -> None:
    first, _ = load(site, config, GOOD_ITEM, name="content/programmes/a/sessions.yaml")
    second, _ = load(site, config, "sessions:\n" + GOOD_ITEM.split("\n", 1)[1].replace("09-02", "09-09"),
                     name="content/programmes/b/sessions.yaml")
    diag = Diagnostics(site)
    check_unique_ids(second + first, diag)
    assert [(p.path, p.line, p.message) for p in diag.errors] == [
        ("content/programmes/b/sessions.yaml", 2,
         'duplicate session id "s-01", first used at content/programmes/a/sessions.yaml:2; '
         "ids must be unique in the site: rename one")]


def test_duplicate_id_in_one_calendar(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, GOOD_ITEM + GOOD_ITEM.split("\n", 1)[1])
    diag = Diagnostics(site)
    check_unique_ids(sessions, diag)
    assert errors(diag) == [(6, f'duplicate session id "s-01", first used at {CALENDAR}:2; '
                                "ids must be unique in the site: rename one")]


def test_session_texts_override_title_and_summary(site: Path, config: Config) -> None:
    sessions, diag = load(site, config, GOOD_ITEM + '    summary: {en: "Short", es: "Corto"}\n', {
        "sessions/s-01.es.md": """\
            ---
            title: "Título largo"
            ---
            Texto *largo*.
            """,
        "sessions/s-01.en.md": "Long text.\n",
        "sessions/picture.png": b"\x89PNG",
    })
    assert diag.problems == []
    session = sessions[0]
    assert session.title.get("es") == "Título largo"
    assert session.title.get("en") == "Title"
    assert session.summary.get("es") == "Corto"
    assert [t.lang for t in session.texts] == ["en", "es"]
    text = session.text("es")
    assert text is not None and text.body.strip() == "Texto *largo*." and text.body_line == 4
    assert session.text("fr") is None


def test_session_text_problems(site: Path, config: Config) -> None:
    _, diag = load(site, config, GOOD_ITEM, {
        "sessions/s-02.en.md": "No such session.\n",
        "sessions/s-01.fr.md": "Unknown language.\n",
        "sessions/s-01.md": "No language.\n",
        "sessions/s-01.es.md": "---\ntitle: Título\nsumary: Resumen\n---\nTexto\n",
        "sessions/s-01.en.md": b"caf\xe9\n",
    })
    texts = "content/programmes/p/sessions/"
    assert [(p.path, p.line, p.message) for p in diag.errors] == [
        (texts + "s-01.en.md", 1, "the file is not UTF-8 (invalid continuation byte at byte 3); save it as UTF-8"),
        (texts + "s-01.fr.md", 0, 'unknown language "fr" in the file name; configured: en, es'),
        (texts + "s-01.md", 0, "name the session text <id>.<lang>.md, such as s-01.en.md"),
        (texts + "s-02.en.md", 0, 'no session "s-02" in sessions.yaml (did you mean "s-01"?); '
                                  "rename the file after a session id"),
    ]
    assert [(p.path, p.line, p.message) for p in diag.warnings] == [
        (texts + "s-01.es.md", 3, 'unknown key "sumary" (did you mean "summary"?); '
                                  "a session text may set only title and summary"),
    ]


# ---------------------------------------------------------------------------
# City times across every 2021 daylight-saving change, checked independently


# Sessions at 09:00 Bogotá on either side of each change: Paraguay (3 Oct),
# Europe and Mexico (31 Oct), the United States (7 Nov).
DST_DATES = [(2021, 9, 30), (2021, 10, 7), (2021, 10, 28), (2021, 11, 4), (2021, 11, 11)]


@pytest.mark.parametrize("day", DST_DATES, ids=[f"{d[1]:02d}-{d[2]:02d}" for d in DST_DATES])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_city_times_match_independent_zoneinfo(site: Path, config: Config, day: tuple[int, int, int],
                                               lang: str) -> None:
    sessions, _ = load(site, config, one_session(f"{day[0]}-{day[1]:02d}-{day[2]:02d} 09:00"))
    rows = times.city_times(sessions[0], config, lang)
    assert [r.zone for r in rows] == list(CITY_ZONES)
    for row in rows:
        expected = datetime(*day, 9, 0, tzinfo=ZoneInfo("America/Bogota")).astimezone(ZoneInfo(row.zone))
        shown = datetime.fromisoformat(row.iso)
        assert shown == expected
        assert shown.utcoffset() == expected.utcoffset()
        assert (shown.hour, shown.minute) == (expected.hour, expected.minute)
        if lang == "es":  # Spanish short times are H:mm
            assert row.time == f"{expected.hour}:{expected.minute:02d}"
        total = int(expected.utcoffset().total_seconds()) // 60
        hours, minutes = divmod(abs(total), 60)
        label = f"UTC{'−' if total < 0 else '+'}{hours}" + (f":{minutes:02d}" if minutes else "")
        assert row.offset == label
        assert row.date is None and row.day_shift == 0


# The same table written out by hand: local wall times at 09:00 Bogotá (14:00 UTC).
LITERAL = {
    (2021, 9, 30): {"America/Asuncion": "10:00", "America/Mexico_City": "09:00", "Europe/Madrid": "16:00",
                    "America/Chicago": "09:00", "Asia/Yangon": "20:30", "Africa/Kigali": "16:00"},
    (2021, 10, 7): {"America/Asuncion": "11:00", "America/Mexico_City": "09:00", "Europe/Madrid": "16:00",
                    "America/Chicago": "09:00", "Asia/Yangon": "20:30", "Africa/Kigali": "16:00"},
    (2021, 10, 28): {"America/Asuncion": "11:00", "America/Mexico_City": "09:00", "Europe/Madrid": "16:00",
                     "America/Chicago": "09:00", "Asia/Yangon": "20:30", "Africa/Kigali": "16:00"},
    (2021, 11, 4): {"America/Asuncion": "11:00", "America/Mexico_City": "08:00", "Europe/Madrid": "15:00",
                    "America/Chicago": "09:00", "Asia/Yangon": "20:30", "Africa/Kigali": "16:00"},
    (2021, 11, 11): {"America/Asuncion": "11:00", "America/Mexico_City": "08:00", "Europe/Madrid": "15:00",
                     "America/Chicago": "08:00", "Asia/Yangon": "20:30", "Africa/Kigali": "16:00"},
}


@pytest.mark.parametrize("day", DST_DATES, ids=[f"{d[1]:02d}-{d[2]:02d}" for d in DST_DATES])
def test_city_times_match_the_hand_written_table(site: Path, config: Config, day: tuple[int, int, int]) -> None:
    sessions, _ = load(site, config, one_session(f"{day[0]}-{day[1]:02d}-{day[2]:02d} 09:00"))
    rows = times.city_times(sessions[0], config, "en")
    assert {r.zone: f"{datetime.fromisoformat(r.iso):%H:%M}" for r in rows} == LITERAL[day]


def test_city_whose_date_differs_shows_it(site: Path, config: Config) -> None:
    # 19:00 in Bogotá on Thursday 2 September is Friday morning in Yangon, Madrid and Kigali.
    sessions, _ = load(site, config, one_session("2021-09-02 19:00"))
    session = sessions[0]
    by_zone = {r.zone: r for r in times.city_times(session, config, "es")}
    yangon = by_zone["Asia/Yangon"]
    expected = datetime(2021, 9, 2, 19, 0, tzinfo=ZoneInfo("America/Bogota")).astimezone(ZoneInfo("Asia/Yangon"))
    assert (expected.day, expected.hour, expected.minute) == (3, 6, 30)
    assert datetime.fromisoformat(yangon.iso) == expected and yangon.time == "6:30"
    assert yangon.day_shift == 1 and yangon.date is not None
    assert "3" in yangon.date and "vie" in yangon.date  # "vie, 3 sept"
    assert yangon.name == "Yangón"
    assert by_zone["America/Chicago"].date is None
    english = {r.zone: r for r in times.city_times(session, config, "en")}
    assert "Fri" in english["Asia/Yangon"].date and "3" in english["Asia/Yangon"].date
    assert english["Asia/Yangon"].name == "Yangon"


def test_city_dates_are_relative_to_the_headline_date(site: Path, config: Config) -> None:
    """The headline date is the site's reference zone's (Bogotá), even for a session held in Yangon's time."""
    sessions, _ = load(site, config, one_session("2021-11-11 07:00", "Asia/Yangon"))
    by_zone = {r.zone: r for r in times.city_times(sessions[0], config, "en")}
    chicago = by_zone["America/Chicago"]
    expected = datetime(2021, 11, 11, 7, 0, tzinfo=ZoneInfo("Asia/Yangon")).astimezone(ZoneInfo("America/Chicago"))
    assert datetime.fromisoformat(chicago.iso) == expected and (expected.day, expected.hour, expected.minute) == (10, 18, 30)
    # Wednesday 10 November 19:00 in Bogotá: Chicago's date is the same, Yangon's the next day.
    assert chicago.day_shift == 0 and chicago.date is None
    yangon = by_zone["Asia/Yangon"]
    assert yangon.day_shift == 1 and "Thu" in yangon.date and "11" in yangon.date


def test_city_end_times_name_a_new_day(site: Path, config: Config) -> None:
    # 11:30–13:00 in Bogotá on Thursday 2 September: 23:00 in Yangon, ending at 0:30 on Friday.
    sessions, _ = load(site, config, one_session("2021-09-02 11:30"))
    yangon = {r.zone: r for r in times.city_times(sessions[0], config, "es")}["Asia/Yangon"]
    assert (yangon.time, yangon.date, yangon.end) == ("23:00", None, "0:30")
    assert "vie" in yangon.end_date and "3" in yangon.end_date


# ---------------------------------------------------------------------------
# Localized dates, durations, links and event data


def test_format_when_in_spanish_and_english(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, GOOD_ITEM)
    es = times.format_when(sessions[0], "es", config.timezone)
    assert "jueves, 2 de septiembre de 2021" in es["date"]
    assert es["time"] == "9:00–10:30"
    assert es["offset"] == "UTC−5"
    assert es["zone"] == "hora de Bogotá"
    en = times.format_when(sessions[0], "en", config.timezone)
    assert "Thursday, September 2, 2021" in en["date"]
    assert "9:00" in en["time"] and "10:30" in en["time"] and "AM" in en["time"]
    assert en["zone"] == "Bogotá Time"
    assert datetime.fromisoformat(en["start_iso"]) == datetime(2021, 9, 2, 14, 0, tzinfo=UTC)


def test_offset_follows_daylight_saving(site: Path, config: Config) -> None:
    summer, _ = load(site, config, one_session("2021-11-04 09:00", "America/Chicago"))
    winter, _ = load(site, config, one_session("2021-11-11 09:00", "America/Chicago"))
    chicago = summer[0].zone
    assert times.format_when(summer[0], "en", chicago)["offset"] == "UTC−5"
    assert times.format_when(winter[0], "en", chicago)["offset"] == "UTC−6"
    assert times.format_when(winter[0], "en", chicago)["zone"] == "Chicago Time"
    # In the reference zone (Bogotá, no daylight saving) the same two starts are 9:00 and 10:00.
    assert times.format_when(summer[0], "es", config.timezone)["time"].startswith("9:00")
    assert times.format_when(winter[0], "es", config.timezone)["time"].startswith("10:00")


@pytest.mark.parametrize("zone, lang, label", [("America/Bogota", "en", "Bogotá Time"), ("America/Bogota", "es", "hora de Bogotá"),
                                               ("Europe/Vienna", "es", "hora de Viena"), ("UTC", "es", "UTC"),
                                               ("Etc/UTC", "en", "UTC")])
def test_zone_label_names_the_city(zone: str, lang: str, label: str) -> None:
    assert times.zone_label(zone, lang) == label


@pytest.mark.parametrize("lang, cycle", [("en", "h12"), ("es", "h23"), ("en-GB", "h23"), ("fr", "h23")])
def test_one_clock_per_language_from_the_locale(lang: str, cycle: str) -> None:
    assert times.hour_cycle(lang) == cycle


def test_ninety_minutes_is_not_two_hours(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, GOOD_ITEM)
    en, es = times.format_when(sessions[0], "en", config.timezone), times.format_when(sessions[0], "es", config.timezone)
    assert en["duration"] == "1 hr 30 min" and es["duration"] == "1 h 30 min"


@pytest.mark.parametrize("minutes, en, es", [(45, "45 min", "45 min"), (60, "1 hr", "1 h"),
                                             (120, "2 hr", "2 h"), (135, "2 hr 15 min", "2 h 15 min")])
def test_duration_text(minutes: int, en: str, es: str) -> None:
    assert times.duration_text(minutes, "en") == en
    assert times.duration_text(minutes, "es") == es


def test_google_calendar_link_has_exact_utc_dates(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, one_session("2021-11-04 09:00", "America/Chicago"))
    url = events.google_calendar_url(sessions[0], "es", config.languages, "https://example.org/es/s/")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    query = parse_qs(parts.query)
    start = datetime(2021, 11, 4, 9, 0, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)
    end = start + timedelta(minutes=90)
    assert query["dates"] == [f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"] == ["20211104T140000Z/20211104T153000Z"]
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Título"]
    assert "https://example.org/es/s/" in query["details"][0]
    assert " " not in url and "+" not in url  # spaces are %20, as quote_via=quote makes them


def test_outlook_link_has_exact_utc_dates(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, one_session("2021-10-31 02:30 +01:00", "Europe/Madrid"))
    url = events.outlook_url(sessions[0], "en", config.languages, "https://example.org/en/s/")
    assert url.startswith("https://outlook.live.com/calendar/deeplink/compose?")
    query = parse_qs(urlsplit(url).query)
    assert query["startdt"] == ["2021-10-31T01:30:00Z"] and query["enddt"] == ["2021-10-31T03:00:00Z"]
    assert query["subject"] == ["Title"] and query["rru"] == ["addevent"]


def test_event_jsonld(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, GOOD_ITEM + '    presenters: ["Dr A", {name: {en: Dr B, es: Dra. B}, role: '
                                    '{en: Nurse, es: Enfermera}, affiliation: ISNCC}]\n    language: es\n'
                                    "    join_url: https://zoom.us/j/1\n    status: cancelled\n")
    data = json.loads(json.dumps(events.event_jsonld(
        sessions[0], "es", config.languages, config, "https://example.org/es/s/", "Resumen",
        "https://example.org/i.png")))
    start = datetime.fromisoformat(data["startDate"])
    end = datetime.fromisoformat(data["endDate"])
    assert start.utcoffset() is not None and end.utcoffset() is not None
    assert data["startDate"] == "2021-09-02T09:00:00-05:00"
    assert start == datetime(2021, 9, 2, 9, 0, tzinfo=ZoneInfo("America/Bogota"))
    assert end - start == timedelta(minutes=90)
    assert data["@type"] == "Event" and data["name"] == "Título"
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://zoom.us/j/1"}
    assert data["inLanguage"] == "es"
    assert data["organizer"] == {"@type": "Organization", "name": "C/Can", "url": "https://citycancerchallenge.org/"}
    assert data["performer"] == [{"@type": "Person", "name": "Dr A"},
                                 {"@type": "Person", "name": "Dra. B", "jobTitle": "Enfermera",
                                  "affiliation": {"@type": "Organization", "name": "ISNCC"}}]
    assert data["url"] == "https://example.org/es/s/" and data["description"] == "Resumen"
    assert data["image"] == ["https://example.org/i.png"]


def test_event_jsonld_status_and_location_defaults(site: Path, config: Config) -> None:
    sessions, _ = load(site, config, GOOD_ITEM + "    status: postponed\n")
    data = events.event_jsonld(sessions[0], "en", config.languages, config, "https://example.org/en/s/", "Title",
                               None)
    assert data["eventStatus"] == "https://schema.org/EventPostponed"
    assert data["location"]["url"] == "https://example.org/en/s/"
    assert "image" not in data and "performer" not in data


def test_plain_text_of_markdown_summary() -> None:
    assert plain_text("Read **this** [guide](https://x.org/g) & [that](../other/).") == \
        "Read this guide (https://x.org/g) & that."
    assert plain_text("One\n\n- a\n- b") == "One\n\n- a\n- b"
