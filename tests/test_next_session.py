"""The next session, past and live sessions and the visitor's own time, as Chromium shows them.

The `timeline` fixture site has, in Bogotá's reference time (UTC−5) and Vienna's (UTC+2):
alpha-1 (2 Sep 14:00–15:30 UTC), beta-1 (8 Sep, cancelled), alpha-2 (9 Sep, postponed),
beta-2 (15 Sep 14:00–15:30 UTC, held in Vienna's time), alpha-3 (23 Sep 00:00–01:00 UTC,
the last) and beta-3 (29 Sep, cancelled). Each page is loaded with the clock frozen
(`tests/browser/clock.mjs`) before the first session, between two, during one and after
the last, in Yangon, Asunción and Vienna, with scripts on and off.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO
from test_browser import _chromium, _node, serve

pytestmark = pytest.mark.browser

CLOCK_SCRIPT = REPO / "tests" / "browser" / "clock.mjs"
MOMENTS = {
    "before": "2021-09-01T12:00:00Z",
    "between": "2021-09-05T12:00:00Z",  # alpha-1 over; the cancelled and the postponed one still ahead
    "during": "2021-09-15T14:45:00Z",   # beta-2 on now
    "after": "2021-10-15T12:00:00Z",
}
ZONES = ("Asia/Yangon", "America/Asuncion", "Europe/Vienna")
PAGES = {"home": "en/", "calendar": "en/calendar/", "programme-es": "es/programmes/alpha/", "home-es": "es/",
         "alpha-1": "en/sessions/alpha-1/", "beta-2": "en/sessions/beta-2/", "alpha-3": "en/sessions/alpha-3/"}


def _case(name: str, moment: str, zone: str = "Europe/Vienna", scripts: bool = True, width: int = 1280,
          axe: bool = False) -> dict:
    return {"key": (name, moment, zone, scripts, width), "path": PAGES[name], "time": MOMENTS[moment],
            "timezoneId": zone, "javaScript": scripts, "width": width, "axe": axe}


def _cases() -> list[dict]:
    cases = [_case(name, moment, zone) for name in ("home", "calendar") for moment in MOMENTS for zone in ZONES]
    cases += [_case("programme-es", moment) for moment in MOMENTS]
    cases += [_case(name, moment, zone) for name, moment in (("alpha-1", "between"), ("beta-2", "during"),
                                                             ("alpha-3", "before")) for zone in ZONES]
    cases += [_case("home-es", "before", "Asia/Yangon"), _case("programme-es", "between", "Asia/Yangon")]
    cases += [_case(name, "after", scripts=False) for name in PAGES]
    # Accessibility and phone width of the panel in each state, and of a session page with its own row.
    cases += [_case("home", moment, "America/Asuncion", width=375, axe=True) for moment in ("before", "during", "after")]
    cases += [_case(name, "before", "America/Asuncion", width=width, axe=True)
              for name in ("home-es", "alpha-3") for width in (375, 1280)]
    return cases


@pytest.fixture(scope="module")
def seen(timeline_out: Path) -> Iterator[dict[tuple, dict]]:
    """What every case shows, by (page, moment, zone, scripts on, width)."""
    node, chromium = _node(), _chromium()
    cases = _cases()
    with serve(timeline_out) as url:
        run = subprocess.run([node, str(CLOCK_SCRIPT)], capture_output=True, text=True, timeout=600, check=False,
                             input=json.dumps({"cases": [{**{k: v for k, v in c.items() if k not in ("key", "path")},
                                                          "url": url + c["path"]} for c in cases]}),
                             env={**os.environ, "CHROMIUM": chromium}, cwd=REPO)
    if run.returncode:
        pytest.fail(f"clock.mjs exited {run.returncode}:\n{run.stderr[-4000:]}", pytrace=False)
    results = json.loads(run.stdout)
    assert len(results) == len(cases)
    yield {tuple(c["key"]): r for c, r in zip(cases, results)}


def page(seen: dict, name: str, moment: str, zone: str = "Europe/Vienna", scripts: bool = True, width: int = 1280) -> dict:
    result = seen[(name, moment, zone, scripts, width)]
    assert result["status"] == 200 and not result["errors"], result["errors"]
    return result


# What the home panel shows: (heading, title, time in each zone with its zone).
PANEL = {
    "before": ("Next session", "First alpha session", {
        "Asia/Yangon": ("Thursday, September 2, 2021, 8:30 – 10:00 PM", "Myanmar Time, UTC+6:30"),
        "America/Asuncion": ("Thursday, September 2, 2021, 10:00 – 11:30 AM", "Paraguay Standard Time, UTC−4"),
        "Europe/Vienna": ("Thursday, September 2, 2021, 4:00 – 5:30 PM", "Central European Summer Time, UTC+2")}),
    "between": ("Next session", "Second beta session", {
        "Asia/Yangon": ("Wednesday, September 15, 2021, 8:30 – 10:00 PM", "Myanmar Time, UTC+6:30"),
        "America/Asuncion": ("Wednesday, September 15, 2021, 10:00 – 11:30 AM", "Paraguay Standard Time, UTC−4"),
        "Europe/Vienna": ("Wednesday, September 15, 2021, 4:00 – 5:30 PM", "Central European Summer Time, UTC+2")}),
    "during": ("On now", "Second beta session", {
        "Asia/Yangon": ("Wednesday, September 15, 2021, 8:30 – 10:00 PM", "Myanmar Time, UTC+6:30"),
        "America/Asuncion": ("Wednesday, September 15, 2021, 10:00 – 11:30 AM", "Paraguay Standard Time, UTC−4"),
        "Europe/Vienna": ("Wednesday, September 15, 2021, 4:00 – 5:30 PM", "Central European Summer Time, UTC+2")}),
}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", ["before", "between", "during"])
def test_panel_shows_the_session_on_now_or_next_in_the_visitors_time(seen, moment, zone):
    panel = page(seen, "home", moment, zone)["panel"]
    heading, title, local = PANEL[moment]
    assert (panel["heading"], panel["title"]) == (heading, title)
    assert (panel["yours"], panel["yoursZone"]) == local[zone]
    reference = "Thursday, September 2, 2021, 9:00 – 10:30 AM" if moment == "before" else \
        "Wednesday, September 15, 2021, 9:00 – 10:30 AM"
    assert panel["reference"] == f"Bogotá Time: {reference}"
    assert panel["programme"] == ("Programme alpha" if moment == "before" else "Programme beta")
    assert panel["join"]
    # Adding a session that has begun to a calendar is no use: no such links while it is on.
    assert panel["ics"] == (moment != "during")


@pytest.mark.parametrize("zone", ZONES)
def test_after_the_last_session_the_panel_says_the_programme_ended(seen, zone):
    panel = page(seen, "home", "after", zone)["panel"]
    assert panel["heading"] == "The programme has ended" and panel["title"] is None
    assert panel["static"] == "3 sessions: Sep 2 – 22, 2021. Every session with its time"
    # It points to the latest recording (beta-2's; alpha-3, the last session, has none), then the list
    # where every session shows its own.
    assert (panel["recording"], panel["recordingHref"]) == ("Second beta session", "https://video.example.org/beta-2")
    assert panel["links"] == [["Second beta session", "https://video.example.org/beta-2"],
                              ["Every session with its time", "calendar/"]]


def test_an_ended_programme_points_to_its_own_latest_recording(seen):
    panel = page(seen, "programme-es", "after")["panel"]
    assert panel["heading"] == "El programa ha terminado"
    assert (panel["recording"], panel["recordingHref"]) == ("Primera sesión alfa", "https://video.example.org/alpha-1")
    assert panel["links"][-1] == ["Todas las sesiones con su horario", "#sessions-heading"]
    # Before the end, the panel shows the next session and no recording.
    assert page(seen, "programme-es", "between")["panel"]["recording"] is None


def test_spanish_panel_uses_the_24_hour_clock_of_the_locale(seen):
    panel = page(seen, "home-es", "before", "Asia/Yangon")["panel"]
    assert panel["heading"] == "Próxima sesión" and panel["title"] == "Primera sesión alfa"
    assert panel["yours"] == "jueves, 2 de septiembre de 2021, 20:30–22:00"
    assert panel["reference"] == "hora de Bogotá: jueves, 2 de septiembre de 2021, 9:00–10:30"
    programme = page(seen, "programme-es", "between", "Asia/Yangon")["panel"]
    assert programme["title"] == "Última sesión alfa, tarde en Bogotá"  # not the postponed alpha-2
    assert programme["programme"] is None  # the page's own programme goes without saying
    assert programme["yours"] == "jueves, 23 de septiembre de 2021, 6:30–7:30"


# Marks of the calendar page's list: (next, on now, past).
MARKS = {"before": (["alpha-1"], [], []),
         "between": (["beta-2"], [], ["alpha-1"]),
         "during": (["alpha-3"], ["beta-2"], ["alpha-1"]),
         "after": ([], [], ["alpha-1", "beta-2", "alpha-3"])}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_one_next_at_most_and_never_a_cancelled_or_postponed_one(seen, moment, zone):
    calendar = page(seen, "calendar", moment, zone)
    assert (calendar["next"], calendar["now"], calendar["past"]) == MARKS[moment]
    assert calendar["cancelledOrPostponedMarked"] == []
    assert calendar["panel"]["title"] == {"before": "First alpha session", "between": "Second beta session",
                                          "during": "Second beta session", "after": None}[moment]
    programme = page(seen, "programme-es", moment)
    assert programme["next"] == {"before": ["alpha-1"], "after": []}.get(moment, ["alpha-3"])
    assert programme["cancelledOrPostponedMarked"] == []


def test_list_items_gain_the_visitors_own_time(seen):
    yangon = page(seen, "calendar", "before", "Asia/Yangon")["yourTimes"]
    assert yangon[0] == "Your time: Thu, Sep 2, 8:30 PM (UTC+6:30)"
    assert "Your time: Thu, Sep 23, 6:30 AM (UTC+6:30)" in yangon
    assert len(yangon) == 6


@pytest.mark.parametrize("zone", ZONES)
def test_a_past_session_shows_it_ended_instead_of_join(seen, zone):
    over = page(seen, "alpha-1", "between", zone)
    # Neither joining nor adding a session to a calendar is any use once it is over; while it is
    # on, only joining is.
    assert over["join"] == 0 and over["sessionState"] == "This session has ended." and over["calendarLinks"] == 0
    live = page(seen, "beta-2", "during", zone)
    assert live["join"] == 1 and live["sessionState"] == "This session is on now." and live["calendarLinks"] == 1
    ahead = page(seen, "alpha-3", "before", zone)
    # .ics, Google Calendar, Outlook for work or school accounts, Outlook.com
    assert ahead["join"] == 1 and ahead["sessionState"] is None and ahead["calendarLinks"] == 5


def test_session_page_marks_the_visitors_city_or_adds_their_zone(seen):
    yangon = page(seen, "alpha-3", "before", "Asia/Yangon")
    assert yangon["yoursRows"] == [["Yangon (you)", "6:30 AM (Thu, Sep 23)", "7:30 AM", "UTC+6:30"]]
    assert yangon["localTime"] == "In your time zone (Myanmar Time, UTC+6:30): Thursday, September 23, 2021, 6:30 – 7:30 AM"
    vienna = page(seen, "alpha-3", "before", "Europe/Vienna")
    assert vienna["yoursRows"] == [["Vienna (you)", "2:00 AM (Thu, Sep 23)", "3:00 AM", "UTC+2"]]
    asuncion = page(seen, "alpha-3", "before", "America/Asuncion")
    assert asuncion["yoursRows"] == [["Your time zone", "8:00 PM", "9:00 PM", "UTC−4"]]
    assert asuncion["cityRows"] == 5  # four cities and the visitor's own row


@pytest.mark.parametrize("name", list(PAGES))
def test_without_scripts_nothing_depends_on_the_date(seen, name):
    shown = page(seen, name, "after", scripts=False)
    assert (shown["next"], shown["now"], shown["past"]) == ([], [], [])
    assert shown["sessionState"] is None and shown["localTime"] is None and shown["yoursRows"] == []
    assert shown["yourTimes"] == []
    if shown["panel"]:
        assert shown["panel"]["heading"] in ("Session dates", "Fechas de las sesiones")
        assert shown["panel"]["title"] is None
        assert shown["panel"]["static"].startswith(("3 sessions: Sep 2 – 22, 2021.", "2 sessions:",
                                                    "3 sesiones:", "2 sesiones:"))
    if name.startswith(("alpha", "beta")):
        assert shown["join"] == 1  # the join link, whatever the date


@pytest.mark.parametrize("key", [c["key"] for c in _cases() if c["axe"]], ids=lambda key: "-".join(map(str, key)))
def test_panel_and_own_row_are_accessible_and_fit_a_phone(seen, key):
    shown = page(seen, *key)
    assert shown["violations"] == []
    assert not shown["overflowX"]
